"""Reminders of public-opinion work: shifts about to start, handovers not accepted, quarters
without a review, incidents over their time limit."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ideology_office.accounts.roles import Role
from ideology_office.notifications import services as reminders
from ideology_office.notifications.models import OutboxItem, OutboxStatus, ReminderKind, ReminderRule
from ideology_office.notifications.sources import date_moment
from sentiment import services
from sentiment.models import DutyShift, Handover
from sentiment.reminders import (
    DUTY_SHIFT_START,
    HANDOVER_NOT_ACCEPTED,
    INCIDENT_OVER_LIMIT,
    QUARTER_WITHOUT_REVIEW,
    handover_open_items,
    incident_open_items,
    quarter_open_items,
    shift_done_ids,
    shift_open_items,
)

from ..factories import UserFactory
from .factories import future_month, incident, published_roster, review_in, shift_on, staff_people

pytestmark = pytest.mark.django_db
SENTIMENT_RULES = (DUTY_SHIFT_START, HANDOVER_NOT_ACCEPTED, QUARTER_WITHOUT_REVIEW, INCIDENT_OVER_LIMIT)


@pytest.fixture(autouse=True)
def _only_these_rules(settings):
    settings.REMINDER_CATCHUP_HOURS = 24
    ReminderRule.objects.exclude(source__in=SENTIMENT_RULES).update(active=False)


@pytest.fixture
def roster(leader):
    """A published roster two months ahead: 24-hour shifts from 08:30, so no hook fires now."""
    officers = staff_people(3)
    leaders = [UserFactory(roles=[Role.LEADER], username=f"duty-leader{n}") for n in range(2)]
    return published_roster(month=future_month(2), leader=leader, officers=officers, leaders=leaders)


def rows(source, **filters):
    return list(OutboxItem.objects.filter(rule__source=source, **filters).order_by("pk"))


def day_in(roster, offset: int) -> datetime.date:
    return roster.month + datetime.timedelta(days=offset)


# Duty shift start -----------------------------------------------------------------------------


def test_the_people_on_a_shift_are_reminded_twelve_hours_and_one_hour_before(roster):
    shift = shift_on(day_in(roster, 10))
    mine = {"object_id": str(shift.pk)}
    reminders.reminders_plan(now=shift.start - datetime.timedelta(hours=12) + datetime.timedelta(minutes=3))
    assert {
        (item.recipient_id, item.dedup_key.split(":")[-2]) for item in rows(DUTY_SHIFT_START, **mine)
    } == {
        (shift.officer_id, "-12h"),
        (shift.leader_id, "-12h"),
    }
    reminders.reminders_plan(now=shift.start - datetime.timedelta(minutes=55))
    assert len(rows(DUTY_SHIFT_START, **mine)) == 4
    item = rows(DUTY_SHIFT_START, **mine)[-1]
    assert item.urgent and item.url == f"/sentiment/shifts/{shift.pk}/"
    assert item.title.startswith("值班提醒") and shift.officer.real_name in item.body


def test_a_shift_that_is_over_is_done_and_its_reminders_cancelled(roster):
    shift = shift_on(day_in(roster, 10))
    reminders.reminders_plan(now=shift.start - datetime.timedelta(minutes=55))
    OutboxItem.objects.exclude(object_id=str(shift.pk)).delete()
    assert len(rows(DUTY_SHIFT_START, status=OutboxStatus.PENDING)) == 4  # -12h and -1h, two people
    # The shift is moved into the past (as if its time had come and gone).
    past = timezone.now() - datetime.timedelta(days=2)
    DutyShift.objects.filter(pk=shift.pk).update(start=past, end=past + datetime.timedelta(hours=24))
    assert shift_done_ids([str(shift.pk)]) == {str(shift.pk)}
    assert reminders.reminders_cancel_done() == 4
    upcoming = shift_on(day_in(roster, 11))
    assert shift_done_ids([str(upcoming.pk)]) == set()


def test_reassigning_a_shift_starting_soon_reminds_the_new_officer_at_once(roster, leader):
    shift = shift_on(day_in(roster, 10))
    # The shift is brought forward to start in two hours: its "-12h" reminder is due now.
    start = timezone.now() + datetime.timedelta(hours=2)
    DutyShift.objects.filter(pk=shift.pk).update(start=start, end=start + datetime.timedelta(hours=1))
    newcomer = UserFactory(roles=[Role.STAFF], username="newcomer")
    services.shift_reassign(
        shift=shift, duty="officer", new_person=newcomer, reason="原值班员出差", user=leader
    )
    found = rows(DUTY_SHIFT_START, object_id=str(shift.pk))
    assert {item.recipient_id for item in found} == {newcomer.pk, shift.leader_id}
    assert {item.dedup_key.split(":")[-2] for item in found} == {"-12h"}


# Handover not accepted ------------------------------------------------------------------------


def test_a_handover_not_written_reminds_both_officers_and_the_leader_on_duty(roster):
    outgoing, incoming = shift_on(day_in(roster, 5)), shift_on(day_in(roster, 6))
    reminders.reminders_plan(now=outgoing.end + datetime.timedelta(minutes=35))
    found = rows(HANDOVER_NOT_ACCEPTED)
    assert {item.recipient_id for item in found} == {
        outgoing.officer_id,
        incoming.officer_id,
        incoming.leader_id,
    }
    assert {item.object_id for item in found} == {str(outgoing.pk)}
    assert "尚未填写" in found[0].title and found[0].url == f"/sentiment/shifts/{outgoing.pk}/"


def test_a_written_handover_reminds_the_incoming_officer_until_accepted(roster):
    outgoing, incoming = shift_on(day_in(roster, 5)), shift_on(day_in(roster, 6))
    handover = services.handover_write(shift=outgoing, user=outgoing.officer, open_items="市委办通知待回复。")
    reminders.reminders_plan(now=outgoing.end + datetime.timedelta(minutes=35))
    found = rows(HANDOVER_NOT_ACCEPTED)
    assert {item.recipient_id for item in found} == {incoming.officer_id, incoming.leader_id}
    assert "尚未接收" in found[0].title and found[0].url == f"/sentiment/shifts/{incoming.pk}/"
    services.handover_accept(handover=Handover.objects.get(pk=handover.pk), user=incoming.officer)
    assert {item.status for item in rows(HANDOVER_NOT_ACCEPTED)} == {OutboxStatus.CANCELLED}
    assert handover_open_items(since=outgoing.end, until=outgoing.end, after=None, limit=10) == []


# Quarter without review -----------------------------------------------------------------------


def test_a_quarter_ending_without_a_review_reminds_the_leaders_and_the_last_recorder(leader, section_head):
    review_in(year=2025, quarter=1, user=section_head)
    now = date_moment(datetime.date(2025, 6, 30)) - datetime.timedelta(days=7) + datetime.timedelta(minutes=5)
    reminders.reminders_plan(now=now)
    found = rows(QUARTER_WITHOUT_REVIEW)
    assert {item.recipient_id for item in found} == {leader.pk, section_head.pk}
    assert {item.object_id for item in found} == {"2025Q2"}
    assert found[0].title == "2025 年第 2 季度舆情分析研判会尚未召开"
    assert found[0].url == "/sentiment/reviews/new/"


def test_holding_the_review_ends_the_quarters_reminders(leader):
    now = (
        date_moment(datetime.date(2025, 6, 30)) - datetime.timedelta(days=15) + datetime.timedelta(minutes=5)
    )
    reminders.reminders_plan(now=now)
    assert rows(QUARTER_WITHOUT_REVIEW, status=OutboxStatus.PENDING)
    review_in(year=2025, quarter=2, user=leader)
    assert reminders.reminders_plan(now=now).cancelled == 1
    assert quarter_open_items(since=now, until=now + datetime.timedelta(days=30), after=None, limit=5) == []


def test_only_the_current_and_next_quarter_are_considered():
    since = date_moment(datetime.date(2025, 2, 1))
    items = quarter_open_items(since=since, until=since + datetime.timedelta(days=365), after=None, limit=10)
    assert [item.object_id for item in items] == ["2025Q1", "2025Q2"]
    assert items[0].moment == date_moment(datetime.date(2025, 3, 31))
    after = quarter_open_items(
        since=since, until=since + datetime.timedelta(days=365), after="2025Q1", limit=10
    )
    assert [item.object_id for item in after] == ["2025Q2"]


# Incidents over their time limit --------------------------------------------------------------


def test_an_incident_recorded_past_its_reporting_limit_is_reminded_at_once_and_escalated(leader, staff):
    found_at = timezone.now() - datetime.timedelta(hours=3)
    recorded = incident(user=staff, found_at=found_at, severity="general")  # report within 120 minutes
    found = {(item.kind, item.recipient_id): item for item in rows(INCIDENT_OVER_LIMIT)}
    assert set(found) == {(ReminderKind.BEFORE, staff.pk), (ReminderKind.ESCALATION, leader.pk)}
    item = found[(ReminderKind.BEFORE, staff.pk)]
    assert item.urgent and item.moment == found_at + datetime.timedelta(minutes=120)
    assert "已到报告时限" in item.title and item.url == f"/sentiment/incidents/{recorded.pk}/"
    # Reported: the reporting reminders go; the handling limit (24 hours) is not reached yet.
    services.incident_update(
        incident=recorded,
        user=staff,
        reported_at=found_at + datetime.timedelta(hours=2, minutes=30),
        reported_to="县委网信办",
    )
    assert {item.status for item in rows(INCIDENT_OVER_LIMIT)} == {OutboxStatus.CANCELLED}
    assert incident_open_items(since=None, until=timezone.now(), after=None, limit=5) == []
    handle_limit = found_at + datetime.timedelta(minutes=1440)
    [item] = incident_open_items(since=None, until=handle_limit, after=None, limit=5)
    assert item.moment == handle_limit and "已到处置时限" in item.title


def test_a_handled_incident_is_done(leader, staff):
    found_at = timezone.now() - datetime.timedelta(hours=3)
    recorded = incident(user=staff, found_at=found_at, severity="general")
    assert rows(INCIDENT_OVER_LIMIT, status=OutboxStatus.PENDING)
    services.incident_update(
        incident=recorded,
        user=staff,
        reported_at=found_at + datetime.timedelta(minutes=100),
        reported_to="县委网信办",
        handled_at=found_at + datetime.timedelta(minutes=150),
        handled_by=staff,
        measures="核实并回应",
    )
    assert {item.status for item in rows(INCIDENT_OVER_LIMIT)} == {OutboxStatus.CANCELLED}
    assert (
        incident_open_items(
            since=None, until=timezone.now() + datetime.timedelta(days=5), after=None, limit=5
        )
        == []
    )


def test_an_incident_within_its_limit_is_not_in_the_window(staff):
    found_at = timezone.now() - datetime.timedelta(minutes=10)
    incident(user=staff, found_at=found_at, severity="major")  # report within 30 minutes
    assert rows(INCIDENT_OVER_LIMIT) == []
    limit = found_at + datetime.timedelta(minutes=30)
    assert (
        incident_open_items(since=None, until=limit - datetime.timedelta(seconds=1), after=None, limit=5)
        == []
    )
    assert len(incident_open_items(since=limit, until=limit, after=None, limit=5)) == 1


# Queries ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [3, 28])
def test_the_shift_sources_take_the_same_queries_for_3_and_28_shifts(roster, days):
    since = shift_on(day_in(roster, 0)).start
    until = since + datetime.timedelta(days=days - 1)
    # Shifts starting in the window; shifts ending in it (the first one ends a day in).
    for source, expected, count in ((shift_open_items, 1, days), (handover_open_items, 3, days - 1)):
        source(since=since, until=until, after=None, limit=500)
        with CaptureQueriesContext(connection) as captured:
            assert len(source(since=since, until=until, after=None, limit=500)) == count
        assert len(captured.captured_queries) == expected, source.__name__


@pytest.mark.parametrize("count", [3, 30])
def test_the_incident_source_takes_the_same_queries_for_3_and_30_incidents(staff, count):
    found_at = timezone.now() - datetime.timedelta(hours=5)
    for _ in range(count):
        incident(user=staff, found_at=found_at, severity="general")
    incident_open_items(since=None, until=timezone.now(), after=None, limit=500)
    with CaptureQueriesContext(connection) as captured:
        assert len(incident_open_items(since=None, until=timezone.now(), after=None, limit=500)) == count
    assert len(captured.captured_queries) == 2
