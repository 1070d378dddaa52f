import datetime
import re
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from ideology_office.common import dates
from sentiment import selectors, services
from sentiment.models import DutyFeedToken, DutyLogEntry, OpinionIncident, OpinionReview, RiskItem, ShiftSwap

from ..factories import UserFactory
from .factories import (
    at,
    current_roster,
    future_month,
    incident,
    published_roster,
    review_in,
    shift_on,
    staff_people,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_a_person_without_a_role_sees_nothing(client, db):
    nobody = UserFactory(roles=[])
    client.force_login(nobody)
    assert client.get(reverse("sentiment:index")).status_code == 403
    assert client.get(reverse("sentiment:incident_list")).status_code == 403


def test_landing_page_shows_who_is_on_duty_and_the_pending_review(as_user, leader):
    officers = staff_people(3)
    current_roster(leader=leader, officers=officers, leaders=[leader])
    response = as_user(leader).get(reverse("sentiment:index"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "当前值班" in text
    assert selectors.on_duty_now(timezone.now()).officer.real_name in text
    assert "研判会尚未召开" in text


# --- incidents ------------------------------------------------------------------------------


def _incidents(count, user):
    base = timezone.now() - datetime.timedelta(days=10)
    for index in range(count):
        incident(user=user, found_at=base + datetime.timedelta(hours=index), report_after=10, handle_after=60)


@pytest.mark.parametrize("count", [5, 50])
def test_incident_list_query_count_does_not_grow_with_rows(
    as_user, staff, count, django_assert_max_num_queries
):
    _incidents(count, staff)
    client = as_user(staff)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("sentiment:incident_list"))
    assert response.status_code == 200
    assert response.content.decode().count("按时") >= min(count, 25)


def test_incident_list_filters_and_answers_htmx_with_the_fragment(as_user, staff):
    _incidents(2, staff)
    incident(
        user=staff,
        found_at=timezone.now() - datetime.timedelta(hours=2),
        severity="general",
        summary="供水中断",
    )
    client = as_user(staff)
    response = client.get(reverse("sentiment:incident_list"), {"q": "供水"}, HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert "供水中断" in text
    assert "<html" not in text
    assert text.count("<tr") == 2


def test_recording_an_incident_through_the_form(as_user, staff):
    found = timezone.localtime() - datetime.timedelta(hours=2)
    response = as_user(staff).post(
        reverse("sentiment:incident_create"),
        {
            "found_at": found.strftime("%Y-%m-%dT%H:%M"),
            "source": "online",
            "field": "livelihood",
            "severity": "serious",
            "summary": "网帖反映供水中断",
            "reported_at": (found + datetime.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M"),
            "reported_to": "县委网信办",
        },
    )
    created = OpinionIncident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == created.get_absolute_url()
    assert created.status == OpinionIncident.Status.REPORTED


def test_bad_incident_input_shows_chinese_errors_and_writes_nothing(as_user, staff):
    found = timezone.localtime() - datetime.timedelta(hours=2)
    response = as_user(staff).post(
        reverse("sentiment:incident_create"),
        {
            "found_at": "不是时间",
            "source": "online",
            "field": "livelihood",
            "severity": "serious",
            "summary": "",
        },
    )
    assert response.status_code == 200
    assert "这个字段是必填项" in response.content.decode()
    response = as_user(staff).post(
        reverse("sentiment:incident_create"),
        {
            "found_at": found.strftime("%Y-%m-%dT%H:%M"),
            "source": "online",
            "field": "livelihood",
            "severity": "serious",
            "summary": "x",
            "reported_at": (found - datetime.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M"),
            "reported_to": "县委网信办",
        },
    )
    assert "报告时间不能早于发现时间" in response.content.decode()
    assert OpinionIncident.objects.count() == 0


def test_incident_detail_and_guessed_ids(as_user, staff, inspector, django_assert_max_num_queries):
    recorded = incident(user=staff, found_at=timezone.now() - datetime.timedelta(hours=3), report_after=5)
    client = as_user(inspector)
    with django_assert_max_num_queries(12):
        assert client.get(recorded.get_absolute_url()).status_code == 200
    assert client.get(reverse("sentiment:incident_detail", args=[recorded.pk + 999])).status_code == 404
    # Only its recorder, section heads and leaders change it.
    assert client.get(reverse("sentiment:incident_update", args=[recorded.pk])).status_code == 403
    assert as_user(staff).get(reverse("sentiment:incident_update", args=[recorded.pk])).status_code == 200


# --- roster -----------------------------------------------------------------------------------


@pytest.mark.parametrize("officer_count", [5, 50])
def test_month_view_query_count_is_fixed(as_user, leader, officer_count, django_assert_max_num_queries):
    month = future_month()
    officers = staff_people(officer_count)
    published_roster(month=month, leader=leader, officers=officers, leaders=[leader])
    client = as_user(officers[0])
    with django_assert_max_num_queries(8):
        response = client.get(reverse("sentiment:roster_month", args=[month.year, month.month]))
    assert response.status_code == 200
    assert (
        response.content.decode().count('data-testid="shift-link"') == (dates.next_month(month) - month).days
    )


def test_staff_do_not_see_a_draft_roster_but_leaders_do(as_user, leader, staff):
    from .factories import pattern_with

    month = future_month()
    services.roster_generate_draft(
        month=month, pattern=pattern_with(officers=[staff], leaders=[leader]), user=leader
    )
    url = reverse("sentiment:roster_month", args=[month.year, month.month])
    assert 'data-testid="shift-link"' not in as_user(staff).get(url).content.decode()
    assert 'data-testid="shift-link"' in as_user(leader).get(url).content.decode()
    draft_shift = shift_on(month)
    assert as_user(staff).get(draft_shift.get_absolute_url()).status_code == 404


def test_generating_and_publishing_through_the_pages(as_user, leader, staff):
    from .factories import pattern_with

    pattern = pattern_with(officers=[staff], leaders=[leader])
    month = future_month()
    client = as_user(leader)
    response = client.post(
        reverse("sentiment:roster_generate"), {"month": f"{month:%Y-%m}", "pattern": pattern.pk}
    )
    assert response.status_code == 302
    roster = pattern.dutyroster_set.get()
    client.post(reverse("sentiment:roster_publish", args=[roster.pk]))
    roster.refresh_from_db()
    assert roster.status == "published"
    # Staff can do neither.
    staff_client = as_user(staff)
    assert staff_client.post(reverse("sentiment:roster_publish", args=[roster.pk])).status_code == 403
    assert (
        staff_client.post(
            reverse("sentiment:roster_generate"), {"month": "2030-01", "pattern": pattern.pk}
        ).status_code
        == 403
    )


def test_publishing_a_roster_with_a_gap_shows_the_times(as_user, leader, staff):
    from .factories import pattern_with

    month = future_month()
    roster = services.roster_generate_draft(
        month=month, pattern=pattern_with(officers=[staff], leaders=[leader]), user=leader
    )
    shift_on(month + datetime.timedelta(days=4)).delete()
    response = as_user(leader).post(reverse("sentiment:roster_publish", args=[roster.pk]), follow=True)
    text = response.content.decode()
    assert "值班表未发布" in text
    assert f"{month + datetime.timedelta(days=4):%Y-%m-%d} 08:30" in text


@pytest.mark.parametrize("officer_count", [5, 50])
def test_roster_export_is_an_excel_file_with_a_row_per_shift(
    as_user, leader, officer_count, django_assert_max_num_queries
):
    month = future_month()
    officers = staff_people(officer_count)
    published_roster(month=month, leader=leader, officers=officers, leaders=[leader])
    client = as_user(officers[0])
    # 6, and 2 for the record of the download and its audit entry (common/exports.py).
    with django_assert_max_num_queries(8):
        response = client.get(reverse("sentiment:roster_export", args=[month.year, month.month]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.getvalue())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][4] == "值班员"
    assert len(rows) == 1 + (dates.next_month(month) - month).days
    assert rows[1][4] == officers[0].real_name


@pytest.fixture
def duty(leader):
    officers = staff_people(4)
    month = future_month()
    published_roster(month=month, leader=leader, officers=officers, leaders=[leader])
    return month, officers


def test_shift_log_is_seen_only_by_people_on_the_shift_and_leaders(as_user, duty, leader):
    month, officers = duty
    shift = shift_on(month)
    services.duty_log_add(shift=shift, user=officers[0], at=at(month, 9), content="机密巡查记录")
    assert "机密巡查记录" in as_user(officers[0]).get(shift.get_absolute_url()).content.decode()
    assert "机密巡查记录" in as_user(leader).get(shift.get_absolute_url()).content.decode()
    other = as_user(officers[1]).get(shift.get_absolute_url())
    assert other.status_code == 200
    assert "机密巡查记录" not in other.content.decode()
    assert as_user(officers[1]).get(reverse("sentiment:duty_log_add", args=[shift.pk])).status_code == 403
    assert (
        as_user(officers[1]).get(reverse("sentiment:shift_detail", args=[shift.pk + 10_000])).status_code
        == 404
    )


def test_officer_adds_a_log_entry_and_a_time_outside_the_shift_is_refused(as_user, duty):
    month, officers = duty
    shift = shift_on(month)
    client = as_user(officers[0])
    url = reverse("sentiment:duty_log_add", args=[shift.pk])
    response = client.post(
        url,
        {
            "at": at(month, 7).astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%dT%H:%M"),
            "content": "巡查",
        },
    )
    assert "值班时段" in response.content.decode()
    assert DutyLogEntry.objects.count() == 0
    client.post(url, {"at": timezone.localtime(at(month, 10)).strftime("%Y-%m-%dT%H:%M"), "content": "巡查"})
    assert DutyLogEntry.objects.count() == 1


def test_swap_request_and_approval_through_the_pages(as_user, duty, leader):
    month, officers = duty
    mine, theirs = shift_on(month), shift_on(month + datetime.timedelta(days=1))
    response = as_user(officers[0]).post(
        reverse("sentiment:shift_swap_request", args=[mine.pk]),
        {"counterpart": officers[1].pk, "counterpart_shift": theirs.pk, "reason": "家中有事"},
    )
    assert response.status_code == 302
    swap = ShiftSwap.objects.get()
    # Another staff member cannot decide it.
    assert (
        as_user(officers[2]).post(reverse("sentiment:swap_decide", args=[swap.pk, "approve"])).status_code
        == 404
    )
    as_user(leader).post(reverse("sentiment:swap_decide", args=[swap.pk, "approve"]), {"note": "同意"})
    assert shift_on(month).officer == officers[1]


def test_swap_with_someone_on_duty_then_shows_a_chinese_error(as_user, duty, leader):
    month, officers = duty
    mine = shift_on(month)
    response = as_user(officers[0]).post(
        reverse("sentiment:shift_swap_request", args=[mine.pk]), {"counterpart": leader.pk, "reason": "有事"}
    )
    assert "已在值班" in response.content.decode()
    assert ShiftSwap.objects.count() == 0


@pytest.mark.parametrize("count", [5, 50])
def test_swap_list_query_count_is_fixed(as_user, leader, count, django_assert_max_num_queries):
    officers = staff_people(count + 1)
    month = future_month()
    published_roster(month=month, leader=leader, officers=officers, leaders=[leader])
    for index in range(min(count, 25)):
        shift = shift_on(month + datetime.timedelta(days=index))
        services.shift_swap_request(
            shift=shift, requester=shift.officer, counterpart=officers[-1], reason="有事"
        )
    client = as_user(leader)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("sentiment:swap_list"))
    assert response.content.decode().count('data-testid="approve-swap"') == min(count, 25)


def test_handover_accepted_by_the_wrong_person_is_refused(as_user, duty):
    month, officers = duty
    handover = services.handover_write(shift=shift_on(month), user=officers[0], open_items="待回复")
    # Someone on neither shift does not even see the handover; the writer sees it but may not accept.
    assert (
        as_user(officers[2]).post(reverse("sentiment:handover_accept", args=[handover.pk])).status_code == 404
    )
    response = as_user(officers[0]).post(
        reverse("sentiment:handover_accept", args=[handover.pk]), follow=True
    )
    assert "只有接班值班员" in response.content.decode()
    handover.refresh_from_db()
    assert handover.accepted_at is None
    as_user(officers[1]).post(reverse("sentiment:handover_accept", args=[handover.pk]))
    handover.refresh_from_db()
    assert handover.accepted_by == officers[1]


@pytest.mark.parametrize("count", [5, 50])
def test_information_report_list_query_count_is_fixed(as_user, leader, count, django_assert_max_num_queries):
    officers = staff_people(2)
    month = future_month()
    published_roster(month=month, leader=leader, officers=officers, leaders=[leader])
    shift = shift_on(month)
    for index in range(count):
        services.information_report_add(
            shift=shift,
            user=leader,
            sent_at=at(month, 9) + datetime.timedelta(minutes=index),
            recipient="市委办",
            content="报送",
        )
    client = as_user(leader)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("sentiment:information_report_list"))
    assert response.content.decode().count("市委办") == min(count, 25)
    # Staff see only reports of their own shifts.
    assert (
        "市委办"
        not in as_user(officers[1]).get(reverse("sentiment:information_report_list")).content.decode()
    )


# --- calendar feed ----------------------------------------------------------------------------


def test_calendar_feed_is_valid_icalendar_with_only_the_owner_s_shifts(client, as_user, duty):
    month, officers = duty
    as_user(officers[0]).get(reverse("sentiment:duty_feed_settings"))
    token = DutyFeedToken.objects.get(person=officers[0]).token
    client.logout()
    response = client.get(reverse("sentiment:duty_feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    events = text.count("BEGIN:VEVENT")
    own = sum(1 for shift in services.DutyShift.objects.all() if shift.officer_id == officers[0].pk)
    assert events == own > 0
    first = shift_on(month)
    assert f"DTSTART:{first.start.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}" in text
    assert "SUMMARY:值班：值班员" in text
    assert re.search(r"DTSTAMP:\d{8}T\d{6}Z", text)


def test_a_wrong_token_gives_404_and_regenerating_cuts_off_the_old_address(client, as_user, staff):
    assert client.get(reverse("sentiment:duty_feed", args=["guessed-token"])).status_code == 404
    old = services.duty_feed_token_for(person=staff).token
    as_user(staff).post(reverse("sentiment:duty_feed_regenerate"))
    client.logout()
    assert client.get(reverse("sentiment:duty_feed", args=[old])).status_code == 404
    new = DutyFeedToken.objects.get(person=staff).token
    assert client.get(reverse("sentiment:duty_feed", args=[new])).status_code == 200


# --- reviews ------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [5, 50])
def test_review_list_and_detail_query_counts_are_fixed(as_user, leader, count, django_assert_max_num_queries):
    owners = staff_people(3)
    for index in range(min(count, 20)):
        review_in(year=2021 + index // 4, quarter=index % 4 + 1, user=leader, attendees=owners)
    review = OpinionReview.objects.order_by("-year", "-quarter").first()
    for index in range(count):
        services.risk_create(
            review=review,
            user=leader,
            issue=f"风险{index}",
            field="economy",
            likelihood=index % 5 + 1,
            impact=(index * 2) % 5 + 1,
            owner=owners[index % 3],
            response_plan="预案",
        )
    client = as_user(owners[0])
    with django_assert_max_num_queries(10):
        assert client.get(reverse("sentiment:review_list")).status_code == 200
    with django_assert_max_num_queries(14):
        response = client.get(review.get_absolute_url())
    assert response.content.decode().count("风险") >= count
    assert 'id="risk-heatmap-data"' in response.content.decode()


def test_review_list_flags_a_missing_quarter(as_user, leader):
    review_in(year=2021, quarter=1, user=leader)
    text = as_user(leader).get(reverse("sentiment:review_list")).content.decode()
    assert "2021 年第 2 季度未召开研判会" in text


def test_risk_with_a_likelihood_outside_the_matrix_shows_a_chinese_error(as_user, leader):
    review = review_in(year=2024, quarter=1, user=leader)
    response = as_user(leader).post(
        reverse("sentiment:risk_create", args=[review.pk]),
        {
            "issue": "征地",
            "field": "stability",
            "likelihood": 9,
            "impact": 2,
            "owner": leader.pk,
            "response_plan": "预案",
            "status": "open",
        },
    )
    assert "可能性须为 1 到 5 的整数" in response.content.decode()
    assert RiskItem.objects.count() == 0


def test_staff_cannot_record_reviews_and_guessed_ids_give_404(as_user, staff, leader):
    review = review_in(year=2024, quarter=1, user=leader)
    client = as_user(staff)
    assert client.get(reverse("sentiment:review_create")).status_code == 403
    assert client.get(reverse("sentiment:risk_create", args=[review.pk])).status_code == 403
    assert client.get(reverse("sentiment:review_detail", args=[review.pk + 100])).status_code == 404
    assert client.get(reverse("sentiment:risk_detail", args=[12345])).status_code == 404


def test_recording_a_review_through_the_form_carries_risks_over(as_user, leader, section_head):
    first = review_in(year=2024, quarter=1, user=leader)
    services.risk_create(
        review=first,
        user=leader,
        issue="汛期供水",
        field="livelihood",
        likelihood=3,
        impact=4,
        owner=leader,
        response_plan="预案",
    )
    response = as_user(section_head).post(
        reverse("sentiment:review_create"),
        {
            "held_on": "2024-05-20",
            "attendees": [leader.pk, section_head.pk],
            "reviewed": "二季度舆情",
            "conclusions": "平稳",
        },
    )
    second = OpinionReview.objects.get(quarter=2)
    assert response["Location"] == second.get_absolute_url()
    carried = RiskItem.objects.get(review=second)
    assert carried.previous.review == first
    detail = as_user(section_head).get(carried.get_absolute_url()).content.decode()
    assert "2024年第1季度" in detail and "2024年第2季度" in detail
