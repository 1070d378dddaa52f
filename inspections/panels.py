"""The inspections area's dashboard panels (declared in contract.py): rectification completion,
the overdue and due-soon tasks (each number linking to the tasks it counts), and each person's
open tasks."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from ideology_office.dashboard.selectors import ATTENTION_LIMIT, DUE_SOON_DAYS, Scope, link, records_link

from .models import RectificationTask
from .selectors import TASK_RELATED, active_tasks


def rectification(scope: Scope) -> dict:
    """Completion of the tasks due in the year, and the overdue and due-soon tasks now: three
    queries (one aggregate, two short lists)."""
    State = RectificationTask.State
    tasks = active_tasks()
    if scope.sections is not None:
        tasks = tasks.filter(responsible_unit_id__in=scope.sections)
    counts = tasks.filter(deadline__gte=scope.start, deadline__lte=scope.end).aggregate(
        total=Count("pk"),
        closed=Count("pk", filter=Q(state=State.CLOSED)),
        overdue=Count("pk", filter=~Q(state=State.CLOSED) & Q(deadline__lt=scope.today)),
    )
    counts["overdue_now"] = rectification_tasks(scope, "overdue_now").count()
    open_tasks = tasks.exclude(state=State.CLOSED).select_related(*TASK_RELATED)
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
