"""The sign-off chain against someone with write access to the database but not the chain key:
each way of rewriting the record listed in issue #15 is done in SQL, and verification names the
first bad row (the forged one itself when one is inserted) and exits non-zero."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection

from ideology_office.accounts.roles import Role
from positions import services
from positions.chain import PUBLICATION_ROW_COLUMNS, ROW_COLUMNS, link_hash, publication_link_hash
from positions.models import (
    ContentItem,
    ContentRevision,
    Publication,
    SignOff,
    SignOffChainHead,
    content_digest,
)
from positions.selectors import item_chain_state, verify_signoff_chain
from tests.factories import UserFactory

from .factories import Desk

# These tests change the chained records behind the services' back (raw SQL) on purpose.
pytestmark = [pytest.mark.django_db, pytest.mark.rollups_unchecked]

WRONG_KEY = b"the attacker does not have the key"
COLUMNS = [field.column for field in SignOff._meta.concrete_fields if field.column != "id"]


@pytest.fixture
def desk():
    return Desk()


@pytest.fixture
def items(desk):
    first = desk.published()
    second = desk.published(title="第二条信息")
    third = desk.approved(title="第三条信息")
    draft = desk.draft(title="草稿")
    return {"first": first, "second": second, "third": third, "draft": draft}


def _sql(query, params=()):
    """As someone with the database's own rights: on PostgreSQL past the append-only triggers
    (which a superuser can switch off for the session), on SQLite straight in."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(query, params)
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = DEFAULT")


def _rows():
    """The whole chain: sign-offs (ROW_COLUMNS) and publications (PUBLICATION_ROW_COLUMNS) by sequence."""
    return sorted(
        [
            *SignOff.objects.values_list(*ROW_COLUMNS),
            *Publication.objects.filter(sequence__isnull=False).values_list(*PUBLICATION_ROW_COLUMNS),
        ],
        key=lambda row: row[0],
    )


def _hash_at(sequence):
    return next(row[-1] for row in _rows() if row[0] == sequence)


def _head():
    return SignOffChainHead.objects.get(pk=1)


def _problems():
    return verify_signoff_chain().problems


def _command_fails(capsys) -> str:
    with pytest.raises(CommandError):
        call_command("verify_signoffs")
    return capsys.readouterr().err


def _copy_row(source, **changes):
    """Insert a copy of row ``sequence`` with ``changes`` (a sequence among them), in SQL."""
    select = [f"%s AS {column}" if column in changes else column for column in COLUMNS]
    params = [changes[column] for column in COLUMNS if column in changes]
    _sql(
        f"INSERT INTO positions_signoff ({', '.join(COLUMNS)}) "  # noqa: S608 - test
        f"SELECT {', '.join(select)} FROM positions_signoff WHERE sequence = %s",
        [*params, source],
    )


def _rehash_from(sequence, key=WRONG_KEY):
    """Recompute every hash from ``sequence`` on, sign-offs and publications (as an attacker
    would, with a guessed key or the real one) and move the head to the new tail."""
    rows = _rows()
    previous = next((row[-1] for row in rows if row[0] == sequence - 1), "0" * 64)
    for row in rows:
        if row[0] < sequence:
            continue
        if len(row) == len(PUBLICATION_ROW_COLUMNS):
            chain_hash, table = publication_link_hash(previous, row[:-2], key), "positions_publication"
        else:
            chain_hash, table = link_hash(previous, row[:14], key), "positions_signoff"
        _sql(
            f"UPDATE {table} SET previous_hash = %s, chain_hash = %s WHERE sequence = %s",  # noqa: S608 - test
            [previous, chain_hash, row[0]],
        )
        previous = chain_hash
    _sql("UPDATE positions_signoffchainhead SET last_sequence = %s, last_hash = %s", [rows[-1][0], previous])


def _shift(first, by):
    """Renumber every row of the chain from ``first`` on by ``by`` (in two steps, so no number collides)."""
    for table in ("positions_signoff", "positions_publication"):
        _sql(f"UPDATE {table} SET sequence = sequence + 1000000 WHERE sequence >= %s", [first])  # noqa: S608
        _sql(f"UPDATE {table} SET sequence = sequence - 1000000 + %s WHERE sequence >= 1000000", [by])  # noqa: S608


def test_an_untouched_chain_verifies(items, capsys):
    assert _problems() == []
    call_command("verify_signoffs")
    assert "签批记录链完整" in capsys.readouterr().out
    assert item_chain_state(items["first"]).ok


