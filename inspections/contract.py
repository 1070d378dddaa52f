"""What the inspections area lends to the shared floor (see ideology_office.common.contracts)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ideology_office.common.contracts import DefaultRule, DrillDown, Panel, WorkArea, WorkAreaContract, lazy
from ideology_office.common.counting import CountableRecord
from ideology_office.common.rollups import Dependency, RollupSpec
from ideology_office.common.scale import ScaleGenerator

from . import access, permissions, reminders, selectors
from .models import Finding, RectificationTask

contract = WorkAreaContract(
    label="inspections",
    urls="inspections.urls",
    url_access=access.URL_ACCESS,
    work_area=WorkArea(
        "inspections",
        _("Inspections"),
        "inspections:index",
        "bi-clipboard-check",
        _("Inspection findings, rectification to close-out, long-term mechanisms and self-inspection."),
        (_("Findings"), _("Rectification tasks"), _("Long-term mechanisms"), _("Self-inspection")),
    ),
    policies=permissions.register_policies,
    countables=(
        CountableRecord(
            key="inspections.finding",
            label=_("Inspection findings"),
            queryset=lambda: Finding.objects.active().filter(inspection__voided_at__isnull=True),
            date_field="inspection__date",
        ),
        CountableRecord(
            key="inspections.task",
            label=_("Rectification tasks (by deadline)"),
            queryset=selectors.active_tasks,
            date_field="deadline",
            unit_field="responsible_unit",
            person_field="responsible_person",
        ),
        CountableRecord(
            key="inspections.task_closed",
            label=_("Rectification tasks closed out (by close-out date)"),
            queryset=lambda: selectors.active_tasks().filter(state=RectificationTask.State.CLOSED),
            date_field="closed_at",
            unit_field="responsible_unit",
            person_field="responsible_person",
        ),
        CountableRecord(
            key="inspections.overdue_task",
            label=_("Overdue rectification tasks (by deadline)"),
            queryset=selectors.overdue_task_queryset,
            date_field="deadline",
            unit_field="responsible_unit",
            person_field="responsible_person",
        ),
    ),
    reminder_sources=reminders.sources,
    default_rules=(
        DefaultRule(
            reminders.TASK_DEADLINE,
            "整改任务到期提醒",
            "-7d,-3d,-1d,0d",
            overdue_every_days=2,
            escalate_after_days=3,
            channels="inbox,email,webhook",
        ),
    ),
    report_figures=lazy("inspections.report.report_figures"),
    ledgers=lazy("inspections.ledgers.ledgers"),
    panels=(Panel("rectification", lazy("inspections.panels.rectification")),),
    drilldowns=(DrillDown("tasks", lazy("inspections.panels.drill_tasks")),),
    my_work=(Panel("tasks", lazy("inspections.panels.my_tasks")),),
    # The rectification panel's counts: tasks by deadline month, responsible unit and state (a
    # voided finding or inspection takes its tasks out).
    rollups=(
        RollupSpec(
            "inspections.tasks",
            selectors.active_tasks,
            date_field="deadline",
            section_field="responsible_unit",
            kind_field="state",
            depends=(
                Dependency("inspections.Finding", "finding", ("voided_at",)),
                Dependency("inspections.Inspection", "finding__inspection", ("voided_at",)),
            ),
        ),
        # The report's tasks of the inspections held in the period, by state.
        RollupSpec(
            "inspections.tasks_by_inspection",
            selectors.active_tasks,
            date_field="finding__inspection__date",
            kind_field="state",
            depends=(
                Dependency("inspections.Finding", "finding", ("voided_at", "inspection")),
                Dependency("inspections.Inspection", "finding__inspection", ("voided_at", "date")),
            ),
        ),
    ),
    scale=ScaleGenerator(lazy("inspections.scale.generate"), lazy("inspections.scale.summary")),
    demo=lazy("inspections.demo.seed"),
)
