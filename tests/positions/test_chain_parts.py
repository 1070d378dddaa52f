"""The sign-off chain verified in parts (``verify_signoff_chain(processes=N)``, the
``verify_signoffs --processes`` default): cut anywhere, the parts joined give exactly the one
pass's result, problems at the seams included; on PostgreSQL the parts are walked by processes
of their own in the parent's snapshot."""

import datetime
import itertools

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from positions import chain, selectors
from positions.chain import join_rows, verify_rows, walk_rows
from positions.models import SignOff, SignOffChainHead, Step
from positions.selectors import _chain_rows, verify_signoff_chain

from .factories import Desk
from .test_chain_tamper import _sql

# These tests change the chained records behind the services' back on purpose.
pytestmark = [pytest.mark.django_db, pytest.mark.rollups_unchecked]


def _chain():
    """Items whose rounds run across the chain, between other items' sign-offs and publications:
    one signed step by step while others are published, one returned, one approved."""
    desk = Desk()
    desk.published()
    slow = desk.submitted(title="逐级审签")
    returned = desk.submitted(title="退回的信息")
    desk.sign(slow, Step.FIRST)
    desk.published(title="第二条")
    desk.sign(returned, Step.FIRST, decision=SignOff.Decision.REJECT, opinion="请修改。")
    desk.sign(slow, Step.SECOND)
    desk.approved(title="第三条")
    desk.sign(slow, Step.FINAL)
    rows = list(_chain_rows(100))
    head = SignOffChainHead.objects.values_list("last_sequence", "last_hash").get()
    return rows, head


def _tampered(rows, how: str, at: int):
    rows = [list(row) for row in rows]
    if how == "opinion":
        rows[at][14] = rows[at][14] + "（改）"
    elif how == "deleted":
        del rows[at]
    elif how == "link":
        rows[at][18] = "1" * 64
    elif how == "binding":
        rows[at][4] = chain.FALSE
    elif how == "renumbered":
        rows[at][0] += 1000
        rows.sort(key=lambda row: row[0])
    return rows


def _cuts(count: int):
    """Every way of cutting ``count`` rows in two, and some in three and four (with empty parts)."""
    yield from ([0, cut, count] for cut in range(count + 1))
    for first, second in itertools.combinations(range(0, count + 1, 3), 2):
        yield [0, first, second, count]
    yield [0, 0, 2, 2, count]


def _same(one, other):
    assert other.problems == one.problems
    assert other.rounds == one.rounds
    assert (other.rows, other.last_sequence, other.last_hash) == (one.rows, one.last_sequence, one.last_hash)


@pytest.mark.parametrize("how", ["none", "opinion", "deleted", "link", "binding", "renumbered"])
def test_the_chain_cut_anywhere_joins_into_the_one_pass_result(how):
    rows, head = _chain()
    for at in range(len(rows)) if how != "none" else [0]:
        changed = _tampered(rows, how, at)
        bound: list = []
        whole = verify_rows(iter(changed), head, bindings=bound)
        if how == "binding" and rows[at][1] == chain.PUBLICATION:
            continue  # a publication binds no revision
        if how != "none":
            assert whole.problems or bound, (how, at)
        for cut in _cuts(len(changed)):
            parts = [walk_rows(iter(changed[a:b]), head[0]) for a, b in itertools.pairwise(cut)]
            joined_bound: list = []
            _same(whole, join_rows(parts, head, bindings=joined_bound))
            assert joined_bound == bound


def test_a_part_past_the_head_and_a_missing_head_are_named_as_in_one_pass():
    rows, (last, last_hash) = _chain()
    for head in [(last - 3, last_hash), None, (last + 2, last_hash)]:
        whole = verify_rows(iter(rows), head)
        assert whole.problems
        for cut in _cuts(len(rows)):
            parts = [
                walk_rows(iter(rows[a:b]), head[0] if head else float("inf"))
                for a, b in itertools.pairwise(cut)
            ]
            _same(whole, join_rows(parts, head))


