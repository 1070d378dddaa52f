import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.translation import override

from ideology_office.accounts.roles import Role
from ideology_office.common.models import Attachment
from inspections import services
from inspections.models import (
    ChecklistItem,
    ChecklistResult,
    ChecklistTemplate,
    Extension,
    Finding,
    Inspection,
    MechanismFinding,
    RectificationTask,
    TaskEvent,
)
from inspections.permissions import PROGRESS_PERMISSION

from ..factories import UserFactory
from .factories import carry_to_acceptance, category, close_out, make_finding, make_inspection, make_task

pytestmark = pytest.mark.django_db
State = RectificationTask.State
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def refusal(error) -> str:
    return " ".join(error.value.messages) if hasattr(error.value, "messages") else str(error.value)


# Assignment and the guardian grant ------------------------------------------------------------


def test_assigning_a_task_grants_its_responsible_person_the_progress_right(inspector, staff):
    task = make_task(user=inspector, person=staff)
    assert staff.has_perm(PROGRESS_PERMISSION, task)
    assert not inspector.has_perm(PROGRESS_PERMISSION, task)
    assert task.state == State.NOT_STARTED
    assert task.original_deadline == task.deadline
    assert task.events.get().kind == TaskEvent.Kind.ASSIGNED


def test_reassigning_moves_the_grant_to_the_new_person(inspector, staff):
    task = make_task(user=inspector, person=staff)
    successor = UserFactory(roles=[Role.STAFF])
    services.task_reassign(task=task, responsible_person=successor, user=inspector)
    task.refresh_from_db()
    staff = type(staff).objects.get(pk=staff.pk)  # a fresh instance: guardian caches per user object
    assert task.responsible_person == successor
    assert successor.has_perm(PROGRESS_PERMISSION, task)
    assert not staff.has_perm(PROGRESS_PERMISSION, task)
    assert task.events.filter(kind=TaskEvent.Kind.REASSIGNED).exists()
    with pytest.raises(PermissionDenied):
        services.task_progress_add(task=task, user=staff, note="旧责任人")


def test_only_inspectors_and_leaders_assign_tasks(staff, inspector):
    finding = make_finding(user=inspector)
    with pytest.raises(PermissionDenied):
        make_task(user=staff, finding=finding)
    assert not RectificationTask.objects.exists()


def test_a_deadline_before_the_inspection_date_is_refused_in_chinese(inspector):
    finding = make_finding(user=inspector)
    with override("zh-hans"), pytest.raises(ValidationError) as error:
        make_task(
            user=inspector, finding=finding, deadline=finding.inspection.date - datetime.timedelta(days=1)
        )
    assert "完成时限" in refusal(error) or "不能早于" in refusal(error)
    assert not RectificationTask.objects.exists()


def test_a_task_without_a_measure_is_refused(inspector):
    with pytest.raises(ValidationError):
        make_task(user=inspector, measure="   ")
    assert not RectificationTask.objects.exists()


# The state machine ----------------------------------------------------------------------------


def test_the_task_goes_from_not_started_to_closed_with_a_return_on_the_way(inspector, staff):
    task = make_task(user=inspector, person=staff)
    services.task_progress_add(task=task, user=staff, note="起草制度")
    task.refresh_from_db()
    assert task.state == State.IN_PROGRESS
    assert task.progress == "起草制度"
    services.task_submit(task=task, user=staff)
    services.task_return(task=task, user=inspector, reason="缺少佐证")
    task.refresh_from_db()
    assert task.state == State.IN_PROGRESS
    services.task_submit(task=task, user=staff)
    services.task_close(task=task, user=inspector, note="整改到位", evidence_reviewed=True)
    task.refresh_from_db()
    assert task.state == State.CLOSED
    assert task.closed_by == inspector and task.close_note == "整改到位"
    kinds = list(task.events.values_list("kind", flat=True))
    assert kinds == ["assigned", "progress", "submitted", "returned", "submitted", "closed"]
    assert task.events.get(kind="returned").note == "缺少佐证"


def test_progress_with_an_evidence_file_attaches_it_to_the_task(inspector, staff):
    task = make_task(user=inspector, person=staff)
    services.task_progress_add(
        task=task, user=staff, note="已整改", evidence=SimpleUploadedFile("佐证.pdf", PDF_BYTES)
    )
    attachment = Attachment.objects.get()
    assert attachment.record == task
    assert attachment.original_name == "佐证.pdf"


