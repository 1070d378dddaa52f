import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ideology_office.accounts.roles import Role
from ideology_office.common import dates
from sentiment import selectors, services
from sentiment.models import (
    CalendarDay,
    DutyLogEntry,
    DutyRoster,
    DutyShift,
    Handover,
    OpinionIncident,
    OpinionReview,
    RiskItem,
    RiskMatrix,
    RiskMatrixCell,
    SeverityTimeLimit,
    ShiftReassignment,
    ShiftSwap,
)

from ..factories import UserFactory
from .factories import (
    at,
    future_month,
    incident,
    pattern_with,
    published_roster,
    review_in,
    shift_on,
    staff_people,
)

pytestmark = pytest.mark.django_db


def messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- incidents -----------------------------------------------------------------------------


def test_incident_copies_the_limits_of_its_severity_so_later_changes_keep_history(staff):
    found = timezone.now() - datetime.timedelta(hours=3)
    recorded = incident(user=staff, found_at=found, severity="major", report_after=20, handle_after=150)
    assert (recorded.report_limit_minutes, recorded.handle_limit_minutes) == (30, 120)
    assert recorded.reported_in_time is True
    assert recorded.handled_in_time is False
    assert recorded.status == OpinionIncident.Status.HANDLED
    SeverityTimeLimit.objects.filter(severity="major").update(report_within_minutes=10)
    recorded.refresh_from_db()
    assert recorded.report_limit_minutes == 30


def test_incident_reported_before_it_was_found_is_refused_in_chinese_and_nothing_written(staff):
    found = timezone.now() - datetime.timedelta(hours=1)
    with pytest.raises(ValidationError) as error:
        incident(user=staff, found_at=found, report_after=-5)
    assert "不能早于发现时间" in messages_of(error.value)
    assert OpinionIncident.objects.count() == 0


def test_incident_handled_needs_measures_and_a_handler(staff):
    found = timezone.now() - datetime.timedelta(hours=1)
    with pytest.raises(ValidationError) as error:
        services.incident_create(
            user=staff,
            found_at=found,
            source="online",
            field="economy",
            severity="general",
            summary="x",
            handled_at=found + datetime.timedelta(minutes=30),
        )
    assert set(error.value.error_dict) == {"measures", "handled_by"}
    assert OpinionIncident.objects.count() == 0


def test_incident_with_missing_or_wrong_choices_is_refused(staff):
    with pytest.raises(ValidationError) as error:
        services.incident_create(
            user=staff, found_at=None, source="nowhere", field="economy", severity="general", summary=""
        )
    assert {"found_at", "source", "summary"} <= set(error.value.error_dict)
    assert OpinionIncident.objects.count() == 0


def test_changing_severity_takes_the_new_limits_and_status_follows_the_times(staff):
    found = timezone.now() - datetime.timedelta(hours=2)
    recorded = incident(user=staff, found_at=found, severity="general")
    assert recorded.status == OpinionIncident.Status.FOUND
    updated = services.incident_update(
        incident=recorded,
        user=staff,
        severity="serious",
        reported_at=found + datetime.timedelta(minutes=50),
        reported_to="县委网信办",
    )
    assert (updated.report_limit_minutes, updated.status) == (60, OpinionIncident.Status.REPORTED)


# --- roster generation and publishing -----------------------------------------------------


def test_generator_uses_rest_day_lists_on_weekends_and_holidays_but_not_on_make_up_days(leader):
    officers = staff_people(3, "wd")
    rest_officers = staff_people(2, "rd")
    month = future_month(3)
    days = [month + datetime.timedelta(days=offset) for offset in range(7)]
    weekday = next(day for day in days if day.weekday() == 1)
    saturday = next(day for day in days if day.weekday() == 5)
    sunday = next(day for day in days if day.weekday() == 6)
    CalendarDay.objects.create(date=weekday, kind=CalendarDay.Kind.HOLIDAY, name="测试节")
    CalendarDay.objects.create(date=sunday, kind=CalendarDay.Kind.MAKEUP_WORKDAY, name="测试节调休")
    pattern = pattern_with(officers=officers, leaders=[leader], rest_officers=rest_officers)
    roster = services.roster_generate_draft(month=month, pattern=pattern, user=leader)

    assert roster.status == DutyRoster.Status.DRAFT
    shifts = {timezone.localdate(shift.start): shift for shift in roster.shifts.all()}
    assert len(shifts) == (dates.next_month(month) - month).days
    assert shifts[weekday].officer in rest_officers
    assert shifts[saturday].officer in rest_officers
    assert shifts[sunday].officer in officers
    first = shifts[month]
    assert timezone.localtime(first.start).time() == datetime.time(8, 30)
    assert first.end - first.start == datetime.timedelta(hours=24)
    assert services.roster_problems(list(roster.shifts.all()), month) == []


