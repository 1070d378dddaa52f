"""An incident not reported past its limit is flagged on its page, in the list and in the
open-incidents panel, and counts as late in the quarter's share (issue 17, bug 4)."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from sentiment import selectors, services

from .factories import incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue(staff):
    # major: 30 minutes to report, 120 to handle; found 95 minutes ago, nothing reported.
    return incident(
        user=staff, found_at=timezone.now() - datetime.timedelta(minutes=95), summary="逾期未报的网帖"
    )


def test_the_model_knows_it_is_overdue(overdue):
    assert overdue.report_limit_minutes == 30
    assert overdue.report_overdue
    assert not overdue.handle_overdue
    assert overdue.minutes_open >= 95


def test_a_fresh_incident_is_not_overdue(staff):
    fresh = incident(user=staff, found_at=timezone.now() - datetime.timedelta(minutes=5))
    assert not fresh.report_overdue


def test_page_list_and_panel_flag_it(client, staff, overdue):
    client.force_login(staff)
    detail = client.get(overdue.get_absolute_url()).content.decode()
    assert re.search(r"逾期 · 已 9\d 分钟", detail)  # 95 minutes or a few more
    listing = client.get(reverse("sentiment:incident_list")).content.decode()
    assert 'data-testid="overdue"' in listing and re.search(r"逾期 · 已 9\d 分钟", listing)
    panel = client.get(reverse("sentiment:index")).content.decode()
    assert "超过 30 分钟未报告" in panel


def test_a_voided_incident_is_not_flagged(staff, overdue):
    from ideology_office.common.services import record_void

    record_void(record=overdue, user=staff, reason="重复登记")
    overdue.refresh_from_db()
    assert not overdue.report_overdue


def test_the_quarter_share_counts_it_as_late(staff, overdue):
    found = timezone.localtime(overdue.found_at)
    in_time = incident(user=staff, found_at=overdue.found_at - datetime.timedelta(minutes=1), report_after=10)
    year, quarter = found.year, (found.month - 1) // 3 + 1
    figures = selectors.incident_quarter_figures(year=year, quarter=quarter)
    assert (figures.reported, figures.reported_in_time, figures.unreported_overdue) == (1, 1, 1)
    assert figures.share_reported_in_time == 50.0
    # Reported late afterwards: still late, and no longer counted as unreported.
    services.incident_update(
        incident=overdue, user=staff, reported_at=timezone.now(), reported_to="县委网信办"
    )
    figures = selectors.incident_quarter_figures(year=year, quarter=quarter)
    assert (figures.reported, figures.reported_in_time, figures.unreported_overdue) == (2, 1, 0)
    assert figures.share_reported_in_time == 50.0
    assert in_time.reported_in_time
