import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from responsibility import services
from responsibility.models import (
    AgendaItem,
    AssessmentScheme,
    DutyAssignment,
    FollowUpAction,
    LeadingGroupMembership,
    MeetingAttendance,
    OfficeMeeting,
    SchemeItem,
    WorkPriority,
)
from tests.factories import UserFactory

from .factories import leader_user, scheme_with_items, section

D = datetime.date
LEADER = LeadingGroupMembership.Role.LEADER


def chinese(error: ValidationError) -> str:
    with translation.override("zh-hans"):
        return " ".join(str(message) for message in error.messages)


SET_UP = D(2021, 1, 15)
SIGNED = D(2023, 2, 20)


def join(person, role=LEADER, start=SET_UP, end=None, **extra):
    return services.membership_create(
        person=person,
        role=role,
        start_date=start,
        end_date=end,
        start_reason="成立领导小组",
        end_reason=extra.pop("end_reason", "离任" if end else ""),
        user=None,
    )


# Leading group ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_second_group_leader_for_an_overlapping_period_is_refused(chief):
    join(chief)
    other = leader_user(real_name="副主任乙")
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        join(other, start=D(2022, 5, 1))
    assert "组长" in chinese(caught.value)
    assert LeadingGroupMembership.objects.filter(role=LEADER).count() == 1


@pytest.mark.django_db
def test_a_group_leader_may_follow_one_whose_period_ended(chief):
    join(chief, end=D(2022, 4, 30))
    successor = join(leader_user(), start=D(2022, 5, 1))
    assert successor.pk


@pytest.mark.django_db
def test_an_end_date_before_the_start_is_refused_and_nothing_is_written(chief):
    with translation.override("zh-hans"), pytest.raises(ValidationError):
        join(chief, role=LeadingGroupMembership.Role.MEMBER, start=D(2023, 1, 1), end=D(2022, 1, 1))
    assert not LeadingGroupMembership.objects.exists()


@pytest.mark.django_db
def test_the_database_refuses_an_end_before_the_start_whatever_the_door(chief):
    from django.db import IntegrityError, transaction

    membership = join(chief, role=LeadingGroupMembership.Role.MEMBER)
    with pytest.raises(IntegrityError), transaction.atomic():
        LeadingGroupMembership.objects.filter(pk=membership.pk).update(end_date=D(2020, 1, 1))


@pytest.mark.django_db
def test_a_change_needs_a_reason(chief):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        services.membership_create(
            person=chief, role=LEADER, start_date=D(2021, 1, 1), start_reason=" ", user=None
        )
    assert "原因" in chinese(caught.value)


@pytest.mark.django_db
def test_the_same_person_cannot_hold_two_places_at_once(chief):
    join(chief)
    with pytest.raises(ValidationError) as caught:
        join(chief, role=LeadingGroupMembership.Role.MEMBER, start=D(2022, 1, 1))
    assert caught.value.error_dict["person"]


@pytest.mark.django_db
def test_the_group_leader_leaves_only_by_handing_over(chief):
    membership = join(chief)
    with pytest.raises(ValidationError):
        services.membership_end(membership=membership, end_date=D(2023, 1, 1), reason="调离", user=None)
    successor = leader_user(real_name="新主任")
    new = services.membership_replace(
        membership=membership, successor=successor, on=D(2023, 6, 1), reason="主任调整", user=None
    )
    membership.refresh_from_db()
    assert membership.end_date == D(2023, 5, 31)
    assert new.role == LEADER and new.start_date == D(2023, 6, 1)
    assert new.start_reason == "主任调整" and membership.end_reason == "主任调整"


@pytest.mark.django_db
def test_a_member_leaves_with_a_reason(chief):
    member = join(UserFactory(), role=LeadingGroupMembership.Role.MEMBER)
    services.membership_end(membership=member, end_date=D(2022, 1, 1), reason="退休", user=None)
    member.refresh_from_db()
    assert member.end_date == D(2022, 1, 1) and member.end_reason == "退休"


@pytest.mark.django_db
def test_a_member_is_recorded_with_the_post_held_on_joining(chief):
    membership = join(chief)
    assert membership.title_at_joining == "主任"
    assert membership.section_at_joining == chief.section


# Dual-duty assignments ------------------------------------------------------------------------


