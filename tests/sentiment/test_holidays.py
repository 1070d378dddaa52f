"""The holiday and 调休 table is seeded from chinese-calendar, year by year, without ever
overwriting a year the table already has (the table stays the source of truth)."""

import datetime
import importlib

import pytest
from chinese_calendar import constants
from django.apps import apps
from django.core.management import CommandError, call_command

from ideology_office.common.models import AuditEntry
from sentiment import services
from sentiment.holidays import calendar_days_seed, library_days, library_years
from sentiment.models import CalendarDay

pytestmark = pytest.mark.django_db

HOLIDAY, MAKEUP = CalendarDay.Kind.HOLIDAY, CalendarDay.Kind.MAKEUP_WORKDAY


@pytest.fixture(autouse=True)
def empty_table():
    # The migration has seeded the test database (unless a flushing test ran before): start empty.
    CalendarDay.objects.all().delete()


def table(year: int) -> dict[datetime.date, tuple[str, str]]:
    return {day.date: (day.kind, day.name) for day in CalendarDay.objects.filter(date__year=year)}


def test_the_library_seeds_the_published_holidays_and_make_up_days():
    result = calendar_days_seed(years=[2024, 2025, 2026])
    assert set(result.filled) == {2024, 2025, 2026}
    year_2024 = table(2024)
    for offset in range(8):  # 春节 2024: 10–17 February
        assert year_2024[datetime.date(2024, 2, 10) + datetime.timedelta(days=offset)] == (HOLIDAY, "春节")
    assert year_2024[datetime.date(2024, 2, 4)] == (MAKEUP, "春节调休")
    assert year_2024[datetime.date(2024, 2, 18)] == (MAKEUP, "春节调休")
    assert year_2024[datetime.date(2024, 4, 4)] == (HOLIDAY, "清明节")
    assert year_2024[datetime.date(2024, 6, 10)] == (HOLIDAY, "端午节")
    assert year_2024[datetime.date(2024, 9, 17)] == (HOLIDAY, "中秋节")
    assert year_2024[datetime.date(2024, 10, 12)] == (MAKEUP, "国庆节调休")
    assert table(2025)[datetime.date(2025, 1, 26)] == (MAKEUP, "春节调休")
    assert table(2026)[datetime.date(2026, 2, 23)] == (HOLIDAY, "春节")
    # Every day the library has, and nothing else.
    for year in (2024, 2025, 2026):
        assert len(table(year)) == result.filled[year] == len(library_days(year))
    special = dict(CalendarDay.objects.values_list("date", "kind"))
    assert services.is_rest_day(datetime.date(2024, 10, 1), special)  # a Tuesday, 国庆
    assert not services.is_rest_day(datetime.date(2024, 10, 12), special)  # a Saturday, 调休


def test_every_library_holiday_gets_a_chinese_name():
    names = {day.name for year in library_years() for day in library_days(year)}
    assert all(not name.isascii() for name in names), names


def test_seeding_twice_changes_nothing():
    first = calendar_days_seed(years=[2023, 2024])
    rows = list(CalendarDay.objects.order_by("date").values_list("date", "kind", "name", "updated_at"))
    second = calendar_days_seed(years=[2023, 2024])
    assert first.filled and not second.filled
    assert second.kept == [2023, 2024]
    assert (
        list(CalendarDay.objects.order_by("date").values_list("date", "kind", "name", "updated_at")) == rows
    )


def test_a_year_edited_in_the_admin_is_never_overwritten_and_a_missing_year_is_filled():
    calendar_days_seed(years=[2024, 2025])
    CalendarDay.objects.filter(date=datetime.date(2024, 2, 10)).update(name="春节（已按通知修改）")
    CalendarDay.objects.filter(date=datetime.date(2024, 2, 17)).delete()
    CalendarDay.objects.create(date=datetime.date(2024, 3, 8), kind=HOLIDAY, name="妇女节（本单位）")
    CalendarDay.objects.filter(date__year=2025).delete()
    edited = table(2024)

    result = calendar_days_seed(years=[2024, 2025])

    assert result.filled == {2025: len(library_days(2025))}
    assert result.kept == [2024]
    assert table(2024) == edited
    assert datetime.date(2024, 2, 17) not in edited


def test_a_day_already_entered_under_the_neighbouring_year_is_left_alone():
    # The 元旦 2024 holiday starts on 30 December 2023; the office entered it with its own name.
    CalendarDay.objects.create(date=datetime.date(2023, 12, 30), kind=HOLIDAY, name="元旦（手工）")
    CalendarDay.objects.filter(date__year=2023).exclude(date=datetime.date(2023, 12, 30)).delete()
    result = calendar_days_seed(years=[2023])
    assert result.kept == [2023] and not result.filled


def test_the_migration_fills_a_fresh_table_with_every_library_year():
    migration = importlib.import_module("sentiment.migrations.0003_seed_calendar_days")
    migration.seed(apps, None)
    years = library_years()
    assert years[0] == 2004 and years[-1] >= 2026
    seeded = set(CalendarDay.objects.values_list("date__year", flat=True).distinct())
    assert seeded == set(years)
    assert CalendarDay.objects.count() == sum(len(library_days(year)) for year in years)
    assert CalendarDay.objects.count() == len(constants.holidays) + len(constants.workdays)


def test_the_command_fills_years_under_its_name_in_the_audit_trail(capsys):
    call_command("seed_holidays", "2025")
    out = capsys.readouterr().out
    assert f"2025 年：写入 {len(library_days(2025))} 天。" in out
    assert AuditEntry.objects.filter(actor_label="seed_holidays").count() == len(library_days(2025))
    call_command("seed_holidays", "2025")
    assert "没有需要补齐的年份。" in capsys.readouterr().out


def test_the_command_refuses_a_year_the_library_does_not_know():
    with pytest.raises(CommandError, match="chinese-calendar 库中没有 2999 年的数据"):
        call_command("seed_holidays", "2999")
    assert not CalendarDay.objects.exists()