def test_generator_with_eight_hour_shifts_rotates_officers_within_the_day(leader):
    officers = staff_people(3)
    pattern = pattern_with(officers=officers, leaders=[leader])
    pattern.shift_hours = 8
    pattern.save()
    month = future_month(2)
    roster = services.roster_generate_draft(month=month, pattern=pattern, user=leader)
    first_day = [shift.officer for shift in roster.shifts.order_by("start")[:3]]
    assert set(first_day) == set(officers)


def test_only_a_leader_generates_and_publishes(staff, leader):
    pattern = pattern_with(officers=staff_people(2), leaders=[leader])
    with pytest.raises(ValidationError) as error:
        services.roster_generate_draft(month=future_month(), pattern=pattern, user=staff)
    assert "办公室领导" in messages_of(error.value)
    assert DutyRoster.objects.count() == 0


def test_publishing_refuses_a_gap_naming_the_times(leader):
    pattern = pattern_with(officers=staff_people(2), leaders=[leader])
    month = future_month()
    roster = services.roster_generate_draft(month=month, pattern=pattern, user=leader)
    third = shift_on(month + datetime.timedelta(days=2))
    DutyShift.objects.filter(pk=third.pk).delete()
    with pytest.raises(ValidationError) as error:
        services.roster_publish(roster=roster, user=leader)
    text = messages_of(error.value)
    assert f"{month + datetime.timedelta(days=2):%Y-%m-%d} 08:30" in text
    assert "无人值班" in text
    roster.refresh_from_db()
    assert roster.status == DutyRoster.Status.DRAFT


def test_publishing_refuses_an_overlap(leader):
    officers = staff_people(2)
    pattern = pattern_with(officers=officers, leaders=[leader])
    month = future_month()
    roster = services.roster_generate_draft(month=month, pattern=pattern, user=leader)
    services.shift_create(
        roster=roster,
        start=at(month + datetime.timedelta(days=3), 20),
        end=at(month + datetime.timedelta(days=4), 9),
        officer=officers[0],
        leader=leader,
        user=leader,
    )
    with pytest.raises(ValidationError) as error:
        services.roster_publish(roster=roster, user=leader)
    assert "重叠" in messages_of(error.value)
    assert DutyRoster.objects.get().status == DutyRoster.Status.DRAFT


def test_a_shift_ending_before_it_starts_is_refused_and_not_written(leader):
    officers = staff_people(1)
    pattern = pattern_with(officers=officers, leaders=[leader])
    month = future_month()
    roster = services.roster_generate_draft(month=month, pattern=pattern, user=leader)
    count = DutyShift.objects.count()
    with pytest.raises(ValidationError) as error:
        services.shift_create(
            roster=roster,
            start=at(month, 20),
            end=at(month, 8),
            officer=officers[0],
            leader=leader,
            user=leader,
        )
    assert "结束时间" in messages_of(error.value)
    assert DutyShift.objects.count() == count


def test_a_published_roster_cannot_be_regenerated_or_edited_by_hand(leader):
    officers = staff_people(2)
    month = future_month()
    roster = published_roster(month=month, leader=leader, officers=officers, leaders=[leader])
    with pytest.raises(ValidationError):
        services.roster_generate_draft(month=month, pattern=roster.pattern, user=leader)
    with pytest.raises(ValidationError):
        services.shift_update(
            shift=shift_on(month),
            user=leader,
            start=at(month),
            end=at(month, 20),
            officer=officers[0],
            leader=leader,
        )


# --- swaps, reassignment, handover ---------------------------------------------------------


@pytest.fixture
def roster_people(leader):
    officers = staff_people(4)
    month = future_month()
    published_roster(month=month, leader=leader, officers=officers, leaders=[leader])
    return month, officers


