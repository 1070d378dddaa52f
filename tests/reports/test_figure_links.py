"""Every figure of the annual report opens exactly the records it counts: on the demo office, a
leader follows each figure's link and the list shows as many records as the figure states."""

import io
import re

import pytest
from django.core.management import call_command

from ideology_office.accounts.models import User
from ideology_office.accounts.roles import Role
from ideology_office.reports.figures import annual_figures

COUNT = re.compile(r'data-testid="records-count">(\d+)<')


@pytest.fixture
def demo(db, tmp_path):
    call_command(
        "seed_demo",
        password="figure-links-0123",
        logins_file=str(tmp_path / "logins.txt"),
        stdout=io.StringIO(),
    )


def _listed(client, url) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return int(COUNT.search(response.content.decode()).group(1))


@pytest.mark.django_db
def test_every_figure_links_to_a_list_of_as_many_records_as_it_states(demo, client):
    leader = User.objects.filter(groups__name=Role.LEADER, is_active=True).first()
    client.force_login(leader)
    report = annual_figures(since=2021, until=2023)
    page = client.get("/reports/annual/?since=2021&until=2023&focus_tags=意识形态、网络安全").content.decode()
    assert len(report.figures) >= 44
    mismatched, counted = [], 0
    for key, figure in report.figures.items():
        assert figure.url, f"{key} has no link"
        assert figure.url.replace("&", "&amp;") in page, key
        listed = _listed(client, figure.url)
        if figure.counts:
            counted += 1
            if listed != figure.value:
                mismatched.append((key, figure.value, listed))
    assert not mismatched
    assert counted >= 35
    # The seed's story, as a leader opens it.
    assert _listed(client, report.figures["office_meetings_on_ideology"].url) == 12
    assert _listed(client, report.figures["focus_discussions"].url) == 8
    assert (
        client.get("/reports/annual/figures/?figure=no_such_figure&since=2021&until=2023").status_code == 400
    )
    # Whoever may not read the report may not open its lists either.
    staff = User.objects.filter(groups__name=Role.STAFF, is_active=True).first()
    client.force_login(staff)
    assert client.get(report.figures["office_meetings"].url).status_code == 403
