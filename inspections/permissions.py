"""Who may see and do what in inspections and rectification.

* 督查人员 and 办公室领导 run inspections: they record findings, assign tasks, verify and close out.
* The responsible person of a task updates its progress and submits it: a django-guardian grant on
  that one task, made and removed by the assigning service.
* Section heads see their section's tasks; leaders and inspectors see all.
* Close-out (销号) is by an inspector or leader who is not the task's responsible person.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from ideology_office.accounts.roles import Role

from .models import ChecklistResult, Extension, Finding, Inspection, Mechanism, RectificationTask

PROGRESS_PERMISSION = "inspections.update_progress"


def _roles(user) -> frozenset[str]:
    return user.role_names if user.is_authenticated else frozenset()


def is_leader(user) -> bool:
    return Role.LEADER in _roles(user)


def is_inspector(user) -> bool:
    return Role.INSPECTOR in _roles(user)


def is_section_head(user) -> bool:
    return Role.SECTION_HEAD in _roles(user)


def can_manage_inspections(user) -> bool:
    """Record inspections, findings, tasks, mechanisms and self-inspections."""
    return is_leader(user) or is_inspector(user)


def can_view_inspections(user) -> bool:
    """The problem lists are circulated to the whole office: every role reads them."""
    return bool(_roles(user)) or user.is_superuser


def can_view_task(user, task: RectificationTask) -> bool:
    if can_manage_inspections(user):
        return True
    if user.pk in (task.responsible_person_id, task.responsible_leader_id):
        return True
    if is_section_head(user) and user.section_id and user.section_id == task.responsible_unit_id:
        return True
    return user.has_perm(PROGRESS_PERMISSION, task)


def can_update_progress(user, task: RectificationTask) -> bool:
    """Only the holder of the task's grant: the responsible person, as assigned."""
    return user.is_authenticated and user.has_perm(PROGRESS_PERMISSION, task)


def can_verify(user, task: RectificationTask) -> bool:
    """Return or close out: an inspector or leader who is not the responsible person."""
    return can_manage_inspections(user) and user.pk != task.responsible_person_id


def can_decide_extension(user, extension: Extension) -> bool:
    return is_leader(user) and user.pk != extension.requested_by_id


def can_view_finding(user, finding: Finding) -> bool:
    return can_view_inspections(user)


def can_change_inspection(user, inspection: Inspection) -> bool:
    return can_manage_inspections(user)


def can_change_task_evidence(user, task: RectificationTask) -> bool:
    # The evidence a close-out was based on stays as it was reviewed; reopening unfreezes it.
    if task.is_closed:
        return False
    return can_update_progress(user, task) or can_verify(user, task)


def can_view_mechanism(user, mechanism: Mechanism) -> bool:
    return can_view_inspections(user)


def access_inspection(user, pk) -> Inspection:
    if not can_view_inspections(user):
        raise Http404
    return get_object_or_404(Inspection.objects.select_related("checklist"), pk=pk)


def access_finding(user, pk) -> Finding:
    if not can_view_inspections(user):
        raise Http404
    return get_object_or_404(Finding.objects.select_related("inspection", "category"), pk=pk)


def access_task(user, pk) -> RectificationTask:
    task = get_object_or_404(
        RectificationTask.objects.select_related(
            "finding__inspection",
            "finding__category",
            "responsible_leader",
            "responsible_unit",
            "responsible_person",
            "closed_by",
        ),
        pk=pk,
    )
    if not can_view_task(user, task):
        raise Http404
    return task


def access_extension(user, pk) -> Extension:
    extension = get_object_or_404(Extension.objects.select_related("task", "requested_by"), pk=pk)
    if not can_view_task(user, extension.task):
        raise Http404
    return extension


def access_mechanism(user, pk) -> Mechanism:
    if not can_view_inspections(user):
        raise Http404
    return get_object_or_404(Mechanism, pk=pk)


def access_checklist_result(user, pk) -> ChecklistResult:
    if not can_manage_inspections(user):
        raise Http404
    return get_object_or_404(
        ChecklistResult.objects.select_related("inspection", "item__category", "finding"), pk=pk
    )


def register_policies() -> None:
    from ideology_office.common.access import register_record_policy

    # Inspections carry their feedback documents; tasks carry the rectification evidence.
    register_record_policy(
        Inspection,
        can_view=lambda user, record: can_view_inspections(user),
        can_change=lambda user, record: can_change_inspection(user, record),
    )
    register_record_policy(RectificationTask, can_view=can_view_task, can_change=can_change_task_evidence)
    register_record_policy(
        Mechanism,
        can_view=can_view_mechanism,
        can_change=lambda user, record: can_manage_inspections(user),
    )
