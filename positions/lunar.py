"""Lunar dates (春节, 端午, 中秋 ...) and the Qingming solar term for any year, from the maintained
``lunar-python`` library (6tail's calendar, computed astronomically — no table that runs out).

Each key date stores only its lunar month and day; its solar day is computed here. Errors are
``ValueError`` so callers can skip a year that cannot be computed. A day is computed once per
process (``lru_cache``: the same year's calendar costs tens of milliseconds, and the dashboard's
key dates ask for three years of every key date on each request); an error is not cached.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

from lunar_python import Lunar, LunarYear, Solar

# datetime.date cannot go further; lunar-python itself has no upper bound.
FIRST_YEAR, LAST_YEAR = 1, 9998


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"Lunar dates are computed for {FIRST_YEAR}–{LAST_YEAR} only.")


def _date(solar: Solar) -> datetime.date:
    return datetime.date(solar.getYear(), solar.getMonth(), solar.getDay())


@lru_cache(maxsize=4096)
def lunar_new_year(year: int) -> datetime.date:
    """春节: the first day of the first month of lunar ``year``."""
    _check_year(year)
    return _date(Lunar.fromYmd(year, 1, 1).getSolar())


@lru_cache(maxsize=4096)
def lunar_to_solar(year: int, month: int, day: int) -> datetime.date:
    """The Gregorian date of lunar ``month``/``day`` (not a leap month) of lunar ``year``.
    Day 30 of a 29-day month means the month's last day (除夕 is 腊月 30 or 29)."""
    if not 1 <= month <= 12 or not 1 <= day <= 30:
        raise ValueError("Lunar month 1–12 and day 1–30.")
    _check_year(year)
    length = LunarYear.fromYear(year).getMonth(month).getDayCount()
    return _date(Lunar.fromYmd(year, month, min(day, length)).getSolar())


@lru_cache(maxsize=4096)
def qingming(year: int) -> datetime.date:
    """清明, the solar term (the sun at 15° ecliptic longitude, in China Standard Time)."""
    _check_year(year)
    # The term table of the lunar year that starts in ``year`` holds that year's 清明 (in April).
    return _date(Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"])