def test_a_bad_evidence_file_writes_no_progress(inspector, staff):
    task = make_task(user=inspector, person=staff)
    with pytest.raises(ValidationError):
        services.task_progress_add(
            task=task, user=staff, note="已整改", evidence=SimpleUploadedFile("佐证.pdf", b"not a pdf")
        )
    task.refresh_from_db()
    assert task.state == State.NOT_STARTED
    assert not task.events.filter(kind="progress").exists()


def test_only_the_responsible_person_reports_progress(inspector, staff, leader):
    task = make_task(user=inspector, person=staff)
    for other in (inspector, leader, UserFactory(roles=[Role.STAFF])):
        with pytest.raises(PermissionDenied):
            services.task_progress_add(task=task, user=other, note="代填")
    assert not task.events.filter(kind="progress").exists()


def test_progress_without_a_note_is_refused(inspector, staff):
    task = make_task(user=inspector, person=staff)
    with override("zh-hans"), pytest.raises(ValidationError) as error:
        services.task_progress_add(task=task, user=staff, note="  ")
    assert "进展" in refusal(error)


def test_the_responsible_person_cannot_close_out_their_own_task(inspector):
    # An inspector who is also the responsible person: the rule is about the person, not the role.
    task = make_task(user=inspector, person=inspector)
    carry_to_acceptance(task)
    with override("zh-hans"), pytest.raises(PermissionDenied) as error:
        services.task_close(task=task, user=inspector, note="自己销号", evidence_reviewed=True)
    assert "整改责任人" in str(error.value)
    task.refresh_from_db()
    assert task.state == State.AWAITING_ACCEPTANCE and task.closed_at is None


def test_staff_and_section_heads_cannot_close_out(inspector, staff, section_head):
    task = make_task(user=inspector)
    carry_to_acceptance(task)
    for user in (staff, section_head):
        with pytest.raises(PermissionDenied):
            services.task_close(task=task, user=user, note="销号", evidence_reviewed=True)
    task.refresh_from_db()
    assert task.state == State.AWAITING_ACCEPTANCE


def test_a_leader_who_is_not_responsible_can_close_out(inspector, leader):
    task = make_task(user=inspector)
    close_out(task, verifier=leader)
    task.refresh_from_db()
    assert task.state == State.CLOSED


def test_close_out_needs_a_note_and_the_evidence_reviewed(inspector):
    task = make_task(user=inspector)
    carry_to_acceptance(task)
    with pytest.raises(ValidationError):
        services.task_close(task=task, user=inspector, note="", evidence_reviewed=True)
    with override("zh-hans"), pytest.raises(ValidationError) as error:
        services.task_close(task=task, user=inspector, note="同意", evidence_reviewed=False)
    assert "佐证材料" in refusal(error)
    task.refresh_from_db()
    assert task.state == State.AWAITING_ACCEPTANCE


def test_a_task_not_yet_submitted_cannot_be_closed_out(inspector):
    task = make_task(user=inspector)
    with pytest.raises(ValidationError):
        services.task_close(task=task, user=inspector, note="同意", evidence_reviewed=True)


def test_return_needs_a_reason(inspector):
    task = make_task(user=inspector)
    carry_to_acceptance(task)
    with override("zh-hans"), pytest.raises(ValidationError) as error:
        services.task_return(task=task, user=inspector, reason=" ")
    assert "退回" in refusal(error)
    task.refresh_from_db()
    assert task.state == State.AWAITING_ACCEPTANCE


def test_reopening_a_closed_task_reopens_its_finding_and_inspection(inspector, leader):
    task = make_task(user=inspector)
    close_out(task, verifier=inspector)
    services.finding_close(finding=task.finding, user=inspector)
    services.inspection_close(inspection=task.finding.inspection, user=inspector)
    with pytest.raises(ValidationError):
        services.task_reopen(task=task, user=leader, reason="")
    services.task_reopen(task=task, user=leader, reason="问题反弹")
    task.refresh_from_db()
    assert task.state == State.IN_PROGRESS and task.closed_at is None
    assert Finding.objects.get(pk=task.finding_id).status == Finding.Status.OPEN
    assert Inspection.objects.get(pk=task.finding.inspection_id).status == Inspection.Status.OPEN
    assert task.events.get(kind="reopened").note == "问题反弹"


def test_a_closed_task_cannot_be_changed(inspector):
    task = make_task(user=inspector)
    close_out(task, verifier=inspector)
    with pytest.raises(ValidationError):
        services.task_reassign(task=task, responsible_person=UserFactory(), user=inspector)


