"""Reads of inspections and rectification, with their related rows already joined."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from ideology_office.accounts.models import User
from ideology_office.common.filters import filter_void_state
from ideology_office.common.policies import visible_to

from . import permissions
from .models import (
    ChecklistResult,
    Extension,
    Finding,
    Inspection,
    Mechanism,
    RectificationTask,
    TaskEvent,
)

State = RectificationTask.State
DUE_SOON_DAYS = 7
TASK_RELATED = (
    "finding__inspection",
    "finding__category",
    "responsible_leader",
    "responsible_unit",
    "responsible_person",
)


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


def active_tasks() -> QuerySet[RectificationTask]:
    """Tasks that count: neither they nor their finding nor their inspection voided."""
    return RectificationTask.objects.active().filter(
        finding__voided_at__isnull=True, finding__inspection__voided_at__isnull=True
    )


def overdue_condition(today: datetime.date) -> Q:
    """Overdue, now or in the record: closed after the deadline, or still open past it."""
    return Q(state=State.CLOSED, closed_at__date__gt=F("deadline")) | (
        ~Q(state=State.CLOSED) & Q(deadline__lt=today)
    )


def overdue_task_queryset() -> QuerySet[RectificationTask]:
    """Every task that was or is overdue (the countable ``inspections.overdue_task``)."""
    return active_tasks().filter(overdue_condition(timezone.localdate()))


def task_list_for_user(user: User, *, include_voided: bool = False) -> QuerySet[RectificationTask]:
    """ "My tasks": leaders and inspectors see all; section heads their section's; others the
    tasks they answer for or lead. ``include_voided``: with the voided ones (for the task list,
    whose filter shows or hides them)."""
    tasks = (RectificationTask.objects.all() if include_voided else active_tasks()).select_related(
        *TASK_RELATED
    )
    if permissions.can_manage_inspections(user):
        return tasks
    mine = Q(responsible_person=user) | Q(responsible_leader=user)
    if permissions.is_section_head(user) and user.section_id:
        mine |= Q(responsible_unit_id=user.section_id)
    return tasks.filter(mine)


def inspection_list(*, include_voided: bool = False) -> QuerySet[Inspection]:
    return (
        (Inspection.objects.all() if include_voided else Inspection.objects.active())
        .annotate(
            finding_count=Count("findings", filter=Q(findings__voided_at__isnull=True), distinct=True),
            task_count=Count(
                "findings__tasks",
                filter=Q(findings__voided_at__isnull=True, findings__tasks__voided_at__isnull=True),
                distinct=True,
            ),
            closed_task_count=Count(
                "findings__tasks",
                filter=Q(
                    findings__voided_at__isnull=True,
                    findings__tasks__voided_at__isnull=True,
                    findings__tasks__state=State.CLOSED,
                ),
                distinct=True,
            ),
        )
        .order_by("-date", "-pk")
    )


def inspection_findings(inspection: Inspection, *, user, state: str = "active") -> QuerySet[Finding]:
    """The findings of an inspection: the valid ones, or (``state``) the voided ones or all, each
    with the tasks ``user`` may open (every list of links shows only what its reader may open)."""
    return (
        filter_void_state(Finding.objects.filter(inspection=inspection), state)
        .select_related("category")
        .prefetch_related(
            Prefetch(
                "tasks",
                queryset=visible_to(
                    user,
                    RectificationTask.objects.active().select_related(
                        "responsible_leader", "responsible_unit", "responsible_person"
                    ),
                ),
            ),
            Prefetch("mechanisms", queryset=Mechanism.objects.active()),
        )
        .order_by("number")
    )


def finding_tasks(finding: Finding, *, user) -> QuerySet[RectificationTask]:
    """The tasks of a finding that ``user`` may open."""
    return visible_to(
        user,
        RectificationTask.objects.active()
        .filter(finding=finding)
        .select_related(
            "finding__inspection", "responsible_leader", "responsible_unit", "responsible_person"
        ),
    )


def task_events(task: RectificationTask) -> QuerySet[TaskEvent]:
    return task.events.select_related("actor")


def task_extensions(task: RectificationTask) -> QuerySet[Extension]:
    return task.extensions.select_related("requested_by", "decided_by")


def pending_extensions() -> QuerySet[Extension]:
    return (
        Extension.objects.filter(status=Extension.Status.PENDING, task__voided_at__isnull=True)
        .select_related("task__finding__inspection", "task__responsible_person", "requested_by")
        .order_by("created_at")
    )


def mechanism_list(*, include_voided: bool = False) -> QuerySet[Mechanism]:
    mechanisms = Mechanism.objects.all() if include_voided else Mechanism.objects.active()
    return mechanisms.prefetch_related(
        Prefetch("findings", queryset=Finding.objects.select_related("inspection"))
    )


def checklist_results(inspection: Inspection) -> QuerySet[ChecklistResult]:
    return inspection.results.select_related("item__category", "finding")


# Dashboard figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Completion:
    label: str
    pk: int | None
    total: int
    closed: int
    overdue: int

    @property
    def rate(self) -> float:
        """Share of tasks closed out, 0–100, one decimal."""
        return round(100 * self.closed / self.total, 1) if self.total else 0.0


def _completion_counts(today: datetime.date) -> dict:
    return {
        "total": Count("pk"),
        "closed": Count("pk", filter=Q(state=State.CLOSED)),
        "overdue": Count("pk", filter=~Q(state=State.CLOSED) & Q(deadline__lt=today)),
    }


def _annotated_rows(rows) -> Iterable[dict[str, Any]]:
    # django-stubs types values() rows as a TypedDict of the fields named there and forgets the
    # counts that annotate(**kwargs) adds after it.
    return cast(Iterable[dict[str, Any]], rows)


def completion_by_inspection(*, today: datetime.date | None = None) -> list[Completion]:
    """Completion of every inspection's rectification, newest inspection first: one query."""
    rows = _annotated_rows(
        active_tasks()
        .values("finding__inspection_id", "finding__inspection__title", "finding__inspection__date")
        .annotate(**_completion_counts(_today(today)))
        .order_by("-finding__inspection__date", "-finding__inspection_id")
    )
    return [
        Completion(
            label=row["finding__inspection__title"],
            pk=row["finding__inspection_id"],
            total=row["total"],
            closed=row["closed"],
            overdue=row["overdue"],
        )
        for row in rows
    ]


