"""The public-opinion area's dashboard panels (declared in contract.py): this quarter's review and
risk heat map, incidents per quarter against their time limits (each number linking to the
incidents it counts), the duty today, and each person's next shifts."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import ExtractQuarter
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ideology_office.common.dates import moment_filter, quarter_bounds
from ideology_office.dashboard.selectors import Scope, records_link

from .models import OpinionIncident
from .selectors import (
    current_quarter_review_status,
    on_duty_now,
    risk_heatmap,
    shifts_for_day,
    shifts_for_person,
    within_limit,
)


def opinion_quarter(scope: Scope) -> dict:
    """This quarter's review (held or not, days left) and its risk heat map: one to three queries."""
    status = current_quarter_review_status(scope.today)
    return {"status": status, "heatmap": risk_heatmap(status.review) if status.review else None}


def incidents_by_quarter(scope: Scope) -> list[dict]:
    """Per quarter of the year: incidents found, and how many were reported and handled within
    their limits. One grouped query (the quarter in local time, as ``incidents_of`` counts)."""
    quarters: list[dict[str, Any]] = [
        {"quarter": number, "found": 0, "reported_in_time": 0, "handled_in_time": 0, "open": 0}
        for number in range(1, 5)
    ]
    rows = (
        incidents_of(scope)
        .annotate(quarter=ExtractQuarter("found_at"))
        .values("quarter")
        .annotate(
            found=Count("pk"),
            reported_in_time=Count("pk", filter=within_limit("reported_at", "report_limit_minutes")),
            handled_in_time=Count("pk", filter=within_limit("handled_at", "handle_limit_minutes")),
            open=Count("pk", filter=Q(handled_at__isnull=True)),
        )
        .order_by()
    )
    for row in rows:
        quarter = quarters[row.pop("quarter") - 1]
        quarter.update(row)
    for quarter in quarters:
        for which in ("found", "reported_in_time", "handled_in_time"):
            quarter[f"{which}_url"] = records_link(
                "incidents", scope, quarter=quarter["quarter"], which=which
            )
        quarter["url"] = quarter["found_url"]
    return quarters


def incidents_of(scope: Scope, quarter: int | None = None, which: str = "found"):
    """The incidents the quarter table counts (found in the year or quarter, local time), and of
    them those reported or handled within their limits."""
    first, last = (quarter, quarter) if quarter else (1, 4)
    rows = OpinionIncident.objects.active().filter(
        **moment_filter("found_at", quarter_bounds(scope.year, first)[0], quarter_bounds(scope.year, last)[1])
    )
    if which == "found":
        return rows
    done, limit = (
        ("reported_at", "report_limit_minutes")
        if which == "reported_in_time"
        else ("handled_at", "handle_limit_minutes")
    )
    within = [
        pk
        for pk, found, done_at, minutes in rows.values_list("pk", "found_at", done, limit)
        if done_at is not None and (done_at - found).total_seconds() <= minutes * 60
    ]
    return rows.filter(pk__in=within)


def duty_today(scope: Scope, now: datetime.datetime | None = None) -> dict:
    """Who is on duty now and the day's shifts: two queries."""
    now = now or timezone.now()
    return {"now": on_duty_now(now), "today": shifts_for_day(timezone.localdate(now))}


def drill_incidents(scope: Scope, params):
    which = params.get("which", "found")
    try:
        quarter = int(params.get("quarter") or 0)
    except ValueError:
        return None
    labels = {
        "found": _("Opinion incidents found"),
        "reported_in_time": _("Incidents reported within the time limit"),
        "handled_in_time": _("Incidents handled within the time limit"),
    }
    if which not in labels or not 1 <= quarter <= 4:
        return None
    return labels[which], incidents_of(scope, quarter, which), "found_at", True


def my_shifts(user, today) -> list:
    return list(shifts_for_person(person=user, since=timezone.now())[:3])
