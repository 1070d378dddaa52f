import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from positions.models import SignOff

from .factories import Desk

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(db):
    desk = Desk()
    desk.approved()
    desk.approved(title="第二条")
    return list(SignOff.objects.order_by("sequence").values_list("sequence", flat=True))


@pytest.fixture(autouse=True)
def _past_the_triggers():
    """Raw SQL as a database superuser would: past PostgreSQL's append-only triggers."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        yield
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
    else:
        yield


def _verify():
    try:
        call_command("verify_signoffs")
    except CommandError as error:
        return str(error)
    return ""


def test_an_untouched_chain_verifies(chain, capsys):
    assert _verify() == ""
    assert "签批记录链完整" in capsys.readouterr().out


def test_a_row_changed_with_raw_sql_is_named(chain, capsys):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE positions_signoff SET opinion = %s WHERE sequence = %s", ["篡改的意见", chain[2]]
        )
    assert "未通过" in _verify()
    assert f"#{chain[2]} 的链哈希无效" in capsys.readouterr().err


def test_a_changed_row_with_a_recomputed_hash_breaks_the_next_link(chain, capsys):
    row = SignOff.objects.get(sequence=chain[3])
    row.signer_name = "冒名者"
    forged = row.compute_chain_hash(row.previous_hash)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE positions_signoff SET signer_name = %s, chain_hash = %s WHERE sequence = %s",
            ["冒名者", forged, chain[3]],
        )
    assert _verify()
    assert f"#{chain[4]} 的前一记录哈希不符" in capsys.readouterr().err


@pytest.mark.rollups_unchecked  # deletes a sign-off by raw SQL on purpose
def test_a_row_deleted_with_raw_sql_is_named(chain, capsys):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM positions_signoff WHERE sequence = %s", [chain[4]])
    assert _verify()
    assert f"#{chain[4]} 缺失" in capsys.readouterr().err


@pytest.mark.rollups_unchecked  # deletes a sign-off by raw SQL on purpose
def test_deleting_the_newest_row_is_detected(chain, capsys):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM positions_signoff WHERE sequence = %s", [chain[-1]])
    assert _verify()
    assert f"#{chain[-1]} 缺失" in capsys.readouterr().err


def test_a_changed_approved_revision_is_detected(chain, capsys):
    revision_id = SignOff.objects.get(sequence=chain[0]).revision_id
    with connection.cursor() as cursor:
        cursor.execute("UPDATE positions_contentrevision SET body = %s WHERE id = %s", ["篡改", revision_id])
    assert _verify()
    assert "的正文或标题被改动" in capsys.readouterr().err
