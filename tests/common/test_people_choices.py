"""Person and people selects at county scale (issue #20): a form lists only one's own section and the
chosen people when there are more than ``SHOWN_CHOICES``; the others are found by typing
(``common:people_choices``). Validation still covers everyone the field allows."""

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from ideology_office.accounts.models import OrgUnit, User
from ideology_office.accounts.roles import Role
from ideology_office.common.widgets import SHOWN_CHOICES
from responsibility.forms import MeetingCreateForm
from sentiment.forms import ReviewForm
from tests.factories import OrgUnitFactory, UserFactory
from tests.study.factories import SessionFactory

COUNTY = 2_100
PAGE_LIMIT = 200_000


def county_people(count=COUNTY, sections=60):
    """``count`` people in ``sections`` sections, made in two bulk inserts (no password hashing)."""
    units = OrgUnit.objects.bulk_create(
        OrgUnit(name=f"县单位{n:03d}", code=f"county-{n}", kind=OrgUnit.Kind.SECTION, sort_order=10 + n)
        for n in range(sections)
    )
    User.objects.bulk_create(
        User(
            username=f"county{n}",
            real_name=f"县干部{n}",
            title="科员",
            phone=f"1990000{n:04d}",
            section=units[n % sections],
            password="!",
        )
        for n in range(count)
    )
    return units


def options_of(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select {name}"
    return re.findall(r'<option value="(\d+)"', select.group(1))


@pytest.fixture
def home(db):
    return OrgUnitFactory(name="宣传股", code="publicity", sort_order=1)


@pytest.fixture
def clerk(home):
    return UserFactory(username="clerk", real_name="录入员", section=home, roles=[Role.STAFF])


def test_a_small_office_still_lists_everyone_in_a_plain_select(db):
    office = OrgUnitFactory(name="办公室", code="office")
    people = [UserFactory(section=office) for _ in range(5)]
    html = str(MeetingCreateForm()["present"])
    assert sorted(options_of(html, "present")) == sorted(str(person.pk) for person in people)
    assert "data-search-url" not in html
    chair = str(ReviewForm()["attendees"])
    assert "data-search-url" not in chair


@pytest.mark.django_db
def test_a_county_lists_own_section_and_chosen_people_and_searches_the_rest(client, clerk, home):
    county_people()
    neighbours = [UserFactory(section=home) for _ in range(3)]
    far = User.objects.get(username="county1999")
    session = SessionFactory(section=home, host=far)
    client.force_login(clerk)
    response = client.get(reverse("study:session_edit", args=[session.pk]))
    html = response.content.decode()
    assert len(response.content) < PAGE_LIMIT
    hosts = options_of(html, "host")
    assert str(far.pk) in hosts, "the chosen host stays an option"
    assert {str(person.pk) for person in [clerk, *neighbours]} <= set(hosts), "one's own section comes first"
    assert len(hosts) <= SHOWN_CHOICES + 1
    assert reverse("common:people_choices") in html
    assert "只列出" in html  # the note for a browser without JavaScript


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("page", "who"),
    [
        ("study:session_create", "admin_person"),
        ("responsibility:meeting_create", "admin_person"),
        ("sentiment:review_create", "leader"),
        ("inspections:mechanism_create", "inspector"),
    ],
)
def test_county_sized_form_pages_stay_small_and_bounded_in_queries(
    client, request, page, who, django_assert_max_num_queries
):
    county_people()
    client.force_login(request.getfixturevalue(who))
    with django_assert_max_num_queries(40):
        response = client.get(reverse(page))
    assert response.status_code == 200
    assert len(response.content) < PAGE_LIMIT, f"{page}: {len(response.content):,} bytes"


@pytest.mark.django_db
def test_a_person_outside_the_list_is_valid_and_one_outside_the_queryset_is_not():
    county_people()
    far = User.objects.get(username="county2000")
    assert str(far.pk) not in options_of(str(MeetingCreateForm()["present"]), "present")
    form = MeetingCreateForm(data={"present": [far.pk]})
    form.is_valid()
    assert "present" not in form.errors
    assert list(form.cleaned_data["present"]) == [far]
    form = MeetingCreateForm(data={"present": [far.pk, 99_999_999]})
    assert not form.is_valid()
    assert "有效的选项" in str(form.errors["present"])
    # Sent back with an error, the form keeps the chosen person among its options.
    assert str(far.pk) in options_of(str(form["present"]), "present")


@pytest.mark.django_db
def test_people_search_finds_by_name_user_name_and_section_without_phones(client, clerk):
    county_people()
    User.objects.filter(username="county7").update(is_active=False)
    client.force_login(clerk)
    url = reverse("common:people_choices")
    results = client.get(url, {"q": "县干部1"}).json()["results"]
    assert 0 < len(results) <= 50
    assert all(set(result) == {"value", "text", "optgroup"} for result in results)
    assert "1990000" not in str(results)
    assert client.get(url, {"q": "county12"}).json()["results"][0]["text"].startswith("县干部12")
    by_section = client.get(url, {"q": "县单位003 县干部63"}).json()["results"]
    assert by_section and all(result["optgroup"] == "县单位003" for result in by_section)
    assert client.get(url, {"q": "county7"}).json()["results"][0]["text"] != "县干部7（科员）"
    assert client.get(url).json() == {"results": []}


@pytest.mark.django_db
def test_people_search_is_for_people_with_a_role(client):
    nobody = UserFactory(username="norole")
    Group.objects.filter(user=nobody).delete()
    client.force_login(nobody)
    assert client.get(reverse("common:people_choices"), {"q": "x"}).status_code == 403
    client.logout()
    assert client.get(reverse("common:people_choices"), {"q": "x"}).status_code in {302, 403}


@pytest.mark.django_db
def test_someone_without_a_section_is_listed_the_others_without_one(client):
    """A county leader has no section: their short list is the other people without one (the
    leaders), read through the section index, not the first of all the county's people."""
    county_people()
    leader = UserFactory(username="leader-a", real_name="县领导甲", section=None, roles=[Role.ADMIN])
    other = UserFactory(username="leader-b", real_name="县领导乙", section=None)
    client.force_login(leader)
    html = client.get(reverse("study:session_create")).content.decode()
    hosts = options_of(html, "host")
    assert str(other.pk) in hosts
    assert not User.objects.filter(pk__in=hosts, section__isnull=False).exists()
    assert len(hosts) <= SHOWN_CHOICES + 1
