import datetime
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from ideology_office.accounts.roles import Role
from inspections import services
from inspections.models import Extension, Finding, Inspection, RectificationTask

from ..factories import OrgUnitFactory, UserFactory
from .factories import carry_to_acceptance, category, close_out, make_finding, make_inspection, make_task

pytestmark = pytest.mark.django_db
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def page(client, user, url, **kwargs):
    client.force_login(user)
    return client.get(url, **kwargs)


def make_tasks(count, *, user, inspection=None):
    inspection = inspection or make_inspection(user=user)
    leader = UserFactory(roles=[Role.LEADER])
    unit = OrgUnitFactory()
    for number in range(count):
        finding = make_finding(user=user, inspection=inspection, description=f"问题{number}")
        person = UserFactory(roles=[Role.STAFF], section=unit)
        make_task(
            user=user, finding=finding, person=person, leader=leader, unit=unit, measure=f"=措施{number}"
        )
    return inspection


# Access ----------------------------------------------------------------------------------------


def test_a_guessed_task_id_gives_404_to_someone_unrelated(client, inspector, staff):
    task = make_task(user=inspector)
    assert page(client, staff, reverse("inspections:task_detail", args=[task.pk])).status_code == 404
    assert page(client, staff, reverse("inspections:task_detail", args=[task.pk + 999])).status_code == 404


def test_the_responsible_person_and_their_section_head_see_the_task(client, inspector):
    unit = OrgUnitFactory()
    person = UserFactory(roles=[Role.STAFF], section=unit)
    head = UserFactory(roles=[Role.SECTION_HEAD], section=unit)
    task = make_task(user=inspector, person=person, unit=unit)
    for user in (person, head, inspector):
        assert page(client, user, reverse("inspections:task_detail", args=[task.pk])).status_code == 200


def test_my_tasks_are_scoped_by_role(client, inspector, leader):
    unit = OrgUnitFactory()
    mine = UserFactory(roles=[Role.STAFF], section=unit)
    head = UserFactory(roles=[Role.SECTION_HEAD], section=unit)
    own = make_task(user=inspector, person=mine, unit=unit, measure="我的措施")
    colleague = make_task(user=inspector, unit=unit, measure="同股室措施")
    other = make_task(user=inspector, measure="其他股室措施")
    url = reverse("inspections:task_list")
    assert list(page(client, mine, url).context["object_list"]) == [own]
    assert set(page(client, head, url).context["object_list"]) == {own, colleague}
    assert set(page(client, leader, url).context["object_list"]) == {own, colleague, other}