def assign(leader, year=2023, principal=False, sections=(), signed=SIGNED):
    return services.assignment_save(
        year=year,
        leader=leader,
        is_principal=principal,
        sections=list(sections),
        fields_in_charge="宣传",
        duties="一\n\n二 ",
        letter_signed_on=signed,
        user=None,
    )


@pytest.mark.django_db
def test_an_assignment_keeps_its_sections_and_duty_lines(chief, info_section):
    assignment = assign(chief, sections=[info_section])
    assert list(assignment.sections.all()) == [info_section]
    assert assignment.duty_lines == ["一", "二"]
    other = section("综合股", "general")
    services.assignment_save(
        assignment=assignment,
        year=2023,
        leader=chief,
        is_principal=False,
        sections=[other],
        fields_in_charge="",
        duties="",
        letter_signed_on=None,
        user=None,
    )
    assert list(assignment.sections.all()) == [other]


@pytest.mark.django_db
def test_one_assignment_per_leader_and_year_and_one_principal(chief):
    assign(chief, principal=True)
    with pytest.raises(ValidationError):
        assign(chief)
    with pytest.raises(ValidationError) as caught:
        assign(leader_user(), principal=True)
    assert "is_principal" in caught.value.error_dict
    assert DutyAssignment.objects.count() == 1


@pytest.mark.django_db
def test_only_leaders_hold_assignments_and_letters_are_not_signed_in_the_future(staff, chief):
    with pytest.raises(ValidationError):
        assign(staff)
    with pytest.raises(ValidationError):
        assign(chief, signed=D(2999, 1, 1))
    assert not DutyAssignment.objects.exists()


# Office meetings --------------------------------------------------------------------------------


def meeting(chair, sec, **kwargs):
    data = {
        "date": D(2023, 3, 10),
        "title": "一季度意识形态专题室务会",
        "place": "三楼会议室",
        "chair": chair,
        "section": sec,
        "on_ideology": True,
        "decisions": "加强阵地管理",
        "present": [],
        "user": None,
    }
    data.update(kwargs)
    return services.meeting_create(**data)


@pytest.mark.django_db
def test_a_meeting_is_recorded_with_its_first_agenda_study_as_item_one(chief, info_section, staff):
    recorded = meeting(
        chief,
        info_section,
        present=[staff],
        first_topic="学习重要讲话",
        first_topic_material="讲话全文",
        agenda=["研究工作", "", "部署任务"],
    )
    items = list(recorded.agenda_items.order_by("position"))
    assert [(item.position, item.kind, item.title) for item in items] == [
        (1, AgendaItem.Kind.FIRST_TOPIC, "学习重要讲话"),
        (2, AgendaItem.Kind.ORDINARY, "研究工作"),
        (3, AgendaItem.Kind.ORDINARY, "部署任务"),
    ]
    assert items[0].material == "讲话全文"
    assert set(recorded.attendances.values_list("person", flat=True)) == {chief.pk, staff.pk}


@pytest.mark.django_db
def test_a_first_agenda_study_can_only_be_item_one(chief, info_section):
    recorded = meeting(chief, info_section, agenda=["研究工作"])
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        services.agenda_item_add(
            meeting=recorded, kind=AgendaItem.Kind.FIRST_TOPIC, title="学习", material="", user=None
        )
    assert "第一议题" in chinese(caught.value)
    assert recorded.agenda_items.count() == 1


@pytest.mark.django_db
def test_a_meeting_needs_an_office_section(chief):
    from tests.factories import OrgUnitFactory

    county = OrgUnitFactory(kind="county_unit")
    with pytest.raises(ValidationError):
        meeting(chief, county)
    assert not OfficeMeeting.objects.exists()


@pytest.mark.django_db
def test_an_absence_needs_a_reason(chief, info_section, staff):
    recorded = meeting(chief, info_section)
    with pytest.raises(ValidationError):
        services.attendance_set(
            meeting=recorded, person=staff, status="absent", absence_reason=" ", user=None
        )
    services.attendance_set(meeting=recorded, person=staff, status="absent", absence_reason="出差", user=None)
    attendance = MeetingAttendance.objects.get(meeting=recorded, person=staff)
    assert attendance.absence_reason == "出差"


