"""Every write of inspections and rectification. Forms, the admin and the demo seed call these, so
the rules (who may close out, 清仓见底, deadlines, reasons) hold whichever door is used."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from ideology_office.accounts.models import OrgUnit, User
from ideology_office.common.services import attachment_add, model_update
from ideology_office.notifications.services import reminders_cancel_for, reminders_plan_for

from . import permissions
from .models import (
    ChecklistResult,
    ChecklistTemplate,
    Extension,
    Finding,
    FindingCategory,
    Inspection,
    Mechanism,
    MechanismFinding,
    RectificationTask,
    TaskEvent,
)

State = RectificationTask.State


def _required_text(value: str | None, *, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: message}, code="required")
    return text


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _require_verifier(user, task: RectificationTask) -> None:
    refusal = permissions.verify_refusal(user, task)
    if refusal:
        raise PermissionDenied(refusal)


def _event(task: RectificationTask, *, kind: str, actor, note: str = "", from_state: str = "") -> TaskEvent:
    event = TaskEvent(
        task=task,
        kind=kind,
        actor=actor,
        note=note,
        from_state=from_state,
        to_state=task.state,
        created_by=actor,
    )
    event.full_clean()
    event.save()
    return event


# Inspections ------------------------------------------------------------------------------------


@transaction.atomic
def inspection_create(
    *,
    source: str,
    title: str,
    date: datetime.date,
    user: User,
    description: str = "",
    checklist: ChecklistTemplate | None = None,
) -> Inspection:
    _require(permissions.can_manage_inspections(user), _("Only inspectors and leaders record inspections."))
    if source == Inspection.Source.SELF_INSPECTION and checklist is None:
        raise ValidationError({"checklist": _("A self-inspection needs a checklist template.")})
    inspection = Inspection(
        source=source,
        title=(title or "").strip(),
        date=date,
        description=(description or "").strip(),
        checklist=checklist,
        created_by=user,
    )
    inspection.full_clean()
    inspection.save()
    if checklist is not None:
        ChecklistResult.objects.bulk_create(
            [
                ChecklistResult(inspection=inspection, item=item, created_by=user)
                for item in checklist.items.all()
            ]
        )
    return inspection


@transaction.atomic
def inspection_update(*, inspection: Inspection, user: User, **fields) -> Inspection:
    _require(permissions.can_manage_inspections(user), _("Only inspectors and leaders record inspections."))

    def validate(locked: Inspection) -> None:
        locked.full_clean()
        if locked.findings.filter(tasks__deadline__lt=locked.date).exists():
            raise ValidationError({"date": _("Some rectification deadlines would fall before this date.")})

    locked, _changed = model_update(
        instance=inspection,
        fields=("source", "title", "date", "description"),
        data={
            key: value for key, value in fields.items() if key in ("source", "title", "date", "description")
        },
        validate=validate,
    )
    return locked


@transaction.atomic
def inspection_close(*, inspection: Inspection, user: User) -> Inspection:
    """清仓见底: an inspection is closed only when every one of its findings is."""
    _require(permissions.can_manage_inspections(user), _("Only inspectors and leaders close an inspection."))
    locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if locked.status == Inspection.Status.CLOSED:
        raise ValidationError(_("This inspection is already closed."), code="already_closed")
    findings = Finding.objects.active().filter(inspection=locked)
    if not findings.exists():
        raise ValidationError(_("An inspection without findings cannot be closed."), code="no_findings")
    open_count = findings.exclude(status=Finding.Status.CLOSED).count()
    if open_count:
        raise ValidationError(
            _("%(count)s finding(s) of this inspection are not closed yet.") % {"count": open_count},
            code="open_findings",
        )
    locked.status = Inspection.Status.CLOSED
    locked.closed_at = timezone.now()
    locked.closed_by = user
    locked.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
    return locked


# Findings ---------------------------------------------------------------------------------------


@transaction.atomic
def finding_create(
    *, inspection: Inspection, category: FindingCategory, description: str, user: User
) -> Finding:
    _require(permissions.can_manage_inspections(user), _("Only inspectors and leaders record findings."))
    # The row lock numbers findings one after another even when two people add at once.
    locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if locked.is_voided:
        raise ValidationError(_("This inspection was voided."), code="voided")
    if locked.status == Inspection.Status.CLOSED:
        raise ValidationError(_("This inspection is closed; no finding can be added."), code="closed")
    number = (locked.findings.aggregate(top=Max("number"))["top"] or 0) + 1
    finding = Finding(
        inspection=locked,
        number=number,
        category=category,
        description=(description or "").strip(),
        created_by=user,
    )
    finding.full_clean()
    finding.save()
    return finding


@transaction.atomic
def finding_update(*, finding: Finding, category: FindingCategory, description: str, user: User) -> Finding:
    _require(permissions.can_manage_inspections(user), _("Only inspectors and leaders record findings."))
    locked = Finding.objects.select_for_update().get(pk=finding.pk)
    locked.category = category
    locked.description = (description or "").strip()
    locked.full_clean()
    locked.save()
    return locked


@transaction.atomic
def finding_close(*, finding: Finding, user: User) -> Finding:
    """清仓见底: a finding is closed only when it has tasks and every one of them is closed out."""
    _require(permissions.can_manage_inspections(user), _("Only inspectors and leaders close a finding."))
    locked = Finding.objects.select_for_update().get(pk=finding.pk)
    if locked.status == Finding.Status.CLOSED:
        raise ValidationError(_("This finding is already closed."), code="already_closed")
    tasks = RectificationTask.objects.active().filter(finding=locked)
    if not tasks.exists():
        raise ValidationError(_("A finding without rectification tasks cannot be closed."), code="no_tasks")
    open_count = tasks.exclude(state=State.CLOSED).count()
    if open_count:
        raise ValidationError(
            _("%(count)s rectification task(s) of this finding are not closed out yet.")
            % {"count": open_count},
            code="open_tasks",
        )
    locked.status = Finding.Status.CLOSED
    locked.closed_at = timezone.now()
    locked.closed_by = user
    locked.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
    return locked


def _reopen_parents(task: RectificationTask) -> None:
    """A reopened task reopens its finding and inspection: nothing stays closed over open work."""
    Finding.objects.filter(pk=task.finding_id, status=Finding.Status.CLOSED).update(
        status=Finding.Status.OPEN, closed_at=None, closed_by=None
    )
    Inspection.objects.filter(findings=task.finding_id, status=Inspection.Status.CLOSED).update(
        status=Inspection.Status.OPEN, closed_at=None, closed_by=None
    )


# Rectification tasks ----------------------------------------------------------------------------


def _grant(task: RectificationTask, person: User) -> None:
    assign_perm(permissions.PROGRESS_PERMISSION, person, task)


def _revoke(task: RectificationTask, person: User) -> None:
    remove_perm(permissions.PROGRESS_PERMISSION, person, task)


def _plan_reminders(task: RectificationTask) -> None:
    """Plan now the deadline reminders that are already due (a task assigned, extended, reopened
    or handed over close to or past its deadline), so nobody waits for the next planner pass."""
    from .reminders import TASK_DEADLINE

    reminders_plan_for(source_key=TASK_DEADLINE, object_ids=[task.pk])


def _check_deadline(finding: Finding, deadline: datetime.date | None) -> None:
    if deadline is not None and deadline < finding.inspection.date:
        raise ValidationError(
            {
                "deadline": _("The deadline cannot be before the inspection's date (%(date)s).")
                % {"date": finding.inspection.date.isoformat()}
            },
            code="deadline_before_finding",
        )


@transaction.atomic
def task_create(
    *,
    finding: Finding,
    measure: str,
    responsible_leader: User,
    responsible_unit: OrgUnit,
    responsible_person: User,
    deadline: datetime.date,
    kind: str = RectificationTask.Kind.BY_DEADLINE,
    user: User,
) -> RectificationTask:
    """Assign a rectification measure and grant its responsible person the right to report on it."""
    _require(
        permissions.can_manage_inspections(user), _("Only inspectors and leaders assign rectification tasks.")
    )
    locked = Finding.objects.select_for_update().select_related("inspection").get(pk=finding.pk)
    if locked.is_voided:
        raise ValidationError(_("This finding was voided."), code="voided")
    if locked.status == Finding.Status.CLOSED:
        raise ValidationError(_("This finding is closed; no task can be added."), code="closed")
    _check_deadline(locked, deadline)
    task = RectificationTask(
        finding=locked,
        measure=(measure or "").strip(),
        responsible_leader=responsible_leader,
        responsible_unit=responsible_unit,
        responsible_person=responsible_person,
        deadline=deadline,
        original_deadline=deadline,
        kind=kind,
        created_by=user,
    )
    task.full_clean()
    task.save()
    _grant(task, responsible_person)
    _event(task, kind=TaskEvent.Kind.ASSIGNED, actor=user, note=str(responsible_person))
    _plan_reminders(task)
    return task


@transaction.atomic
def task_update(
    *,
    task: RectificationTask,
    user: User,
    measure: str,
    responsible_leader: User,
    responsible_unit: OrgUnit,
    responsible_person: User,
    kind: str,
) -> RectificationTask:
    """Change what a task is and who answers for it; the grant moves with the responsible person.
    The deadline moves only through an approved extension."""
    _require(
        permissions.can_manage_inspections(user), _("Only inspectors and leaders assign rectification tasks.")
    )
    locked = RectificationTask.objects.select_for_update().get(pk=task.pk)
    if locked.is_closed:
        raise ValidationError(_("A closed-out task cannot be changed; reopen it first."), code="closed")
    previous_person = locked.responsible_person
    locked.measure = (measure or "").strip()
    locked.responsible_leader = responsible_leader
    locked.responsible_unit = responsible_unit
    locked.responsible_person = responsible_person
    locked.kind = kind
    locked.full_clean()
    locked.save()
    if previous_person.pk != responsible_person.pk:
        _revoke(locked, previous_person)
        _grant(locked, responsible_person)
        _event(
            locked,
            kind=TaskEvent.Kind.REASSIGNED,
            actor=user,
            note=f"{previous_person} → {responsible_person}",
            from_state=locked.state,
        )
        # The reminders waiting for the previous person go to the new one.
        reminders_cancel_for(locked)
        _plan_reminders(locked)
    return locked


def task_reassign(
    *, task: RectificationTask, responsible_person: User, user: User, **changes
) -> RectificationTask:
    """Hand a task to another responsible person (and optionally another unit or leader)."""
    return task_update(
        task=task,
        user=user,
        measure=changes.get("measure", task.measure),
        responsible_leader=changes.get("responsible_leader", task.responsible_leader),
        responsible_unit=changes.get("responsible_unit", task.responsible_unit),
        responsible_person=responsible_person,
        kind=changes.get("kind", task.kind),
    )


@transaction.atomic
def task_progress_add(*, task: RectificationTask, user: User, note: str, evidence=None) -> TaskEvent:
    """Report progress (with an optional evidence file); the first report starts the rectification."""
    locked = RectificationTask.objects.select_for_update().get(pk=task.pk)
    _require(
        permissions.can_update_progress(user, locked), _("Only the responsible person reports progress.")
    )
    text = _required_text(note, field="note", message=_("Describe the progress made."))
    if locked.state in (State.CLOSED, State.AWAITING_ACCEPTANCE):
        raise ValidationError(
            _("This task is %(state)s; progress cannot be reported now.")
            % {"state": locked.get_state_display()},
            code="wrong_state",
        )
    previous = locked.state
    locked.state = State.IN_PROGRESS
    locked.progress = text
    locked.save(update_fields=["state", "progress", "updated_at"])
    if evidence is not None:
        attachment_add(record=locked, uploaded_file=evidence, user=user, description=text[:200])
    return _event(locked, kind=TaskEvent.Kind.PROGRESS, actor=user, note=text, from_state=previous)


@transaction.atomic
def task_submit(*, task: RectificationTask, user: User, note: str = "") -> RectificationTask:
    """整改中 → 待验收: the responsible person says the work is done and asks for acceptance."""
    locked = RectificationTask.objects.select_for_update().get(pk=task.pk)
    _require(
        permissions.can_update_progress(user, locked), _("Only the responsible person submits the task.")
    )
    if locked.state != State.IN_PROGRESS:
        raise ValidationError(
            _("Only a task being rectified can be submitted for acceptance."), code="wrong_state"
        )
    locked.state = State.AWAITING_ACCEPTANCE
    locked.save(update_fields=["state", "updated_at"])
    _event(
        locked,
        kind=TaskEvent.Kind.SUBMITTED,
        actor=user,
        note=(note or "").strip(),
        from_state=State.IN_PROGRESS,
    )
    return locked


@transaction.atomic
def task_return(*, task: RectificationTask, user: User, reason: str) -> RectificationTask:
    """退回: 待验收 → 整改中, with the verifier's reason."""
    locked = RectificationTask.objects.select_for_update().get(pk=task.pk)
    _require_verifier(user, locked)
    text = _required_text(reason, field="reason", message=_("Give the reason for returning the task."))
    if locked.state != State.AWAITING_ACCEPTANCE:
        raise ValidationError(_("Only a task awaiting acceptance can be returned."), code="wrong_state")
    locked.state = State.IN_PROGRESS
    locked.save(update_fields=["state", "updated_at"])
    _event(locked, kind=TaskEvent.Kind.RETURNED, actor=user, note=text, from_state=State.AWAITING_ACCEPTANCE)
    return locked