def test_a_forged_row_appended_after_the_head_is_named(items, desk, capsys):
    last = _head().last_sequence
    _copy_row(last, sequence=last + 1, opinion="伪造的同意")
    forged = SignOff.objects.get(sequence=last + 1).pk
    row = SignOff.objects.filter(sequence=last + 1).values_list(*ROW_COLUMNS).get()
    _sql(
        "UPDATE positions_signoff SET previous_hash = %s, chain_hash = %s WHERE id = %s",
        [row[15], link_hash(row[15], row[:14], WRONG_KEY), forged],
    )
    problems = _problems()
    assert f"签批记录 #{last + 1} 的链哈希无效" in problems[0]
    assert any("位于链头" in problem for problem in problems)
    assert f"#{last + 1}" in _command_fails(capsys)
    # Nobody signs on after it: a clear refusal, never the database's duplicate-key message.
    _assert_signing_refused(desk, items)


def _assert_signing_refused(desk, items):
    item = services.content_item_submit(item=items["draft"], user=desk.author)
    with pytest.raises(ValidationError) as refused:
        desk.sign(item)
    assert refused.value.error_list[0].code == "chain_broken"


def test_a_forged_row_appended_with_the_head_moved_is_named(items, capsys):
    last = _head().last_sequence
    _copy_row(last, sequence=last + 1, opinion="伪造")
    _rehash_from(last + 1)
    problems = _problems()
    assert problems[0].startswith(f"签批记录 #{last + 1} 的链哈希无效")
    assert f"#{last + 1}" in _command_fails(capsys)


def test_a_forged_row_inserted_mid_chain_with_everything_after_rehashed_is_named_itself(items):
    middle = 4
    _shift(middle, 1)
    _copy_row(middle + 1, sequence=middle, opinion="插入的伪造签批")
    _rehash_from(middle)
    problems = _problems()
    assert problems[0].startswith(f"签批记录 #{middle} 的链哈希无效")


def test_one_items_rows_deleted_and_the_rest_renumbered_and_rehashed(items):
    item = items["second"]
    first_deleted = (
        SignOff.objects.filter(item=item).order_by("sequence").values_list("sequence", flat=True)[0]
    )
    # Its sign-offs and its publication: every row of the item.
    count = SignOff.objects.filter(item=item).count() + 1
    _sql("DELETE FROM positions_signoff WHERE item_id = %s", [item.pk])
    _sql("DELETE FROM positions_publication WHERE item_id = %s", [item.pk])
    _shift(first_deleted + count, -count)
    _rehash_from(first_deleted)
    problems = _problems()
    assert problems[0].startswith(f"签批记录 #{first_deleted} 的链哈希无效")
    assert any(f"内容条目 #{item.pk} 的状态为已批准或已发布" in problem for problem in problems)


def test_the_tail_truncated_and_the_head_moved_back(items, tmp_path):
    call_command("verify_signoffs", "--anchor", stdout=io.StringIO())
    item = items["third"]
    first = SignOff.objects.filter(item=item).order_by("sequence").values_list("sequence", flat=True)[0]
    previous = _hash_at(first - 1)
    _sql("DELETE FROM positions_signoff WHERE sequence >= %s", [first])
    _sql("UPDATE positions_signoffchainhead SET last_sequence = %s, last_hash = %s", [first - 1, previous])
    problems = _problems()
    # The chain left is intact, but the item it approved has lost its approvals ...
    assert any(f"内容条目 #{item.pk} 的状态为已批准或已发布" in problem for problem in problems)


def test_a_rollback_of_rows_that_were_anchored_is_found_with_the_anchors(desk, tmp_path, settings):
    settings.RECORD_ANCHOR_DIR = str(tmp_path)
    desk.published()
    call_command("verify_signoffs", "--anchor", stdout=io.StringIO())
    anchored = _head().last_sequence
    # A rejection leaves no item state behind to betray its removal: only the anchor does.
    item = desk.submitted(title="退回的信息")
    desk.sign(item, decision="reject", opinion="不同意。")
    call_command("verify_signoffs", "--anchor", stdout=io.StringIO())
    _sql("DELETE FROM positions_signoff WHERE sequence > %s", [anchored])
    _sql(
        "UPDATE positions_signoffchainhead SET last_sequence = %s, last_hash = %s",
        [anchored, _hash_at(anchored)],
    )
    assert verify_signoff_chain().problems == []  # without anchors, a rollback looks whole
    problems = verify_signoff_chain(anchors_dir=tmp_path).problems
    assert any(f"第 #{anchored + 1} 条已不存在" in problem for problem in problems)


def test_the_tail_truncated_and_the_head_row_deleted(items, desk, capsys):
    last = _head().last_sequence
    _sql("DELETE FROM positions_signoff WHERE sequence = %s", [last])
    _sql("DELETE FROM positions_signoffchainhead")
    problems = _problems()
    assert any("签批链头记录缺失" in problem for problem in problems)
    _command_fails(capsys)
    _assert_signing_refused(desk, items)


