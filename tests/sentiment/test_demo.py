import pytest
from django.utils import timezone

from ideology_office.accounts import demo as accounts_demo
from ideology_office.common import dates
from sentiment import demo, selectors
from sentiment.models import (
    CalendarDay,
    DutyLogEntry,
    DutyRoster,
    DutyShift,
    Handover,
    OpinionIncident,
    OpinionReview,
    RiskItem,
    ShiftSwap,
)

pytestmark = pytest.mark.django_db

MODELS = [
    CalendarDay,
    DutyRoster,
    DutyShift,
    DutyLogEntry,
    Handover,
    ShiftSwap,
    OpinionIncident,
    OpinionReview,
    RiskItem,
]


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_seed_tells_the_story_and_a_second_run_changes_nothing():
    accounts_demo.seed(password="demo-password-123", log=lambda message: None)
    demo.seed(password=None, log=lambda message: None)
    first = counts()
    demo.seed(password=None, log=lambda message: None)
    assert counts() == first

    today = timezone.localdate()
    this_month = today.replace(day=1)
    published = set(DutyRoster.objects.filter(status="published").values_list("month", flat=True))
    assert {this_month, dates.next_month(this_month)} <= published
    assert selectors.on_duty_now(timezone.now()) is not None
    # A review every quarter since 2021 except the current one, which is pending.
    assert selectors.all_quarters_missing_review(today=today) == []
    assert not selectors.current_quarter_review_status(today).is_held
    assert OpinionReview.objects.filter(year=2021).count() == 4
    assert RiskItem.objects.filter(previous__isnull=False).exists()
    # Incidents inside and outside their limits.
    incidents = list(OpinionIncident.objects.all())
    assert any(item.reported_in_time for item in incidents)
    assert any(item.reported_in_time is False or item.handled_in_time is False for item in incidents)
    assert OpinionIncident.objects.filter(found_at__year=2021).exists()
    assert ShiftSwap.objects.filter(status="approved").exists()
    assert ShiftSwap.objects.filter(status="pending").exists()
    assert Handover.objects.filter(accepted_at__isnull=False).exists()
    assert CalendarDay.objects.filter(date__year=2027, name="春节").exists()