def test_swap_takes_effect_only_when_a_leader_approves(roster_people, leader):
    month, officers = roster_people
    mine, theirs = shift_on(month), shift_on(month + datetime.timedelta(days=1))
    swap = services.shift_swap_request(
        shift=mine,
        requester=mine.officer,
        counterpart=theirs.officer,
        counterpart_shift=theirs,
        reason="家中有事",
    )
    assert shift_on(month).officer == officers[0]
    with pytest.raises(ValidationError):
        services.shift_swap_approve(swap=swap, user=officers[2])
    services.shift_swap_approve(swap=swap, user=leader)
    assert shift_on(month).officer == officers[1]
    assert shift_on(month + datetime.timedelta(days=1)).officer == officers[0]
    assert ShiftSwap.objects.get().status == ShiftSwap.Status.APPROVED


def test_swap_with_someone_already_on_duty_then_is_refused(roster_people, leader):
    month, officers = roster_people
    mine = shift_on(month)
    with pytest.raises(ValidationError) as error:
        services.shift_swap_request(shift=mine, requester=mine.officer, counterpart=leader, reason="有事")
    assert "已在值班" in messages_of(error.value)
    assert ShiftSwap.objects.count() == 0


def test_swap_is_asked_only_by_the_person_on_the_shift_and_once_at_a_time(roster_people):
    month, officers = roster_people
    mine = shift_on(month)
    with pytest.raises(ValidationError):
        services.shift_swap_request(shift=mine, requester=officers[1], counterpart=officers[2], reason="有事")
    services.shift_swap_request(shift=mine, requester=officers[0], counterpart=officers[2], reason="有事")
    with pytest.raises(ValidationError):
        services.shift_swap_request(shift=mine, requester=officers[0], counterpart=officers[3], reason="有事")
    assert ShiftSwap.objects.count() == 1


def test_rejecting_a_swap_needs_a_reason_and_changes_nothing(roster_people, leader):
    month, officers = roster_people
    swap = services.shift_swap_request(
        shift=shift_on(month), requester=officers[0], counterpart=officers[2], reason="有事"
    )
    with pytest.raises(ValidationError):
        services.shift_swap_reject(swap=swap, user=leader, note="")
    services.shift_swap_reject(swap=swap, user=leader, note="人手不足")
    assert shift_on(month).officer == officers[0]


def test_a_leader_reassigns_with_a_reason_and_the_change_is_kept(roster_people, leader):
    month, officers = roster_people
    stand_in = UserFactory(roles=[Role.STAFF])
    shift = shift_on(month)
    with pytest.raises(ValidationError):
        services.shift_reassign(shift=shift, duty="officer", new_person=stand_in, reason="", user=leader)
    with pytest.raises(ValidationError):
        services.shift_reassign(
            shift=shift, duty="officer", new_person=stand_in, reason="病假", user=officers[1]
        )
    services.shift_reassign(shift=shift, duty="officer", new_person=stand_in, reason="病假", user=leader)
    assert shift_on(month).officer == stand_in
    change = ShiftReassignment.objects.get()
    assert (change.previous_person, change.new_person, change.reason) == (officers[0], stand_in, "病假")


def test_handover_is_accepted_only_by_the_incoming_officer(roster_people):
    month, officers = roster_people
    outgoing = shift_on(month)
    with pytest.raises(ValidationError):
        services.handover_write(shift=outgoing, user=officers[1], open_items="无")
    handover = services.handover_write(shift=outgoing, user=officers[0], open_items="市委办通知待回复")
    with pytest.raises(ValidationError) as error:
        services.handover_accept(handover=handover, user=officers[2])
    assert "接班值班员" in messages_of(error.value)
    assert Handover.objects.get().accepted_at is None
    services.handover_accept(handover=handover, user=officers[1])
    assert Handover.objects.get().accepted_by == officers[1]
    with pytest.raises(ValidationError):
        services.handover_write(shift=outgoing, user=officers[0], open_items="改写")


