"""Key dates on the lunar calendar and 清明, computed by lunar-python, against published dates
(the State Council's holiday notices and the Purple Mountain Observatory's calendar)."""

import datetime

import pytest

from positions.lunar import lunar_new_year, lunar_to_solar, qingming

SPRING_FESTIVALS = {
    1990: datetime.date(1990, 1, 27),
    2021: datetime.date(2021, 2, 12),
    2022: datetime.date(2022, 2, 1),
    2023: datetime.date(2023, 1, 22),
    2024: datetime.date(2024, 2, 10),
    2025: datetime.date(2025, 1, 29),
    2026: datetime.date(2026, 2, 17),
    2027: datetime.date(2027, 2, 6),
    # Outside the 2000–2049 table the old code carried.
    2050: datetime.date(2050, 1, 23),
    2060: datetime.date(2060, 2, 2),
}


@pytest.mark.parametrize(("year", "expected"), SPRING_FESTIVALS.items())
def test_spring_festival_is_computed(year, expected):
    assert lunar_new_year(year) == expected


@pytest.mark.parametrize(
    ("year", "month", "day", "expected"),
    [
        (2021, 5, 5, datetime.date(2021, 6, 14)),  # 端午
        (2023, 5, 5, datetime.date(2023, 6, 22)),  # after the leap second month of 2023
        (2024, 5, 5, datetime.date(2024, 6, 10)),
        (2025, 5, 5, datetime.date(2025, 5, 31)),
        (2026, 5, 5, datetime.date(2026, 6, 19)),
        (2024, 8, 15, datetime.date(2024, 9, 17)),  # 中秋
        (2025, 8, 15, datetime.date(2025, 10, 6)),  # after the leap sixth month of 2025
        (2026, 8, 15, datetime.date(2026, 9, 25)),
        (2050, 8, 15, datetime.date(2050, 9, 30)),
        (1999, 8, 15, datetime.date(1999, 9, 24)),
    ],
)
def test_lunar_festivals_are_computed(year, month, day, expected):
    assert lunar_to_solar(year, month, day) == expected


def test_day_30_of_a_short_twelfth_month_is_its_last_day():
    # 腊月 of lunar 2024 has 29 days: 除夕 is 腊月廿九, the day before 春节 2025.
    assert lunar_to_solar(2024, 12, 30) == datetime.date(2025, 1, 28)
    # 腊月 of lunar 2023 has 30 days: 除夕 is 腊月三十.
    assert lunar_to_solar(2023, 12, 30) == datetime.date(2024, 2, 9)


@pytest.mark.parametrize(
    ("year", "expected_day"),
    [(2008, 4), (2021, 4), (2022, 5), (2023, 5), (2024, 4), (2025, 4), (2026, 5), (2027, 5), (2060, 4)],
)
def test_qingming_is_computed(year, expected_day):
    assert qingming(year) == datetime.date(year, 4, expected_day)


@pytest.mark.parametrize(("month", "day"), [(0, 1), (13, 1), (1, 0), (1, 31)])
def test_impossible_lunar_days_are_value_errors(month, day):
    with pytest.raises(ValueError):
        lunar_to_solar(2024, month, day)


def test_years_a_date_cannot_hold_are_value_errors():
    with pytest.raises(ValueError):
        lunar_new_year(10000)
    with pytest.raises(ValueError):
        qingming(0)
