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
from study import panels as study_panels

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
        chart = study_panels.study_by_month(scope)
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
    chart = study_panels.study_by_month(selectors.Scope(year=2023))
    branch = [key for key, *_ in study_panels.STUDY_GROUPS].index("branch")
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


FIGURE_VALUE = re.compile(r'data-testid="figure-value">([^<]+)<')


@pytest.mark.django_db
def test_each_points_bar_opens_the_entries_it_is_averaged_from(client, leader):
    """A bar of "average learning points by section" opens that section's entries of the month,
    and the list's figure, averaged from them, is the bar (it opened the ranking page before)."""
    from study.models import PointsEntry
    from tests.factories import OrgUnitFactory, UserFactory
    from tests.study.factories import PlatformFactory

    platform = PlatformFactory()
    first, second = OrgUnitFactory(name="甲股"), OrgUnitFactory(name="乙股")
    people = [UserFactory(section=first), UserFactory(section=first), UserFactory(section=second)]

    for person, day, points in (
        (people[0], 3, 30),
        (people[0], 4, 12),
        (people[1], 3, 20),
        (people[2], 5, 7),
        (people[2], 5, 90),  # another month: not in the bar
    ):
        month = 2 if points == 90 else 3
        PointsEntry.objects.create(
            person=person,
            platform=platform,
            period="day",
            date=datetime.date(2023, month, day),
            points=points,
        )
    client.force_login(leader)
    chart = study_panels.points_by_section(selectors.Scope(year=2023))
    assert chart["values"] == [31, 7]
    assert len(chart["links"][0]) == 2
    for row in chart["rows"]:
        page = client.get(row["url"]).content.decode()
        assert int(FIGURE_VALUE.search(page).group(1)) == row["average"]
        assert "/study/points/" not in row["url"]
    # The chart draws the best section at the bottom of its reversed axis: links run in reverse.
    assert chart["links"][0] == [row["url"] for row in reversed(chart["rows"])]
    listed = _listed(client, chart["rows"][0]["url"])
    assert listed == 3