@transaction.atomic
def task_close(
    *, task: RectificationTask, user: User, note: str, evidence_reviewed: bool
) -> RectificationTask:
    """销号: 待验收 → 已销号, by an inspector or leader who is not the responsible person, with a note,
    after reviewing the evidence."""
    locked = RectificationTask.objects.select_for_update().get(pk=task.pk)
    _require_verifier(user, locked)
    text = _required_text(note, field="note", message=_("Write the close-out note."))
    if not evidence_reviewed:
        raise ValidationError(
            {"evidence_reviewed": _("Confirm that the evidence was reviewed.")}, code="evidence_not_reviewed"
        )
    if locked.state != State.AWAITING_ACCEPTANCE:
        raise ValidationError(_("Only a task awaiting acceptance can be closed out."), code="wrong_state")
    locked.state = State.CLOSED
    locked.closed_at = timezone.now()
    locked.closed_by = user
    locked.close_note = text
    locked.save(update_fields=["state", "closed_at", "closed_by", "close_note", "updated_at"])
    _event(locked, kind=TaskEvent.Kind.CLOSED, actor=user, note=text, from_state=State.AWAITING_ACCEPTANCE)
    reminders_cancel_for(locked)
    return locked


@transaction.atomic
def task_reopen(*, task: RectificationTask, user: User, reason: str) -> RectificationTask:
    """Reopen a closed-out task (the problem came back): 已销号 → 整改中, with a reason."""
    locked = RectificationTask.objects.select_for_update().get(pk=task.pk)
    _require_verifier(user, locked)
    text = _required_text(reason, field="reason", message=_("Give the reason for reopening the task."))
    if locked.state != State.CLOSED:
        raise ValidationError(_("Only a closed-out task can be reopened."), code="wrong_state")
    locked.state = State.IN_PROGRESS
    locked.closed_at = None
    locked.closed_by = None
    locked.close_note = ""
    locked.save(update_fields=["state", "closed_at", "closed_by", "close_note", "updated_at"])
    _reopen_parents(locked)
    _event(locked, kind=TaskEvent.Kind.REOPENED, actor=user, note=text, from_state=State.CLOSED)
    _plan_reminders(locked)
    return locked