# 清仓见底 ---------------------------------------------------------------------------------------


def test_a_finding_with_an_open_task_cannot_be_closed(inspector):
    finding = make_finding(user=inspector)
    close_out(make_task(user=inspector, finding=finding), verifier=inspector)
    make_task(user=inspector, finding=finding)
    with override("zh-hans"), pytest.raises(ValidationError) as error:
        services.finding_close(finding=finding, user=inspector)
    assert "1" in refusal(error) and "销号" in refusal(error)
    finding.refresh_from_db()
    assert finding.status == Finding.Status.OPEN


def test_a_finding_without_tasks_cannot_be_closed(inspector):
    finding = make_finding(user=inspector)
    with pytest.raises(ValidationError):
        services.finding_close(finding=finding, user=inspector)


def test_a_finding_closes_when_every_task_is_closed_out(inspector):
    finding = make_finding(user=inspector)
    close_out(make_task(user=inspector, finding=finding), verifier=inspector)
    services.finding_close(finding=finding, user=inspector)
    finding.refresh_from_db()
    assert finding.status == Finding.Status.CLOSED and finding.closed_by == inspector


def test_a_voided_task_does_not_hold_its_finding_open(inspector):
    from ideology_office.common.services import record_void

    finding = make_finding(user=inspector)
    close_out(make_task(user=inspector, finding=finding), verifier=inspector)
    record_void(record=make_task(user=inspector, finding=finding), user=inspector, reason="重复录入")
    services.finding_close(finding=finding, user=inspector)


def test_an_inspection_with_an_open_finding_cannot_be_closed(inspector):
    inspection = make_inspection(user=inspector)
    closed = make_finding(user=inspector, inspection=inspection)
    close_out(make_task(user=inspector, finding=closed), verifier=inspector)
    services.finding_close(finding=closed, user=inspector)
    make_finding(user=inspector, inspection=inspection, description="第二个问题")
    with override("zh-hans"), pytest.raises(ValidationError) as error:
        services.inspection_close(inspection=inspection, user=inspector)
    assert "问题" in refusal(error)
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.OPEN


def test_an_inspection_closes_when_every_finding_is_closed(inspector):
    inspection = make_inspection(user=inspector)
    finding = make_finding(user=inspector, inspection=inspection)
    close_out(make_task(user=inspector, finding=finding), verifier=inspector)
    services.finding_close(finding=finding, user=inspector)
    services.inspection_close(inspection=inspection, user=inspector)
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.CLOSED
    with pytest.raises(ValidationError):
        services.finding_create(
            inspection=inspection, category=category(), description="新问题", user=inspector
        )


def test_findings_are_numbered_in_order_within_their_inspection(inspector):
    inspection = make_inspection(user=inspector)
    numbers = [make_finding(user=inspector, inspection=inspection).number for _ in range(3)]
    other = make_finding(user=inspector, inspection=make_inspection(user=inspector, title="县委督查"))
    assert numbers == [1, 2, 3]
    assert other.number == 1


def test_a_duplicate_inspection_title_is_refused(inspector):
    make_inspection(user=inspector, title="省委巡视反馈")
    with override("zh-hans"), pytest.raises(ValidationError) as error:
        make_inspection(user=inspector, title="省委巡视反馈")
    assert "已有同名督查" in refusal(error)
    assert Inspection.objects.count() == 1


# Deadline extensions ----------------------------------------------------------------------------


def test_an_approved_extension_moves_the_deadline_and_keeps_the_original(inspector, staff, leader):
    task = make_task(user=inspector, person=staff)
    first_deadline = task.deadline
    extension = services.extension_request(
        task=task,
        user=staff,
        requested_deadline=first_deadline + datetime.timedelta(days=30),
        reason="需协调",
    )
    services.extension_decide(extension=extension, user=leader, approve=True)
    task.refresh_from_db()
    extension.refresh_from_db()
    assert task.deadline == first_deadline + datetime.timedelta(days=30)
    assert task.original_deadline == first_deadline
    assert extension.original_deadline == first_deadline
    assert extension.status == Extension.Status.APPROVED and extension.decided_by == leader


def test_an_extension_without_a_reason_is_refused_in_chinese(inspector, staff):
    task = make_task(user=inspector, person=staff)
    with override("zh-hans"), pytest.raises(ValidationError) as error:
        services.extension_request(
            task=task, user=staff, requested_deadline=task.deadline + datetime.timedelta(days=10), reason=""
        )
    assert "延期" in refusal(error) and "理由" in refusal(error)
    assert not Extension.objects.exists()


