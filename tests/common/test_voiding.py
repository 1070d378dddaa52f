"""Voiding through the one shared flow: the page, the tag on record pages, the admin action; and no
hard deletes of records or evidence, only of configuration rows nothing refers to."""

import datetime

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from ideology_office.accounts.roles import Role
from ideology_office.common.admin import ConfigurationAdmin, RecordAdmin
from ideology_office.common.models import Attachment, AuditEntry, VoidableModel
from ideology_office.common.services import attachment_add, record_void
from ideology_office.common.voiding import void_refusal
from inspections.models import ChecklistItem, ChecklistResult, ChecklistTemplate, FindingCategory
from positions import services as positions_services
from positions.models import KeyDate
from sentiment.models import OpinionIncident
from study.models import Tag

from ..factories import OrgUnitFactory, UserFactory
from ..inspections.factories import make_finding, make_inspection, make_task
from ..positions.factories import photo
from ..responsibility.factories import OfficeMeetingFactory, section
from ..sentiment.factories import incident
from ..study.factories import SessionFactory, TagFactory

pytestmark = pytest.mark.django_db

WORK_AREA_APPS = ("responsibility", "study", "positions", "sentiment", "inspections")


def void_url(record):
    return reverse("common:record_void", args=[ContentType.objects.get_for_model(record).pk, record.pk])


# --- one voidable kind of each work area: who voids it, who sees it but may not, where it is listed
def meeting_case():
    info = section()
    head = UserFactory(roles=[Role.SECTION_HEAD], section=info)
    meeting = OfficeMeetingFactory(section=info, chair=head, title="三月室务会")
    return {
        "record": meeting,
        "voider": head,
        "bystander": UserFactory(roles=[Role.STAFF], section=info),
        "list_url": reverse("responsibility:meeting_list") + "?state=voided",
        "name": "三月室务会",
    }


def session_case():
    unit = OrgUnitFactory()
    session = SessionFactory(section=unit, topic="学习贯彻讲话精神")
    return {
        "record": session,
        "voider": UserFactory(roles=[Role.STAFF], section=unit),
        "bystander": UserFactory(roles=[Role.INSPECTOR]),
        "list_url": reverse("study:session_list") + "?state=voided",
        "name": "学习贯彻讲话精神",
    }


def publicity_task_case():
    leader = UserFactory(roles=[Role.LEADER])
    key_date = KeyDate.objects.create(name="国家安全教育日", month=4, day=15)
    year = timezone.localdate().year
    task = positions_services.publicity_task_create(
        key_date=key_date,
        year=year,
        title="全民国家安全教育日宣传",
        owner=UserFactory(roles=[Role.STAFF]),
        deadline=datetime.date(year, 4, 10),
        user=leader,
    )
    return {
        "record": task,
        "voider": leader,
        "bystander": UserFactory(roles=[Role.STAFF]),
        "list_url": reverse("positions:key_date_list") + f"?year={year}&state=voided",
        "name": "全民国家安全教育日宣传",
        # A publicity task has no page of its own: the form returns to where it was opened.
        "next": reverse("positions:key_date_list") + f"?year={year}",
    }


def incident_case():
    recorder = UserFactory(roles=[Role.STAFF])
    recorded = incident(user=recorder, found_at=timezone.now(), summary="网帖炒作征地补偿")
    return {
        "record": recorded,
        "voider": recorder,
        "bystander": UserFactory(roles=[Role.STAFF]),
        "list_url": reverse("sentiment:incident_list") + "?state=voided",
        "name": "网帖炒作征地补偿",
    }


def finding_case():
    inspector = UserFactory(roles=[Role.INSPECTOR])
    finding = make_finding(user=inspector, description="意识形态阵地管理台账不全")
    return {
        "record": finding,
        "voider": inspector,
        "bystander": UserFactory(roles=[Role.STAFF]),
        "list_url": reverse("inspections:inspection_detail", args=[finding.inspection_id]) + "?state=voided",
        "name": "意识形态阵地管理台账不全",
    }


CASES = {
    "responsibility-meeting": meeting_case,
    "study-session": session_case,
    "positions-publicity-task": publicity_task_case,
    "sentiment-incident": incident_case,
    "inspections-finding": finding_case,
}