# Deadline extensions ----------------------------------------------------------------------------


@transaction.atomic
def extension_request(
    *, task: RectificationTask, user: User, requested_deadline: datetime.date, reason: str
) -> Extension:
    locked = RectificationTask.objects.select_for_update().get(pk=task.pk)
    _require(
        permissions.can_update_progress(user, locked) or permissions.can_manage_inspections(user),
        _("Only the responsible person, an inspector or a leader can ask for more time."),
    )
    text = _required_text(reason, field="reason", message=_("Give the reason for the extension."))
    if locked.is_closed:
        raise ValidationError(_("A closed-out task needs no extension."), code="closed")
    if requested_deadline is None or requested_deadline <= locked.deadline:
        raise ValidationError(
            {
                "requested_deadline": _("The new deadline must be later than the current one (%(date)s).")
                % {"date": locked.deadline.isoformat()}
            },
            code="not_later",
        )
    if locked.extensions.filter(status=Extension.Status.PENDING).exists():
        raise ValidationError(
            _("An extension request for this task is already waiting."), code="pending_exists"
        )
    extension = Extension(
        task=locked,
        requested_by=user,
        reason=text,
        original_deadline=locked.deadline,
        requested_deadline=requested_deadline,
        created_by=user,
    )
    extension.full_clean()
    extension.save()
    return extension


