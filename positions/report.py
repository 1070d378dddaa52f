"""The positions figures of the annual work report, each counted from the queryset its drill-down
list shows (``report.count``) or computed from it (``report.add``). Declared in contract.py."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ideology_office.common import rollups
from ideology_office.common.counting import countable_queryset
from ideology_office.common.dates import moment_filter
from ideology_office.reports.figures import (
    SECTION_POSITIONS,
    UNIT_ITEMS,
    UNIT_TIMES,
    ReportFigures,
)


def report_figures(report: ReportFigures) -> None:
    from .models import PublicityTask, SignOff

    start, end, section = report.start, report.end, SECTION_POSITIONS
    years = {"since": report.since, "until": report.until}
    # Counted from the summaries (common.rollups) of the same records the links list.
    report.add(
        section,
        "content_items_reviewed",
        _("Content items through the three reviews and three proofreads"),
        rollups.count("positions.items_reviewed", **years),
        UNIT_ITEMS,
        countable_queryset("positions.content_item_reviewed", start=start, end=end),
        counts=True,
        date_field="final_approved_at",
    )
    report.add(
        section,
        "content_items_published",
        _("Content items published"),
        rollups.count("positions.publications", **years),
        UNIT_ITEMS,
        countable_queryset("positions.content_item_published", start=start, end=end),
        counts=True,
        date_field="published_at",
        via="item",
    )
    report.add(
        section,
        "signoffs",
        _("Review and proofread signatures recorded"),
        rollups.count("positions.signoffs_approved", **years),
        UNIT_ITEMS,
        SignOff.objects.filter(
            **moment_filter("signed_at", start, end),
            decision=SignOff.Decision.APPROVE,
        ),
        counts=True,
        date_field="signed_at",
        via="item",
    )
    report.count(
        section,
        "physical_updates",
        _("Content changes of boards and screens"),
        countable_queryset("positions.physical_update", start=start, end=end),
        UNIT_TIMES,
        date_field="start_date",
    )
    report.count(
        section,
        "publicity_tasks_done",
        _("Publicity tasks done at key dates"),
        PublicityTask.objects.active().filter(deadline__range=(start, end), status=PublicityTask.Status.DONE),
        UNIT_ITEMS,
        date_field="deadline",
    )
