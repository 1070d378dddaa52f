"""Days, months, quarters and years in the office's time zone, written once.

A moment column (a sign-off's time, an incident's discovery) is compared with local midnights
rather than through its local date (``__date``): no time zone conversion per row, and an index on
the column can serve. A period of days is ``[first, last]`` with both days included; as moments it
is ``[local_midnight(first), local_midnight(last, days=1))``.
"""

from __future__ import annotations

import calendar
import datetime

from django.utils import timezone


def local_moment(day: datetime.date, time: datetime.time = datetime.time.min) -> datetime.datetime:
    """The aware moment of ``time`` o'clock on ``day`` in the current time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, time))


def local_midnight(day: datetime.date, *, days: int = 0) -> datetime.datetime:
    """The start of ``day`` (moved by ``days``) in the current time zone."""
    return local_moment(day + datetime.timedelta(days=days))


def moment_range(first: datetime.date, last: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The moments of the days ``first`` to ``last`` (both included): ``[start, end)``."""
    return local_midnight(first), local_midnight(last, days=1)


def moment_filter(field: str, first: datetime.date, last: datetime.date) -> dict[str, datetime.datetime]:
    """Lookups keeping the rows whose moment ``field`` falls on the days ``first`` to ``last``."""
    start, end = moment_range(first, last)
    return {f"{field}__gte": start, f"{field}__lt": end}


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the month ``month`` falls in."""
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def next_month(day: datetime.date) -> datetime.date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def quarter_of(day: datetime.date) -> tuple[int, int]:
    """(year, quarter 1-4) of ``day``."""
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    """The first and last day of ``quarter`` (1-4) of ``year``."""
    first = datetime.date(year, 3 * quarter - 2, 1)
    return first, month_bounds(datetime.date(year, 3 * quarter, 1))[1]


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def counted_days(first: datetime.date, last: datetime.date) -> int:
    """How many days from ``first`` to ``last``, both counted (a one-day class counts 1); none when
    ``last`` comes before ``first``."""
    return max((last - first).days + 1, 0)