def completion_by_section(
    *, inspection: Inspection | None = None, today: datetime.date | None = None
) -> list[Completion]:
    """Completion per responsible unit (股室), for one inspection or all: one query."""
    tasks = active_tasks()
    if inspection is not None:
        tasks = tasks.filter(finding__inspection=inspection)
    rows = _annotated_rows(
        tasks.values("responsible_unit_id", "responsible_unit__name", "responsible_unit__sort_order")
        .annotate(**_completion_counts(_today(today)))
        .order_by("responsible_unit__sort_order", "responsible_unit__name")
    )
    return [
        Completion(
            label=row["responsible_unit__name"],
            pk=row["responsible_unit_id"],
            total=row["total"],
            closed=row["closed"],
            overdue=row["overdue"],
        )
        for row in rows
    ]


def overdue_tasks(
    *, user: User | None = None, today: datetime.date | None = None
) -> QuerySet[RectificationTask]:
    """Open tasks past their deadline, most overdue first."""
    tasks = task_list_for_user(user) if user is not None else active_tasks().select_related(*TASK_RELATED)
    return tasks.exclude(state=State.CLOSED).filter(deadline__lt=_today(today)).order_by("deadline", "pk")


def tasks_due_soon(
    *, user: User | None = None, today: datetime.date | None = None, days: int = DUE_SOON_DAYS
) -> QuerySet[RectificationTask]:
    """Open tasks whose deadline falls from today to ``days`` days ahead, soonest first."""
    start = _today(today)
    tasks = task_list_for_user(user) if user is not None else active_tasks().select_related(*TASK_RELATED)
    return (
        tasks.exclude(state=State.CLOSED)
        .filter(deadline__gte=start, deadline__lte=start + datetime.timedelta(days=days))
        .order_by("deadline", "pk")
    )


def tasks_awaiting_acceptance(*, user: User) -> QuerySet[RectificationTask]:
    """What this verifier may accept: tasks submitted by someone else."""
    return (
        active_tasks()
        .select_related(*TASK_RELATED)
        .filter(state=State.AWAITING_ACCEPTANCE)
        .exclude(responsible_person=user)
        .order_by("deadline", "pk")
    )


# The ledger (整改台账) ----------------------------------------------------------------------------


def ledger_tasks(*, inspection: Inspection | None = None) -> QuerySet[RectificationTask]:
    """Every active task in ledger order, with what each row shows joined in: one query."""
    tasks = active_tasks().select_related(*TASK_RELATED)
    if inspection is not None:
        tasks = tasks.filter(finding__inspection=inspection)
    return tasks.order_by("-finding__inspection__date", "finding__inspection_id", "finding__number", "pk")


def finding_choices():
    """The findings a mechanism may answer, latest inspection first (the mechanism form's choices)."""
    return Finding.objects.active().select_related("inspection").order_by("-inspection__date", "number")
