import datetime

import pytest
from django.utils import timezone

from ideology_office.common import dates
from sentiment import selectors, services
from sentiment.models import DutyShift

from .factories import at, current_roster, future_month, incident, review_in, staff_people

pytestmark = pytest.mark.django_db


def test_quarter_figures_give_median_worst_and_share_within_limits(staff, django_assert_num_queries):
    base = datetime.datetime(2025, 4, 10, 9, 0, tzinfo=timezone.get_current_timezone())
    # major: report within 30, handle within 120
    incident(user=staff, found_at=base, report_after=10, handle_after=60)
    incident(user=staff, found_at=base + datetime.timedelta(days=1), report_after=20, handle_after=100)
    incident(user=staff, found_at=base + datetime.timedelta(days=2), report_after=45, handle_after=300)
    incident(user=staff, found_at=base + datetime.timedelta(days=3))
    incident(
        user=staff,
        found_at=datetime.datetime(2025, 7, 1, 9, tzinfo=timezone.get_current_timezone()),
        report_after=999,
    )
    with django_assert_num_queries(1):
        figures = selectors.incident_quarter_figures(year=2025, quarter=2)
    assert (figures.incidents, figures.reported, figures.handled) == (4, 3, 3)
    assert figures.median_minutes_to_report == 20
    assert figures.worst_minutes_to_report == 45
    assert figures.median_minutes_to_handle == 100
    assert figures.worst_minutes_to_handle == 300
    # The fourth, never reported nor handled and long past its limits, counts as late in both.
    assert (figures.unreported_overdue, figures.unhandled_overdue) == (1, 1)
    assert figures.share_reported_in_time == pytest.approx(50.0)
    assert figures.share_handled_in_time == pytest.approx(50.0)


def test_quarter_figures_of_an_empty_quarter_are_none(db):
    figures = selectors.incident_quarter_figures(year=2022, quarter=1)
    assert figures.incidents == 0
    assert figures.median_minutes_to_report is None
    assert figures.share_handled_in_time is None


def test_voided_incidents_do_not_count(staff):
    from ideology_office.common.services import record_void

    recorded = incident(
        user=staff,
        found_at=datetime.datetime(2025, 5, 1, 9, tzinfo=timezone.get_current_timezone()),
        report_after=5,
    )
    record_void(record=recorded, user=staff, reason="重复登记")
    assert selectors.incident_quarter_figures(year=2025, quarter=2).incidents == 0


def test_on_duty_now_and_shifts_for_day_read_the_published_roster(leader, django_assert_num_queries):
    officers = staff_people(3)
    current_roster(leader=leader, officers=officers, leaders=[leader])
    now = timezone.now()
    with django_assert_num_queries(1):
        shift = selectors.on_duty_now(now)
    assert shift.start <= now < shift.end
    assert shift.officer in officers
    today = timezone.localdate()
    with django_assert_num_queries(1):
        today_shifts = selectors.shifts_for_day(today)
    # 24-hour shifts from 08:30: the day is touched by the one that started yesterday and today's.
    assert [timezone.localtime(item.start).time() for item in today_shifts] == [datetime.time(8, 30)] * len(
        today_shifts
    )
    assert 1 <= len(today_shifts) <= 2


def test_a_draft_roster_puts_nobody_on_duty(leader):
    officers = staff_people(2)
    from .factories import pattern_with

    services.roster_generate_draft(
        month=timezone.localdate().replace(day=1),
        pattern=pattern_with(officers=officers, leaders=[leader]),
        user=leader,
    )
    assert DutyShift.objects.exists()
    assert selectors.on_duty_now(timezone.now()) is None


def test_month_view_is_a_monday_first_grid_in_three_queries(leader, django_assert_num_queries):
    officers = staff_people(3)
    month = future_month()
    from .factories import published_roster

    published_roster(month=month, leader=leader, officers=officers, leaders=[leader])
    with django_assert_num_queries(3):
        view = selectors.roster_month(month=month, include_drafts=False)
        names = [shift.officer.real_name for week in view.weeks for cell in week for shift in cell.shifts]
    assert all(week[0].day.weekday() == 0 for week in view.weeks)
    assert len(names) == (dates.next_month(month) - month).days
    assert view.weeks[0][0].day <= month


def test_quarters_missing_review_flags_ended_quarters_only(leader):
    review_in(year=2024, quarter=1, user=leader)
    review_in(year=2024, quarter=3, user=leader)
    assert selectors.quarters_missing_review(2024, today=datetime.date(2024, 11, 15)) == [2]
    assert selectors.quarters_missing_review(2024, today=datetime.date(2025, 1, 2)) == [2, 4]
    assert selectors.quarters_missing_review(2020, today=datetime.date(2025, 1, 2)) == []


def test_current_quarter_review_status(leader):
    status = selectors.current_quarter_review_status(datetime.date(2024, 5, 20))
    assert (status.year, status.quarter, status.is_held, status.days_left) == (2024, 2, False, 41)
    review = review_in(year=2024, quarter=2, user=leader)
    assert selectors.current_quarter_review_status(datetime.date(2024, 6, 30)).review == review


def test_heatmap_counts_risks_per_cell_on_the_review_s_matrix(leader, django_assert_num_queries):
    review = review_in(year=2024, quarter=1, user=leader)
    for likelihood, impact in [(5, 5), (5, 5), (1, 2)]:
        services.risk_create(
            review=review,
            user=leader,
            issue="x",
            field="economy",
            likelihood=likelihood,
            impact=impact,
            owner=leader,
            response_plan="预案",
        )
    with django_assert_num_queries(2):
        data = selectors.risk_heatmap(review)
    assert len(data["cells"]) == 25
    assert [4, 4, 3, 2] in data["cells"]
    assert [1, 0, 0, 1] in data["cells"]


def test_shifts_for_person_are_only_their_own(leader):
    officers = staff_people(3)
    current_roster(leader=leader, officers=officers, leaders=[leader])
    mine = selectors.shifts_for_person(person=officers[0], since=at(timezone.localdate().replace(day=1), 0))
    assert mine.exists()
    assert all(officers[0].pk in (shift.officer_id, shift.leader_id) for shift in mine)


def test_all_quarters_missing_review_since_2021_in_one_query(leader, django_assert_num_queries):
    for year in (2021, 2022):
        for quarter in (1, 2, 3, 4):
            if (year, quarter) != (2022, 3):
                review_in(year=year, quarter=quarter, user=leader)
    with django_assert_num_queries(1):
        missing = selectors.all_quarters_missing_review(today=datetime.date(2023, 4, 2))
    assert missing == [(2022, 3), (2023, 1)]
