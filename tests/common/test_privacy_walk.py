"""Personal numbers on every page and export (等级保护: personal information protection).

On the demo office, where every person has a known phone number and shifts carry duty phones,
a staff member and a section head open every page, htmx fragment and export of the product (the
access matrix's walk, with records of every kind) and the admin pages they could reach; no full
number but their own appears, except the duty phone of the shift on duty now on the pages that
show it. A leader, who rosters and calls people, reads the numbers in full on the duty pages and
in the roster export; the 系统管理员 and 安全管理员 read them masked in the people list.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ideology_office.accounts.models import DataExport, User
from ideology_office.accounts.roles import Role
from ideology_office.common.exports import is_download
from ideology_office.common.privacy import mask_phone, sees_personal_data
from ideology_office.common.url_access import URL_ACCESS, Audience
from tests.test_access_matrix import _people, _samples, _text_of, _url, url_patterns

# The pages that show the shift on duty now, whose duty phone everyone may read (common/privacy.py).
ON_DUTY_PAGES = {"sentiment:index", "dashboard:home"}


@pytest.fixture
def office(db, tmp_path):
    call_command(
        "seed_demo",
        logins_file=str(tmp_path / "logins.txt"),
        password="privacy-password-123",
        stdout=io.StringIO(),
    )
    people = _people()
    return {"people": people, "samples": _samples(people)}


def _numbers(except_person) -> dict[str, str]:
    """Every full number of the office (people and duty shifts) but the reader's own."""
    from sentiment.models import DutyShift

    numbers = {
        phone: f"phone of {name}"
        for phone, name, pk in User.objects.exclude(phone="").values_list("phone", "username", "pk")
        if pk != except_person.pk
    }
    for phone, officer_id, pk in DutyShift.objects.exclude(phone="").values_list("phone", "officer_id", "pk"):
        if officer_id != except_person.pk:
            numbers.setdefault(phone, f"duty phone of shift {pk}")
    return numbers


def _walk(client: Client, office) -> list[tuple[str, str, str]]:
    """(URL name, URL, text) of every page, fragment and export the client may GET."""
    patterns = dict(url_patterns())
    seen = []
    for name, access in sorted(URL_ACCESS.items()):
        if name not in patterns or "GET" not in access.methods or name in ("accounts:logout", "favicon"):
            continue
        records = office["samples"][access.model] if access.audience == Audience.RECORD else [None]
        for record in records:
            url = _url(name, patterns[name], record)
            before = DataExport.objects.count()
            responses = [client.get(url)]
            if access.audience != Audience.RECORD:
                responses.append(client.get(url, headers={"HX-Request": "true"}))
            ok = [response for response in responses if response.status_code == 200]
            # Every download is recorded (common/exports.py), the walk's as any other.
            downloads = sum(1 for response in ok if is_download(response))
            assert DataExport.objects.count() - before == downloads, f"{url} ({name}) not recorded"
            seen += [(name, url, _text_of(response)) for response in ok]
    return seen


def _section_member_leaks(office, role) -> list[str]:
    from sentiment.models import DutyFeedToken
    from sentiment.selectors import on_duty_now

    reader = office["people"][role.value]
    assert reader.phone, "the demo people have phone numbers"
    numbers = _numbers(reader)
    assert len(numbers) > 20
    on_duty = on_duty_now(timezone.now())
    client = Client()
    client.force_login(reader)
    pages = _walk(client, office)
    assert len(pages) > 100, "the walk opened the product's pages"
    # The duty feed is read by its owner (the token is the key), whoever opens it here.
    feed = DutyFeedToken.objects.select_related("person").order_by("pk").first()
    feed_numbers = set(_numbers(feed.person)) if feed and not sees_personal_data(feed.person) else set()
    leaks = []
    for name, url, text in pages:
        for number, whose in numbers.items():
            if name == "sentiment:duty_feed" and number not in feed_numbers:
                continue
            if number in text and not (on_duty and number == on_duty.phone and name in ON_DUTY_PAGES):
                leaks.append(f"{role.value}: {url} ({name}) shows the {whose} in full")
    # The numbers are there, masked, where the pages show them.
    assert any(mask_phone(number) in text for _, _, text in pages for number in numbers)
    return leaks


def _check_leader(office) -> None:
    from sentiment.models import DutyShift

    leader = office["people"][Role.LEADER.value]
    shift = DutyShift.objects.exclude(phone="").exclude(officer=leader).order_by("start").first()
    assert shift is not None
    client = Client()
    client.force_login(leader)
    page = client.get(shift.get_absolute_url()).content.decode()
    assert shift.phone in page and shift.leader.phone in page
    start = timezone.localtime(shift.start)
    export = client.get(reverse("sentiment:roster_export", args=[start.year, start.month]))
    assert export.status_code == 200
    assert shift.phone in _text_of(export)


def _check_people_list(office, role, *, full_in_list: bool, full_in_form: bool) -> None:
    reader = office["people"][role.value]
    someone = User.objects.exclude(pk=reader.pk).exclude(phone="").order_by("pk").first()
    client = Client()
    client.force_login(reader)
    page = client.get(reverse("admin:accounts_user_changelist"), {"q": someone.username}).content.decode()
    assert mask_phone(someone.phone) in page or full_in_list, role
    assert (someone.phone in page) is full_in_list, role
    form = client.get(reverse("admin:accounts_user_change", args=[someone.pk])).content.decode()
    assert (someone.phone in form) is full_in_form, role


@pytest.mark.django_db
def test_personal_numbers_on_every_page_and_export(office):
    # One demo office for every check: seeding it is the slow part.
    leaks = _section_member_leaks(office, Role.STAFF) + _section_member_leaks(office, Role.SECTION_HEAD)
    assert leaks == [], "\n".join(leaks[:50])
    _check_leader(office)
    # The 系统管理员 keeps the accounts and edits the number in the form, but the list masks it;
    # the 安全管理员 reads people to assign roles and sees it masked in both; 管理员 oversees.
    _check_people_list(office, Role.SYSTEM_ADMIN, full_in_list=False, full_in_form=True)
    _check_people_list(office, Role.SECURITY_ADMIN, full_in_list=False, full_in_form=False)
    _check_people_list(office, Role.ADMIN, full_in_list=True, full_in_form=True)
