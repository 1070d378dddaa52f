"""Lunar dates (春节, 端午, 中秋 ...) and the Qingming solar term, computed for any year 2000–2049.

The lunar calendar cannot be derived by a short formula, so it is carried as the standard compact
table used by Chinese calendar software: one number per lunar year, where bits 4–15 give the
lengths of months 1–12 (1 = 30 days), bits 0–3 the leap month (0 = none) and bit 16 the length of
the leap month. Each key date stores only its lunar month and day; its solar day is computed.
"""

from __future__ import annotations

import datetime
import math

FIRST_YEAR = 2000
# Lunar new year of FIRST_YEAR.
FIRST_NEW_YEAR = datetime.date(2000, 2, 5)
YEAR_CODES = (
    0x0C960, 0x0D954, 0x0D4A0, 0x0DA50, 0x07552, 0x056A0, 0x0ABB7, 0x025D0, 0x092D0, 0x0CAB5,  # 2000
    0x0A950, 0x0B4A0, 0x0BAA4, 0x0AD50, 0x055D9, 0x04BA0, 0x0A5B0, 0x15176, 0x052B0, 0x0A930,  # 2010
    0x07954, 0x06AA0, 0x0AD50, 0x05B52, 0x04B60, 0x0A6E6, 0x0A4E0, 0x0D260, 0x0EA65, 0x0D530,  # 2020
    0x05AA0, 0x076A3, 0x096D0, 0x04BD7, 0x04AD0, 0x0A4D0, 0x1D0B6, 0x0D250, 0x0D520, 0x0DD45,  # 2030
    0x0B5A0, 0x056D0, 0x055B2, 0x049B0, 0x0A577, 0x0A4B0, 0x0AA50, 0x1B255, 0x06D20, 0x0ADA0,  # 2040
)  # fmt: skip
LAST_YEAR = FIRST_YEAR + len(YEAR_CODES) - 1


def _code(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"Lunar dates are computed for {FIRST_YEAR}–{LAST_YEAR} only.")
    return YEAR_CODES[year - FIRST_YEAR]


def _leap_month(year: int) -> int:
    return _code(year) & 0xF


def _month_days(year: int, month: int) -> int:
    return 30 if _code(year) & (0x10000 >> month) else 29


def _leap_days(year: int) -> int:
    if not _leap_month(year):
        return 0
    return 30 if _code(year) & 0x10000 else 29


def _year_days(year: int) -> int:
    return sum(_month_days(year, month) for month in range(1, 13)) + _leap_days(year)


def lunar_new_year(year: int) -> datetime.date:
    _code(year)
    return FIRST_NEW_YEAR + datetime.timedelta(days=sum(_year_days(y) for y in range(FIRST_YEAR, year)))


def lunar_to_solar(year: int, month: int, day: int) -> datetime.date:
    """The Gregorian date of lunar ``month``/``day`` (not a leap month) of lunar ``year``.
    Day 30 of a 29-day month means the month's last day (除夕 is 腊月 30 or 29)."""
    if not 1 <= month <= 12 or not 1 <= day <= 30:
        raise ValueError("Lunar month 1–12 and day 1–30.")
    offset = 0
    leap = _leap_month(year)
    for earlier in range(1, month):
        offset += _month_days(year, earlier)
        if earlier == leap:
            offset += _leap_days(year)
    offset += min(day, _month_days(year, month)) - 1
    return lunar_new_year(year) + datetime.timedelta(days=offset)


def qingming(year: int) -> datetime.date:
    """清明 (the solar term) in the 21st century, by the usual formula [Y·0.2422 + C] − [Y/4]."""
    short_year = year % 100
    day = math.floor(short_year * 0.2422 + 4.81) - short_year // 4
    return datetime.date(year, 4, day)