@transaction.atomic
def extension_decide(*, extension: Extension, user: User, approve: bool, note: str = "") -> Extension:
    """A leader approves (the deadline moves; the old one stays on the request) or rejects."""
    locked = Extension.objects.select_for_update().get(pk=extension.pk)
    _require(
        permissions.can_decide_extension(user, locked),
        _("Only a leader other than the requester decides an extension."),
    )
    if locked.status != Extension.Status.PENDING:
        raise ValidationError(_("This extension request was already decided."), code="decided")
    text = (note or "").strip()
    if not approve and not text:
        raise ValidationError({"note": _("Give the reason for rejecting the extension.")}, code="required")
    locked.status = Extension.Status.APPROVED if approve else Extension.Status.REJECTED
    locked.decided_by = user
    locked.decided_at = timezone.now()
    locked.decision_note = text
    locked.save()
    if approve:
        task = RectificationTask.objects.select_for_update().get(pk=locked.task_id)
        if task.deadline != locked.original_deadline:
            raise ValidationError(
                _("The task's deadline changed since the request; ask again."), code="stale"
            )
        task.deadline = locked.requested_deadline
        task.save(update_fields=["deadline", "updated_at"])
        _event(
            task,
            kind=TaskEvent.Kind.EXTENDED,
            actor=user,
            note=f"{locked.original_deadline} → {locked.requested_deadline}: {locked.reason}",
            from_state=task.state,
        )
        # Reminders of the old deadline that wait (quiet hours) are dropped; the new one's are planned.
        reminders_cancel_for(task)
        _plan_reminders(task)
    return locked