def test_staff_cannot_open_the_manager_pages(client, staff, inspector):
    finding = make_finding(user=inspector)
    for url in (
        reverse("inspections:inspection_create"),
        reverse("inspections:task_create", args=[finding.pk]),
        reverse("inspections:mechanism_create"),
        reverse("inspections:ledger_export"),
        reverse("inspections:ledger_print"),
        reverse("inspections:self_inspection_create"),
    ):
        assert page(client, staff, url).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("inspections:task_list"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


# Forms ---------------------------------------------------------------------------------------


def test_an_inspector_records_an_inspection_a_finding_and_a_task(client, inspector, leader, staff):
    client.force_login(inspector)
    response = client.post(
        reverse("inspections:inspection_create"),
        {"source": "provincial_tour", "title": "省委巡视反馈", "date": "2024-03-01", "description": ""},
    )
    inspection = Inspection.objects.get()
    assert response.url == inspection.get_absolute_url()
    response = client.post(
        reverse("inspections:finding_create", args=[inspection.pk]),
        {"category": category().pk, "description": "学习不及时"},
    )
    finding = Finding.objects.get()
    response = client.post(
        reverse("inspections:task_create", args=[finding.pk]),
        {
            "measure": "修订制度",
            "responsible_leader": leader.pk,
            "responsible_unit": staff.section.pk,
            "responsible_person": staff.pk,
            "deadline": "2024-06-30",
            "kind": "by_deadline",
        },
    )
    task = RectificationTask.objects.get()
    assert response.url == task.get_absolute_url()
    assert staff.has_perm("inspections.update_progress", task)


def test_a_task_form_with_a_deadline_before_the_inspection_shows_a_chinese_error(
    client, inspector, leader, staff
):
    finding = make_finding(user=inspector)
    client.force_login(inspector)
    response = client.post(
        reverse("inspections:task_create", args=[finding.pk]),
        {
            "measure": "修订制度",
            "responsible_leader": leader.pk,
            "responsible_unit": staff.section.pk,
            "responsible_person": staff.pk,
            "deadline": "2020-01-01",
            "kind": "by_deadline",
        },
    )
    assert response.status_code == 200
    assert "完成时限不能早于督查日期" in response.content.decode()
    assert not RectificationTask.objects.exists()


def test_a_task_form_with_wrong_types_writes_nothing(client, inspector):
    finding = make_finding(user=inspector)
    client.force_login(inspector)
    response = client.post(
        reverse("inspections:task_create", args=[finding.pk]),
        {"measure": "", "responsible_leader": "abc", "deadline": "明天", "kind": "sometimes"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"measure", "responsible_leader", "deadline", "kind"}
    assert not RectificationTask.objects.exists()


def test_the_responsible_person_reports_progress_with_evidence_and_submits(client, inspector, staff):
    task = make_task(user=inspector, person=staff)
    client.force_login(staff)
    client.post(
        reverse("inspections:task_progress", args=[task.pk]),
        {"note": "已完成初稿", "evidence": SimpleUploadedFile("初稿.pdf", PDF_BYTES)},
    )
    client.post(reverse("inspections:task_submit", args=[task.pk]), {"note": ""})
    task.refresh_from_db()
    assert task.state == RectificationTask.State.AWAITING_ACCEPTANCE
    response = client.get(task.get_absolute_url())
    assert "初稿.pdf" in response.content.decode()


def test_close_out_by_the_responsible_person_is_refused_on_the_page(client, inspector):
    task = make_task(user=inspector, person=inspector)
    carry_to_acceptance(task)
    client.force_login(inspector)
    response = client.post(
        reverse("inspections:task_close", args=[task.pk]),
        {"note": "销号", "evidence_reviewed": "on"},
        follow=True,
    )
    assert "整改责任人" in response.content.decode()
    task.refresh_from_db()
    assert task.state == RectificationTask.State.AWAITING_ACCEPTANCE


def test_a_verifier_returns_and_then_closes_out(client, inspector, staff):
    task = make_task(user=inspector, person=staff)
    carry_to_acceptance(task)
    client.force_login(inspector)
    client.post(reverse("inspections:task_return", args=[task.pk]), {"return-reason": "补充材料"})
    task.refresh_from_db()
    assert task.state == RectificationTask.State.IN_PROGRESS
    services.task_submit(task=task, user=staff)
    client.post(
        reverse("inspections:task_close", args=[task.pk]), {"note": "同意", "evidence_reviewed": "on"}
    )
    task.refresh_from_db()
    assert task.state == RectificationTask.State.CLOSED


def test_closing_a_finding_with_an_open_task_shows_the_refusal(client, inspector):
    task = make_task(user=inspector)
    client.force_login(inspector)
    response = client.post(reverse("inspections:finding_close", args=[task.finding_id]), follow=True)
    assert "未销号" in response.content.decode()
    assert Finding.objects.get().status == Finding.Status.OPEN


def test_an_extension_without_a_reason_shows_a_chinese_error(client, inspector, staff):
    task = make_task(user=inspector, person=staff)
    client.force_login(staff)
    response = client.post(
        reverse("inspections:extension_request", args=[task.pk]),
        {"requested_deadline": (task.deadline + datetime.timedelta(days=9)).isoformat(), "reason": ""},
        follow=True,
    )
    assert "申请延期须填写理由" in response.content.decode()
    assert not Extension.objects.exists()


def test_a_leader_approves_an_extension_on_the_page(client, inspector, staff, leader):
    task = make_task(user=inspector, person=staff)
    extension = services.extension_request(
        task=task, user=staff, requested_deadline=task.deadline + datetime.timedelta(days=9), reason="需协调"
    )
    client.force_login(leader)
    client.post(
        reverse("inspections:extension_decide", args=[extension.pk]), {"decision": "approve", "note": ""}
    )
    task.refresh_from_db()
    assert task.deadline == extension.requested_deadline


def test_reassigning_on_the_page_moves_the_grant(client, inspector, staff, leader):
    task = make_task(user=inspector, person=staff)
    successor = UserFactory(roles=[Role.STAFF])
    client.force_login(inspector)
    client.post(
        reverse("inspections:task_edit", args=[task.pk]),
        {
            "measure": task.measure,
            "responsible_leader": leader.pk,
            "responsible_unit": task.responsible_unit_id,
            "responsible_person": successor.pk,
            "kind": task.kind,
        },
    )
    task.refresh_from_db()
    assert task.responsible_person == successor
    assert successor.has_perm("inspections.update_progress", task)
    assert not type(staff).objects.get(pk=staff.pk).has_perm("inspections.update_progress", task)


def test_a_self_inspection_problem_becomes_a_finding_from_the_page(client, inspector, leader, staff):
    from inspections.models import ChecklistItem, ChecklistTemplate

    template = ChecklistTemplate.objects.create(name="清单")
    ChecklistItem.objects.create(template=template, category=category("舆论导向"), text="三审三校")
    client.force_login(inspector)
    client.post(
        reverse("inspections:self_inspection_create"),
        {"checklist": template.pk, "title": "2024年度自查", "date": "2024-06-01"},
    )
    result = Inspection.objects.get().results.get()
    response = client.post(
        reverse("inspections:checklist_result_edit", args=[result.pk]),
        {
            "action": "raise",
            "raise-category": category("舆论导向").pk,
            "raise-description": "审核记录不全",
            "raise-measure": "补齐审核记录",
            "raise-responsible_leader": leader.pk,
            "raise-responsible_unit": staff.section.pk,
            "raise-responsible_person": staff.pk,
            "raise-deadline": "2024-08-01",
            "raise-kind": "by_deadline",
        },
    )
    finding = Finding.objects.get()
    assert response.url == finding.get_absolute_url()
    assert finding.tasks.get().responsible_person == staff


def test_a_mechanism_is_recorded_against_findings(client, inspector):
    finding = make_finding(user=inspector)
    client.force_login(inspector)
    response = client.post(
        reverse("inspections:mechanism_create"),
        {
            "name": "学习制度",
            "document_number": "云委办发〔2024〕1号",
            "adopted_on": "2024-05-01",
            "findings": [finding.pk],
        },
    )
    assert response.status_code == 302
    assert list(finding.mechanisms.values_list("name", flat=True)) == ["学习制度"]


# The ledger ----------------------------------------------------------------------------------


def test_the_ledger_has_the_usual_columns_and_neutralised_cells(client, inspector):
    inspection = make_tasks(2, user=inspector)
    close_out(RectificationTask.objects.first(), verifier=inspector)
    response = page(client, inspector, reverse("inspections:ledger_export") + f"?inspection={inspection.pk}")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.getvalue())).active.iter_rows(values_only=True))
    assert list(rows[0]) == [
        "序号",
        "问题",
        "整改措施",
        "责任领导",
        "责任单位",
        "完成时限",
        "进展情况",
        "是否销号",
    ]
    assert [row[0] for row in rows[1:]] == [1, 2]
    assert rows[1][2] == "'=措施0"
    assert {row[7] for row in rows[1:]} == {"是", "否"}


