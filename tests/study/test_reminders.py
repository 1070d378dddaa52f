"""Reminders of study: materials waiting to be studied, and points below the threshold in a
published bulletin."""

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
from study import selectors, services
from study.models import PointsEntry, StudySession
from study.reminders import MATERIAL_WAITING, POINTS_BELOW_THRESHOLD, material_open_items, points_open_items

from ..factories import UserFactory
from .factories import MaterialFactory, PlatformFactory, SessionFactory

pytestmark = pytest.mark.django_db
LAST_MONTH = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


@pytest.fixture(autouse=True)
def _only_these_rules(settings):
    settings.REMINDER_CATCHUP_HOURS = 24
    ReminderRule.objects.exclude(source__in=[MATERIAL_WAITING, POINTS_BELOW_THRESHOLD]).update(active=False)


def rows(source, **filters):
    return list(OutboxItem.objects.filter(rule__source=source, **filters).order_by("pk"))


# Materials waiting ----------------------------------------------------------------------------


def test_a_material_not_studied_a_week_after_its_issue_reminds_the_section_heads(section_head, leader, staff):
    issued = datetime.date(2025, 3, 3)
    material = MaterialFactory(title="在文化传承发展座谈会上的讲话", issued_on=issued)
    moment = date_moment(issued + datetime.timedelta(days=7))
    reminders.reminders_plan(now=moment - datetime.timedelta(minutes=5))
    assert rows(MATERIAL_WAITING) == []
    reminders.reminders_plan(now=moment + datetime.timedelta(minutes=5))
    [row] = rows(MATERIAL_WAITING)
    assert row.recipient == section_head and row.kind == ReminderKind.BEFORE
    assert "在文化传承发展座谈会上的讲话" in row.title and "2025-03-03" in row.title
    assert row.url == f"/study/materials/{material.pk}/"
    # Every three days after, until it is studied.
    reminders.reminders_plan(now=moment + datetime.timedelta(days=3, minutes=5))
    assert [row.kind for row in rows(MATERIAL_WAITING)] == [ReminderKind.BEFORE, ReminderKind.OVERDUE]


def test_studying_or_voiding_a_material_cancels_its_reminders(section_head, leader):
    issued = datetime.date(2025, 3, 3)
    studied, voided = MaterialFactory(issued_on=issued), MaterialFactory(issued_on=issued)
    now = date_moment(issued + datetime.timedelta(days=7)) + datetime.timedelta(minutes=5)
    reminders.reminders_plan(now=now)
    assert len(rows(MATERIAL_WAITING, status=OutboxStatus.PENDING)) == 2
    SessionFactory(date=datetime.date(2025, 3, 12)).materials.add(studied)
    record_void(record=voided, user=leader, reason="重复录入")
    assert reminders.reminders_plan(now=now).cancelled == 2
    assert material_open_items(since=None, until=now, after=None, limit=5) == []


def test_a_session_studying_a_material_cancels_its_waiting_reminders(section_head):
    issued = datetime.date(2025, 3, 3)
    material = MaterialFactory(issued_on=issued)
    reminders.reminders_plan(
        now=date_moment(issued + datetime.timedelta(days=7)) + datetime.timedelta(minutes=5)
    )
    [row] = rows(MATERIAL_WAITING)
    services.session_create(
        user=None,
        kind=StudySession.Kind.CENTRAL_GROUP,
        date=datetime.date(2025, 3, 12),
        section=section_head.section,
        topic="专题学习",
        materials=[material],
    )
    row.refresh_from_db()
    assert row.status == OutboxStatus.CANCELLED


@pytest.mark.parametrize("count", [3, 30])
def test_the_material_source_takes_the_same_queries_for_3_and_30_materials(section_head, count):
    for _ in range(count):
        MaterialFactory(issued_on=datetime.date(2025, 3, 3))
    window = {"since": None, "until": date_moment(datetime.date(2025, 3, 10)), "after": None, "limit": 500}
    material_open_items(**window)
    with CaptureQueriesContext(connection) as captured:
        assert len(material_open_items(**window)) == count
    # Materials, the section heads, the leaders.
    assert len(captured.captured_queries) == 3


# Points below the threshold -------------------------------------------------------------------


def points(platform, person, value, month=LAST_MONTH):
    PointsEntry.objects.create(platform=platform, person=person, period="month", date=month, points=value)


def test_publishing_a_bulletin_reminds_those_below_their_threshold_at_once():
    platform = PlatformFactory()
    diligent = UserFactory(roles=[Role.STAFF])
    behind = UserFactory(roles=[Role.STAFF])
    chief = UserFactory(roles=[Role.LEADER])
    services.threshold_set(platform=platform, role=Role.STAFF, daily_minimum=5, user=None)
    services.threshold_set(platform=platform, role=Role.LEADER, daily_minimum=10, user=None)
    points(platform, diligent, 400)
    points(platform, behind, 100)
    points(platform, chief, 250)  # a leader needs 10 a day: 250 is short in any month
    bulletin = services.bulletin_create(user=None, month=LAST_MONTH, platform=platform)
    assert rows(POINTS_BELOW_THRESHOLD) == []
    services.bulletin_publish(bulletin=bulletin, user=None)
    found = rows(POINTS_BELOW_THRESHOLD)
    assert {row.recipient_id for row in found} == {behind.pk, chief.pk}
    expected = selectors.bulletin_data(month=LAST_MONTH, platform=platform).below
    assert {row.recipient_id for row in found} == {line.person.pk for line in expected}
    assert f"{LAST_MONTH:%Y-%m}" in found[0].title and "学习强国" in found[0].title
    assert found[0].url == f"/study/points/bulletins/{bulletin.pk}/"
    # Once only: no repeat.
    assert reminders.reminders_plan(now=timezone.now() + datetime.timedelta(days=3)).created == 0


def test_a_voided_bulletin_has_its_reminders_cancelled(leader):
    platform = PlatformFactory()
    services.threshold_set(platform=platform, role=Role.STAFF, daily_minimum=5, user=None)
    UserFactory(roles=[Role.STAFF])
    bulletin = services.bulletin_create(user=None, month=LAST_MONTH, platform=platform)
    services.bulletin_publish(bulletin=bulletin, user=None)
    assert rows(POINTS_BELOW_THRESHOLD, status=OutboxStatus.PENDING)
    record_void(record=bulletin, user=leader, reason="数据有误")
    assert reminders.reminders_plan().cancelled == 1
    assert points_open_items(since=None, until=timezone.now(), after=None, limit=5) == []


@pytest.mark.parametrize("count", [3, 30])
def test_the_points_source_takes_the_same_queries_for_3_and_30_bulletins(count):
    platform = PlatformFactory()
    services.threshold_set(platform=platform, role=Role.STAFF, daily_minimum=5, user=None)
    people = UserFactory.create_batch(5, roles=[Role.STAFF])
    month = LAST_MONTH
    for _ in range(count):
        for value, person in enumerate(people):
            points(platform, person, value * 40, month=month)
        bulletin = services.bulletin_create(user=None, month=month, platform=platform)
        services.bulletin_publish(bulletin=bulletin, user=None)
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    window = {"since": None, "until": timezone.now(), "after": None, "limit": 500}
    points_open_items(**window)
    with CaptureQueriesContext(connection) as captured:
        items = points_open_items(**window)
    assert len(items) == count and all(item.recipients for item in items)
    # Bulletins, points, thresholds, everyone's roles.
    assert len(captured.captured_queries) == 4
