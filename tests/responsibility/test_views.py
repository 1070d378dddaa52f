import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from ideology_office.accounts.roles import Role
from ideology_office.common.voiding import void_url as record_void_url
from responsibility import services
from responsibility.models import (
    Assessment,
    DutyAssignment,
    FollowUpAction,
    LeadingGroupMembership,
    OfficeMeeting,
    WorkPriority,
)
from tests.factories import UserFactory

from .factories import (
    FollowUpActionFactory,
    OfficeMeetingFactory,
    WorkPriorityFactory,
    leader_user,
    scheme_with_items,
    section,
)

D = datetime.date


def url(name, *args):
    return reverse(f"responsibility:{name}", args=args)


@pytest.fixture
def head_of_info(info_section):
    return UserFactory(
        username="infohead", real_name="信息股长", roles=[Role.SECTION_HEAD], section=info_section
    )


def group_leader(chief):
    services.membership_create(
        person=chief, role="leader", start_date=D(2021, 1, 1), start_reason="成立", user=None
    )
    return chief


def assessment_for(info_section, inspector, items=None):
    scheme = scheme_with_items(items=items or [{"requirement": "签订责任书", "max_points": Decimal(10)}])
    return services.assessment_create(
        scheme=scheme, target_kind="section", target_unit=info_section, assessor=inspector
    )


# Access -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_read_the_ledgers_but_cannot_write(client, staff):
    client.force_login(staff)
    for name in (
        "index",
        "membership_list",
        "assignment_list",
        "duty_chain",
        "meeting_list",
        "follow_up_list",
        "priority_list",
        "scheme_list",
        "assessment_list",
    ):
        assert client.get(url(name)).status_code == 200, name
    for name in (
        "membership_create",
        "assignment_create",
        "meeting_create",
        "priority_create",
        "scheme_create",
        "assessment_create",
    ):
        assert client.get(url(name)).status_code == 403, name


@pytest.mark.django_db
def test_people_without_a_role_see_nothing(client):
    client.force_login(UserFactory())
    assert client.get(url("meeting_list")).status_code == 403
    meeting = OfficeMeetingFactory()
    response = client.get(url("meeting_detail", meeting.pk))
    assert response.status_code == 403
    assert meeting.title not in response.content.decode()


@pytest.mark.django_db
def test_a_guessed_id_gives_404(client, leader):
    client.force_login(leader)
    for name in (
        "membership_detail",
        "assignment_detail",
        "meeting_detail",
        "scheme_detail",
        "assessment_detail",
        "assessment_export",
    ):
        assert client.get(url(name, 99999)).status_code == 404, name


@pytest.mark.django_db
def test_an_assessment_is_hidden_from_staff_of_another_section(client, info_section, inspector, staff):
    assessment = assessment_for(info_section, inspector)
    client.force_login(staff)
    assert client.get(url("assessment_detail", assessment.pk)).status_code == 404
    assert client.get(url("assessment_export", assessment.pk)).status_code == 404
    assert assessment.target.name not in client.get(url("assessment_list")).content.decode()
    colleague = UserFactory(roles=[Role.STAFF], section=info_section)
    client.force_login(colleague)
    assert client.get(url("assessment_detail", assessment.pk)).status_code == 200


@pytest.mark.django_db
def test_only_the_group_leader_and_admins_edit_the_group(client, chief, leader, admin_person):
    client.force_login(leader)
    assert client.get(url("membership_create")).status_code == 403
    group_leader(chief)
    client.force_login(chief)
    assert client.get(url("membership_create")).status_code == 200
    client.force_login(admin_person)
    assert client.get(url("membership_create")).status_code == 200


# Leading group ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_second_group_leader_through_the_form_gets_a_chinese_error(client, chief):
    group_leader(chief)
    client.force_login(chief)
    other = leader_user(real_name="副主任乙")
    response = client.post(
        url("membership_create"),
        {"person": other.pk, "role": "leader", "start_date": "2023-01-01", "start_reason": "调整"},
    )
    assert response.status_code == 200
    assert "任何时候只能有一名组长" in response.content.decode()
    assert LeadingGroupMembership.objects.count() == 1


@pytest.mark.django_db
def test_wrong_input_in_the_group_form_writes_nothing(client, chief):
    group_leader(chief)
    client.force_login(chief)
    response = client.post(
        url("membership_create"),
        {"person": "abc", "role": "boss", "start_date": "not a date", "start_reason": ""},
    )
    content = response.content.decode()
    assert "输入一个有效的日期" in content
    assert "这个字段是必填项" in content
    assert LeadingGroupMembership.objects.count() == 1


