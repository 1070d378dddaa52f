"""The dashboard's incidents per quarter, counted in SQL, equal the lists their links open (the
rule of ``incidents_of``, in Python), at the limits themselves and across a quarter's edge in
local time."""

import datetime

import pytest
from django.utils import timezone

from ideology_office.dashboard.selectors import Scope
from sentiment.models import OpinionIncident
from sentiment.panels import incidents_by_quarter, incidents_of

from .factories import incident

pytestmark = pytest.mark.django_db


def test_each_quarters_numbers_are_the_counts_of_the_records_they_link_to(admin_person):
    local = timezone.get_current_timezone()
    base = datetime.datetime(2024, 3, 31, 23, 30, tzinfo=local)  # Q1 in local time, Q2 in UTC+0
    first = incident(user=admin_person, found_at=base)
    limits = OpinionIncident.objects.get(pk=first.pk)
    report, handle = limits.report_limit_minutes, limits.handle_limit_minutes
    # Exactly at the limits, a microsecond late, never reported or handled.
    OpinionIncident.objects.filter(pk=first.pk).update(
        reported_at=base + datetime.timedelta(minutes=report),
        handled_at=base + datetime.timedelta(minutes=handle, microseconds=1),
    )
    incident(user=admin_person, found_at=base + datetime.timedelta(hours=2), report_after=report + 1)
    incident(user=admin_person, found_at=datetime.datetime(2024, 8, 1, 9, tzinfo=local), handle_after=1)
    scope = Scope(year=2024)
    quarters = incidents_by_quarter(scope)
    for row in quarters:
        for which in ("found", "reported_in_time", "handled_in_time"):
            assert row[which] == incidents_of(scope, row["quarter"], which).count(), (row["quarter"], which)
    assert [row["found"] for row in quarters] == [1, 1, 1, 0]
    assert quarters[0]["reported_in_time"] == 1 and quarters[0]["handled_in_time"] == 0
    assert [row["open"] for row in quarters] == [0, 1, 0, 0]
