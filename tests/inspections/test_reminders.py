"""Reminders of rectification deadlines: the source, the planner over it, and the services' hooks."""

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
from inspections import services
from inspections.demo import due_within_a_day
from inspections.reminders import TASK_DEADLINE, task_open_items

from ..factories import UserFactory
from .factories import close_out, make_finding, make_task

pytestmark = pytest.mark.django_db
MINUTES = datetime.timedelta(minutes=5)


@pytest.fixture(autouse=True)
def _only_this_rule(settings):
    settings.REMINDER_CATCHUP_HOURS = 24
    # The other work areas' rules (a quarter ending, say) stay out of these counts.
    ReminderRule.objects.exclude(source=TASK_DEADLINE).update(active=False)


def later(days: int) -> datetime.date:
    """A deadline ahead of the real today, so that creating the task plans nothing yet."""
    return timezone.localdate() + datetime.timedelta(days=days)


def rows(**filters):
    return list(OutboxItem.objects.filter(rule__source=TASK_DEADLINE, **filters).order_by("pk"))


def test_the_responsible_person_is_reminded_the_day_before_at_nine(inspector, staff):
    due = later(40)
    task = make_task(user=inspector, person=staff, deadline=due, measure="修订“第一议题”学习制度")
    assert rows() == []
    now = date_moment(due) - datetime.timedelta(days=1) + MINUTES
    assert reminders.reminders_plan(now=now).created == 1
    assert reminders.reminders_plan(now=now).created == 0
    [item] = rows()
    assert item.kind == ReminderKind.BEFORE and item.recipient == staff
    assert item.dedup_key.endswith(f":-1d:{staff.pk}")
    assert item.send_at == date_moment(due) - datetime.timedelta(days=1)
    assert "修订“第一议题”学习制度" in item.title and due.isoformat() in item.title
    assert item.url == f"/inspections/tasks/{task.pk}/"
    assert item.channels == "inbox,email,webhook"


def test_overdue_tasks_repeat_and_escalate_to_the_responsible_leader(inspector, staff):
    chief = UserFactory(roles=[Role.LEADER])
    due = later(40)
    make_task(user=inspector, person=staff, leader=chief, deadline=due)
    reminders.reminders_plan(now=date_moment(due) + datetime.timedelta(days=4, hours=1))
    found = {(item.kind, item.recipient_id): item for item in rows()}
    assert set(found) == {(ReminderKind.OVERDUE, staff.pk), (ReminderKind.ESCALATION, chief.pk)}
    assert found[(ReminderKind.ESCALATION, chief.pk)].title.startswith("【上报】整改任务")


def test_the_leaders_digest_lists_the_overdue_task_of_the_responsible_leader(inspector, staff):
    chief = UserFactory(roles=[Role.LEADER])
    due = later(40)
    make_task(user=inspector, person=staff, leader=chief, deadline=due, measure="建立学习台账")
    make_task(user=inspector, person=staff, leader=chief, deadline=later(80), measure="以后再办")
    assert reminders.reminders_plan_digest(now=date_moment(due) + datetime.timedelta(days=2)) == 1
    digest = OutboxItem.objects.get(kind=ReminderKind.DIGEST)
    assert digest.recipient == chief
    assert "建立学习台账" in digest.body and "以后再办" not in digest.body


def test_creating_a_task_due_soon_plans_its_reminder_at_once(inspector, staff):
    # Due today: before 09:00 yesterday's "-1d" reminder is due, from 09:00 the "0d" one.
    task = make_task(user=inspector, person=staff, deadline=timezone.localdate())
    [item] = rows(object_id=str(task.pk))
    assert item.recipient == staff and item.status == OutboxStatus.PENDING
    assert item.kind == ReminderKind.BEFORE


def test_closing_out_a_task_cancels_its_waiting_reminders(inspector, staff):
    task = make_task(user=inspector, person=staff, deadline=timezone.localdate())
    assert rows(status=OutboxStatus.PENDING)
    close_out(task, verifier=UserFactory(roles=[Role.INSPECTOR]))
    assert {item.status for item in rows()} == {OutboxStatus.CANCELLED}


def test_a_voided_task_has_its_reminders_cancelled_by_the_planner(inspector, staff):
    due = later(40)
    task = make_task(user=inspector, person=staff, deadline=due)
    now = date_moment(due) - datetime.timedelta(days=3) + MINUTES
    reminders.reminders_plan(now=now)
    assert len(rows(status=OutboxStatus.PENDING)) == 1
    record_void(record=task, user=inspector, reason="重复录入")
    result = reminders.reminders_plan(now=now)
    assert result.cancelled == 1 and result.created == 0
    assert {item.status for item in rows()} == {OutboxStatus.CANCELLED}


def test_an_approved_extension_moves_the_reminders_to_the_new_deadline(inspector, staff):
    task = make_task(user=inspector, person=staff, deadline=timezone.localdate())
    assert rows(status=OutboxStatus.PENDING)
    extension = services.extension_request(
        task=task, user=staff, requested_deadline=later(1), reason="需协调相关单位"
    )
    services.extension_decide(extension=extension, user=UserFactory(roles=[Role.LEADER]), approve=True)
    old = [item for item in rows() if item.moment == date_moment(timezone.localdate())]
    assert old and {item.status for item in old} == {OutboxStatus.CANCELLED}
    now = timezone.now()
    new = [item for item in rows() if item.moment == date_moment(later(1))]
    # The new deadline's "-1d" reminder is due from 09:00 today.
    assert bool(new) == (timezone.localtime(now).hour >= 9)