@pytest.mark.django_db
def test_a_handover_through_the_page(client, chief):
    group_leader(chief)
    membership = LeadingGroupMembership.objects.get()
    client.force_login(chief)
    successor = leader_user(real_name="新主任")
    response = client.post(
        url("membership_replace", membership.pk),
        {"successor": successor.pk, "on": "2024-03-01", "reason": "主任调整"},
    )
    assert response.status_code == 302
    assert LeadingGroupMembership.objects.get(person=successor).role == "leader"


@pytest.mark.django_db
def test_the_group_page_shows_the_composition_on_a_date(client, chief, staff):
    group_leader(chief)
    client.force_login(staff)
    assert "主任甲" in client.get(url("membership_list") + "?on=2022-01-01").content.decode()
    assert (
        "主任甲"
        not in client.get(url("membership_list") + "?on=2020-01-01")
        .content.decode()
        .split("History")[0]
        .split("调整记录")[0]
    )


# Meetings ---------------------------------------------------------------------------------------


def meeting_post(section, chair, **extra):
    return {
        "date": "2023-03-10",
        "title": "一季度意识形态专题室务会",
        "place": "三楼会议室",
        "chair": chair.pk,
        "section": section.pk,
        "on_ideology": "on",
        "decisions": "加强阵地管理",
        "first_topic": "学习重要讲话",
        "first_topic_material": "讲话全文",
        "agenda": "研究工作\n部署任务",
        **extra,
    }


@pytest.mark.django_db
def test_a_section_head_records_a_meeting_for_their_section(client, head_of_info, chief, info_section):
    client.force_login(head_of_info)
    response = client.post(
        url("meeting_create"), meeting_post(info_section, chief, present=[head_of_info.pk])
    )
    meeting = OfficeMeeting.objects.get()
    assert response.status_code == 302 and response["Location"] == meeting.get_absolute_url()
    assert meeting.agenda_items.count() == 3 and meeting.on_ideology
    response = client.post(
        url("follow_up_create", meeting.pk),
        {"description": "梳理阵地", "owner": chief.pk, "deadline": "2023-04-10"},
    )
    assert FollowUpAction.objects.get().owner == chief


@pytest.mark.django_db
def test_a_section_head_cannot_record_for_another_section(client, head_of_info, chief):
    other = section("综合股", "general")
    client.force_login(head_of_info)
    response = client.post(url("meeting_create"), meeting_post(other, chief))
    assert response.status_code == 200
    assert not OfficeMeeting.objects.exists()
    meeting = OfficeMeetingFactory(section=other)
    assert client.get(url("meeting_edit", meeting.pk)).status_code == 403
    response = client.post(
        url("follow_up_create", meeting.pk), {"description": "x", "owner": chief.pk, "deadline": "2024-01-01"}
    )
    assert response.status_code == 403
    assert not FollowUpAction.objects.exists()


@pytest.mark.django_db
def test_a_bad_follow_up_shows_the_error_and_writes_nothing(client, head_of_info, chief, info_section):
    meeting = OfficeMeetingFactory(section=info_section, date=D(2023, 3, 10))
    client.force_login(head_of_info)
    response = client.post(
        url("follow_up_create", meeting.pk),
        {"description": "x", "owner": chief.pk, "deadline": "2023-01-01"},
        follow=True,
    )
    assert "完成时限不能早于会议日期" in response.content.decode()
    assert not FollowUpAction.objects.exists()


@pytest.mark.django_db
def test_the_owner_marks_a_follow_up_done(client, staff):
    action = FollowUpActionFactory(owner=staff, meeting=OfficeMeetingFactory(date=D(2023, 3, 10)))
    client.force_login(staff)
    client.post(url("follow_up_complete", action.pk), {"done_on": "2023-04-01", "outcome": "已完成"})
    action.refresh_from_db()
    assert action.status == "done"
    other = FollowUpActionFactory()
    assert (
        client.post(
            url("follow_up_complete", other.pk), {"done_on": "2023-04-01", "outcome": "x"}
        ).status_code
        == 403
    )


@pytest.mark.django_db
def test_a_meeting_is_voided_with_a_reason(client, head_of_info, info_section):
    meeting = OfficeMeetingFactory(section=info_section)
    client.force_login(head_of_info)
    # The meeting's page offers the shared void form.
    void_url = record_void_url(meeting)
    assert void_url in client.get(meeting.get_absolute_url()).content.decode()
    client.post(void_url, {"reason": ""})
    meeting.refresh_from_db()
    assert not meeting.is_voided
    response = client.post(void_url, {"reason": "重复录入"}, follow=True)
    assert "已作废" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.is_voided and meeting.void_reason == "重复录入"
    assert meeting.title not in client.get(url("meeting_list")).content.decode()
    assert meeting.title in client.get(url("meeting_list") + "?state=voided").content.decode()


