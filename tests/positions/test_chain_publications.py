"""Publications in the sign-off chain's sequence (issue #15, item 1): each publication takes the
next place in the one chain, under the same head, and someone with write access to the database
but not the chain key cannot forge, edit, delete or append one unnoticed; someone who recomputes
everything (even with the key) is caught by the anchors taken before."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection

from ideology_office.common.anchors import chain_key
from positions import services
from positions.models import Publication, SignOff, SignOffChainHead
from positions.selectors import item_chain_state, verify_signoff_chain

from .factories import Desk
from .test_chain_tamper import WRONG_KEY, _hash_at, _rehash_from, _shift, _sql

# These tests change the chained records behind the services' back (raw SQL) on purpose.
pytestmark = [pytest.mark.django_db, pytest.mark.rollups_unchecked]

PUBLICATION_COLUMNS = [field.column for field in Publication._meta.concrete_fields if field.column != "id"]


@pytest.fixture
def desk():
    return Desk()


@pytest.fixture
def items(desk):
    first = desk.published()
    second = desk.published(title="第二条信息")
    third = desk.approved(title="第三条信息")
    return {"first": first, "second": second, "third": third}


def _head():
    return SignOffChainHead.objects.get(pk=1)


def _sequence_of(item):
    return Publication.objects.get(item=item).sequence


def _command_fails(capsys, *args) -> str:
    with pytest.raises(CommandError):
        call_command("verify_signoffs", *args)
    return capsys.readouterr().err


def _forge_publication(item, sequence, *, previous="0" * 64):
    """Insert a publication of ``item`` at ``sequence`` in SQL, copied from another one."""
    source = Publication.objects.exclude(item=item).order_by("pk").first()
    changes = {
        "item_id": item.pk,
        "sequence": sequence,
        "previous_hash": previous,
        "revision_id": item.approved_revision_id,
    }
    select = [f"%s AS {column}" if column in changes else column for column in PUBLICATION_COLUMNS]
    params = [changes[column] for column in PUBLICATION_COLUMNS if column in changes]
    _sql(
        f"INSERT INTO positions_publication ({', '.join(PUBLICATION_COLUMNS)}) "  # noqa: S608 - test
        f"SELECT {', '.join(select)} FROM positions_publication WHERE id = %s",
        [*params, source.pk],
    )


def test_a_publication_takes_the_next_place_under_the_head(desk):
    item = desk.approved()
    before = _head().last_sequence
    services.content_item_publish(item=item, user=desk.publisher, url="https://www.example.gov.cn/a/2.html")
    publication = Publication.objects.get(item=item)
    head = _head()
    assert publication.sequence == before + 1 == head.last_sequence
    assert publication.chain_hash == head.last_hash
    assert publication.previous_hash == _hash_at(before)
    assert publication.chain_hash == publication.compute_chain_hash(publication.previous_hash)
    # The next sign-off follows it in the same sequence.
    later = desk.submitted(title="下一条")
    desk.sign(later)
    row = SignOff.objects.get(sequence=before + 2)
    assert row.previous_hash == publication.chain_hash
    assert verify_signoff_chain().problems == []


def test_an_edited_publication_is_named(items, capsys):
    sequence = _sequence_of(items["first"])
    _sql("UPDATE positions_publication SET post_id = %s WHERE item_id = %s", ["wx-forged", items["first"].pk])
    problems = verify_signoff_chain().problems
    assert problems[0] == f"发布记录 #{sequence} 的链哈希无效：该记录被伪造、改动或重新编号。"
    assert f"发布记录 #{sequence}" in _command_fails(capsys)
    state = item_chain_state(items["first"])
    assert not state.ok and f"发布记录 #{sequence}" in state.problems[0]
    assert item_chain_state(items["second"]).ok


def test_an_edited_publication_rehashed_with_a_guessed_key_is_named_itself(items):
    sequence = _sequence_of(items["first"])
    _sql(
        "UPDATE positions_publication SET url = %s WHERE item_id = %s",
        ["https://evil.example/", items["first"].pk],
    )
    _rehash_from(sequence, WRONG_KEY)
    assert verify_signoff_chain().problems[0].startswith(f"发布记录 #{sequence} 的链哈希无效")


def test_a_deleted_publication_leaves_a_gap(items, capsys):
    item = items["first"]
    sequence = _sequence_of(item)
    _sql("DELETE FROM positions_publication WHERE item_id = %s", [item.pk])
    problems = verify_signoff_chain().problems
    assert problems[0] == f"签批记录 #{sequence} 缺失：记录被删除或序号被改动。"
    assert f"内容条目 #{item.pk} 的状态为已发布，但没有发布记录。" in problems
    assert f"#{sequence} 缺失" in _command_fails(capsys)


def test_a_deleted_last_publication_is_a_truncated_tail(desk):
    item = desk.published()
    sequence = _sequence_of(item)
    assert sequence == _head().last_sequence
    _sql("DELETE FROM positions_publication WHERE item_id = %s", [item.pk])
    problems = verify_signoff_chain().problems
    assert any(f"#{sequence} 缺失：链尾被截断" in problem for problem in problems)


def test_a_publication_past_the_head_is_named(items, desk, capsys):
    last = _head().last_sequence
    _forge_publication(items["third"], last + 1, previous=_hash_at(last))
    problems = verify_signoff_chain().problems
    assert problems[0] == f"发布记录 #{last + 1} 的链哈希无效：该记录被伪造、改动或重新编号。"
    assert f"发布记录 #{last + 1} 位于链头（#{last}）之后：不是经正常程序追加的记录。" in problems
    assert f"#{last + 1}" in _command_fails(capsys)
    # Nobody signs or publishes after it: a clear refusal, never a duplicate-key error.
    with pytest.raises(ValidationError) as refused:
        desk.sign(desk.submitted(title="之后的信息"))
    assert refused.value.error_list[0].code == "chain_broken"


def test_a_publication_past_the_head_with_the_head_moved_is_named(items):
    last = _head().last_sequence
    _forge_publication(items["third"], last + 1)
    _rehash_from(last + 1, WRONG_KEY)
    assert verify_signoff_chain().problems[0].startswith(f"发布记录 #{last + 1} 的链哈希无效")


def test_a_forged_publication_inserted_mid_chain_is_named_itself(items):
    middle = _sequence_of(items["first"])
    _shift(middle, 1)
    _forge_publication(items["third"], middle)
    _sql("UPDATE positions_contentitem SET status = 'published' WHERE id = %s", [items["third"].pk])
    _rehash_from(middle, WRONG_KEY)
    assert verify_signoff_chain().problems[0].startswith(f"发布记录 #{middle} 的链哈希无效")


def test_a_forged_publication_inserted_mid_chain_with_the_key_is_found_by_the_anchors(
    items, tmp_path, settings, capsys
):
    """Recomputed with the real key, the chain verifies by itself: only what was anchored outside
    the database (the anchor file, or the digest printed on a review form) shows the rewrite."""
    settings.RECORD_ANCHOR_DIR = str(tmp_path)
    out = io.StringIO()
    call_command("verify_signoffs", "--anchor", stdout=out)
    digest = out.getvalue().rsplit("摘要 ", 1)[1].strip()
    anchored = _head().last_sequence
    middle = _sequence_of(items["first"])
    _shift(middle, 1)
    _forge_publication(items["third"], middle)
    _sql("UPDATE positions_contentitem SET status = 'published' WHERE id = %s", [items["third"].pk])
    forged = Publication.objects.get(item=items["third"])
    _sql("UPDATE positions_publication SET seal = %s WHERE id = %s", [forged.compute_seal(), forged.pk])
    _rehash_from(middle, chain_key())
    assert verify_signoff_chain().problems == []
    problems = verify_signoff_chain(anchors_dir=tmp_path).problems
    assert any(f"第 #{anchored} 条的链哈希与锚点" in problem for problem in problems)
    assert f"第 #{anchored} 条" in _command_fails(capsys, "--anchors", str(tmp_path))
    assert f"第 #{anchored} 条" in _command_fails(capsys, "--digest", digest[:16])


def test_the_per_item_check_stays_one_query(items, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert item_chain_state(items["first"]).ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers are PostgreSQL's")
def test_postgresql_refuses_to_rewrite_a_publications_place_in_the_chain(items):
    from django.db import DatabaseError, transaction

    for query in (
        "UPDATE positions_publication SET sequence = sequence + 100",
        "UPDATE positions_publication SET previous_hash = 'x'",
        "UPDATE positions_publication SET chain_hash = 'x'",
        "DELETE FROM positions_publication",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(query)