def test_handing_a_task_over_reminds_the_new_responsible_person(inspector, staff):
    task = make_task(user=inspector, person=staff, deadline=timezone.localdate())
    successor = UserFactory(roles=[Role.STAFF])
    services.task_reassign(task=task, responsible_person=successor, user=inspector)
    assert {item.recipient_id for item in rows(status=OutboxStatus.PENDING)} == {successor.pk}


@pytest.mark.parametrize("count", [3, 30])
def test_the_source_takes_the_same_queries_for_3_and_30_tasks(inspector, count):
    due = later(40)
    finding = make_finding(user=inspector)
    for _ in range(count):
        make_task(user=inspector, finding=finding, deadline=due)
    window = {"since": None, "until": date_moment(due) + datetime.timedelta(days=1)}
    task_open_items(after=None, limit=500, **window)  # the content type is cached from here on
    with CaptureQueriesContext(connection) as captured:
        items = task_open_items(after=None, limit=500, **window)
    assert len(items) == count
    assert len(captured.captured_queries) == 1


def test_the_source_honours_the_window_paging_and_ids(inspector):
    finding = make_finding(user=inspector)
    first, second, third = (
        make_task(user=inspector, finding=finding, deadline=later(days)) for days in (40, 41, 42)
    )
    until = date_moment(later(41))
    assert [item.object_id for item in task_open_items(since=None, until=until, after=None, limit=10)] == [
        str(first.pk),
        str(second.pk),
    ]
    # The window is exact at both ends: 09:00 on the deadline day.
    just_before = until - datetime.timedelta(seconds=1)
    assert [
        item.object_id for item in task_open_items(since=None, until=just_before, after=None, limit=10)
    ] == [str(first.pk)]
    assert [item.object_id for item in task_open_items(since=until, until=until, after=None, limit=10)] == [
        str(second.pk)
    ]
    page = task_open_items(since=None, until=date_moment(later(42)), after=str(first.pk), limit=1)
    assert [item.object_id for item in page] == [str(second.pk)]
    picked = task_open_items(
        since=None, until=date_moment(later(42)), after=None, limit=10, object_ids=[str(third.pk)]
    )
    assert [item.object_id for item in picked] == [str(third.pk)]


# The demo ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("clock", [(0, 5), (8, 59), (9, 0), (13, 30), (23, 55)])
def test_the_demo_deadline_has_its_reminder_due_at_any_hour(clock, settings):
    now = timezone.make_aware(datetime.datetime.combine(datetime.date(2026, 3, 10), datetime.time(*clock)))
    reminder_at = date_moment(due_within_a_day(now)) - datetime.timedelta(days=1)
    assert now - datetime.timedelta(hours=settings.REMINDER_CATCHUP_HOURS) <= reminder_at <= now


def test_the_demo_puts_a_deadline_reminder_in_majuns_outbox():
    from django.core.management import call_command

    call_command("seed_demo", password="demo-password-123", logins_file="/dev/null", only="inspections")
    [item] = rows(
        recipient__username="majun", status=OutboxStatus.PENDING, title__contains="修订舆情信息报送流程"
    )
    assert item.kind == ReminderKind.BEFORE and item.dedup_key.split(":")[-2] == "-1d"


@pytest.mark.django_db(transaction=True)
def test_the_task_form_saves_quickly_with_the_broker_down_and_its_reminder_goes_out_later(
    migration_data, client, inspector, leader, staff, settings, caplog
):
    """Redis down: the browser form still saves at once; the reminder waits in the outbox and the
    next sweep, with the broker back, delivers it."""
    import time

    from django.urls import reverse

    from ideology_office.celery import app
    from ideology_office.notifications.models import InboxMessage
    from inspections.models import RectificationTask

    finding = make_finding(user=inspector)
    client.force_login(inspector)
    app.conf.broker_url = app.conf.broker_write_url = "redis://127.0.0.1:9/0"  # nothing listens there
    app._pool = None
    try:
        started = time.monotonic()
        response = client.post(
            reverse("inspections:task_create", args=[finding.pk]),
            {
                "measure": "修订舆情报送制度",
                "responsible_leader": leader.pk,
                "responsible_unit": staff.section.pk,
                "responsible_person": staff.pk,
                "deadline": due_within_a_day().isoformat(),
                "kind": "by_deadline",
            },
        )
        elapsed = time.monotonic() - started
    finally:
        app.conf.broker_url = app.conf.broker_write_url = settings.CELERY_BROKER_URL
        app._pool = None
    task = RectificationTask.objects.get(measure="修订舆情报送制度")
    assert response.status_code == 302 and response.url == task.get_absolute_url()
    assert elapsed < 5
    assert "broker unavailable" in caplog.text
    waiting = rows(object_id=str(task.pk), status=OutboxStatus.PENDING)
    assert [row.recipient for row in waiting] == [staff]
    assert reminders.reminders_send_due().sent == 1
    assert InboxMessage.objects.filter(recipient=staff, item__object_id=str(task.pk)).count() == 1