@pytest.mark.django_db
def test_the_meeting_list_filters_and_answers_htmx_with_the_results_only(client, staff):
    OfficeMeetingFactory(title="专题会A", on_ideology=True)
    OfficeMeetingFactory(title="例会B", on_ideology=False)
    client.force_login(staff)
    response = client.get(url("meeting_list") + "?on_ideology=true", headers={"HX-Request": "true"})
    content = response.content.decode()
    assert "专题会A" in content and "例会B" not in content
    assert "<html" not in content
    assert "例会B" in client.get(url("meeting_list") + "?q=例会").content.decode()


# Query counts -------------------------------------------------------------------------------


def many_records(count, info_section, inspector):
    for number in range(count):
        chair = leader_user()
        meeting = OfficeMeetingFactory(
            section=info_section, chair=chair, date=D(2023, 1, 1) + datetime.timedelta(days=number)
        )
        FollowUpActionFactory(meeting=meeting, owner=chair)
        WorkPriorityFactory(year=2023)
        services.membership_create(
            person=chair, role="member", start_date=D(2021, 1, 1), start_reason="成立", user=None
        )
        services.assignment_save(
            year=2023,
            leader=chair,
            is_principal=False,
            sections=[info_section],
            fields_in_charge="",
            duties="",
            letter_signed_on=None,
            user=None,
        )
    scheme = scheme_with_items(
        items=[{"requirement": f"项目{n}", "max_points": Decimal(1)} for n in range(3)]
    )
    for number in range(count):
        services.assessment_create(
            scheme=scheme,
            target_kind="section",
            target_unit=section(f"股{number}", f"q{number}"),
            assessor=inspector,
        )


LIST_PAGES = [
    "index",
    "membership_list",
    "assignment_list",
    "duty_chain",
    "meeting_list",
    "follow_up_list",
    "priority_list",
    "scheme_list",
    "assessment_list",
]


@pytest.mark.parametrize("count", [5, 50])
@pytest.mark.django_db
def test_every_list_takes_the_same_queries_for_5_and_50_rows(
    count, client, info_section, inspector, django_assert_max_num_queries
):
    many_records(count, info_section, inspector)
    client.force_login(inspector)
    for name in LIST_PAGES:
        with django_assert_max_num_queries(16):
            assert client.get(url(name)).status_code == 200, name


@pytest.mark.parametrize("count", [5, 50])
@pytest.mark.django_db
def test_detail_pages_and_export_take_the_same_queries(
    count, client, info_section, inspector, chief, django_assert_max_num_queries
):
    meeting = OfficeMeetingFactory(section=info_section, chair=chief)
    for _ in range(count):
        person = UserFactory()
        services.attendance_set(
            meeting=meeting, person=person, status="present", absence_reason="", user=None
        )
        FollowUpActionFactory(meeting=meeting, owner=person)
    items = [{"requirement": f"项目{n}", "max_points": Decimal(1)} for n in range(count)]
    assessment = assessment_for(info_section, inspector, items=items)
    client.force_login(inspector)
    with django_assert_max_num_queries(16):
        assert client.get(url("meeting_detail", meeting.pk)).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(url("assessment_detail", assessment.pk)).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(url("assessment_export", assessment.pk)).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(url("scheme_detail", assessment.scheme_id)).status_code == 200


# Assessment pages -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_inspector_scores_and_an_override_without_reason_is_refused(client, info_section, inspector):
    assessment = assessment_for(info_section, inspector)
    line = assessment.scores.get()
    client.force_login(inspector)
    response = client.post(
        url("score_save", assessment.pk, line.pk), {"score": "11", "reason": ""}, follow=True
    )
    assert "得分须在 0 至 10.00 之间" in response.content.decode()
    response = client.post(
        url("score_save", assessment.pk, line.pk), {"score": "8", "reason": ""}, follow=True
    )
    assert "扣分须填写理由" in response.content.decode()
    line.refresh_from_db()
    assert line.score is None
    client.post(url("score_save", assessment.pk, line.pk), {"score": "8", "reason": "缺 1 名班子成员责任书"})
    client.post(url("assessment_complete", assessment.pk))
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.COMPLETED and assessment.total == Decimal(8)
    assert assessment.grade == Assessment.Grade.POOR