def test_an_extension_must_move_the_deadline_later(inspector, staff):
    task = make_task(user=inspector, person=staff)
    with pytest.raises(ValidationError):
        services.extension_request(task=task, user=staff, requested_deadline=task.deadline, reason="理由")
    assert not Extension.objects.exists()


def test_only_a_leader_decides_an_extension(inspector, staff, section_head):
    task = make_task(user=inspector, person=staff)
    extension = services.extension_request(
        task=task, user=staff, requested_deadline=task.deadline + datetime.timedelta(days=5), reason="理由"
    )
    for user in (inspector, section_head, staff):
        with pytest.raises(PermissionDenied):
            services.extension_decide(extension=extension, user=user, approve=True)
    extension.refresh_from_db()
    assert extension.status == Extension.Status.PENDING


def test_a_rejection_needs_a_reason_and_leaves_the_deadline(inspector, staff, leader):
    task = make_task(user=inspector, person=staff)
    deadline = task.deadline
    extension = services.extension_request(
        task=task, user=staff, requested_deadline=deadline + datetime.timedelta(days=5), reason="理由"
    )
    with pytest.raises(ValidationError):
        services.extension_decide(extension=extension, user=leader, approve=False, note="")
    services.extension_decide(extension=extension, user=leader, approve=False, note="时限不能后延")
    task.refresh_from_db()
    assert task.deadline == deadline


def test_a_second_request_waits_for_the_first_decision(inspector, staff):
    task = make_task(user=inspector, person=staff)
    later = task.deadline + datetime.timedelta(days=5)
    services.extension_request(task=task, user=staff, requested_deadline=later, reason="理由")
    with pytest.raises(ValidationError):
        services.extension_request(task=task, user=staff, requested_deadline=later, reason="再次")
    assert Extension.objects.count() == 1


# Long-term mechanisms ---------------------------------------------------------------------------


def test_a_mechanism_is_linked_to_the_findings_it_answers(inspector):
    first = make_finding(user=inspector)
    second = make_finding(user=inspector, inspection=first.inspection, description="第二个问题")
    mechanism = services.mechanism_create(
        name="第一议题学习制度",
        adopted_on=datetime.date(2024, 5, 1),
        findings=[first, second],
        user=inspector,
    )
    assert set(mechanism.findings.all()) == {first, second}
    assert MechanismFinding.objects.filter(mechanism=mechanism).count() == 2
    with pytest.raises(ValidationError):
        services.mechanism_link(mechanism=mechanism, finding=first, user=inspector)


def test_a_mechanism_without_findings_is_refused(inspector):
    with pytest.raises(ValidationError):
        services.mechanism_create(
            name="制度", adopted_on=datetime.date(2024, 5, 1), findings=[], user=inspector
        )


# Self-inspection -------------------------------------------------------------------------------


@pytest.fixture
def checklist():
    template = ChecklistTemplate.objects.create(name="自查清单")
    for order, name in enumerate(["政治方向", "舆论导向", "价值取向"]):
        ChecklistItem.objects.create(template=template, category=category(name), text=f"检查点{order}")
    return template


def start_self_inspection(user, checklist):
    return services.inspection_create(
        source=Inspection.Source.SELF_INSPECTION,
        title="2024年度自查",
        date=datetime.date(2024, 6, 1),
        checklist=checklist,
        user=user,
    )


def test_a_self_inspection_gets_one_result_per_checklist_item(inspector, checklist):
    inspection = start_self_inspection(inspector, checklist)
    assert inspection.results.count() == 3
    assert set(inspection.results.values_list("outcome", flat=True)) == {ChecklistResult.Outcome.PENDING}


def test_a_self_inspection_needs_a_checklist(inspector):
    with pytest.raises(ValidationError):
        services.inspection_create(
            source=Inspection.Source.SELF_INSPECTION,
            title="自查",
            date=datetime.date(2024, 6, 1),
            user=inspector,
        )


