"""The streamed verification of the sign-off chain (issue #20, part 5): what PostgreSQL's COPY
sends as text must hash exactly as the values did when they were signed (escapes, NULLs, the
string "None", times on a whole second), each item's round is folded into one int, and the
reader behind ``copy_rows`` can be left early without spoiling the connection."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection

from ideology_office.common.anchors import chain_key
from ideology_office.common.chain import copy_rows
from positions import chain
from positions.models import SignOff, Step
from positions.selectors import verify_signoff_chain

from .factories import Desk
from .test_chain_tamper import _rehash_from, _sql

# These tests change the chained records behind the services' back (raw SQL) on purpose.
pytestmark = [pytest.mark.django_db, pytest.mark.rollups_unchecked]

AWKWARD = "同意。\n第二行\t制表符\\反斜杠 \\N | 竖线\r回车"


def test_values_that_copy_escapes_verify(capsys):
    desk = Desk()
    item = desk.submitted(title="标题\\含反斜杠\t和制表符|竖线")
    desk.sign(item, Step.FIRST, opinion=AWKWARD)
    desk.sign(item, Step.SECOND, opinion="None")
    desk.sign(item, Step.FINAL, opinion="\\N")
    desk.published(title="已发布")
    assert verify_signoff_chain().problems == []
    call_command("verify_signoffs")
    assert "签批记录链完整" in capsys.readouterr().out


def test_a_changed_awkward_opinion_is_still_found():
    desk = Desk()
    item = desk.submitted()
    desk.sign(item, Step.FIRST, opinion=AWKWARD)
    sequence = (
        SignOff.objects.filter(opinion=AWKWARD).order_by("sequence").values_list("sequence", flat=True)[0]
    )
    _sql(
        "UPDATE positions_signoff SET opinion = %s WHERE sequence = %s",
        [AWKWARD.replace("\t", " "), sequence],
    )
    assert verify_signoff_chain().problems[0].startswith(f"签批记录 #{sequence} 的链哈希无效")


def test_times_on_a_whole_second_verify():
    """``isoformat()`` writes no fraction when the microseconds are zero: the streamed text agrees."""
    desk = Desk()
    desk.published()
    for pk, signed_at in SignOff.objects.values_list("pk", "signed_at"):
        whole = signed_at.replace(microsecond=0) + datetime.timedelta(seconds=1)
        _sql("UPDATE positions_signoff SET signed_at = %s WHERE id = %s", [whole, pk])
    _rehash_from(1, key=chain_key())  # as the application would have written them
    assert verify_signoff_chain().problems == []


def test_each_items_round_is_one_int():
    desk = Desk()
    approved = desk.approved()
    returned = desk.submitted(title="退回的信息")
    desk.sign(returned, Step.FIRST, decision=SignOff.Decision.REJECT, opinion="请修改。")
    result = verify_signoff_chain()
    assert result.problems == []
    state = result.rounds[approved.pk]
    required = sum(chain.STEP_BITS[step] for step in chain.REQUIRED_STEPS)
    assert state & required == required and not state & (chain.RETURNED | chain.ANOTHER_REVISION)
    assert result.rounds[returned.pk] & chain.RETURNED


def test_every_step_has_its_own_bit():
    bits = [chain.STEP_BITS[step.value] for step in Step]
    assert len(set(bits)) == len(bits) and chain.OTHER_STEP not in bits
    assert all(bit < 1 << 8 for bit in bits)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_copy_rows_decodes_text_and_can_be_left_early():
    rows = copy_rows("SELECT generate_series(1, 500000), E'a\\tb\\\\c\\nd', NULL, 'None', true")
    assert next(rows) == [1, "a\tb\\c\nd", "None", "None", "t"]
    rows.close()  # the reader thread stops; the connection still answers
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert sum(1 for _ in copy_rows("SELECT generate_series(1, 1000)")) == 1000