def test_the_items_title_changed(items):
    _sql("UPDATE positions_contentitem SET title = %s WHERE id = %s", ["改过的标题", items["first"].pk])
    problems = _problems()
    assert problems[0] == f"内容条目 #{items['first'].pk} 的标题与其当前版本不符：标题被改动。"
    items["first"].refresh_from_db()
    assert not item_chain_state(items["first"]).ok


def test_an_unsigned_revision_inserted_and_the_item_and_publication_pointed_at_it(items, desk):
    item = items["first"]
    revision = ContentRevision(
        item=item, number=9, title=item.title, body="未经审核的正文", created_by=desk.author
    )
    revision.sha256 = content_digest(revision.title, revision.body)
    revision.save()
    _sql(
        "UPDATE positions_contentitem SET current_revision_id = %s, approved_revision_id = %s WHERE id = %s",
        [revision.pk, revision.pk, item.pk],
    )
    _sql(
        "UPDATE positions_publication SET revision_id = %s, content_sha256 = %s WHERE item_id = %s",
        [revision.pk, revision.sha256, item.pk],
    )
    problems = _problems()
    assert any(f"内容条目 #{item.pk} 的批准版本不是签批链中签署的版本" in problem for problem in problems)
    assert any(f"内容条目 #{item.pk} 的发布记录与其封印不符" in problem for problem in problems)
    item.refresh_from_db()
    assert not item_chain_state(item).ok


def test_a_drafts_status_set_to_published(items):
    draft = items["draft"]
    _sql("UPDATE positions_contentitem SET status = 'published' WHERE id = %s", [draft.pk])
    problems = _problems()
    assert any(f"内容条目 #{draft.pk} 的状态为已批准或已发布，但签批链中本轮签批不全" in p for p in problems)
    assert any(f"内容条目 #{draft.pk} 的状态为已发布，但没有发布记录" in p for p in problems)


def test_a_changed_opinion_is_named_and_the_item_page_state_says_so(items):
    row = SignOff.objects.filter(item=items["first"]).order_by("sequence").first()
    _sql("UPDATE positions_signoff SET opinion = %s WHERE id = %s", ["改过的意见", row.pk])
    assert _problems()[0].startswith(f"签批记录 #{row.sequence} 的链哈希无效")
    state = item_chain_state(items["first"])
    assert not state.ok and f"#{row.sequence}" in state.problems[0]
    assert item_chain_state(items["second"]).ok


def test_a_moved_publication_is_refused_by_its_seal(items):
    _sql(
        "UPDATE positions_publication SET url = %s WHERE item_id = %s",
        ["https://evil.example/", items["first"].pk],
    )
    assert any("发布记录与其封印不符" in problem for problem in _problems())
    assert Publication.objects.filter(item=items["first"]).exists()


def test_the_loser_of_a_race_for_the_same_step_is_told_it_is_signed(desk):
    other = UserFactory(roles=[Role.STAFF], real_name="编辑己")
    admin = UserFactory(roles=[Role.ADMIN])
    services.platform_reviewers_set(
        platform=desk.platform, step=SignOff.Step.FIRST, reviewers=[desk.first, other], user=admin
    )
    item = desk.submitted(title="两人同审")
    desk.sign(item, SignOff.Step.FIRST)
    item = ContentItem.objects.get(pk=item.pk)
    with pytest.raises(ValidationError) as lost:
        services.content_item_sign(item=item, user=other, decision="approve", opinion="同意。")
    assert lost.value.error_list[0].code == "already_signed"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers are PostgreSQL's")
def test_postgresql_refuses_to_rewrite_sign_offs_heads_publications_and_audit_entries(items):
    from django.db import DatabaseError, transaction

    for query in (
        "UPDATE positions_signoff SET opinion = 'x'",
        "DELETE FROM positions_signoff",
        "DELETE FROM positions_signoffchainhead",
        "UPDATE positions_signoffchainhead SET last_sequence = last_sequence - 1",
        "UPDATE positions_publication SET url = 'https://evil.example/'",
        "DELETE FROM positions_publication",
        "UPDATE common_auditentry SET object_repr = 'x'",
        "DELETE FROM common_auditentry",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(query)


def test_the_chain_rule_uses_the_models_step_and_sensitivity_values():
    """positions.chain does not import the models (they import it): its copies of the values hold."""
    from positions import chain
    from positions.models import Step

    assert chain.REQUIRED_STEPS == (Step.FIRST.value, Step.SECOND.value, Step.FINAL.value)
    assert chain.LEADER_STEP == Step.LEADER.value
    assert chain.HIGH_SENSITIVITY == ContentItem.Sensitivity.HIGH.value
