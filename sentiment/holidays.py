"""The holiday and make-up working day (调休) table, seeded from the ``chinese-calendar`` library.

The table (:class:`~sentiment.models.CalendarDay`) is the source of truth: the roster generator
reads only it, and administrators edit it in the admin — an offline intranet cannot wait for a
library release when the State Council publishes next year's notice. The library only *seeds*
it: a year is filled from the library when the table has no day of that year at all, so a year
someone has entered or corrected by hand is never touched, and running the seed again changes
nothing. To take a corrected year from a newer library, delete that year's days in the admin and
run ``python manage.py seed_holidays`` again.

The same function serves the data migration (with the historical model) and the command.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from chinese_calendar import constants
from django.db import transaction

HOLIDAY = "holiday"
MAKEUP_WORKDAY = "makeup_workday"

# The library names holidays in English (chinese_calendar.Holiday values).
CHINESE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@dataclass(frozen=True)
class LibraryDay:
    date: datetime.date
    kind: str
    name: str


@dataclass
class SeedResult:
    filled: dict[int, int] = field(default_factory=dict)  # year -> days written
    kept: list[int] = field(default_factory=list)  # years the table already had


def _name(holiday) -> str:
    value = getattr(holiday, "value", holiday)
    return CHINESE_NAMES.get(value, value)


def library_years() -> list[int]:
    """The years the installed chinese-calendar knows (from the State Council's notices)."""
    return sorted({day.year for day in constants.holidays} | {day.year for day in constants.workdays})


def library_days(year: int) -> list[LibraryDay]:
    """The year's holidays (every day off, weekends inside a holiday included) and make-up
    working days, as the library has them."""
    days = [
        LibraryDay(day, HOLIDAY, _name(holiday))
        for day, holiday in constants.holidays.items()
        if day.year == year
    ]
    days += [
        LibraryDay(day, MAKEUP_WORKDAY, f"{_name(holiday)}调休")
        for day, holiday in constants.workdays.items()
        if day.year == year
    ]
    return sorted(days, key=lambda day: day.date)


def fill_missing_years(model, years: list[int] | None = None) -> SeedResult:
    """Write the library's days of every year in ``years`` (default: all the library knows) that
    the table has no day of. ``model`` is CalendarDay, or its historical version in a migration."""
    result = SeedResult()
    wanted = sorted(set(years if years is not None else library_years()))
    present = set(model.objects.filter(date__year__in=wanted).values_list("date__year", flat=True).distinct())
    for year in wanted:
        if year in present:
            result.kept.append(year)
            continue
        days = library_days(year)
        # A holiday that starts on 30 December belongs to the next year's notice but is dated in
        # this year; a day already in the table (entered under the other year) is left as it is.
        taken = set(model.objects.filter(date__in=[day.date for day in days]).values_list("date", flat=True))
        rows = [model(date=day.date, kind=day.kind, name=day.name) for day in days if day.date not in taken]
        model.objects.bulk_create(rows)
        if rows:
            result.filled[year] = len(rows)
    return result


@transaction.atomic
def calendar_days_seed(*, years: list[int] | None = None) -> SeedResult:
    """The service: fill the missing years of the live table (audited like any other write)."""
    from .models import CalendarDay

    return fill_missing_years(CalendarDay, years)
