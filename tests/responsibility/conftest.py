import datetime

import pytest

from ideology_office.common import counting
from ideology_office.common.counting import CountableRecord
from responsibility.models import FollowUpAction, OfficeMeeting

from .factories import leader_user, section

TEST_MEETINGS = "test.meetings"
TEST_FOLLOW_UPS_OVERDUE = "test.follow_ups_overdue"


@pytest.fixture
def info_section(db):
    return section()


@pytest.fixture
def chief(db):
    """The office's 主任, who will be the group's 组长."""
    return leader_user(username="chief", real_name="主任甲", title="主任")


@pytest.fixture
def test_countables(monkeypatch):
    """Countable keys made from this app's own models, so scoring is tested without other apps;
    monkeypatch takes them out of the registry again after the test."""
    monkeypatch.setitem(
        counting._registry,
        TEST_MEETINGS,
        CountableRecord(
            key=TEST_MEETINGS,
            label="test meetings",
            queryset=lambda: OfficeMeeting.objects.active(),
            date_field="date",
            unit_field="section",
            person_field="chair",
        ),
    )
    monkeypatch.setitem(
        counting._registry,
        TEST_FOLLOW_UPS_OVERDUE,
        CountableRecord(
            key=TEST_FOLLOW_UPS_OVERDUE,
            label="overdue follow-ups",
            queryset=lambda: FollowUpAction.objects.active().filter(status="open"),
            date_field="deadline",
            unit_field="meeting__section",
        ),
    )
    return [TEST_MEETINGS, TEST_FOLLOW_UPS_OVERDUE]


@pytest.fixture
def frozen_today(monkeypatch):
    """Pretend today is 2024-01-15, so the whole of 2023 lies in the past."""
    today = datetime.date(2024, 1, 15)
    monkeypatch.setattr("responsibility.services.timezone.localdate", lambda *args: today)
    return today