def test_the_ledger_for_one_inspection_leaves_out_the_others(client, inspector):
    first = make_tasks(2, user=inspector)
    make_tasks(3, user=inspector)
    one = page(client, inspector, reverse("inspections:ledger_export") + f"?inspection={first.pk}")
    everything = page(client, inspector, reverse("inspections:ledger_export"))
    assert load_workbook(BytesIO(one.getvalue())).active.max_row == 3
    assert load_workbook(BytesIO(everything.getvalue())).active.max_row == 6


@pytest.mark.parametrize("name", ["ledger_export", "ledger_print"])
def test_the_ledger_takes_the_same_queries_for_5_and_50_tasks(
    client, inspector, django_assert_num_queries, name
):
    client.force_login(inspector)
    url = reverse(f"inspections:{name}")
    make_tasks(5, user=inspector)
    small = count_queries(client, url)
    make_tasks(45, user=inspector)
    with django_assert_num_queries(small):
        response = client.get(url)
    assert response.status_code == 200


def test_the_ledger_exports_5000_tasks_in_a_few_queries(client, inspector, django_assert_max_num_queries):
    inspection = make_tasks(1, user=inspector)
    task = RectificationTask.objects.get()
    finding = task.finding
    findings = Finding.objects.bulk_create(
        [
            Finding(
                inspection=inspection, number=number, category=finding.category, description=f"问题{number}"
            )
            for number in range(2, 5001)
        ]
    )
    RectificationTask.objects.bulk_create(
        [
            RectificationTask(
                finding=item,
                measure=f"措施{item.number}",
                responsible_leader=task.responsible_leader,
                responsible_unit=task.responsible_unit,
                responsible_person=task.responsible_person,
                deadline=task.deadline,
                original_deadline=task.deadline,
            )
            for item in findings
        ]
    )
    client.force_login(inspector)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("inspections:ledger_export"))
    rows = load_workbook(BytesIO(response.getvalue()), read_only=True).active.iter_rows(values_only=True)
    assert sum(1 for _ in rows) == 5001