@pytest.fixture(params=list(CASES))
def case(request, db):
    return CASES[request.param]()


def reload(record):
    return type(record)._base_manager.get(pk=record.pk)


# --- the shared page -------------------------------------------------------------------------------
def test_the_page_asks_for_a_reason_then_voids_and_returns_to_the_record(client, case):
    record, voider = case["record"], case["voider"]
    client.force_login(voider)
    url = void_url(record)
    if "next" in case:
        url += f"?next={case['next']}"
    page = client.get(url)
    assert page.status_code == 200
    assert case["name"] in page.content.decode()

    refused = client.post(url, {"reason": "   "})
    assert refused.status_code == 200
    assert "请填写作废原因" in refused.content.decode()
    assert not reload(record).is_voided

    done = client.post(url, {"reason": "重复录入"})
    expected = record.get_absolute_url() if hasattr(record, "get_absolute_url") else case["next"]
    assert done.status_code == 302
    assert done.url == expected
    voided = reload(record)
    assert voided.is_voided and voided.voided_by == voider and voided.void_reason == "重复录入"
    # Audited through the model audit trail: who, and the reason.
    entry = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(record), object_pk=str(record.pk), action="update"
    ).latest("pk")
    assert entry.actor_id == voider.pk
    assert entry.changes["void_reason"] == ["", "重复录入"]


def test_someone_who_may_not_void_gets_403_with_the_reason_and_nothing_is_written(client, case):
    record, bystander = case["record"], case["bystander"]
    client.force_login(bystander)
    for response in (client.get(void_url(record)), client.post(void_url(record), {"reason": "不该作废"})):
        assert response.status_code == 403
        assert void_refusal(bystander, record) in response.content.decode()
    assert not reload(record).is_voided


def test_the_voided_record_is_listed_as_voided_and_hidden_by_default(client, case):
    record = case["record"]
    record_void(record=record, user=case["voider"], reason="录错")
    client.force_login(case["voider"])
    listed = client.get(case["list_url"]).content.decode()
    assert case["name"] in listed
    assert "已作废" in listed
    default_url = case["list_url"].replace("state=voided", "")
    assert case["name"] not in client.get(default_url).content.decode()


def test_an_already_voided_record_is_said_so_and_not_voided_again(client, case):
    record = case["record"]
    record_void(record=record, user=case["voider"], reason="第一次")
    client.force_login(case["voider"])
    response = client.post(void_url(record), {"reason": "第二次"}, follow=True)
    assert response.status_code == 200
    assert "该记录已作废" in response.content.decode()
    assert reload(record).void_reason == "第一次"


def test_a_record_the_person_may_not_see_answers_404(client, staff):
    other_section_session = SessionFactory(section=OrgUnitFactory())
    inspector = UserFactory(roles=[Role.INSPECTOR])
    someone_elses_task = make_task(user=inspector)
    client.force_login(staff)
    for record in (other_section_session, someone_elses_task):
        assert client.get(void_url(record)).status_code == 404
        assert client.post(void_url(record), {"reason": "猜的编号"}).status_code == 404
        assert not reload(record).is_voided


def test_kinds_that_are_not_voidable_and_unknown_ids_answer_404(client, leader):
    client.force_login(leader)
    user_type = ContentType.objects.get_for_model(type(leader))
    assert client.get(reverse("common:record_void", args=[user_type.pk, leader.pk])).status_code == 404
    incident_type = ContentType.objects.get_for_model(OpinionIncident)
    assert client.get(reverse("common:record_void", args=[incident_type.pk, 999999])).status_code == 404
    assert client.get(reverse("common:record_void", args=[incident_type.pk, "abc"])).status_code == 404


# --- the tag on record pages -----------------------------------------------------------------------
def test_record_pages_offer_voiding_only_to_those_who_may_and_show_the_notice_once_voided(client):
    inspector = UserFactory(roles=[Role.INSPECTOR], real_name="督查乙")
    staff = UserFactory(roles=[Role.STAFF])
    task = make_task(user=inspector)
    pages = [
        (task.finding.inspection, task.finding.inspection.get_absolute_url()),
        (task.finding, task.finding.get_absolute_url()),
        (task, task.get_absolute_url()),
    ]
    for record, url in pages:
        client.force_login(inspector)
        assert void_url(record) in client.get(url).content.decode()
        client.force_login(staff)
        assert void_url(record) not in client.get(url).content.decode()
    record_void(record=task, user=inspector, reason="与第3项重复")
    client.force_login(inspector)
    page = client.get(task.get_absolute_url()).content.decode()
    assert 'data-testid="voided-notice"' in page
    assert "与第3项重复" in page and "督查乙" in page
    assert void_url(task) not in page


