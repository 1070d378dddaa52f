"""Builders for public-opinion records, written through the services like every other door."""

import datetime

from django.utils import timezone

from ideology_office.accounts.roles import Role
from ideology_office.common import dates
from sentiment import services
from sentiment.models import DutyRoster, DutyShift, RiskMatrix, RotationMember, RotationPattern

from ..factories import UserFactory


def at(day: datetime.date, hour: int = 8, minute: int = 30) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def future_month(months_ahead: int = 2) -> datetime.date:
    month = timezone.localdate().replace(day=1)
    for _ in range(months_ahead):
        month = dates.next_month(month)
    return month


def pattern_with(*, officers, leaders, rest_officers=(), rest_leaders=(), name="测试轮班") -> RotationPattern:
    pattern = RotationPattern.objects.create(name=name)
    lists = [
        (RotationMember.Duty.OFFICER, RotationMember.DayKind.WORKDAY, officers),
        (RotationMember.Duty.LEADER, RotationMember.DayKind.WORKDAY, leaders),
        (RotationMember.Duty.OFFICER, RotationMember.DayKind.RESTDAY, rest_officers),
        (RotationMember.Duty.LEADER, RotationMember.DayKind.RESTDAY, rest_leaders),
    ]
    for duty, day_kind, people in lists:
        for position, person in enumerate(people, start=1):
            RotationMember.objects.create(
                pattern=pattern, duty=duty, day_kind=day_kind, position=position, person=person
            )
    return pattern


def staff_people(count: int, prefix: str = "duty"):
    return [
        UserFactory(
            username=f"{prefix}{index}",
            real_name=f"值班员{index}",
            phone=f"1390000{index:04d}",
            roles=[Role.STAFF],
        )
        for index in range(count)
    ]


def published_roster(*, month: datetime.date, leader, officers, leaders) -> DutyRoster:
    pattern = pattern_with(officers=officers, leaders=leaders, name=f"轮班{month:%Y%m}")
    roster = services.roster_generate_draft(month=month, pattern=pattern, user=leader)
    return services.roster_publish(roster=roster, user=leader)


def current_roster(*, leader, officers, leaders) -> DutyRoster:
    """This month's roster, published, so that some shift is under way right now."""
    return published_roster(
        month=timezone.localdate().replace(day=1), leader=leader, officers=officers, leaders=leaders
    )


def shift_on(day: datetime.date) -> DutyShift:
    return DutyShift.objects.get(start=at(day))


def current_matrix() -> RiskMatrix:
    return RiskMatrix.objects.get(is_current=True)


def review_in(*, year: int, quarter: int, user, attendees=None, **kwargs):
    first, _ = dates.quarter_bounds(year, quarter)
    return services.review_create(
        user=user,
        held_on=first + datetime.timedelta(days=40),
        reviewed="本季度舆情动态",
        conclusions="总体平稳",
        attendees=attendees or [user],
        **kwargs,
    )


def incident(*, user, found_at, severity="major", report_after=None, handle_after=None, **extra):
    data = {
        "found_at": found_at,
        "source": "online",
        "field": "stability",
        "severity": severity,
        "summary": "网帖炒作",
    }
    if report_after is not None:
        data.update(reported_at=found_at + datetime.timedelta(minutes=report_after), reported_to="县委网信办")
    if handle_after is not None:
        data.update(
            handled_at=found_at + datetime.timedelta(minutes=handle_after),
            handled_by=user,
            measures="核实并回应",
        )
    data.update(extra)
    return services.incident_create(user=user, **data)
