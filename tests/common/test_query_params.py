"""A year, a day or a record id typed into the address bar never gives a server error: a value that
is malformed or out of range is ignored (the page shows its default) or is a Chinese form error."""

import datetime
import re

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from ideology_office.common.query_params import date_param, pk_param, year_param
from study.models import LearningPlatform

BAD_NUMBERS = [
    "0",
    "-1",
    "10000",
    "abc",
    "2026.5",
    "99999999999999999999999",
    "-99999999999999999999999",
    "1e400",
    "２０２４",
    "2024 ",
    "--5",
    "",
]
BAD_DAYS = ["0001-01-01", "9999-12-31", "2024-13-45", "2024-02-30", "abc", "20240101000000", ""]

# (URL name, query parameter) for every page that reads a year or a record id from the query string.
YEAR_PAGES = [
    ("responsibility:duty_chain", "year"),
    ("responsibility:meeting_list", "year"),
    ("responsibility:assignment_list", "year"),
    ("responsibility:priority_list", "year"),
    ("responsibility:assessment_list", "year"),
    ("sentiment:review_list", "year"),
    ("positions:key_date_list", "year"),
    ("positions:task_create", "key_date"),
    ("dashboard:home", "year"),
    ("reports:annual_figures", "since"),
    ("reports:annual_figures", "until"),
    ("study:points_ranking", "month"),
    ("inspections:ledger_print", "inspection"),
]
# (URL name, the period's two parameters) for the ledgers chosen by dates.
PERIOD_PAGES = [("reports:ledger_list", "start", "end"), ("positions:ledger_export", "start", "end")]

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def overseer(db):
    from ideology_office.accounts.roles import Role
    from tests.factories import UserFactory

    LearningPlatform.objects.get_or_create(code="xuexi", defaults={"name": "学习强国"})
    return UserFactory(username="overseer", real_name="领导乙", roles=[Role.LEADER, Role.ADMIN])


def assert_normal_page(response):
    assert response.status_code in (200, 400, 404), response.status_code
    if response.status_code == 400:
        assert CHINESE.search(response.content.decode())


@pytest.mark.parametrize("value", BAD_NUMBERS)
@pytest.mark.parametrize(("name", "param"), YEAR_PAGES)
def test_a_bad_year_or_id_gives_a_normal_page(client, overseer, name, param, value):
    client.force_login(overseer)
    response = client.get(reverse(name), {param: value})
    assert_normal_page(response)
    if param != "inspection" and not value.strip().isdigit():
        # A malformed year or id is ignored (an id that is well formed but unknown is not found).
        assert response.status_code in (200, 400)


@pytest.mark.parametrize("value", BAD_DAYS)
@pytest.mark.parametrize(("name", "start", "end"), PERIOD_PAGES)
def test_a_bad_period_gives_a_normal_page_with_a_chinese_error(client, overseer, name, start, end, value):
    client.force_login(overseer)
    for query in ({start: value, end: "2024-12-31"}, {start: "2024-01-01", end: value}):
        response = client.get(reverse(name), query)
        assert response.status_code in (200, 400)
        if value:
            assert response.status_code == 400 or "Content-Disposition" not in response
            assert CHINESE.search(response.content.decode())


def test_the_chain_and_meetings_of_the_reported_values_show_this_year(client, overseer):
    client.force_login(overseer)
    this_year = timezone.localdate().year
    for value in ("0", "-1", "10000"):
        response = client.get(reverse("responsibility:duty_chain"), {"year": value})
        assert response.status_code == 200
        assert response.context["year"] == this_year
        response = client.get(reverse("responsibility:meeting_list"), {"year": value})
        assert response.status_code == 200
        assert "year" in response.context["filter"].errors


def test_an_out_of_range_ledger_date_is_explained_in_chinese(client, overseer):
    client.force_login(overseer)
    for name in ("reports:ledger_list", "positions:ledger_export"):
        response = client.get(reverse(name), {"start": "0001-01-01", "end": "2024-12-31"})
        assert response.status_code in (200, 400)
        assert "请填写 2000 年至 2100 年之间的日期。" in response.content.decode()


def request_with(**query):
    return RequestFactory().get("/", query)


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_year_param_falls_back_to_the_default(value):
    assert year_param(request_with(year=value), default=2024) == 2024


def test_year_param_reads_a_good_year_within_its_bounds():
    assert year_param(request_with(year="2025"), default=2024) == 2025
    assert year_param(request_with(year=" 2025 "), default=2024) == 2025
    assert year_param(request_with(year="2050"), default=2024, last=2049) == 2024
    assert year_param(request_with(), default=2024) == 2024


@pytest.mark.parametrize("value", BAD_DAYS)
def test_date_param_falls_back_to_the_default(value):
    assert date_param(request_with(on=value), "on") is None


def test_date_and_pk_params_read_good_values():
    assert date_param(request_with(on="2024-03-05"), "on") == datetime.date(2024, 3, 5)
    assert pk_param(request_with(pk="12"), "pk") == 12
    for value in ("0", "-3", "abc", "99999999999999999999"):
        assert pk_param(request_with(pk=value), "pk") is None
