"""Quarters of the calendar year, shared by the services, the selectors and the reminder sources
(which must not import the services: the services import the sources' keys)."""

from __future__ import annotations

import calendar
import datetime


def quarter_of(day: datetime.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    first = datetime.date(year, 3 * quarter - 2, 1)
    last_month = 3 * quarter
    return first, datetime.date(year, last_month, calendar.monthrange(year, last_month)[1])
