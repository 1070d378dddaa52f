"""Reminders of office-meeting follow-up actions: the source, the planner over it, the hooks."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ideology_office.common.services import record_void
from ideology_office.notifications import services as reminders
from ideology_office.notifications.models import OutboxItem, OutboxStatus, ReminderKind, ReminderRule
from ideology_office.notifications.sources import date_moment
from responsibility import services
from responsibility.reminders import FOLLOW_UP_DEADLINE, follow_up_open_items

from ..factories import UserFactory
from .factories import OfficeMeetingFactory, leader_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _only_this_rule(settings):
    settings.REMINDER_CATCHUP_HOURS = 24
    # The other work areas' rules (a quarter ending, say) stay out of these counts.
    ReminderRule.objects.exclude(source=FOLLOW_UP_DEADLINE).update(active=False)


@pytest.fixture
def meeting(chief):
    return OfficeMeetingFactory(chair=chief, title="第十二次室务会")


def later(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def action(meeting, *, owner=None, deadline=None, description="修订意识形态工作责任清单"):
    return services.follow_up_create(
        meeting=meeting,
        description=description,
        owner=owner or UserFactory(),
        deadline=deadline or later(30),
        user=None,
    )


def rows(**filters):
    return list(OutboxItem.objects.filter(rule__source=FOLLOW_UP_DEADLINE, **filters).order_by("pk"))


def test_the_owner_is_reminded_three_days_before(meeting):
    owner = UserFactory()
    due = later(30)
    follow_up = action(meeting, owner=owner, deadline=due)
    assert rows() == []
    now = date_moment(due) - datetime.timedelta(days=3, minutes=-5)
    assert reminders.reminders_plan(now=now).created == 1
    [item] = rows()
    assert (item.kind, item.recipient, item.channels) == (ReminderKind.BEFORE, owner, "inbox,email")
    assert "修订意识形态工作责任清单" in item.title and due.isoformat() in item.title
    assert "第十二次室务会" in item.body
    assert item.url == f"/responsibility/meetings/{meeting.pk}/#follow-up-{follow_up.pk}"


def test_an_overdue_action_escalates_to_the_chair_of_the_meeting(meeting, chief):
    owner = UserFactory()
    due = later(30)
    action(meeting, owner=owner, deadline=due)
    reminders.reminders_plan(now=date_moment(due) + datetime.timedelta(days=5, hours=2))
    kinds = {(item.kind, item.recipient_id) for item in rows()}
    assert kinds == {(ReminderKind.OVERDUE, owner.pk), (ReminderKind.ESCALATION, chief.pk)}
    assert reminders.reminders_plan_digest(now=date_moment(due) + datetime.timedelta(days=6)) == 1
    assert OutboxItem.objects.get(kind=ReminderKind.DIGEST).recipient == chief


def test_recording_an_action_due_today_plans_its_reminder_at_once(meeting):
    owner = UserFactory()
    follow_up = action(meeting, owner=owner, deadline=timezone.localdate())
    [item] = rows(object_id=str(follow_up.pk))
    assert item.recipient == owner and item.status == OutboxStatus.PENDING


def test_completing_or_voiding_an_action_cancels_its_reminders(meeting):
    done = action(meeting, deadline=timezone.localdate())
    voided = action(meeting, deadline=timezone.localdate())
    services.follow_up_complete(action=done, done_on=timezone.localdate(), outcome="已修订印发", user=None)
    assert {item.status for item in rows(object_id=str(done.pk))} == {OutboxStatus.CANCELLED}
    record_void(record=voided, user=leader_user(), reason="会议决定取消")
    assert reminders.reminders_plan().cancelled == 1
    assert {item.status for item in rows()} == {OutboxStatus.CANCELLED}


def test_actions_of_a_voided_meeting_are_not_reminded(meeting):
    due = later(30)
    action(meeting, deadline=due)
    record_void(record=meeting, user=leader_user(), reason="误录")
    assert reminders.reminders_plan(now=date_moment(due) + datetime.timedelta(minutes=5)).created == 0


@pytest.mark.parametrize("count", [3, 30])
def test_the_source_takes_the_same_queries_for_3_and_30_actions(meeting, count):
    due = later(30)
    owner = UserFactory()
    for number in range(count):
        action(meeting, owner=owner, deadline=due, description=f"落实事项{number}")
    window = {"since": date_moment(due), "until": date_moment(due), "after": None, "limit": 500}
    follow_up_open_items(**window)
    with CaptureQueriesContext(connection) as captured:
        assert len(follow_up_open_items(**window)) == count
    assert len(captured.captured_queries) == 1


def test_the_source_pages_by_primary_key(meeting):
    due = later(30)
    first, second, third = (action(meeting, deadline=due, description=f"事项{n}") for n in range(3))
    window = {"since": None, "until": date_moment(due)}
    page = follow_up_open_items(after=None, limit=2, **window)
    assert [item.object_id for item in page] == [str(first.pk), str(second.pk)]
    page = follow_up_open_items(after=page[-1].object_id, limit=2, **window)
    assert [item.object_id for item in page] == [str(third.pk)]
    assert (
        follow_up_open_items(
            since=None, until=date_moment(due) - datetime.timedelta(seconds=1), after=None, limit=5
        )
        == []
    )
