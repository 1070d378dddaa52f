"""Periods read with their dates: a 24-hour duty shift is never shown as "08:30–08:30"."""

import datetime
import zoneinfo

from django.template import Context, Template
from django.utils import timezone

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def render(start, end):
    return Template("{% load ui %}{% time_span start end %}").render(Context({"start": start, "end": end}))


def test_a_24_hour_shift_shows_both_dates():
    year = timezone.localdate().year
    start = datetime.datetime(year, 12, 5, 8, 30, tzinfo=SHANGHAI)
    assert render(start, start + datetime.timedelta(days=1)) == "12月5日 08:30 – 12月6日 08:30"


def test_a_period_within_one_day_names_the_day_once():
    year = timezone.localdate().year
    start = datetime.datetime(year, 3, 1, 8, 30, tzinfo=SHANGHAI)
    assert render(start, start.replace(hour=17, minute=30)) == "3月1日 08:30–17:30"


def test_another_year_is_named_and_utc_is_shown_in_local_time():
    start = datetime.datetime(2021, 12, 31, 16, 0, tzinfo=datetime.UTC)  # 2022-01-01 00:00 in Shanghai
    assert render(start, start + datetime.timedelta(hours=24)) == "2022年1月1日 00:00 – 2022年1月2日 00:00"
    assert render(None, start) == ""