@pytest.mark.django_db
def test_a_follow_up_is_tracked_to_done(chief, info_section, staff, frozen_today):
    recorded = meeting(chief, info_section)
    with pytest.raises(ValidationError):
        services.follow_up_create(
            meeting=recorded, description="整改", owner=staff, deadline=D(2023, 1, 1), user=None
        )
    action = services.follow_up_create(
        meeting=recorded, description="梳理阵地内容", owner=staff, deadline=D(2023, 4, 10), user=None
    )
    with pytest.raises(ValidationError):
        services.follow_up_complete(action=action, done_on=D(2023, 4, 1), outcome=" ", user=staff)
    done = services.follow_up_complete(action=action, done_on=D(2023, 4, 1), outcome="已完成", user=staff)
    assert done.status == FollowUpAction.Status.DONE
    with pytest.raises(ValidationError):
        services.follow_up_complete(action=action, done_on=D(2023, 4, 2), outcome="再次", user=staff)


@pytest.mark.django_db
def test_a_voided_meeting_cannot_change(chief, info_section):
    from ideology_office.common.services import record_void

    recorded = meeting(chief, info_section)
    record_void(record=recorded, user=chief, reason="重复录入")
    with pytest.raises(ValidationError):
        services.agenda_item_add(meeting=recorded, kind="ordinary", title="x", material="", user=None)


# Work priorities --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_priorities_number_themselves_within_the_year():
    first = services.priority_save(year=2023, text="一", concerns_ideology=True, user=None)
    second = services.priority_save(year=2023, text="二", concerns_ideology=False, user=None)
    assert (first.position, second.position) == (1, 2)
    with pytest.raises(ValidationError):
        services.priority_save(year=1900, text="三", concerns_ideology=False, user=None)
    with pytest.raises(ValidationError):
        services.priority_save(year=2023, text="  ", concerns_ideology=False, user=None)
    assert WorkPriority.objects.count() == 2


# Schemes ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_incomplete_count_rule_is_refused(test_countables):
    scheme = scheme_with_items()
    with pytest.raises(ValidationError) as caught:
        services.scheme_item_save(
            scheme=scheme, user=None, heading="一", requirement="r", max_points=10, count_key="test.meetings"
        )
    assert "count_mode" in caught.value.error_dict
    with pytest.raises(ValidationError):
        services.scheme_item_save(
            scheme=scheme, user=None, heading="一", requirement="r", max_points=10, kind="veto"
        )
    with pytest.raises(ValidationError) as caught:
        services.scheme_item_save(
            scheme=scheme,
            user=None,
            heading="一",
            requirement="r",
            max_points=10,
            count_key="test.meetings",
            count_mode="at_least",
            count_required=1,
            count_period="month",
            points_per_miss=1,
            count_filters={"no_such_field": 1},
        )
    assert "count_filters" in caught.value.error_dict
    assert not scheme.items.exists()


@pytest.mark.django_db
def test_a_rule_may_name_a_key_that_is_not_registered_yet():
    scheme = scheme_with_items(
        items=[
            {
                "requirement": "中心组每月学习",
                "max_points": 12,
                "count_key": "study.not_there_yet",
                "count_mode": "at_least",
                "count_required": 1,
                "count_period": "month",
                "points_per_miss": 1,
            }
        ]
    )
    assert scheme.items.get().count_key == "study.not_there_yet"


@pytest.mark.django_db
def test_grade_thresholds_must_fall():
    with pytest.raises(ValidationError):
        services.scheme_save(
            year=2023, name="x", excellent_from=80, good_from=90, fair_from=60, bonus_cap=0, user=None
        )
    assert not AssessmentScheme.objects.exists()


@pytest.mark.django_db
def test_a_scheme_is_copied_to_next_year_with_its_items_and_rules(test_countables):
    source = scheme_with_items(
        items=[
            {
                "requirement": "每月开会",
                "max_points": 10,
                "count_key": "test.meetings",
                "count_mode": "at_least",
                "count_required": 1,
                "count_period": "month",
                "points_per_miss": 1,
                "count_filters": {"on_ideology": True},
            },
            {"requirement": "加分", "kind": "bonus", "max_points": 3},
        ]
    )
    copy = services.scheme_copy(source=source, year=2024, user=None)
    assert copy.year == 2024 and copy.copied_from == source
    copied = list(copy.items.order_by("position").values("requirement", "count_key", "count_filters", "kind"))
    assert copied == list(
        source.items.order_by("position").values("requirement", "count_key", "count_filters", "kind")
    )
    with pytest.raises(ValidationError):
        services.scheme_copy(source=source, year=2024, user=None)
    assert SchemeItem.objects.filter(scheme__year=2024).count() == 2