def test_a_physical_update_is_voided_from_its_page_by_the_platform_manager(client):
    from ..positions.factories import PhysicalPlatformFactory

    platform = PhysicalPlatformFactory()
    manager = platform.responsible_person
    update = positions_services.physical_update_record(
        platform=platform,
        user=manager,
        content="十月宣传栏：国庆主题",
        start_date=timezone.localdate(),
        approved_by=UserFactory(roles=[Role.LEADER]),
        photo=photo(),
    )
    client.force_login(manager)
    assert void_url(update) in client.get(update.get_absolute_url()).content.decode()
    response = client.post(void_url(update), {"reason": "照片拍错了"})
    assert response.url == update.get_absolute_url()
    assert reload(update).is_voided
    listed = client.get(platform.get_absolute_url() + "?state=all").content.decode()
    assert "十月宣传栏" in listed and "已作废" in listed


def test_information_reports_are_voided_by_the_people_on_the_shift_or_a_leader(client):
    from sentiment import services as sentiment_services
    from sentiment.models import InformationReport

    from ..sentiment.factories import current_roster, staff_people

    leader = UserFactory(roles=[Role.LEADER])
    officers, leaders = staff_people(2), [UserFactory(roles=[Role.LEADER])]
    roster = current_roster(leader=leader, officers=officers, leaders=leaders)
    shift = roster.shifts.filter(start__lte=timezone.now(), end__gt=timezone.now()).get()
    report = sentiment_services.information_report_add(
        shift=shift, user=shift.officer, recipient="县委网信办", content="网帖一则", sent_at=timezone.now()
    )
    other = next(person for person in officers if person.pk != shift.officer_id)
    client.force_login(other)
    assert client.post(void_url(report), {"reason": "x"}).status_code in (403, 404)
    client.force_login(leader)
    response = client.post(void_url(report), {"reason": "发错对象"}, follow=True)
    assert response.status_code == 200
    assert InformationReport.objects.get(pk=report.pk).is_voided
    assert "已作废" in client.get(shift.get_absolute_url()).content.decode()


# --- the admin -------------------------------------------------------------------------------------
@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def test_the_admin_voids_the_selected_records_after_asking_the_reason(client, staff):
    # The admin pages need the administrator's model permissions; voiding an incident, a leader.
    admin_person = UserFactory(is_staff=True, roles=[Role.ADMIN, Role.LEADER])
    first = incident(user=staff, found_at=timezone.now(), summary="第一条")
    second = incident(user=staff, found_at=timezone.now(), summary="第二条")
    changelist = reverse("admin:sentiment_opinionincident_changelist")
    client.force_login(admin_person)
    selected = {"action": "void_selected", "_selected_action": [first.pk, second.pk]}

    asked = client.post(changelist, selected)
    assert asked.status_code == 200
    assert "作废原因" in asked.content.decode()
    assert not OpinionIncident.objects.voided().exists()

    no_reason = client.post(changelist, {**selected, "apply": "1", "reason": ""})
    assert no_reason.status_code == 200
    assert "请填写作废原因" in no_reason.content.decode()
    assert not OpinionIncident.objects.voided().exists()

    done = client.post(changelist, {**selected, "apply": "1", "reason": "重复登记"}, follow=True)
    assert done.status_code == 200
    assert set(OpinionIncident.objects.voided().values_list("void_reason", flat=True)) == {"重复登记"}
    assert set(OpinionIncident.objects.voided().values_list("voided_by", flat=True)) == {admin_person.pk}


def test_the_admin_void_action_asks_each_records_policy_and_names_the_refusals(client, admin_person):
    inspector = UserFactory(roles=[Role.INSPECTOR])
    inspection = make_inspection(user=inspector, title="县委巡察反馈")
    client.force_login(admin_person)
    response = client.post(
        reverse("admin:inspections_inspection_changelist"),
        {"action": "void_selected", "_selected_action": [inspection.pk], "apply": "1", "reason": "误录"},
        follow=True,
    )
    # Only inspectors and leaders manage inspections: the administrator is refused, by name.
    assert "县委巡察反馈" in response.content.decode()
    assert not reload(inspection).is_voided