@pytest.mark.django_db
def test_staff_cannot_score(client, info_section, inspector):
    assessment = assessment_for(info_section, inspector)
    colleague = UserFactory(roles=[Role.STAFF], section=info_section)
    client.force_login(colleague)
    line = assessment.scores.get()
    assert client.post(url("score_save", assessment.pk, line.pk), {"score": "10"}).status_code == 403


@pytest.mark.django_db
def test_starting_an_assessment_through_the_page(client, info_section, inspector):
    scheme = scheme_with_items(items=[{"requirement": "r", "max_points": Decimal(10)}])
    client.force_login(inspector)
    response = client.post(
        url("assessment_create"),
        {"scheme": scheme.pk, "target_kind": "section", "target_unit": info_section.pk},
    )
    assessment = Assessment.objects.get()
    assert response["Location"] == assessment.get_absolute_url()
    response = client.post(
        url("assessment_create"),
        {"scheme": scheme.pk, "target_kind": "leader", "target_unit": info_section.pk},
    )
    assert "请选择被考核的班子成员" in response.content.decode()
    assert Assessment.objects.count() == 1


@pytest.mark.django_db
def test_the_score_sheet_exports_in_the_usual_columns(client, info_section, inspector):
    assessment = assessment_for(
        info_section,
        inspector,
        items=[
            {"requirement": "=签订责任书", "max_points": Decimal(10), "deduction_rule": "每缺 1 人扣 2 分"},
            {"requirement": "重大事件", "kind": "veto", "max_points": Decimal(0), "heading": "五、一票否决"},
        ],
    )
    first = assessment.scores.order_by("item__position").first()
    services.score_confirm(line=first, score=Decimal(8), reason="缺 1 人", user=inspector)
    client.force_login(inspector)
    response = client.get(url("assessment_export", assessment.pk))
    sheet = load_workbook(BytesIO(response.getvalue())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("序号", "考核项目", "考核内容及要求", "分值", "评分标准", "得分", "说明")
    assert rows[1] == (1, "一、组织领导", "'=签订责任书", 10, "每缺 1 人扣 2 分", 8, "缺 1 人")
    assert rows[2][3] == "一票否决"
    assert rows[-1][1] == "合计"


# Priorities and schemes -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_leader_adds_a_work_priority_and_sees_years_without_ideology(client, leader):
    client.force_login(leader)
    client.post(
        url("priority_create"), {"year": "2023", "text": "落实意识形态工作责任制", "concerns_ideology": "on"}
    )
    assert WorkPriority.objects.get().concerns_ideology
    content = client.get(url("priority_list")).content.decode()
    assert "2022 年度工作要点中没有意识形态工作内容" in content
    assert "2023 年度工作要点中没有意识形态工作内容" not in content


@pytest.mark.django_db
def test_an_admin_copies_a_scheme_to_next_year(client, admin_person):
    scheme = scheme_with_items(items=[{"requirement": "r", "max_points": Decimal(10)}])
    client.force_login(admin_person)
    response = client.post(url("scheme_copy", scheme.pk), {"year": "2024"})
    copy = scheme.__class__.objects.get(year=2024)
    assert response["Location"] == copy.get_absolute_url()
    assert copy.items.count() == 1


@pytest.mark.django_db
def test_an_admin_adds_a_scheme_item_with_a_count_rule(client, admin_person):
    scheme = scheme_with_items()
    client.force_login(admin_person)
    data = {
        "heading": "一、组织领导",
        "kind": "scored",
        "requirement": "专题研究",
        "max_points": "10",
        "count_key": "responsibility.office_meeting_on_ideology",
        "count_mode": "at_least",
        "count_required": "2",
        "count_period": "year",
        "points_per_miss": "5",
        "count_filters": "",
    }
    assert client.post(url("scheme_item_create", scheme.pk), data).status_code == 302
    response = client.post(url("scheme_item_create", scheme.pk), {**data, "count_filters": "{bad"})
    assert "请以 JSON 格式填写筛选条件" in response.content.decode()
    response = client.post(url("scheme_item_create", scheme.pk), {**data, "count_mode": ""})
    assert "请完整填写自动统计规则" in response.content.decode()
    assert scheme.items.count() == 1


@pytest.mark.django_db
def test_the_chain_view_shows_a_leader_without_a_letter(client, staff, info_section):
    services.assignment_save(
        year=2023,
        leader=leader_user(real_name="副主任丙"),
        is_principal=False,
        sections=[info_section],
        fields_in_charge="",
        duties="",
        letter_signed_on=None,
        user=None,
    )
    client.force_login(staff)
    content = client.get(url("duty_chain") + "?year=2023").content.decode()
    assert "副主任丙：未签订责任书" in content
    assert DutyAssignment.objects.count() == 1
