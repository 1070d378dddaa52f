"""The inspection and rectification figures of the annual work report, each counted from the queryset its drill-down
list shows (``report.count``) or computed from it (``report.add``). Declared in contract.py."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ideology_office.common import rollups
from ideology_office.common.counting import countable_queryset
from ideology_office.reports.figures import SECTION_POSITIONS, UNIT_ITEMS, ReportFigures


def report_figures(report: ReportFigures) -> None:
    from .models import Mechanism, RectificationTask
    from .selectors import active_tasks

    start, end, section = report.start, report.end, SECTION_POSITIONS
    report.count(
        section,
        "findings",
        _("Inspection findings"),
        countable_queryset("inspections.finding", start=start, end=end),
        UNIT_ITEMS,
        date_field="inspection__date",
    )
    tasks = active_tasks().filter(finding__inspection__date__range=(start, end))
    closed = tasks.filter(state=RectificationTask.State.CLOSED)
    # Counted from the summary of the same tasks by their inspection's date and state: one query.
    states = rollups.counts_by_kind("inspections.tasks_by_inspection", since=report.since, until=report.until)
    report.add(
        section,
        "rectification_tasks",
        _("Rectification tasks"),
        sum(states.values()),
        UNIT_ITEMS,
        tasks,
        counts=True,
        date_field="deadline",
    )
    report.add(
        section,
        "rectification_tasks_closed",
        _("Rectification tasks closed out"),
        states.get(RectificationTask.State.CLOSED, 0),
        UNIT_ITEMS,
        closed,
        counts=True,
        date_field="deadline",
    )
    total, done = report.value("rectification_tasks"), report.value("rectification_tasks_closed")
    report.add(
        section,
        "rectification_rate",
        _("Rectification completion rate"),
        round(100 * done / total, 1) if total else None,
        "%",
        tasks,
        date_field="deadline",
    )
    report.count(
        section,
        "mechanisms",
        _("Long-term mechanisms adopted"),
        Mechanism.objects.active().filter(adopted_on__range=(start, end)),
        UNIT_ITEMS,
        date_field="adopted_on",
    )