def test_evidence_is_voided_in_the_admin_and_its_file_kept(client, superuser, staff):
    inspector = UserFactory(roles=[Role.INSPECTOR])
    task = make_task(user=inspector)
    attachment = attachment_add(record=task, uploaded_file=photo(), user=inspector)
    superuser.groups.add(*UserFactory(roles=[Role.INSPECTOR]).groups.all())
    client.force_login(superuser)
    client.post(
        reverse("admin:common_attachment_changelist"),
        {"action": "void_selected", "_selected_action": [attachment.pk], "apply": "1", "reason": "传错文件"},
    )
    attachment.refresh_from_db()
    assert attachment.is_voided
    assert attachment.file.storage.exists(attachment.file.name)


@pytest.mark.parametrize("who", ["admin_person", "superuser"])
def test_nobody_deletes_business_records_or_evidence_in_the_admin(request, who):
    user = request.getfixturevalue(who)
    http = RequestFactory().get("/admin/")
    http.user = user
    checked = 0
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in (*WORK_AREA_APPS, "common"):
            continue
        if isinstance(model_admin, ConfigurationAdmin):
            assert not issubclass(model, VoidableModel), model
            continue
        # The audit trail and its archives: read-only (admin_audit), nobody deletes either.
        assert isinstance(model_admin, RecordAdmin) or model._meta.label in (
            "common.AuditEntry",
            "common.AuditArchive",
        ), model
        assert not model_admin.has_delete_permission(http), model
        assert "delete_selected" not in model_admin.get_actions(http), model
        if issubclass(model, VoidableModel):
            assert "void_selected" in model_admin.get_actions(http), model
        checked += 1
    assert checked > 30
    assert not admin.site._registry[Attachment].has_delete_permission(http)


def test_a_configuration_row_in_use_cannot_be_deleted_and_an_unused_one_can(client, admin_person):
    inspector = UserFactory(roles=[Role.INSPECTOR])
    finding = make_finding(user=inspector)
    used = finding.category
    unused = FindingCategory.objects.create(name="临时分类")
    client.force_login(admin_person)

    refused = client.post(
        reverse("admin:inspections_findingcategory_delete", args=[used.pk]), {"post": "yes"}
    )
    assert refused.status_code == 403
    assert "不能删除" in refused.content.decode() or "cannot be deleted" in refused.content.decode()
    assert FindingCategory.objects.filter(pk=used.pk).exists()

    bulk = client.post(
        reverse("admin:inspections_findingcategory_changelist"),
        {"action": "delete_selected", "_selected_action": [used.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert FindingCategory.objects.filter(pk=used.pk).exists()

    deleted = client.post(
        reverse("admin:inspections_findingcategory_delete", args=[unused.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 302
    assert not FindingCategory.objects.filter(pk=unused.pk).exists()
    # Kept in the audit trail like any other delete.
    assert AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(FindingCategory),
        object_pk=str(unused.pk),
        action="delete",
    ).exists()


def test_a_tag_on_a_session_and_a_checklist_whose_item_was_checked_stay(admin_person):
    http = RequestFactory().get("/admin/")
    http.user = admin_person
    tag, spare = TagFactory(name="意识形态"), TagFactory(name="备用")
    SessionFactory(tags=[tag])
    tag_admin = admin.site._registry[Tag]
    assert not tag_admin.has_delete_permission(http, tag)
    assert tag_admin.has_delete_permission(http, spare)

    inspector = UserFactory(roles=[Role.INSPECTOR])
    template = ChecklistTemplate.objects.create(name="自查清单")
    item = ChecklistItem.objects.create(
        template=template, category=FindingCategory.objects.first(), text="是否落实第一议题"
    )
    template_admin = admin.site._registry[ChecklistTemplate]
    # Its own items go with it while nothing checked them.
    assert template_admin.has_delete_permission(http, template)
    inspection = make_inspection(user=inspector)
    ChecklistResult.objects.create(inspection=inspection, item=item)
    assert not template_admin.has_delete_permission(http, template)
