"""Reads of the public-opinion work area, each in a fixed number of queries."""

from __future__ import annotations

import calendar
import datetime
import statistics
from dataclasses import dataclass

from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
)
from django.utils import timezone

from ideology_office.accounts.roles import Role
from ideology_office.common.dates import moment_range, next_month, quarter_bounds, quarter_of

from .models import (
    CalendarDay,
    DutyLogEntry,
    DutyRoster,
    DutyShift,
    InformationReport,
    OpinionIncident,
    OpinionReview,
    RiskItem,
    RiskMatrixCell,
    ShiftSwap,
)

FIRST_YEAR = 2021


# ---------------------------------------------------------------------------------------------
# Incidents


def incident_list() -> QuerySet[OpinionIncident]:
    return OpinionIncident.objects.select_related("handled_by", "created_by").order_by("-found_at", "-pk")


@dataclass(frozen=True)
class QuarterFigures:
    year: int
    quarter: int
    incidents: int
    reported: int
    handled: int
    median_minutes_to_report: float | None
    worst_minutes_to_report: int | None
    median_minutes_to_handle: float | None
    worst_minutes_to_handle: int | None
    reported_in_time: int
    handled_in_time: int
    # Not reported (handled) yet although the limit has passed: already late.
    unreported_overdue: int = 0
    unhandled_overdue: int = 0

    @property
    def share_reported_in_time(self) -> float | None:
        due = self.reported + self.unreported_overdue
        return round(100 * self.reported_in_time / due, 1) if due else None

    @property
    def share_handled_in_time(self) -> float | None:
        due = self.handled + self.unhandled_overdue
        return round(100 * self.handled_in_time / due, 1) if due else None