# Long-term mechanisms ---------------------------------------------------------------------------


@transaction.atomic
def mechanism_create(
    *,
    name: str,
    adopted_on: datetime.date,
    findings: list[Finding],
    user: User,
    document_number: str = "",
    description: str = "",
) -> Mechanism:
    _require(permissions.can_manage_inspections(user), _("Only inspectors and leaders record mechanisms."))
    if not findings:
        raise ValidationError({"findings": _("Link the mechanism to at least one finding it answers.")})
    mechanism = Mechanism(
        name=(name or "").strip(),
        adopted_on=adopted_on,
        document_number=(document_number or "").strip(),
        description=(description or "").strip(),
        created_by=user,
    )
    mechanism.full_clean()
    mechanism.save()
    MechanismFinding.objects.bulk_create(
        [MechanismFinding(mechanism=mechanism, finding=finding, created_by=user) for finding in set(findings)]
    )
    return mechanism


MECHANISM_FIELDS = ("name", "document_number", "adopted_on", "description")


@transaction.atomic
def mechanism_update(*, mechanism: Mechanism, user: User, **fields) -> Mechanism:
    _require(permissions.can_manage_inspections(user), _("Only inspectors and leaders record mechanisms."))
    locked, _changed = model_update(instance=mechanism, fields=MECHANISM_FIELDS, data=fields)
    return locked


