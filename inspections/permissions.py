"""Who may see and do what in inspections and rectification.

* 督查人员 and 办公室领导 run inspections: they record findings, assign tasks, verify and close out.
* The responsible person of a task updates its progress and submits it: a django-guardian grant on
  that one task, made and removed by the assigning service.
* Section heads see their section's tasks; leaders and inspectors see all.
* Close-out (销号), return and reopening are by an inspector or leader who was never on the task's
  side of it: never its responsible person (judged from the task's history, not its current field),
  never the one who recorded its progress or asked for its acceptance.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from ideology_office.accounts import roles
from ideology_office.common.audit import past_values
from ideology_office.common.policies import (
    RecordPolicy,
    get_or_404,
    has_own_grant,
    own_grant_pks,
    register_policy,
)

from .models import (
    ChecklistResult,
    Extension,
    Finding,
    Inspection,
    Mechanism,
    RectificationTask,
    TaskEvent,
)

PROGRESS_PERMISSION = "inspections.update_progress"

is_leader = roles.is_leader
is_inspector = roles.is_inspector
is_section_head = roles.is_section_head


def can_manage_inspections(user) -> bool:
    """Record inspections, findings, tasks, mechanisms and self-inspections."""
    return is_leader(user) or is_inspector(user)


def can_view_inspections(user) -> bool:
    """The problem lists are circulated to the whole office: every role reads them."""
    return roles.has_any_role(user)


def visible_tasks_filter(user) -> Q | None:
    """The tasks a person sees, as one filter (None: all of them)."""
    if can_manage_inspections(user) or roles.sees_office_wide(user):
        return None
    query = Q(responsible_person=user) | Q(responsible_leader=user)
    if roles.headed_section_ids(user):
        query |= Q(responsible_unit_id__in=roles.headed_section_ids(user))
    return query


def can_view_task(user, task: RectificationTask) -> bool:
    if not roles.has_any_role(user):
        return False
    if visible_tasks_filter(user) is None:
        return True
    if user.pk in (task.responsible_person_id, task.responsible_leader_id):
        return True
    if task.responsible_unit_id in roles.headed_section_ids(user):
        return True
    return has_own_grant(user, PROGRESS_PERMISSION, task)


def can_update_progress(user, task: RectificationTask) -> bool:
    """Only the holder of the task's grant: the responsible person, as assigned."""
    return has_own_grant(user, PROGRESS_PERMISSION, task)


def task_side_person_ids(task: RectificationTask) -> set[int]:
    """Everyone who was ever on the rectifying side of a task: its responsible persons, past and
    present (from the audit trail of the field, not just its current value), and whoever recorded
    its progress or asked for its acceptance. Two small queries, once per task object: a page asks
    it for the acceptance buttons, the evidence panel and the extension buttons alike (services
    lock and read the task afresh, so they always get a fresh answer)."""
    cached = getattr(task, "_task_side_person_ids", None)
    if cached is not None:
        return cached
    people = {task.responsible_person_id}
    people |= {int(value) for value in past_values(task, "responsible_person_id") if value}
    people |= set(
        TaskEvent.objects.filter(
            task=task, kind__in=(TaskEvent.Kind.PROGRESS, TaskEvent.Kind.SUBMITTED)
        ).values_list("actor_id", flat=True)
    )
    task._task_side_person_ids = people
    return people


def verify_refusal(user, task: RectificationTask) -> str | None:
    """Why the person may not close out, return or reopen the task; None when they may."""
    if not can_manage_inspections(user):
        return _("Only an inspector or office leader can close out, return or reopen a task.")
    if user.pk in task_side_person_ids(task):
        return _(
            "You are or were the responsible person of this task, or recorded its progress: you cannot close it out."
        )
    return None


def can_verify(user, task: RectificationTask) -> bool:
    """Return, close out or reopen: an inspector or leader never on the task's rectifying side."""
    return verify_refusal(user, task) is None


def can_decide_extension(user, extension: Extension) -> bool:
    """A leader who did not ask for it, and who was never on the task's rectifying side."""
    return (
        is_leader(user)
        and user.pk != extension.requested_by_id
        and user.pk not in task_side_person_ids(extension.task)
    )


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


class _ProblemListPolicy(RecordPolicy):
    """Inspections, findings and mechanisms are circulated to the whole office."""

    def visible(self, user, queryset):
        return queryset if can_view_inspections(user) else queryset.none()

    def can_change(self, user, record):
        return not record.is_voided and can_manage_inspections(user)


class InspectionPolicy(_ProblemListPolicy):
    select_related = ("checklist",)


class FindingPolicy(_ProblemListPolicy):
    select_related = ("inspection", "category")


class MechanismPolicy(_ProblemListPolicy):
    pass


class TaskPolicy(RecordPolicy):
    select_related = (
        "finding__inspection",
        "finding__category",
        "responsible_leader",
        "responsible_unit",
        "responsible_person",
        "closed_by",
    )

    def visible(self, user, queryset):
        if not roles.has_any_role(user):
            return queryset.none()
        query = visible_tasks_filter(user)
        if query is None:
            return queryset
        # The progress grant (guardian) is the last way in: one subquery, the person's own grants
        # as can_view_task reads them (has_own_grant).
        return queryset.filter(query | Q(pk__in=own_grant_pks(user, PROGRESS_PERMISSION, RectificationTask)))

    def can_view(self, user, record):
        return can_view_task(user, record)

    def can_change(self, user, record):
        return can_change_task_evidence(user, record)

    def can_void(self, user, record):
        return not record.is_voided and can_manage_inspections(user)


class ExtensionPolicy(RecordPolicy):
    select_related = ("task", "requested_by")

    def visible(self, user, queryset):
        tasks = TaskPolicy(RectificationTask).visible(user, RectificationTask.objects.all())
        return queryset.filter(task__in=tasks.values("pk"))


class ChecklistResultPolicy(RecordPolicy):
    select_related = ("inspection", "item__category", "finding")

    def visible(self, user, queryset):
        return queryset if can_manage_inspections(user) else queryset.none()

    def can_change(self, user, record):
        return can_manage_inspections(user)


def access_inspection(user, pk) -> Inspection:
    return get_or_404(user, Inspection, pk)


def access_finding(user, pk) -> Finding:
    return get_or_404(user, Finding, pk)


def access_task(user, pk) -> RectificationTask:
    return get_or_404(user, RectificationTask, pk)


def access_extension(user, pk) -> Extension:
    return get_or_404(user, Extension, pk)


def access_mechanism(user, pk) -> Mechanism:
    return get_or_404(user, Mechanism, pk)


def access_checklist_result(user, pk) -> ChecklistResult:
    return get_or_404(user, ChecklistResult, pk)


def register_policies() -> None:
    register_policy(Inspection, InspectionPolicy)
    register_policy(Finding, FindingPolicy)
    register_policy(RectificationTask, TaskPolicy)
    register_policy(Extension, ExtensionPolicy)
    register_policy(Mechanism, MechanismPolicy)
    register_policy(ChecklistResult, ChecklistResultPolicy)
