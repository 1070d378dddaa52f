"""Reminders of publishing positions: items waiting for review, physical positions not updated,
publicity tasks of key dates."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ideology_office.accounts.roles import Role
from ideology_office.common.services import record_void
from ideology_office.notifications import services as reminders
from ideology_office.notifications.models import OutboxItem, OutboxStatus, ReminderKind, ReminderRule
from ideology_office.notifications.sources import date_moment
from positions import services
from positions.models import KeyDate, ReviewAssignment
from positions.reminders import (
    KEY_DATE,
    PHYSICAL_STALE,
    REVIEW_WAITING,
    key_date_open_items,
    physical_open_items,
    review_open_items,
)

from ..factories import UserFactory
from .factories import Desk, PhysicalPlatformFactory, photo

pytestmark = pytest.mark.django_db
WAIT = datetime.timedelta(hours=24)


@pytest.fixture(autouse=True)
def _only_these_rules(settings):
    settings.REMINDER_CATCHUP_HOURS = 24
    ReminderRule.objects.exclude(source__in=[REVIEW_WAITING, PHYSICAL_STALE, KEY_DATE]).update(active=False)


def rows(source, **filters):
    return list(OutboxItem.objects.filter(rule__source=source, **filters).order_by("pk"))


def today() -> datetime.date:
    return timezone.localdate()


# Review waiting -------------------------------------------------------------------------------


def test_the_reviewer_of_the_step_is_reminded_after_a_day_of_waiting():
    desk = Desk()
    item = desk.submitted(title="县委办公室开展主题党日活动")
    reminders.reminders_plan(now=item.step_entered_at + WAIT - datetime.timedelta(minutes=1))
    assert rows(REVIEW_WAITING) == []
    reminders.reminders_plan(now=item.step_entered_at + WAIT + datetime.timedelta(minutes=5))
    [row] = rows(REVIEW_WAITING)
    assert row.recipient == desk.first and row.object_id == f"{item.pk}:1:first"
    assert "县委办公室开展主题党日活动" in row.title and "等待初审" in row.title
    assert row.url == f"/positions/items/{item.pk}/"


def test_a_signature_ends_the_steps_reminders_and_the_next_step_waits_anew(settings):
    settings.POSITIONS_REVIEW_WAIT_HOURS = 0
    desk = Desk()
    item = desk.submitted()
    reminders.reminders_plan(now=timezone.now())
    [first] = rows(REVIEW_WAITING)
    assert first.recipient == desk.first and first.status == OutboxStatus.PENDING
    desk.sign(item)
    result = reminders.reminders_plan(now=timezone.now())
    assert result.cancelled == 1
    first.refresh_from_db()
    assert first.status == OutboxStatus.CANCELLED
    [second] = rows(REVIEW_WAITING, status=OutboxStatus.PENDING)
    assert second.recipient == desk.second and second.object_id == f"{item.pk}:1:second"


def test_an_item_waiting_too_long_is_escalated_to_the_leaders():
    desk = Desk()
    item = desk.submitted()
    reminders.reminders_plan(now=item.step_entered_at + WAIT + datetime.timedelta(days=2, hours=1))
    found = {(row.kind, row.recipient_id) for row in rows(REVIEW_WAITING)}
    assert found == {
        (ReminderKind.OVERDUE, desk.first.pk),
        (ReminderKind.ESCALATION, desk.final.pk),
        (ReminderKind.ESCALATION, desk.leader.pk),
    }


def test_without_reviewers_of_its_own_the_platforms_default_reviewers_are_reminded():
    desk = Desk()
    item = desk.submitted()
    ReviewAssignment.objects.filter(item=item).update(is_active=False)
    [due] = review_open_items(since=None, until=item.step_entered_at + WAIT, after=None, limit=5)
    assert due.recipients == (desk.first.pk,)


@pytest.mark.parametrize("count", [3, 30])
def test_the_review_source_takes_the_same_queries_for_3_and_30_items(count):
    desk = Desk()
    for number in range(count):
        desk.submitted(title=f"稿件{number}")
    until = timezone.now() + WAIT
    review_open_items(since=None, until=until, after=None, limit=500)
    with CaptureQueriesContext(connection) as captured:
        assert len(review_open_items(since=None, until=until, after=None, limit=500)) == count
    # Items, their reviewers, the leaders.
    assert len(captured.captured_queries) == 3


# Physical positions ---------------------------------------------------------------------------


def record_change(platform, *, start_date, seed=1):
    return services.physical_update_record(
        platform=platform,
        user=platform.responsible_person,
        content="社会主义核心价值观宣传",
        start_date=start_date,
        approved_by=UserFactory(roles=[Role.LEADER]),
        photo=photo(seed=seed),
    )


def test_a_stale_position_reminds_its_responsible_person_until_its_content_changes():
    board = PhysicalPlatformFactory(name="一楼宣传栏", max_unchanged_days=30)
    record_change(board, start_date=today() - datetime.timedelta(days=40))
    stale_since = date_moment(today() - datetime.timedelta(days=9))
    [due] = physical_open_items(since=None, until=stale_since, after=None, limit=5)
    assert due.moment == stale_since and due.recipients == (board.responsible_person_id,)
    assert "一楼宣传栏" in due.title and "30" in due.title
    assert (
        physical_open_items(
            since=None, until=stale_since - datetime.timedelta(seconds=1), after=None, limit=5
        )
        == []
    )
    reminders.reminders_plan()
    # Stale nine days ago: the weekly repeat is the reminder due now.
    [row] = rows(PHYSICAL_STALE)
    assert row.kind == ReminderKind.OVERDUE and row.recipient == board.responsible_person
    record_change(board, start_date=today(), seed=2)
    row.refresh_from_db()
    assert row.status == OutboxStatus.CANCELLED
    assert physical_open_items(since=None, until=timezone.now(), after=None, limit=5) == []


def test_a_position_with_no_change_recorded_is_stale_from_the_day_it_was_added():
    board = PhysicalPlatformFactory()
    [due] = physical_open_items(
        since=None, until=timezone.now() + datetime.timedelta(days=1), after=None, limit=5
    )
    assert due.object_id == str(board.pk) and due.moment == date_moment(timezone.localdate(board.created_at))


def test_the_physical_source_pages_and_cuts_to_the_limit():
    boards = [PhysicalPlatformFactory() for _ in range(3)]
    until = timezone.now() + datetime.timedelta(days=1)
    page = physical_open_items(since=None, until=until, after=None, limit=2)
    assert [due.object_id for due in page] == [str(board.pk) for board in boards[:2]]
    page = physical_open_items(since=None, until=until, after=page[-1].object_id, limit=2)
    assert [due.object_id for due in page] == [str(boards[2].pk)]


# Key-date publicity tasks ---------------------------------------------------------------------


@pytest.fixture
def key_date():
    return KeyDate.objects.create(name="测试纪念日", month=12, day=31, theme="主题宣传")


def plan_task(key_date, *, deadline, owner=None, title="制作主题宣传展板"):
    planner = UserFactory(roles=[Role.SECTION_HEAD])
    return services.publicity_task_create(
        key_date=key_date,
        year=deadline.year + 1,
        title=title,
        owner=owner or UserFactory(roles=[Role.STAFF]),
        deadline=deadline,
        user=planner,
    )


def test_the_owner_of_a_publicity_task_is_reminded_a_week_and_a_day_before(key_date):
    due = today() + datetime.timedelta(days=30)
    task = plan_task(key_date, deadline=due)
    reminders.reminders_plan(
        now=date_moment(due) - datetime.timedelta(days=7) + datetime.timedelta(minutes=5)
    )
    [row] = rows(KEY_DATE)
    assert row.recipient == task.owner and "测试纪念日" in row.title and due.isoformat() in row.title
    services.publicity_task_complete(task=task, user=task.owner)
    row.refresh_from_db()
    assert row.status == OutboxStatus.CANCELLED


def test_planning_a_task_due_tomorrow_reminds_its_owner_at_once(key_date):
    # The "-1d" reminder is due from 09:00 the day before the deadline.
    now = timezone.localtime()
    due = today() + datetime.timedelta(days=1 if now.hour >= 9 else 0)
    task = plan_task(key_date, deadline=due)
    [row] = rows(KEY_DATE, object_id=str(task.pk))
    assert row.recipient == task.owner and row.dedup_key.split(":")[-2] == "-1d"


def test_a_voided_publicity_task_is_done(key_date):
    due = today() + datetime.timedelta(days=30)
    task = plan_task(key_date, deadline=due)
    window = {"since": None, "until": date_moment(due), "after": None, "limit": 5}
    assert len(key_date_open_items(**window)) == 1
    record_void(record=task, user=UserFactory(roles=[Role.LEADER]), reason="活动取消")
    assert key_date_open_items(**window) == []


@pytest.mark.parametrize("count", [3, 30])
def test_the_key_date_source_takes_the_same_queries_for_3_and_30_tasks(key_date, count):
    due = today() + datetime.timedelta(days=30)
    owner = UserFactory(roles=[Role.STAFF])
    for number in range(count):
        plan_task(key_date, deadline=due, owner=owner, title=f"宣传任务{number}")
    window = {"since": None, "until": date_moment(due), "after": None, "limit": 500}
    key_date_open_items(**window)
    with CaptureQueriesContext(connection) as captured:
        assert len(key_date_open_items(**window)) == count
    assert len(captured.captured_queries) == 2
