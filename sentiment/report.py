"""The public-opinion figures of the annual work report, each counted from the queryset its drill-down
list shows (``report.count``) or computed from it (``report.add``). Declared in contract.py."""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from ideology_office.common.counting import countable_queryset
from ideology_office.common.dates import moment_filter
from ideology_office.reports.figures import (
    SECTION_POSITIONS,
    UNIT_ITEMS,
    UNIT_QUARTERS,
    UNIT_SHIFTS,
    UNIT_TIMES,
    ReportFigures,
)


def report_figures(report: ReportFigures) -> None:
    from .models import OpinionIncident, RiskItem
    from .selectors import within_limit

    start, end, section = report.start, report.end, SECTION_POSITIONS
    incidents = OpinionIncident.objects.active().filter(**moment_filter("found_at", start, end))
    reported = incidents.filter(within_limit("reported_at", "report_limit_minutes"))
    handled = incidents.filter(within_limit("handled_at", "handle_limit_minutes"))
    # The three counts in one query; each links to the very queryset it counts.
    counts = incidents.aggregate(
        found=Count("pk"),
        reported=Count("pk", filter=within_limit("reported_at", "report_limit_minutes")),
        handled=Count("pk", filter=within_limit("handled_at", "handle_limit_minutes")),
    )
    for key, label, number, records in (
        ("incidents", _("Opinion incidents found"), counts["found"], incidents),
        (
            "incidents_reported_in_time",
            _("Incidents reported within the time limit"),
            counts["reported"],
            reported,
        ),
        (
            "incidents_handled_in_time",
            _("Incidents handled within the time limit"),
            counts["handled"],
            handled,
        ),
    ):
        report.add(section, key, label, number, UNIT_ITEMS, records, counts=True, date_field="found_at")
    report.count(
        section,
        "duty_shifts",
        _("Duty shifts kept"),
        countable_queryset("sentiment.duty_shift", start=start, end=end),
        UNIT_SHIFTS,
        date_field="start",
    )
    report.count(
        section,
        "information_reports",
        _("Information reports sent"),
        countable_queryset("sentiment.information_report", start=start, end=end),
        UNIT_ITEMS,
        date_field="sent_at",
    )
    reviews = countable_queryset("sentiment.opinion_review", start=start, end=end)
    report.count(
        section,
        "opinion_reviews",
        _("Quarterly opinion reviews held"),
        reviews,
        UNIT_TIMES,
        date_field="held_on",
    )
    report.add(
        section,
        "quarters",
        _("Quarters in the period"),
        (report.until - report.since + 1) * 4,
        UNIT_QUARTERS,
        reviews,
        date_field="held_on",
    )
    risks = RiskItem.objects.active().filter(
        review__voided_at__isnull=True, review__held_on__range=(start, end)
    )
    report.count(
        section,
        "risks_assessed",
        _("Sensitive issues assessed, each with a response plan"),
        risks.exclude(response_plan=""),
        UNIT_ITEMS,
        date_field="review__held_on",
    )
