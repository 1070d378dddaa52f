"""Every number of the leaders' dashboard opens exactly the records it counts: on the demo office,
a leader follows the link of each number and of each bar of the study chart, for the whole office
and for one section, and the list shows as many records as the number."""

import datetime
import html
import io
import re

import pytest
from django.core.management import call_command

from ideology_office.accounts.models import OrgUnit, User
from ideology_office.accounts.roles import Role
from ideology_office.dashboard import selectors

DRILL = re.compile(r'data-drill="([^"]+)"\s+data-drill-count="(\d+)"')
COUNT = re.compile(r'data-testid="records-count">(\d+)<')


def _listed(client, url) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return int(COUNT.search(response.content.decode()).group(1))


@pytest.mark.django_db
def test_every_dashboard_number_and_bar_opens_as_many_records(client, tmp_path):
    call_command(
        "seed_demo", password="drill-down-0123", logins_file=str(tmp_path / "l.txt"), stdout=io.StringIO()
    )
    client.force_login(User.objects.filter(groups__name=Role.LEADER, is_active=True).first())
    section = OrgUnit.objects.filter(kind=OrgUnit.Kind.SECTION).order_by("pk").first()
    followed, mismatched = 0, []
    for year, sections in ((2022, None), (2023, [section.pk])):
        query = {"year": year} | ({"section": section.pk} if sections else {})
        page = client.get("/", query).content.decode()
        numbers = [(html.unescape(url), int(count)) for url, count in DRILL.findall(page)]
        assert len(numbers) >= 20
        scope = selectors.Scope(year=year, sections=sections)
        chart = selectors.study_by_month(scope)
        for series, links in zip(chart["series"], chart["links"], strict=True):
            numbers += [(url, value) for url, value in zip(links, series["values"], strict=True) if value]
        for url, count in numbers:
            followed += 1
            if _listed(client, url) != count:
                mismatched.append((url, count))
    assert not mismatched
    assert followed > 60


@pytest.mark.django_db
def test_a_bar_of_branch_meetings_lists_only_branch_meetings(client, leader):
    from study.models import StudySession
    from tests.study.factories import SessionFactory as StudySessionFactory

    StudySessionFactory(kind=StudySession.Kind.BRANCH_GENERAL, date=datetime.date(2023, 3, 2))
    StudySessionFactory(kind=StudySession.Kind.PARTY_LECTURE, date=datetime.date(2023, 3, 9))
    StudySessionFactory(kind=StudySession.Kind.CENTRAL_GROUP, date=datetime.date(2023, 3, 10))
    client.force_login(leader)
    chart = selectors.study_by_month(selectors.Scope(year=2023))
    branch = [key for key, *_ in selectors.STUDY_GROUPS].index("branch")
    assert chart["series"][branch]["values"][2] == 2
    assert _listed(client, chart["links"][branch][2]) == 2


@pytest.mark.django_db
def test_only_readers_of_the_office_open_dashboard_lists(client, staff):
    client.force_login(staff)
    assert client.get("/records/?figure=study&year=2023").status_code == 403


@pytest.mark.django_db
def test_an_unknown_number_or_parameter_is_a_bad_request(client, leader):
    client.force_login(leader)
    assert client.get("/records/?figure=nothing&year=2023").status_code == 400
    assert client.get("/records/?figure=study&year=2023&group=nothing").status_code == 400
    assert client.get("/records/?figure=study&year=2023&sections=x").status_code == 400