def test_rounds_merge_as_folded_in_order():
    steps = list(chain.STEP_BITS) + ["unknown"]
    events = [
        (step, decision, approved)
        for step in steps
        for decision in ("approve", "reject")
        for approved in (True, False)
    ]
    for sequence in itertools.product(events, repeat=3):
        folded = 0
        for event in sequence:
            folded = chain.fold_round(folded, *event)
        for cut in range(4):
            earlier = later = 0
            for event in sequence[:cut]:
                earlier = chain.fold_round(earlier, *event)
            for event in sequence[cut:]:
                later = chain.fold_round(later, *event)
            merged = chain.merge_rounds({1: earlier} if cut else {}, {1: later} if cut < 3 else {})
            assert merged.get(1, 0) == folded


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="parts are walked apart on PostgreSQL only")
def test_processes_read_the_parents_snapshot_and_agree_with_one_pass(monkeypatch):
    _chain()
    one_pass = verify_signoff_chain()

    def not_in_this_process(chunk_size):
        raise AssertionError("the chain is read by the child processes")

    monkeypatch.setattr(selectors, "_chain_rows", not_in_this_process)
    intact = verify_signoff_chain(processes=3)
    assert intact.ok and intact.rows == one_pass.rows == 27
    assert intact.rounds == one_pass.rounds
    middle = SignOff.objects.order_by("sequence").values_list("sequence", flat=True)[4]
    _sql("UPDATE positions_signoff SET opinion = '改过的意见' WHERE sequence = %s", [middle])
    _sql("DELETE FROM positions_signoff WHERE sequence = %s", [middle + 3])
    monkeypatch.undo()
    one_pass = verify_signoff_chain()
    monkeypatch.setattr(selectors, "_chain_rows", not_in_this_process)
    assert one_pass.problems[0].startswith(f"签批记录 #{middle} 的链哈希无效")
    for processes in (2, 3, 5):
        in_parts = verify_signoff_chain(processes=processes)
        assert in_parts.problems == one_pass.problems
        assert in_parts.rounds == one_pass.rounds


@pytest.mark.parametrize("value", ["0", "-2", "两个"])
def test_the_command_refuses_a_number_of_processes_that_is_not_positive(value):
    with pytest.raises(CommandError, match="进程数应为正整数"):
        call_command("verify_signoffs", "--processes", value)


def test_each_items_problems_keep_their_order_around_its_round():
    """The items are read while the chain is walked and their rounds checked after: each item's
    problems still come together, in item order, the round's in its place."""
    key = b"k" * 32
    moment = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)

    def publication(item_id, revision_id, *, sealed=True):
        values = [item_id, 1, revision_id, "标题", "0" * 64, 9, "https://example.gov.cn/", "", moment]
        return (*values, chain.publication_seal(values, key) if sealed else "forged")

    required = sum(chain.STEP_BITS[step] for step in chain.REQUIRED_STEPS)
    items = [
        (1, "标题", "published", 1, "normal", 10, 10, "标题"),
        (2, "改过", "published", 1, "high", 20, 21, "原标题"),
        (3, "草稿", "draft", 1, "normal", 30, None, "草稿"),
        (4, "标题", "approved", 1, "normal", 40, 40, "标题"),
        (5, "标题", "published", 1, "normal", 50, 50, "标题"),
    ]
    publications = {1: publication(1, 10), 3: publication(3, 30, sealed=False), 5: publication(5, 50)}
    rounds = {1: required, 2: required, 4: required | chain.STEP_BITS["first"] << 8}
    assert chain.item_problems(items, rounds, publications, key=key) == [
        "内容条目 #2 的标题与其当前版本不符：标题被改动。",
        "内容条目 #2 的批准版本不是当前版本：版本被替换。",
        "内容条目 #2 的状态为已批准或已发布，但签批链中本轮签批不全。",  # a high one needs the leader
        "内容条目 #2 的状态为已发布，但没有发布记录。",
        "内容条目 #3 有发布记录，但状态不是已发布。",
        "内容条目 #3 的发布记录与其封印不符：发布记录被改动。",
        "内容条目 #4 的批准版本不是签批链中签署的版本。",
        "内容条目 #5 的状态为已批准或已发布，但签批链中本轮签批不全。",
    ]