@transaction.atomic
def mechanism_link(*, mechanism: Mechanism, finding: Finding, user: User) -> MechanismFinding:
    _require(permissions.can_manage_inspections(user), _("Only inspectors and leaders record mechanisms."))
    if MechanismFinding.objects.filter(mechanism=mechanism, finding=finding).exists():
        raise ValidationError(_("This finding is already linked to the mechanism."), code="duplicate")
    link = MechanismFinding(mechanism=mechanism, finding=finding, created_by=user)
    link.full_clean()
    link.save()
    return link


# Self-inspection --------------------------------------------------------------------------------


@transaction.atomic
def checklist_result_record(
    *, result: ChecklistResult, outcome: str, note: str, user: User
) -> ChecklistResult:
    _require(permissions.can_manage_inspections(user), _("Only inspectors and leaders run self-inspections."))
    locked = ChecklistResult.objects.select_for_update().get(pk=result.pk)
    if locked.finding_id is not None and outcome != ChecklistResult.Outcome.PROBLEM:
        raise ValidationError(
            _("A finding was already raised from this item; its result stays “problem found”.")
        )
    if outcome == ChecklistResult.Outcome.PROBLEM and not (note or "").strip():
        raise ValidationError({"note": _("Describe the problem found.")}, code="required")
    locked.outcome = outcome
    locked.note = (note or "").strip()
    locked.full_clean()
    locked.save()
    return locked


@dataclass(frozen=True)
class TaskSpec:
    measure: str
    responsible_leader: User
    responsible_unit: OrgUnit
    responsible_person: User
    deadline: datetime.date
    kind: str = RectificationTask.Kind.BY_DEADLINE


@transaction.atomic
def checklist_problem_raise(
    *,
    result: ChecklistResult,
    category: FindingCategory | None = None,
    description: str,
    tasks: list[TaskSpec],
    user: User,
) -> Finding:
    """Turn a problem found in a self-inspection into a finding with its tasks, in one step:
    all of it is written, or none of it."""
    _require(permissions.can_manage_inspections(user), _("Only inspectors and leaders run self-inspections."))
    locked = (
        ChecklistResult.objects.select_for_update().select_related("inspection", "item").get(pk=result.pk)
    )
    if locked.finding_id is not None:
        raise ValidationError(_("A finding was already raised from this item."), code="duplicate")
    if not tasks:
        raise ValidationError(_("Give at least one rectification measure."), code="no_tasks")
    text = _required_text(
        description or locked.note, field="description", message=_("Describe the problem found.")
    )
    finding = finding_create(
        inspection=locked.inspection, category=category or locked.item.category, description=text, user=user
    )
    for spec in tasks:
        task_create(
            finding=finding,
            measure=spec.measure,
            responsible_leader=spec.responsible_leader,
            responsible_unit=spec.responsible_unit,
            responsible_person=spec.responsible_person,
            deadline=spec.deadline,
            kind=spec.kind,
            user=user,
        )
    locked.outcome = ChecklistResult.Outcome.PROBLEM
    locked.note = locked.note or text
    locked.finding = finding
    locked.save(update_fields=["outcome", "note", "finding", "updated_at"])
    return finding