# Lists and detail pages: the same number of queries for 5 and 50 rows ---------------------------


@pytest.mark.parametrize(
    "url_name",
    [
        "inspections:task_list",
        "inspections:inspection_list",
        "inspections:index",
        "inspections:mechanism_list",
    ],
)
def test_lists_take_the_same_queries_for_5_and_50_rows(
    client, inspector, django_assert_num_queries, url_name
):
    client.force_login(inspector)
    url = reverse(url_name)

    def grow(count):
        for number in range(count):
            inspection = make_tasks(1, user=inspector)
            services.mechanism_create(
                name=f"制度{inspection.pk}-{number}",
                adopted_on=datetime.date(2024, 5, 1),
                findings=list(inspection.findings.all()),
                user=inspector,
            )

    grow(5)
    client.get(url)
    small = count_queries(client, url)
    grow(45)
    with django_assert_num_queries(small):
        assert client.get(url).status_code == 200


def test_the_inspection_page_takes_the_same_queries_for_5_and_50_findings(
    client, inspector, django_assert_num_queries
):
    inspection = make_tasks(5, user=inspector)
    client.force_login(inspector)
    url = inspection.get_absolute_url()
    client.get(url)
    small = count_queries(client, url)
    make_tasks(45, user=inspector, inspection=inspection)
    with django_assert_num_queries(small):
        assert client.get(url).status_code == 200


def test_the_task_page_takes_the_same_queries_with_more_history(
    client, inspector, staff, django_assert_num_queries
):
    task = make_task(user=inspector, person=staff)
    services.task_progress_add(task=task, user=staff, note="进展")
    client.force_login(staff)
    url = task.get_absolute_url()
    client.get(url)
    small = count_queries(client, url)
    for number in range(20):
        services.task_progress_add(task=task, user=staff, note=f"进展{number}")
    with django_assert_num_queries(small):
        assert client.get(url).status_code == 200


def test_the_landing_page_shows_overdue_and_due_soon_tasks(client, inspector, staff):
    from django.utils import timezone

    today = timezone.localdate()
    finding = make_finding(
        user=inspector, inspection=make_inspection(user=inspector, date=today - datetime.timedelta(days=90))
    )
    make_task(
        user=inspector,
        finding=finding,
        person=staff,
        deadline=today - datetime.timedelta(days=1),
        measure="逾期措施",
    )
    make_task(
        user=inspector,
        finding=finding,
        person=staff,
        deadline=today + datetime.timedelta(days=3),
        measure="近期措施",
    )
    response = page(client, staff, reverse("inspections:index"))
    assert [task.measure for task in response.context["overdue"]] == ["逾期措施"]
    assert [task.measure for task in response.context["due_soon"]] == ["近期措施"]


def test_the_evidence_of_a_closed_out_task_is_frozen(client, inspector, staff):
    from django.contrib.contenttypes.models import ContentType

    task = make_task(user=inspector, person=staff)
    close_out(task, verifier=inspector)
    client.force_login(staff)
    response = client.post(
        reverse(
            "common:attachment_upload",
            args=[ContentType.objects.get_for_model(RectificationTask).pk, task.pk],
        ),
        {"file": SimpleUploadedFile("迟到.pdf", PDF_BYTES)},
    )
    assert response.status_code == 403


def test_the_inspection_filter_offers_open_inspections_and_still_takes_a_closed_one(
    client, inspector, leader, monkeypatch
):
    from inspections.filters import TaskFilter

    monkeypatch.setattr(TaskFilter, "INSPECTION_CHOICES", 2)
    older, newer, newest = (
        make_inspection(user=inspector, date=datetime.date(2024, month, 1)) for month in (1, 2, 3)
    )
    closed = make_inspection(user=inspector, date=datetime.date(2023, 5, 1))
    task = make_task(user=inspector, finding=make_finding(user=inspector, inspection=closed))
    Inspection.objects.filter(pk=closed.pk).update(status=Inspection.Status.CLOSED)
    make_task(user=inspector, finding=make_finding(user=inspector, inspection=newest))

    url = reverse("inspections:task_list")
    offered = page(client, leader, url).context["filter"].form.fields["inspection"].widget.choices
    assert [value for value, _label in offered] == ["", newest.pk, newer.pk]

    response = page(client, leader, url, data={"inspection": closed.pk})
    assert list(response.context["object_list"]) == [task]
    offered = response.context["filter"].form.fields["inspection"].widget.choices
    assert closed.pk in [value for value, _label in offered]
    assert older.pk not in [value for value, _label in offered]
