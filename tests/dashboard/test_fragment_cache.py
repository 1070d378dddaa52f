"""The dashboard's costly fragments are cached until the next audited write (common/fragments.py):
a second look costs a few queries, and any write shows at once."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ideology_office.accounts.roles import Role
from ideology_office.common.fragments import data_version
from study.models import StudySession
from tests.inspections.factories import make_task
from tests.study.factories import SessionFactory

from ..factories import UserFactory
from .test_home import _section, chart_data, study_totals

pytestmark = pytest.mark.django_db


def _get(client, *args, **kwargs):
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/", *args, **kwargs)
    assert response.status_code == 200
    return response.content.decode(), len(captured)


def _without_tokens(html: str) -> str:
    """The page without its CSRF token, which is masked anew on every response."""
    return re.sub(r"[A-Za-z0-9]{64}", "", html)


def _central_group(section, day):
    return SessionFactory(kind=StudySession.Kind.CENTRAL_GROUP, date=day, section=section)


def test_a_second_look_reads_the_cache_and_shows_the_same_page(client, leader):
    _central_group(_section("信息股"), timezone.localdate().replace(month=1, day=5))
    client.force_login(leader)
    first, computed = _get(client)
    again, cached = _get(client)
    assert _without_tokens(again) == _without_tokens(first)
    assert study_totals(again)["central_group"] == 1
    # Only the request's own queries (session, user, sign-in policy) and the data version remain.
    assert cached <= computed - 10, (computed, cached)


def test_any_write_shows_at_once(client, leader, inspector):
    section = _section("信息股")
    day = timezone.localdate().replace(month=1, day=5)
    _central_group(section, day)
    client.force_login(leader)
    before = data_version()
    assert study_totals(_get(client)[0])["central_group"] == 1

    _central_group(section, day)
    assert data_version() > before
    html, _ = _get(client)
    assert study_totals(html)["central_group"] == 2

    task = make_task(user=inspector, deadline=timezone.localdate() - datetime.timedelta(days=2))
    assert task.measure in _get(client)[0]


def test_each_year_and_section_has_its_own_figures(client, leader):
    section, other = _section("信息股"), _section("理论股")
    _central_group(section, datetime.date(2023, 3, 1))
    _central_group(other, datetime.date(2023, 4, 1))
    _central_group(other, datetime.date(2024, 4, 1))
    client.force_login(leader)
    assert study_totals(_get(client, {"year": 2023})[0])["central_group"] == 2
    assert study_totals(_get(client, {"year": 2024})[0])["central_group"] == 1
    assert study_totals(_get(client, {"year": 2023, "section": section.pk})[0])["central_group"] == 1
    assert study_totals(_get(client, {"year": 2023, "section": other.pk})[0])["central_group"] == 1
    # The htmx answer to the filter is the same fragment.
    partial = client.get("/", {"year": 2023}, headers={"HX-Request": "true"}).content.decode()
    assert study_totals(partial)["central_group"] == 2


def test_each_person_sees_only_their_own_work(client, inspector):
    first = UserFactory(roles=[Role.STAFF])
    second = UserFactory(roles=[Role.STAFF])
    mine = make_task(user=inspector, person=first, measure="更换破损展板")
    client.force_login(first)
    assert mine.measure in _get(client)[0]
    client.force_login(second)
    assert mine.measure not in _get(client)[0]


def test_the_headcount_chart_follows_a_new_person(client, leader):
    section = _section("信息股")
    client.force_login(leader)

    def headcount() -> int:
        data = chart_data(_get(client)[0], "headcount-chart-data")
        return dict(zip(data["categories"], data["values"], strict=True)).get("信息股", 0)

    assert headcount() == 0
    UserFactory(section=section)
    assert headcount() == 1


def test_no_cache_when_turned_off(client, leader, settings):
    settings.FRAGMENT_CACHE_SECONDS = 0
    _central_group(_section("信息股"), timezone.localdate().replace(month=1, day=5))
    client.force_login(leader)
    _, first = _get(client)
    _, again = _get(client)
    assert again == first
