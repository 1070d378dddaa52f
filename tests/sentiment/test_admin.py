import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from sentiment.models import (
    CalendarDay,
    DutyRoster,
    OpinionIncident,
    RiskMatrix,
    SeverityTimeLimit,
)

from .factories import future_month, incident, pattern_with, review_in, staff_people

pytestmark = pytest.mark.django_db


def test_a_fresh_install_has_time_limits_and_a_current_matrix():
    limits = {
        row.severity: (row.report_within_minutes, row.handle_within_minutes)
        for row in SeverityTimeLimit.objects.all()
    }
    assert limits == {"major": (30, 120), "serious": (60, 360), "general": (120, 1440)}
    matrix = RiskMatrix.objects.get(is_current=True)
    assert matrix.cells.count() == 25


@pytest.mark.parametrize(
    "model",
    [
        "severitytimelimit",
        "calendarday",
        "rotationpattern",
        "riskmatrix",
        "opinionincident",
        "dutyroster",
        "dutyshift",
        "shiftswap",
        "shiftreassignment",
        "handover",
        "dutylogentry",
        "informationreport",
        "opinionreview",
        "riskitem",
    ],
)
def test_admin_changelists_open(client, admin_person, model):
    client.force_login(admin_person)
    assert client.get(reverse(f"admin:sentiment_{model}_changelist")).status_code == 200


def test_admin_incident_change_goes_through_the_service(client, admin_person, staff):
    recorded = incident(user=staff, found_at=timezone.now() - datetime.timedelta(hours=5))
    client.force_login(admin_person)
    url = reverse("admin:sentiment_opinionincident_change", args=[recorded.pk])
    found = timezone.localtime(recorded.found_at)
    data = {
        "found_at_0": found.strftime("%Y-%m-%d"),
        "found_at_1": found.strftime("%H:%M:%S"),
        "source": "online",
        "field": "stability",
        "summary": "网帖炒作",
        "severity": "general",
        "links": "",
        "reported_at_0": (found - datetime.timedelta(hours=1)).strftime("%Y-%m-%d"),
        "reported_at_1": (found - datetime.timedelta(hours=1)).strftime("%H:%M:%S"),
        "reported_to": "网信办",
        "handled_at_0": "",
        "handled_at_1": "",
        "handled_by": "",
        "measures": "",
        "result": "",
    }
    response = client.post(url, data, follow=True)
    assert "报告时间不能早于发现时间" in response.content.decode()
    recorded.refresh_from_db()
    assert recorded.reported_at is None
    assert recorded.severity == "major"
    data.update({"reported_at_0": "", "reported_at_1": "", "reported_to": ""})
    client.post(url, data)
    recorded.refresh_from_db()
    assert (recorded.severity, recorded.report_limit_minutes) == ("general", 120)


def test_admin_publish_action_refuses_a_roster_with_a_gap(client, admin_person, leader):
    admin_person.groups.add(*leader.groups.all())
    month = future_month()
    from sentiment import services

    roster = services.roster_generate_draft(
        month=month, pattern=pattern_with(officers=staff_people(2), leaders=[leader]), user=leader
    )
    roster.shifts.order_by("start")[3].delete()
    client.force_login(admin_person)
    response = client.post(
        reverse("admin:sentiment_dutyroster_changelist"),
        {"action": "publish", "_selected_action": [roster.pk]},
        follow=True,
    )
    assert "无人值班" in response.content.decode()
    assert DutyRoster.objects.get().status == DutyRoster.Status.DRAFT


def test_holidays_are_data_edited_in_the_admin(client, admin_person):
    client.force_login(admin_person)
    client.post(
        reverse("admin:sentiment_calendarday_add"),
        {"date": "2030-10-01", "kind": "holiday", "name": "国庆节"},
    )
    assert CalendarDay.objects.get(date=datetime.date(2030, 10, 1)).name == "国庆节"


def test_review_admin_keeps_the_one_per_quarter_rule(client, admin_person, leader):
    review_in(year=2024, quarter=1, user=leader)
    second = review_in(year=2024, quarter=2, user=leader)
    client.force_login(admin_person)
    response = client.post(
        reverse("admin:sentiment_opinionreview_change", args=[second.pk]),
        {
            "held_on": "2024-02-10",
            "reviewed": "x",
            "conclusions": "y",
            "risks-TOTAL_FORMS": "0",
            "risks-INITIAL_FORMS": "0",
            "risks-MIN_NUM_FORMS": "0",
            "risks-MAX_NUM_FORMS": "1000",
        },
        follow=True,
    )
    assert "不在 2024 年第 2 季度内" in response.content.decode()
    second.refresh_from_db()
    assert second.held_on != datetime.date(2024, 2, 10)
    assert OpinionIncident.objects.count() == 0
