"""The inspections area's dashboard panels (declared in contract.py): rectification completion,
the overdue and due-soon tasks (each number linking to the tasks it counts), and each person's
open tasks."""

from __future__ import annotations

import datetime

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from ideology_office.common import rollups
from ideology_office.dashboard.selectors import ATTENTION_LIMIT, DUE_SOON_DAYS, Scope, link, records_link

from .models import RectificationTask
from .selectors import TASK_RELATED, active_tasks


def rectification(scope: Scope) -> dict:
    """Completion of the tasks due in the year, and the overdue and due-soon tasks now: four
    queries (the task summary, the open tasks due earlier this month, two short lists)."""
    State = RectificationTask.State
    tasks = active_tasks()
    if scope.sections is not None:
        tasks = tasks.filter(responsible_unit_id__in=scope.sections)
    counts = task_counts(scope, tasks)
    # The lists show each task's measure, unit and deadline: only the unit is joined (the seven
    # tables of TASK_RELATED cost more to plan than the eight rows take to read).
    open_tasks = tasks.exclude(state=State.CLOSED).select_related("responsible_unit")
    overdue = list(open_tasks.filter(deadline__lt=scope.today).order_by("deadline", "pk")[:ATTENTION_LIMIT])
    due_soon = list(
        open_tasks.filter(
            deadline__gte=scope.today, deadline__lte=scope.today + datetime.timedelta(days=DUE_SOON_DAYS)
        ).order_by("deadline", "pk")[:ATTENTION_LIMIT]
    )
    section = scope.single_section or ""
    return {
        **counts,
        "rate": round(100 * counts["closed"] / counts["total"], 1) if counts["total"] else None,
        "overdue_tasks": overdue,
        "due_soon_tasks": due_soon,
        "url": records_link("tasks", scope),
        "closed_url": records_link("tasks", scope, which="closed"),
        "overdue_url": records_link("tasks", scope, which="overdue_now"),
        "list_url": link("inspections:task_list", responsible_unit=section),
    }


def task_counts(scope: Scope, tasks) -> dict:
    """The tasks due in the year (all, closed, open past their deadline) and those open past their
    deadline now, from the task summary (``inspections.tasks``: per deadline month, unit and
    state, the same tasks as ``rectification_tasks`` lists). A month before this one has passed
    entirely; of this month, the open tasks due before today are counted from the tasks."""
    State = RectificationTask.State
    buckets = rollups.rows("inspections.tasks", scope.sections)
    today = scope.today
    this_month = (today.year, today.month)
    counts = {"total": 0, "closed": 0, "overdue": 0, "overdue_now": 0}
    rows = buckets.values("year", "month", "kind").annotate(tasks=Sum("count")).order_by()
    for year, month, state, number in rows.values_list("year", "month", "kind", "tasks"):
        past = (year, month) < this_month
        if year == scope.year:
            counts["total"] += number
            if state == State.CLOSED:
                counts["closed"] += number
            elif past:
                counts["overdue"] += number
        if past and state != State.CLOSED:
            counts["overdue_now"] += number
    earlier_this_month = (
        tasks.exclude(state=State.CLOSED)
        .filter(deadline__gte=today.replace(day=1), deadline__lt=today)
        .count()
    )
    counts["overdue_now"] += earlier_this_month
    if scope.year == today.year:
        counts["overdue"] += earlier_this_month
    return counts


def rectification_tasks(scope: Scope, which: str = ""):
    """The tasks the rectification figures count: due in the year (all, or closed), or open and
    past their deadline now whatever the year ("overdue_now")."""
    State = RectificationTask.State
    tasks = active_tasks()
    if scope.sections is not None:
        tasks = tasks.filter(responsible_unit_id__in=scope.sections)
    if which == "overdue_now":
        return tasks.exclude(state=State.CLOSED).filter(deadline__lt=scope.today)
    tasks = tasks.filter(deadline__gte=scope.start, deadline__lte=scope.end)
    return tasks.filter(state=State.CLOSED) if which == "closed" else tasks


def drill_tasks(scope: Scope, params):
    which = params.get("which", "")
    labels = {
        "": _("Rectification tasks due in the year"),
        "closed": _("Rectification tasks due in the year and closed out"),
        "overdue_now": _("Overdue tasks"),
    }
    return (labels[which], rectification_tasks(scope, which), "deadline", True) if which in labels else None


def my_tasks(user, today) -> list:
    return list(
        active_tasks()
        .filter(responsible_person=user)
        .exclude(state=RectificationTask.State.CLOSED)
        .select_related(*TASK_RELATED)
        .order_by("deadline", "pk")[:ATTENTION_LIMIT]
    )