def test_duty_log_is_written_only_by_people_on_the_shift_within_its_times(roster_people, leader):
    month, officers = roster_people
    shift = shift_on(month)
    with pytest.raises(ValidationError):
        services.duty_log_add(shift=shift, user=officers[1], at=at(month, 10), content="巡查")
    with pytest.raises(ValidationError) as error:
        services.duty_log_add(shift=shift, user=officers[0], at=at(month, 7), content="巡查")
    assert "值班时段" in messages_of(error.value)
    services.duty_log_add(shift=shift, user=officers[0], at=at(month, 10), content="巡查")
    services.information_report_add(
        shift=shift, user=leader, sent_at=at(month, 11), recipient="市委办", content="报送"
    )
    assert DutyLogEntry.objects.count() == 1


def test_regenerating_the_feed_token_replaces_it(staff):
    first = services.duty_feed_token_for(person=staff).token
    assert services.duty_feed_token_for(person=staff).token == first
    assert services.duty_feed_token_regenerate(person=staff).token != first


# --- reviews and risks -----------------------------------------------------------------------


def test_one_review_per_quarter_and_the_date_must_be_in_it(leader):
    review_in(year=2024, quarter=2, user=leader)
    with pytest.raises(ValidationError) as error:
        review_in(year=2024, quarter=2, user=leader)
    assert "已有" in messages_of(error.value)
    assert OpinionReview.objects.count() == 1


def test_a_likelihood_outside_the_matrix_is_refused_in_chinese(leader):
    review = review_in(year=2024, quarter=1, user=leader)
    with pytest.raises(ValidationError) as error:
        services.risk_create(
            review=review,
            user=leader,
            issue="征地",
            field="stability",
            likelihood=6,
            impact=3,
            owner=leader,
            response_plan="预案",
        )
    assert "可能性" in messages_of(error.value)
    assert "1 到 5" in messages_of(error.value)
    assert RiskItem.objects.count() == 0


def test_the_level_comes_from_the_review_s_own_matrix_even_after_a_new_one(leader):
    old_review = review_in(year=2024, quarter=1, user=leader)
    RiskMatrix.objects.update(is_current=False)
    small = RiskMatrix.objects.create(name="三级矩阵", likelihood_levels=3, impact_levels=3, is_current=True)
    RiskMatrixCell.objects.bulk_create(
        RiskMatrixCell(matrix=small, likelihood=likelihood, impact=impact, level="critical")
        for likelihood in range(1, 4)
        for impact in range(1, 4)
    )
    risk = services.risk_create(
        review=old_review,
        user=leader,
        issue="x",
        field="economy",
        likelihood=5,
        impact=5,
        owner=leader,
        response_plan="预案",
    )
    assert risk.level == "critical"
    low = services.risk_create(
        review=old_review,
        user=leader,
        issue="y",
        field="economy",
        likelihood=1,
        impact=1,
        owner=leader,
        response_plan="预案",
    )
    assert low.level == "low"
    new_review = review_in(year=2024, quarter=2, user=leader)
    assert new_review.matrix == small
    old_review.refresh_from_db()
    assert old_review.matrix.likelihood_levels == 5
    carried = RiskItem.objects.filter(review=new_review).order_by("pk")
    assert [(item.likelihood, item.impact, item.level) for item in carried] == [
        (3, 3, "critical"),
        (1, 1, "critical"),
    ]


def test_open_risks_carry_over_with_their_history_and_closed_ones_do_not(leader):
    first = review_in(year=2023, quarter=3, user=leader)
    kept = services.risk_create(
        review=first,
        user=leader,
        issue="汛期供水",
        field="livelihood",
        likelihood=4,
        impact=4,
        owner=leader,
        response_plan="预案",
    )
    closed = services.risk_create(
        review=first,
        user=leader,
        issue="招生",
        field="livelihood",
        likelihood=2,
        impact=2,
        owner=leader,
        response_plan="预案",
    )
    services.risk_update(risk=closed, user=leader, status=RiskItem.Status.CLOSED)
    second = review_in(year=2023, quarter=4, user=leader)
    third = review_in(year=2024, quarter=1, user=leader)
    assert services.risks_carry_over(review=third, user=leader) == []
    latest = RiskItem.objects.get(review=third)
    assert latest.previous.review == second
    assert latest.origin == kept
    assert [item.review for item in selectors.risk_history(latest)] == [first, second, third]
    assert not RiskItem.objects.filter(review=second, issue="招生").exists()
