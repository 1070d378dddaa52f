"""The information-report form accepts any incident the person may see, however many there are;
only its drop-down is short (issue 17, bug 7)."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from sentiment import selectors
from sentiment.models import InformationReport, OpinionIncident

from .factories import current_roster, incident, staff_people

pytestmark = pytest.mark.django_db


def _options(html):
    select = re.search(r'<select name="incident".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="(\d*)"( selected)?', select)


def test_an_incident_older_than_the_fifty_listed_is_accepted(client, leader):
    officers = staff_people(2)
    current_roster(leader=leader, officers=officers, leaders=[leader])
    shift = selectors.on_duty_now(timezone.now())
    base = timezone.now() - datetime.timedelta(days=20)
    for index in range(60):
        incident(user=leader, found_at=base + datetime.timedelta(hours=index))
    oldest = OpinionIncident.objects.order_by("found_at").first()
    newest = OpinionIncident.objects.order_by("found_at").last()
    client.force_login(shift.officer)
    url = reverse("sentiment:information_report_add", args=[shift.pk])

    options = _options(client.get(url).content.decode())
    assert len(options) == 51  # the empty choice and the 50 most recent
    assert (str(newest.pk), "") in options
    assert str(oldest.pk) not in {value for value, _ in options}

    sent_at = timezone.localtime().replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")
    # A refused form (no recipient) still shows the older incident, chosen.
    refused = client.post(
        url, {"sent_at": sent_at, "recipient": "", "content": "报送", "incident": oldest.pk}
    )
    assert refused.status_code == 200
    assert "选择一个有效的选项" not in refused.content.decode()
    assert (str(oldest.pk), " selected") in _options(refused.content.decode())
    assert not InformationReport.objects.exists()

    response = client.post(
        url, {"sent_at": sent_at, "recipient": "市委办", "content": "报送", "incident": oldest.pk}
    )
    assert response.status_code == 302
    assert InformationReport.objects.get().incident == oldest


def test_a_voided_or_unknown_incident_is_still_refused(client, leader):
    officers = staff_people(2)
    current_roster(leader=leader, officers=officers, leaders=[leader])
    shift = selectors.on_duty_now(timezone.now())
    client.force_login(shift.officer)
    sent_at = timezone.localtime().replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("sentiment:information_report_add", args=[shift.pk]),
        {"sent_at": sent_at, "recipient": "市委办", "content": "报送", "incident": 999999},
    )
    assert "选择一个有效的选项" in response.content.decode()
    assert not InformationReport.objects.exists()


def test_an_older_incident_is_found_by_typing_and_only_visible_ones_are_offered(client, leader):
    officers = staff_people(2)
    current_roster(leader=leader, officers=officers, leaders=[leader])
    shift = selectors.on_duty_now(timezone.now())
    base = timezone.now() - datetime.timedelta(days=40)
    for index in range(60):
        incident(user=leader, found_at=base + datetime.timedelta(hours=index))
    oldest = OpinionIncident.objects.order_by("found_at").first()
    oldest.summary = "县城老旧小区加装电梯网帖"
    oldest.save(update_fields=["summary"])
    voided = OpinionIncident.objects.order_by("found_at")[1]
    voided.summary = "加装电梯另一帖"
    voided.voided_at = timezone.now()
    voided.save(update_fields=["summary", "voided_at"])
    client.force_login(shift.officer)

    form_page = client.get(reverse("sentiment:information_report_add", args=[shift.pk])).content.decode()
    search_url = reverse("sentiment:incident_choices")
    assert f'data-search-url="{search_url}"' in form_page

    found = client.get(search_url, {"q": "加装电梯"}).json()["results"]
    assert [row["value"] for row in found] == [oldest.pk]  # found by its words; the voided one is not offered
    assert found[0]["text"] == str(oldest)
    assert client.get(search_url, {"q": "老旧 电梯"}).json()["results"][0]["value"] == oldest.pk
    assert client.get(search_url, {"q": ""}).json() == {"results": []}
    assert client.get(search_url, {"q": "没有这样的事"}).json() == {"results": []}