def test_a_problem_becomes_a_finding_with_its_tasks_in_one_step(inspector, staff, leader, checklist):
    inspection = start_self_inspection(inspector, checklist)
    result = inspection.results.first()
    spec = services.TaskSpec(
        measure="整改",
        responsible_leader=leader,
        responsible_unit=staff.section,
        responsible_person=staff,
        deadline=datetime.date(2024, 9, 1),
    )
    finding = services.checklist_problem_raise(
        result=result, description="发现问题", tasks=[spec, spec], user=inspector
    )
    result.refresh_from_db()
    assert result.finding == finding and result.outcome == ChecklistResult.Outcome.PROBLEM
    assert finding.inspection == inspection and finding.category == result.item.category
    assert finding.tasks.count() == 2
    assert staff.has_perm(PROGRESS_PERMISSION, finding.tasks.first())
    with pytest.raises(ValidationError):
        services.checklist_problem_raise(result=result, description="再次", tasks=[spec], user=inspector)


def test_raising_a_problem_writes_nothing_when_one_task_is_bad(inspector, staff, leader, checklist):
    inspection = start_self_inspection(inspector, checklist)
    result = inspection.results.first()
    good = services.TaskSpec(
        measure="整改",
        responsible_leader=leader,
        responsible_unit=staff.section,
        responsible_person=staff,
        deadline=datetime.date(2024, 9, 1),
    )
    bad = services.TaskSpec(
        measure="整改",
        responsible_leader=leader,
        responsible_unit=staff.section,
        responsible_person=staff,
        deadline=datetime.date(2020, 1, 1),
    )
    with pytest.raises(ValidationError):
        services.checklist_problem_raise(
            result=result, description="发现问题", tasks=[good, bad], user=inspector
        )
    result.refresh_from_db()
    assert result.finding is None
    assert not Finding.objects.exists() and not RectificationTask.objects.exists()


def test_a_problem_result_needs_a_description(inspector, checklist):
    result = start_self_inspection(inspector, checklist).results.first()
    with pytest.raises(ValidationError):
        services.checklist_result_record(result=result, outcome="problem", note="", user=inspector)
    services.checklist_result_record(result=result, outcome="passed", note="", user=inspector)
    result.refresh_from_db()
    assert result.outcome == "passed"


def test_staff_cannot_run_a_self_inspection(staff, inspector, checklist):
    result = start_self_inspection(inspector, checklist).results.first()
    with pytest.raises(PermissionDenied):
        services.checklist_result_record(result=result, outcome="passed", note="", user=staff)


# Demo data -------------------------------------------------------------------------------------


def test_the_demo_seed_tells_the_story_and_a_second_run_changes_nothing(db):
    from django.core.management import call_command

    from ideology_office.common.models import AuditEntry

    call_command("seed_demo", password="demo-password-123", logins_file="/dev/null", only="inspections")
    tour = Inspection.objects.get(source=Inspection.Source.PROVINCIAL_TOUR)
    assert tour.date.year == 2021
    tasks = RectificationTask.objects.filter(finding__inspection=tour)
    assert set(tasks.values_list("state", flat=True)) == set(State.values)
    today = timezone.localdate()
    assert tasks.exclude(state=State.CLOSED).filter(deadline__lt=today).exists()
    assert (
        tasks.exclude(state=State.CLOSED)
        .filter(deadline__gte=today, deadline__lte=today + datetime.timedelta(days=7))
        .exists()
    )
    assert Extension.objects.filter(status=Extension.Status.APPROVED).exists()
    assert Extension.objects.filter(status=Extension.Status.PENDING).exists()
    assert Attachment.objects.filter(
        object_id__in=[str(pk) for pk in tasks.values_list("pk", flat=True)]
    ).exists()
    assert tour.findings.filter(mechanisms__isnull=False).exists()
    assert Inspection.objects.filter(source=Inspection.Source.COUNTY_SUPERVISION, status="closed").exists()
    self_years = set(
        Inspection.objects.filter(source=Inspection.Source.SELF_INSPECTION).values_list(
            "date__year", flat=True
        )
    )
    assert set(range(2021, today.year)) <= self_years
    closed_2021 = tasks.filter(state=State.CLOSED, closed_at__year=2021)
    assert closed_2021.exists()
    for task in RectificationTask.objects.select_related("responsible_person"):
        assert task.responsible_person.has_perm(PROGRESS_PERMISSION, task)

    counts = (AuditEntry.objects.count(), RectificationTask.objects.count(), Extension.objects.count())
    call_command("seed_demo", password="demo-password-123", logins_file="/dev/null", only="inspections")
    assert (
        AuditEntry.objects.count(),
        RectificationTask.objects.count(),
        Extension.objects.count(),
    ) == counts