def incident_quarter_figures(
    *, year: int, quarter: int, now: datetime.datetime | None = None
) -> QuarterFigures:
    """Minutes to report and to handle over a quarter's incidents (by the time found): median,
    worst, and how many met their limits. An incident still unreported (unhandled) past its
    limit counts as late in the share within limits. One query; the medians are taken in Python."""
    now = now or timezone.now()
    first, last = quarter_bounds(year, quarter)
    rows = list(
        OpinionIncident.objects.active()
        .filter(found_at__date__gte=first, found_at__date__lte=last)
        .values_list("found_at", "reported_at", "handled_at", "report_limit_minutes", "handle_limit_minutes")
    )

    def minutes(start, end):
        return int((end - start).total_seconds() // 60)

    to_report = [(minutes(found, reported), limit) for found, reported, _h, limit, _l in rows if reported]
    to_handle = [(minutes(found, handled), limit) for found, _r, handled, _l, limit in rows if handled]
    return QuarterFigures(
        year=year,
        quarter=quarter,
        incidents=len(rows),
        reported=len(to_report),
        handled=len(to_handle),
        median_minutes_to_report=statistics.median(m for m, _ in to_report) if to_report else None,
        worst_minutes_to_report=max(m for m, _ in to_report) if to_report else None,
        median_minutes_to_handle=statistics.median(m for m, _ in to_handle) if to_handle else None,
        worst_minutes_to_handle=max(m for m, _ in to_handle) if to_handle else None,
        reported_in_time=sum(1 for m, limit in to_report if m <= limit),
        handled_in_time=sum(1 for m, limit in to_handle if m <= limit),
        unreported_overdue=sum(
            1 for found, reported, _h, limit, _l in rows if reported is None and minutes(found, now) > limit
        ),
        unhandled_overdue=sum(
            1 for found, _r, handled, _l, limit in rows if handled is None and minutes(found, now) > limit
        ),
    )


def incidents_needing_attention() -> QuerySet[OpinionIncident]:
    """Incidents not yet handled, oldest first."""
    return (
        OpinionIncident.objects.active()
        .exclude(status=OpinionIncident.Status.HANDLED)
        .select_related("handled_by")
        .order_by("found_at")
    )


# ---------------------------------------------------------------------------------------------
# Duty


def _published_shifts() -> QuerySet[DutyShift]:
    return DutyShift.objects.filter(roster__status=DutyRoster.Status.PUBLISHED).select_related(
        "officer", "leader"
    )


def on_duty_now(now: datetime.datetime) -> DutyShift | None:
    """The published shift under way at ``now`` (one query)."""
    return _published_shifts().filter(start__lte=now, end__gt=now).order_by("start").first()


def shifts_for_day(day: datetime.date) -> list[DutyShift]:
    """The published shifts that touch ``day`` (local time), in order (one query)."""
    start, end = moment_range(day, day)
    return list(_published_shifts().filter(start__lt=end, end__gt=start).order_by("start"))


@dataclass
class CalendarCell:
    day: datetime.date
    in_month: bool
    special: CalendarDay | None
    shifts: list[DutyShift]

    @property
    def is_rest_day(self) -> bool:
        if self.special is not None:
            return self.special.kind == CalendarDay.Kind.HOLIDAY
        return self.day.weekday() >= 5


@dataclass
class MonthView:
    month: datetime.date
    roster: DutyRoster | None
    weeks: list[list[CalendarCell]]
    shifts: list[DutyShift]

    @property
    def previous_month(self) -> datetime.date:
        return (self.month - datetime.timedelta(days=1)).replace(day=1)

    @property
    def next_month(self) -> datetime.date:
        return next_month(self.month)


def roster_month(*, month: datetime.date, include_drafts: bool) -> MonthView:
    """A calendar grid (Monday first) of one month's shifts and special days: three queries."""
    month = month.replace(day=1)
    roster = DutyRoster.objects.select_related("published_by", "pattern").filter(month=month).first()
    shifts: list[DutyShift] = []
    if roster is not None and (include_drafts or roster.status == DutyRoster.Status.PUBLISHED):
        shifts = list(roster.shifts.select_related("officer", "leader").order_by("start"))
    weeks_raw = calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    specials = {
        item.date: item
        for item in CalendarDay.objects.filter(date__gte=weeks_raw[0][0], date__lte=weeks_raw[-1][-1])
    }
    by_day: dict[datetime.date, list[DutyShift]] = {}
    for shift in shifts:
        by_day.setdefault(timezone.localdate(shift.start), []).append(shift)
    weeks = [
        [CalendarCell(day, day.month == month.month, specials.get(day), by_day.get(day, [])) for day in week]
        for week in weeks_raw
    ]
    return MonthView(month=month, roster=roster, weeks=weeks, shifts=shifts)


def shifts_for_person(*, person, since: datetime.datetime) -> QuerySet[DutyShift]:
    """Published shifts the person stands (as officer or leader) ending after ``since``."""
    return _published_shifts().filter(Q(officer=person) | Q(leader=person), end__gt=since).order_by("start")


def shift_detail(pk) -> DutyShift:
    return DutyShift.objects.select_related("roster", "officer", "leader").get(pk=pk)


def shift_log_entries(shift: DutyShift) -> QuerySet[DutyLogEntry]:
    return shift.log_entries.select_related("created_by").order_by("at", "pk")


def shift_information_reports(shift: DutyShift) -> QuerySet[InformationReport]:
    return shift.information_reports.select_related("created_by", "incident").order_by("sent_at", "pk")


def swap_list() -> QuerySet[ShiftSwap]:
    return ShiftSwap.objects.select_related(
        "shift__officer", "shift__leader", "requested_by", "counterpart", "counterpart_shift", "decided_by"
    ).order_by("-created_at", "-pk")


def pending_swaps() -> QuerySet[ShiftSwap]:
    return swap_list().filter(status=ShiftSwap.Status.PENDING)


def information_report_list() -> QuerySet[InformationReport]:
    return InformationReport.objects.select_related("shift__officer", "created_by", "incident").order_by(
        "-sent_at", "-pk"
    )


def people_for_duty():
    """People who can be rostered: active users with any role, by section."""
    from ideology_office.accounts.models import User

    return User.objects.with_role(*Role).select_related("section")


# ---------------------------------------------------------------------------------------------
# Quarterly reviews


def review_list() -> QuerySet[OpinionReview]:
    return (
        OpinionReview.objects.select_related("matrix")
        .annotate(risk_count=Count("risks", filter=Q(risks__voided_at__isnull=True)))
        .order_by("-year", "-quarter")
    )


def quarters_missing_review(year: int, *, today: datetime.date | None = None) -> list[int]:
    """The quarters of ``year`` that have ended with no review held (one query). The quarter under
    way is not missing yet; see :func:`current_quarter_review_status`."""
    today = today or timezone.localdate()
    ended = [quarter for quarter in (1, 2, 3, 4) if quarter_bounds(year, quarter)[1] < today]
    if not ended or year < FIRST_YEAR:
        return []
    held = set(OpinionReview.objects.active().filter(year=year).values_list("quarter", flat=True))
    return [quarter for quarter in ended if quarter not in held]


def all_quarters_missing_review(*, today: datetime.date) -> list[tuple[int, int]]:
    """Every ended quarter since 2021 with no review, as (year, quarter), oldest first (one query)."""
    held = set(OpinionReview.objects.active().filter(year__gte=FIRST_YEAR).values_list("year", "quarter"))
    return [
        (year, quarter)
        for year in range(FIRST_YEAR, today.year + 1)
        for quarter in (1, 2, 3, 4)
        if quarter_bounds(year, quarter)[1] < today and (year, quarter) not in held
    ]


@dataclass(frozen=True)
class ReviewStatus:
    year: int
    quarter: int
    review: OpinionReview | None
    days_left: int

    @property
    def is_held(self) -> bool:
        return self.review is not None


def current_quarter_review_status(today: datetime.date) -> ReviewStatus:
    """Whether this quarter's review was held, and how many days the quarter has left (one query)."""
    year, quarter = quarter_of(today)
    review = OpinionReview.objects.active().filter(year=year, quarter=quarter).first()
    return ReviewStatus(year, quarter, review, (quarter_bounds(year, quarter)[1] - today).days)


def review_risks(review: OpinionReview) -> QuerySet[RiskItem]:
    return review.risks.select_related("owner", "previous__review").order_by("-likelihood", "-impact", "pk")


def risk_heatmap(review: OpinionReview) -> dict:
    """ECharts heatmap data for a review's active risks on the review's own matrix (two queries):
    impact along x, likelihood along y, the number of risks and each cell's level."""
    matrix = review.matrix
    counts = {
        (row["likelihood"], row["impact"]): row["total"]
        for row in review.risks.filter(voided_at__isnull=True)
        .values("likelihood", "impact")
        .annotate(total=Count("pk"))
    }
    levels = {
        (cell.likelihood, cell.impact): cell.level
        for cell in RiskMatrixCell.objects.filter(matrix=matrix).only("likelihood", "impact", "level")
    }
    order = ["low", "medium", "high", "critical"]
    cells = []
    for likelihood in range(1, matrix.likelihood_levels + 1):
        for impact in range(1, matrix.impact_levels + 1):
            level = levels.get((likelihood, impact), "low")
            cells.append(
                [impact - 1, likelihood - 1, order.index(level), counts.get((likelihood, impact), 0)]
            )
    return {
        "impacts": [str(value) for value in range(1, matrix.impact_levels + 1)],
        "likelihoods": [str(value) for value in range(1, matrix.likelihood_levels + 1)],
        "cells": cells,
    }


def risk_history(risk: RiskItem) -> list[RiskItem]:
    """Every assessment of the same risk, from the first review it was raised at (one query)."""
    root = risk.origin_id or risk.pk
    return list(
        RiskItem.objects.filter(Q(pk=root) | Q(origin_id=root))
        .select_related("review", "owner")
        .order_by("review__year", "review__quarter")
    )


def open_risks() -> QuerySet[RiskItem]:
    """Open risks of the latest assessments (not yet carried over)."""
    return (
        RiskItem.objects.active()
        .filter(next_assessment__isnull=True, review__voided_at__isnull=True)
        .exclude(status=RiskItem.Status.CLOSED)
        .select_related("review", "owner")
        .order_by("-review__year", "-review__quarter", "-likelihood")
    )


def within_limit(done: str, limit: str) -> Q:
    """Incidents whose ``done`` moment came at most ``limit`` minutes after they were found (the
    rule of ``incidents_of``, in SQL)."""
    minutes = ExpressionWrapper(F(limit), output_field=IntegerField())  # SQLite multiplies only these
    allowed = ExpressionWrapper(minutes * datetime.timedelta(minutes=1), output_field=DurationField())
    return Q(**{f"{done}__isnull": False}) & Q(
        **{f"{done}__lte": ExpressionWrapper(F("found_at") + allowed, output_field=DateTimeField())}
    )
