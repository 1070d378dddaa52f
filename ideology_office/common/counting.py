"""Countable records: what the assessment's automatic rules, the dashboard and the annual report
count ("central group sessions per month", "office meetings on ideology work per year").

Each work area registers its kinds of record in its AppConfig.ready(), under a stable key that
scoring schemes store as data. Counting is one aggregate query per call, however many records.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models.functions import TruncMonth, TruncQuarter, TruncYear
from django.utils.functional import Promise

from .dates import moment_filter


@dataclass(frozen=True)
class CountableRecord:
    key: str
    """Stable identifier stored in schemes, e.g. ``"study.central_group_session"``."""
    label: str | Promise
    queryset: Callable[[], models.QuerySet]
    """The records that count (voided ones already excluded)."""
    date_field: str
    """A DateField or DateTimeField path giving the record's date."""
    unit_field: str | None = None
    """A path to the OrgUnit the record belongs to, for assessing one unit; None if office-wide."""
    person_field: str | None = None
    """A path to the User the record belongs to, for assessing one person; None if not personal."""


_registry: dict[str, CountableRecord] = {}


def register_countable(countable: CountableRecord) -> None:
    _registry[countable.key] = countable


def countable(key: str) -> CountableRecord | None:
    return _registry.get(key)


def countables() -> list[CountableRecord]:
    return sorted(_registry.values(), key=lambda item: item.key)


PERIOD_TRUNC = {"month": TruncMonth, "quarter": TruncQuarter, "year": TruncYear}


def countable_queryset(
    key: str,
    *,
    start: datetime.date,
    end: datetime.date,
    unit=None,
    person=None,
    filters: dict | None = None,
) -> models.QuerySet:
    """The records of ``key`` dated from ``start`` to ``end`` (both included), optionally for one
    unit or person and narrowed by ``filters`` (field lookups stored as data in a rule)."""
    item = _registry[key]
    if _is_moment(item):
        # A moment is compared with local midnights rather than through its local date
        # (``__date``): no time zone conversion per row, and an index on the column can serve.
        query = item.queryset().filter(**moment_filter(item.date_field, start, end))
    else:
        query = item.queryset().filter(**{f"{item.date_field}__gte": start, f"{item.date_field}__lte": end})
    if unit is not None and item.unit_field:
        query = query.filter(**{item.unit_field: unit})
    if person is not None and item.person_field:
        query = query.filter(**{item.person_field: person})
    if filters:
        query = query.filter(**filters)
    return query


def count_by_period(key: str, *, start, end, period: str, **scope) -> dict[datetime.date, int]:
    """Counts per month, quarter or year (keyed by the period's first day): one query."""
    item = _registry[key]
    rows = (
        countable_queryset(key, start=start, end=end, **scope)
        .annotate(period_start=PERIOD_TRUNC[period](item.date_field))
        .values("period_start")
        .annotate(total=models.Count("pk"))
        .order_by("period_start")
    )
    return {_as_date(row["period_start"]): row["total"] for row in rows}


def _is_moment(item: CountableRecord) -> bool:
    """Whether the record's date is a moment (DateTimeField) rather than a day."""
    model = item.queryset().model
    field = None
    for part in item.date_field.split("__"):
        field = model._meta.get_field(part)
        if field.is_relation:
            model = field.related_model
    return isinstance(field, models.DateTimeField)


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def unregister_countable(key: str) -> None:
    _registry.pop(key, None)
