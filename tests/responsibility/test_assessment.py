"""Scoring: count rules pre-fill lines from the records in bounded queries; the assessor confirms
or overrides with a reason; total and grade follow the scheme."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from ideology_office.common.services import record_void
from responsibility import services
from responsibility.models import Assessment, AssessmentScore, SchemeItem

from .conftest import TEST_FOLLOW_UPS_OVERDUE, TEST_MEETINGS
from .factories import FollowUpActionFactory, OfficeMeetingFactory, scheme_with_items

D = datetime.date

MONTHLY = {
    "requirement": "每月至少开会 1 次",
    "max_points": Decimal(10),
    "count_key": TEST_MEETINGS,
    "count_mode": "at_least",
    "count_required": 1,
    "count_period": "month",
    "points_per_miss": Decimal(1),
}
IDEOLOGY_TWICE = {
    "requirement": "每年至少 2 次专题研究",
    "max_points": Decimal(10),
    "count_key": TEST_MEETINGS,
    "count_filters": {"on_ideology": True},
    "count_mode": "at_least",
    "count_required": 2,
    "count_period": "year",
    "points_per_miss": Decimal(5),
}
QUARTERLY = {
    "requirement": "每季度至少 1 次",
    "max_points": Decimal(10),
    "count_key": TEST_MEETINGS,
    "count_mode": "at_least",
    "count_required": 1,
    "count_period": "quarter",
    "points_per_miss": Decimal("2.5"),
}
NONE_OVERDUE = {
    "requirement": "无逾期整改",
    "max_points": Decimal(20),
    "count_key": TEST_FOLLOW_UPS_OVERDUE,
    "count_mode": "at_most",
    "count_required": 0,
    "points_per_miss": Decimal(5),
}
NOT_CONNECTED = {
    "requirement": "中心组每月学习",
    "max_points": Decimal(12),
    "count_key": "study.key_nobody_registered",
    "count_mode": "at_least",
    "count_required": 1,
    "count_period": "month",
    "points_per_miss": Decimal(1),
}
MANUAL = {"requirement": "签订责任书", "max_points": Decimal(10)}
VETO = {"requirement": "重大责任事件", "kind": "veto", "max_points": Decimal(0), "heading": "一票否决"}
BONUS_A = {"requirement": "经验推广", "kind": "bonus", "max_points": Decimal(3), "heading": "加分"}
BONUS_B = {"requirement": "信息采用", "kind": "bonus", "max_points": Decimal(3), "heading": "加分"}


@pytest.fixture
def meetings_2023(info_section, chief):
    """Meetings in Jan, Feb, Mar (ideology), Jul and Oct (ideology) of 2023, one voided in
    Aug, one in 2022 and one of another section."""
    made = [
        OfficeMeetingFactory(
            date=D(2023, month, 10), section=info_section, chair=chief, on_ideology=month in (3, 10)
        )
        for month in (1, 2, 3, 7, 10)
    ]
    voided = OfficeMeetingFactory(date=D(2023, 8, 10), section=info_section, chair=chief)
    record_void(record=voided, user=chief, reason="录错")
    OfficeMeetingFactory(date=D(2022, 12, 10), section=info_section, chair=chief)
    OfficeMeetingFactory(date=D(2023, 5, 10))
    return made


def start(scheme, info_section, inspector):
    return services.assessment_create(
        scheme=scheme, target_kind=Assessment.TargetKind.SECTION, target_unit=info_section, assessor=inspector
    )


def line_for(assessment, requirement) -> AssessmentScore:
    return assessment.scores.select_related("item").get(item__requirement=requirement)


@pytest.mark.django_db
def test_at_least_per_month_loses_a_point_per_missing_month(
    test_countables, meetings_2023, info_section, inspector, frozen_today
):
    scheme = scheme_with_items(items=[MONTHLY, QUARTERLY, IDEOLOGY_TWICE])
    assessment = start(scheme, info_section, inspector)
    monthly = line_for(assessment, MONTHLY["requirement"])
    # Five months have a meeting of this section (the voided one and the other section's do not count).
    assert monthly.source == AssessmentScore.Source.COUNTED
    assert monthly.auto_score == Decimal(3)
    assert monthly.counted_total == 5
    assert sorted(monthly.counted_ids) == sorted(meeting.pk for meeting in meetings_2023)
    quarterly = line_for(assessment, QUARTERLY["requirement"])
    assert quarterly.auto_score == Decimal("7.5")  # Q2 has none of this section's meetings
    assert line_for(assessment, IDEOLOGY_TWICE["requirement"]).auto_score == Decimal(10)


@pytest.mark.django_db
def test_the_loss_is_capped_at_the_items_points(test_countables, info_section, inspector, frozen_today):
    scheme = scheme_with_items(items=[{**MONTHLY, "points_per_miss": Decimal(2)}])
    line = start(scheme, info_section, inspector).scores.get()
    assert line.auto_score == Decimal(0)
    assert line.counted_total == 0


@pytest.mark.django_db
def test_periods_not_yet_begun_are_not_counted_as_missing(
    test_countables, info_section, inspector, monkeypatch
):
    monkeypatch.setattr("responsibility.services.timezone.localdate", lambda *args: D(2023, 3, 20))
    scheme = scheme_with_items(items=[MONTHLY])
    line = start(scheme, info_section, inspector).scores.get()
    assert line.auto_score == Decimal(7)  # Jan, Feb, Mar missing; Apr–Dec not yet due


@pytest.mark.django_db
def test_at_most_loses_points_per_extra_record(test_countables, info_section, inspector, frozen_today):
    for _ in range(3):
        FollowUpActionFactory(meeting=OfficeMeetingFactory(section=info_section), deadline=D(2023, 6, 1))
    FollowUpActionFactory(
        meeting=OfficeMeetingFactory(section=info_section),
        deadline=D(2023, 6, 1),
        status="done",
        done_on=D(2023, 5, 1),
    )
    scheme = scheme_with_items(items=[NONE_OVERDUE])
    line = start(scheme, info_section, inspector).scores.get()
    assert line.auto_score == Decimal(5)
    assert line.counted_total == 3


@pytest.mark.django_db
def test_an_unregistered_key_shows_not_connected_and_leaves_the_score_to_the_assessor(
    test_countables, info_section, inspector, frozen_today
):
    scheme = scheme_with_items(items=[NOT_CONNECTED])
    assessment = start(scheme, info_section, inspector)
    line = assessment.scores.get()
    assert line.source == AssessmentScore.Source.NOT_CONNECTED
    assert line.auto_score is None and line.score is None
    with pytest.raises(ValidationError):
        services.score_confirm(line=line, score=None, reason="", user=inspector)
    services.score_confirm(line=line, score=Decimal(12), reason="", user=inspector)
    line.refresh_from_db()
    assert line.score == Decimal(12)


@pytest.mark.parametrize("meeting_count", [5, 50])
@pytest.mark.django_db
def test_an_automatic_score_takes_the_same_queries_whatever_the_number_of_records(
    meeting_count, test_countables, info_section, inspector, chief, frozen_today, django_assert_num_queries
):
    OfficeMeetingFactory.create_batch(meeting_count, date=D(2023, 6, 1), section=info_section, chair=chief)
    scheme = scheme_with_items(
        items=[MONTHLY, QUARTERLY, IDEOLOGY_TWICE, NONE_OVERDUE, NOT_CONNECTED, MANUAL]
    )
    assessment = Assessment(
        scheme=scheme, target_kind="section", target_unit=info_section, assessor=inspector
    )
    items = list(scheme.items.all())
    # Two queries per counted rule (the aggregate per period and the ids it counted), none for
    # the unconnected or manual items, none per record.
    with django_assert_num_queries(8):
        lines = services._prefill(assessment, items)
    assert lines[0].counted_total == meeting_count


@pytest.mark.django_db
def test_overriding_a_prefilled_score_needs_a_reason(
    test_countables, meetings_2023, info_section, inspector, frozen_today
):
    assessment = start(scheme_with_items(items=[MONTHLY]), info_section, inspector)
    line = assessment.scores.get()
    with pytest.raises(ValidationError) as caught:
        services.score_confirm(line=line, score=Decimal(8), reason="  ", user=inspector)
    assert "reason" in caught.value.error_dict
    line.refresh_from_db()
    assert line.score is None and line.confirmed_at is None
    services.score_confirm(line=line, score=Decimal(8), reason="另有 2 次会议记录在纸质台账", user=inspector)
    line.refresh_from_db()
    assert line.score == Decimal(8) and line.confirmed_by == inspector


@pytest.mark.django_db
def test_confirming_keeps_the_prefilled_score_without_a_reason(
    test_countables, meetings_2023, info_section, inspector, frozen_today
):
    line = start(scheme_with_items(items=[MONTHLY]), info_section, inspector).scores.get()
    services.score_confirm(line=line, score=None, reason="", user=inspector)
    line.refresh_from_db()
    assert line.score == line.auto_score == Decimal(3)


@pytest.mark.django_db
def test_a_score_over_the_items_maximum_is_refused(info_section, inspector):
    line = start(scheme_with_items(items=[MANUAL]), info_section, inspector).scores.get()
    for wrong in (Decimal("10.5"), Decimal(-1)):
        with pytest.raises(ValidationError) as caught:
            services.score_confirm(line=line, score=wrong, reason="理由", user=inspector)
        assert "score" in caught.value.error_dict
    line.refresh_from_db()
    assert line.score is None


@pytest.mark.django_db
def test_points_taken_off_a_manual_item_need_a_reason(info_section, inspector):
    line = start(scheme_with_items(items=[MANUAL]), info_section, inspector).scores.get()
    with pytest.raises(ValidationError):
        services.score_confirm(line=line, score=Decimal(8), reason="", user=inspector)
    services.score_confirm(line=line, score=Decimal(10), reason="", user=inspector)


@pytest.mark.django_db
def test_total_and_grade_follow_the_scheme_with_capped_bonus(info_section, inspector):
    scheme = scheme_with_items(items=[{**MANUAL, "max_points": Decimal(84)}, VETO, BONUS_A, BONUS_B])
    assessment = start(scheme, info_section, inspector)
    with pytest.raises(ValidationError):
        services.assessment_complete(assessment=assessment, user=inspector)
    scores = {
        MANUAL["requirement"]: Decimal(84),
        BONUS_A["requirement"]: Decimal(3),
        BONUS_B["requirement"]: Decimal(3),
    }
    for line in assessment.scores.select_related("item"):
        services.score_confirm(line=line, score=scores.get(line.item.requirement), reason="", user=inspector)
    done = services.assessment_complete(assessment=assessment, user=inspector)
    # 84 + bonus 6 capped at 5 = 89: 良好 (优秀 from 90).
    assert done.total == Decimal(89)
    assert done.grade == Assessment.Grade.GOOD
    with pytest.raises(ValidationError):
        services.score_confirm(line=assessment.scores.first(), score=Decimal(1), reason="改", user=inspector)


@pytest.mark.django_db
def test_a_triggered_veto_makes_the_grade_poor_and_needs_a_reason(info_section, inspector):
    scheme = scheme_with_items(items=[{**MANUAL, "max_points": Decimal(100)}, VETO])
    assessment = start(scheme, info_section, inspector)
    veto = line_for(assessment, VETO["requirement"])
    with pytest.raises(ValidationError):
        services.score_confirm(line=veto, score=None, reason="", user=inspector, veto_triggered=True)
    services.score_confirm(line=veto, score=None, reason="发生舆情事件", user=inspector, veto_triggered=True)
    services.score_confirm(
        line=line_for(assessment, MANUAL["requirement"]), score=Decimal(100), reason="", user=inspector
    )
    done = services.assessment_complete(assessment=assessment, user=inspector)
    assert done.vetoed and done.grade == Assessment.Grade.POOR and done.total == Decimal(100)


@pytest.mark.django_db
def test_assessors_are_inspectors_or_leaders_and_nobody_assesses_themselves(
    info_section, staff, chief, inspector
):
    scheme = scheme_with_items(items=[MANUAL])
    with pytest.raises(ValidationError):
        start(scheme, info_section, staff)
    with pytest.raises(ValidationError):
        services.assessment_create(scheme=scheme, target_kind="leader", target_person=chief, assessor=chief)
    with pytest.raises(ValidationError):
        services.assessment_create(
            scheme=scheme, target_kind="county_unit", target_unit=info_section, assessor=inspector
        )
    start(scheme, info_section, inspector)
    with pytest.raises(ValidationError):
        start(scheme, info_section, inspector)
    assert Assessment.objects.count() == 1


@pytest.mark.django_db
def test_a_leaders_assessment_counts_the_meetings_they_chaired(
    test_countables, meetings_2023, chief, inspector, frozen_today
):
    scheme = scheme_with_items(items=[IDEOLOGY_TWICE])
    assessment = services.assessment_create(
        scheme=scheme, target_kind="leader", target_person=chief, assessor=inspector
    )
    assert assessment.scores.get().counted_total == 2


@pytest.mark.django_db
def test_counting_again_picks_up_new_records_for_unconfirmed_lines(
    test_countables, info_section, inspector, chief, frozen_today
):
    scheme = scheme_with_items(items=[IDEOLOGY_TWICE])
    assessment = start(scheme, info_section, inspector)
    assert assessment.scores.get().auto_score == Decimal(0)
    OfficeMeetingFactory.create_batch(
        2, date=D(2023, 9, 1), section=info_section, chair=chief, on_ideology=True
    )
    services.assessment_refresh(assessment=assessment, user=inspector)
    assert assessment.scores.get().auto_score == Decimal(10)


def test_item_auto_score_is_a_pure_rule():
    item = SchemeItem(
        max_points=Decimal(10),
        count_mode="at_least",
        count_required=2,
        count_period="quarter",
        points_per_miss=Decimal(1),
    )
    counts = {D(2023, 1, 1): 2, D(2023, 4, 1): 1, D(2023, 10, 1): 5}
    score, note = services.item_auto_score(item, counts, year=2023, until=D(2023, 12, 31))
    assert score == Decimal(7)  # 1 missing in Q2, 2 in Q3
    assert "8" in note


@pytest.mark.django_db
def test_a_rule_whose_filters_no_longer_fit_is_left_to_the_assessor(
    test_countables, info_section, inspector, frozen_today
):
    scheme = scheme_with_items(items=[MONTHLY])
    SchemeItem.objects.filter(scheme=scheme).update(count_filters={"no_such_field": 1})
    line = start(scheme, info_section, inspector).scores.get()
    assert line.source == AssessmentScore.Source.NOT_CONNECTED and line.auto_score is None
