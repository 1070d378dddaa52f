"""Long lists of people and records are searchable, grouped by section; no form says "---------"."""

import re

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ideology_office.accounts.models import OrgUnit
from ideology_office.accounts.roles import Role
from responsibility.forms import MeetingCreateForm
from sentiment.forms import ReviewForm
from tests.factories import OrgUnitFactory, UserFactory

DASHES = "---------"


@pytest.fixture
def two_sections(db):
    office = OrgUnitFactory(name="办公室", code="office", kind=OrgUnit.Kind.SECTION, sort_order=1)
    news = OrgUnitFactory(name="新闻股", code="news", kind=OrgUnit.Kind.SECTION, sort_order=2)
    people = [
        UserFactory(real_name="王海", title="主任", section=office, roles=[Role.LEADER]),
        UserFactory(real_name="李梅", title="", section=office, roles=[Role.STAFF]),
        UserFactory(real_name="赵强", title="股长", section=news, roles=[Role.SECTION_HEAD]),
    ]
    return office, news, people


def test_people_are_grouped_under_their_sections_in_one_query(two_sections):
    """One query reads the people with their sections (after one unordered look at whether there
    are more than a select lists), however many people there are."""
    office, news, people = two_sections
    form = MeetingCreateForm()
    with CaptureQueriesContext(connection) as queries:
        html = str(form["present"])
    people_queries = [q["sql"] for q in queries.captured_queries if "accounts_user" in q["sql"]]
    assert len(people_queries) == 2, "the section heading must come with the people, not a query per row"
    probe, people_query = people_queries
    assert "ORDER BY" not in probe and "OFFSET" in probe, "whether there are more people, asked unsorted"
    assert "accounts_orgunit" in people_query
    assert 'data-searchable="multi"' in html and "multiple" in html
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', html, re.S)
    by_heading = {heading: body for heading, body in groups}
    assert "王海（主任）" in by_heading["办公室"] and "李梅" in by_heading["办公室"]
    assert "赵强（股长）" in by_heading["新闻股"] and "王海" not in by_heading["新闻股"]
    assert list(by_heading).index("办公室") < list(by_heading).index("新闻股")


def test_grouping_is_display_only_the_field_still_validates_against_its_queryset(two_sections):
    _, _, people = two_sections
    form = ReviewForm(data={"held_on": "2026-03-31", "attendees": [people[0].pk, 999999], "reviewed": "x"})
    assert not form.is_valid()
    assert "attendees" in form.errors
    form = ReviewForm(
        data={"held_on": "2026-03-31", "attendees": [people[0].pk, people[2].pk], "reviewed": "x"}
    )
    form.is_valid()
    assert "attendees" not in form.errors
    assert set(form.cleaned_data["attendees"]) == {people[0], people[2]}


@pytest.mark.django_db
def test_the_empty_choice_reads_please_choose_in_forms_and_all_in_filters(two_sections, client):
    html = str(MeetingCreateForm()["chair"])
    assert DASHES not in html
    assert '<option value="" selected>请选择…</option>' in html
    leader = two_sections[2][0]
    client.force_login(leader)
    page = client.get(reverse("inspections:task_list")).content.decode()
    assert DASHES not in page
    assert ">全部</option>" in page


@pytest.mark.django_db
def test_no_admin_form_shows_a_row_of_dashes(admin_client):
    checked = 0
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
        response = admin_client.get(url)
        if response.status_code != 200:
            continue
        checked += 1
        assert DASHES not in response.content.decode(), url
    assert checked >= 10
