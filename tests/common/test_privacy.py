"""Phone numbers are masked for readers who do not need them (等级保护: personal information)."""

import io
import zipfile

import pytest
from django.urls import reverse

from ideology_office.common.privacy import mask_phone


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812341234", "138****1234"),
        ("138-1234-1234", "138****1234"),
        ("8888-6666", "****6666"),
        ("", ""),
    ],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.django_db
def test_the_shift_page_and_roster_export_mask_phones_for_staff_and_not_for_leaders(client, leader):
    from tests.sentiment.factories import future_month, published_roster, shift_on, staff_people

    officers = staff_people(3)
    for number, officer in enumerate(officers):
        officer.phone = f"1391234567{number}"
        officer.save()
    month = future_month()
    published_roster(month=month, leader=leader, officers=officers, leaders=[leader])
    shift = shift_on(month)
    bystander = next(person for person in officers if person.pk != shift.officer_id)
    export = reverse("sentiment:roster_export", args=[month.year, month.month])

    def export_text(response):
        with zipfile.ZipFile(io.BytesIO(response.getvalue())) as archive:
            return "".join(
                archive.read(name).decode() for name in archive.namelist() if name.endswith(".xml")
            )

    client.force_login(bystander)
    page = client.get(shift.get_absolute_url()).content.decode()
    assert shift.phone and shift.phone not in page and mask_phone(shift.phone) in page
    assert shift.phone not in export_text(client.get(export))
    client.force_login(leader)
    assert shift.phone in client.get(shift.get_absolute_url()).content.decode()
    assert shift.phone in export_text(client.get(export))
