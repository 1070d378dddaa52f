"""The home page: the leaders' dashboard for a year and scope, and everyone's own work."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ideology_office.accounts.models import OrgUnit
from ideology_office.accounts.roles import Role
from responsibility import services as responsibility_services
from study.models import StudySession
from tests.inspections.factories import make_task
from tests.sentiment.factories import at, incident
from tests.study.factories import SessionFactory

from ..factories import OrgUnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def chart_data(html: str, element_id: str) -> dict:
    found = re.search(rf'id="{element_id}" type="application/json">(.*?)</script>', html)
    return json.loads(found.group(1))


def study_totals(html: str) -> dict:
    return {series["key"]: series["total"] for series in chart_data(html, "study-chart-data")["series"]}


def _section(name):
    return OrgUnitFactory(name=name, kind=OrgUnit.Kind.SECTION)


def test_home_shows_people_by_section_from_the_records(client, leader):
    for number in range(3):
        section = OrgUnitFactory(name=f"第{number}股", sort_order=number)
        UserFactory.create_batch(number + 1, section=section)
    UserFactory(section=section, is_active=False)
    client.force_login(leader)
    data = chart_data(client.get("/").content.decode(), "headcount-chart-data")
    counts = dict(zip(data["categories"], data["values"], strict=True))
    assert counts["第0股"] == 1 and counts["第1股"] == 2 and counts["第2股"] == 3


def test_the_year_filter_changes_the_figures_and_each_bar_links_to_its_records(client, leader):
    section = _section("信息股")
    SessionFactory(kind=StudySession.Kind.CENTRAL_GROUP, date=datetime.date(2023, 3, 10), section=section)
    SessionFactory(kind=StudySession.Kind.CENTRAL_GROUP, date=datetime.date(2023, 5, 10), section=section)
    SessionFactory(
        kind=StudySession.Kind.THEMATIC_DISCUSSION, date=datetime.date(2024, 5, 10), section=section
    )
    client.force_login(leader)

    html_2023 = client.get("/", {"year": 2023}).content.decode()
    assert study_totals(html_2023)["central_group"] == 2
    assert study_totals(html_2023)["thematic_discussion"] == 0
    data = chart_data(html_2023, "study-chart-data")
    central = [series["key"] for series in data["series"]].index("central_group")
    assert data["series"][central]["values"][2] == 1
    assert data["links"][central][2] == "/records/?figure=study&year=2023&group=central_group&month=3"
    assert 'data-testid="records-count">1<' in client.get(data["links"][central][2]).content.decode()
    assert study_totals(client.get("/", {"year": 2024}).content.decode())["thematic_discussion"] == 1


def test_a_section_or_my_areas_narrow_the_figures(client):
    mine, other = _section("信息股"), _section("督查股")
    year = timezone.localdate().year
    leader = UserFactory(roles=[Role.LEADER], section=None)
    responsibility_services.assignment_save(
        year=year,
        leader=leader,
        is_principal=False,
        sections=[mine],
        fields_in_charge="网络阵地",
        duties="",
        letter_signed_on=None,
        user=leader,
    )
    day = datetime.date(year, 1, 5)
    SessionFactory(kind=StudySession.Kind.CENTRAL_GROUP, date=day, section=mine)
    SessionFactory.create_batch(2, kind=StudySession.Kind.CENTRAL_GROUP, date=day, section=other)
    client.force_login(leader)

    assert study_totals(client.get("/").content.decode())["central_group"] == 3
    assert (
        study_totals(client.get("/", {"year": year, "section": other.pk}).content.decode())["central_group"]
        == 2
    )
    html = client.get("/", {"year": year, "mine": "on"}).content.decode()
    assert study_totals(html)["central_group"] == 1
    assert 'name="mine"' in html


def test_htmx_gets_only_the_panels(client, leader):
    client.force_login(leader)
    html = client.get("/", {"year": 2023}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in html
    assert "study-chart-data" in html and 'data-testid="kpis"' in html


def test_a_filter_that_makes_no_sense_shows_this_year_with_a_warning(client, leader):
    client.force_login(leader)
    response = client.get("/", {"year": "abc", "section": "999999"})
    assert response.status_code == 200
    assert response.context["scope"].year == timezone.localdate().year
    assert response.context["scope"].sections is None
    assert "筛选条件有误" in response.content.decode()


def test_overdue_tasks_and_incidents_in_time_reach_the_dashboard(client, leader, inspector):
    today = timezone.localdate()
    task = make_task(user=inspector, deadline=today - datetime.timedelta(days=3))
    found = at(datetime.date(today.year, 1, 10), 9, 0)
    incident(user=inspector, found_at=found, report_after=10, handle_after=60 * 24 * 30)
    client.force_login(leader)
    response = client.get("/")
    html = response.content.decode()
    assert task.measure in html
    first_quarter = response.context["office"]["incidents"][0]
    assert first_quarter["found"] == 1
    assert first_quarter["reported_in_time"] == 1
    assert first_quarter["handled_in_time"] == 0


def test_staff_see_their_own_work_and_not_the_office_figures(client, staff, inspector):
    task = make_task(user=inspector, person=staff)
    client.force_login(staff)
    response = client.get("/")
    html = response.content.decode()
    assert "office" not in response.context
    assert "study-chart-data" not in html
    assert task.measure in html


def _populate(size: int) -> None:
    section = _section(f"股室{size}")
    inspector = UserFactory(roles=[Role.INSPECTOR])
    today = timezone.localdate()
    for number in range(size):
        SessionFactory(
            kind=StudySession.Kind.CENTRAL_GROUP,
            date=today.replace(month=1, day=1 + number % 28),
            section=section,
        )
        make_task(user=inspector, deadline=today - datetime.timedelta(days=number + 1))
        incident(
            user=inspector,
            found_at=at(datetime.date(today.year, 1, 1 + number % 28), 9),
            report_after=5,
        )


@pytest.mark.parametrize("role", [Role.LEADER, Role.STAFF])
def test_the_dashboard_costs_the_same_queries_for_more_records(client, role):
    person = UserFactory(roles=[role])
    client.force_login(person)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return len(captured)

    _populate(2)
    few = queries()
    _populate(15)
    assert queries() == few


def test_the_first_agenda_kpi_is_the_median_days_from_issue_to_study(client, leader):
    from tests.study.factories import MaterialFactory

    for issued, studied in (
        (datetime.date(2023, 3, 1), datetime.date(2023, 3, 7)),
        (datetime.date(2023, 5, 1), None),
    ):
        material = MaterialFactory(issued_on=issued)
        if studied:
            SessionFactory(
                kind=StudySession.Kind.FIRST_AGENDA, first_agenda_venue="central_group", date=studied
            ).materials.add(material)
    client.force_login(leader)
    html = client.get("/", {"year": 2023}).content.decode()
    assert re.search(r'data-testid="kpi-timeliness">6</div>', html)
    assert "1 项尚未学习" in html
