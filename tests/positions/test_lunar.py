import datetime

import pytest

from positions.lunar import lunar_new_year, lunar_to_solar, qingming

SPRING_FESTIVALS = {
    2021: datetime.date(2021, 2, 12),
    2022: datetime.date(2022, 2, 1),
    2023: datetime.date(2023, 1, 22),
    2024: datetime.date(2024, 2, 10),
    2025: datetime.date(2025, 1, 29),
    2026: datetime.date(2026, 2, 17),
    2027: datetime.date(2027, 2, 6),
}


@pytest.mark.parametrize(("year", "expected"), SPRING_FESTIVALS.items())
def test_spring_festival_is_computed(year, expected):
    assert lunar_new_year(year) == expected


@pytest.mark.parametrize(
    ("year", "month", "day", "expected"),
    [
        (2021, 5, 5, datetime.date(2021, 6, 14)),
        (2023, 5, 5, datetime.date(2023, 6, 22)),  # after the leap second month of 2023
        (2024, 8, 15, datetime.date(2024, 9, 17)),
        (2025, 8, 15, datetime.date(2025, 10, 6)),  # after the leap sixth month of 2025
        (2026, 8, 15, datetime.date(2026, 9, 25)),
    ],
)
def test_lunar_festivals_are_computed(year, month, day, expected):
    assert lunar_to_solar(year, month, day) == expected


@pytest.mark.parametrize(
    ("year", "expected_day"), [(2021, 4), (2022, 5), (2023, 5), (2024, 4), (2025, 4), (2026, 5), (2027, 5)]
)
def test_qingming_is_computed(year, expected_day):
    assert qingming(year) == datetime.date(year, 4, expected_day)


def test_years_outside_the_table_are_refused():
    with pytest.raises(ValueError):
        lunar_new_year(2050)
