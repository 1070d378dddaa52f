"""After 确认接班 the person lands on their own (the incoming) shift, not the previous one whose
log they may not see (issue 17, where a flow lands you)."""

import pytest
from django.urls import reverse

from sentiment import services

from .factories import future_month, published_roster, shift_on, staff_people

pytestmark = pytest.mark.django_db


def test_accepting_the_handover_lands_on_the_incoming_shift(client, leader):
    officers = staff_people(3)
    month = future_month()
    published_roster(month=month, leader=leader, officers=officers, leaders=[leader])
    outgoing = shift_on(month)
    incoming = services.next_shift(outgoing)
    handover = services.handover_write(shift=outgoing, user=outgoing.officer, open_items="待回复")
    client.force_login(incoming.officer)
    response = client.post(reverse("sentiment:handover_accept", args=[handover.pk]))
    assert response.status_code == 302
    assert response["Location"] == incoming.get_absolute_url()
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "您已确认接班。" in page.content.decode()


def test_a_refused_accept_stays_on_the_handover_shift(client, leader):
    officers = staff_people(3)
    month = future_month()
    published_roster(month=month, leader=leader, officers=officers, leaders=[leader])
    outgoing = shift_on(month)
    handover = services.handover_write(shift=outgoing, user=outgoing.officer, open_items="待回复")
    client.force_login(outgoing.officer)
    response = client.post(reverse("sentiment:handover_accept", args=[handover.pk]))
    assert response["Location"] == outgoing.get_absolute_url()
