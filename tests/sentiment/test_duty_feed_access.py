"""The duty calendar feed answers only while its owner still belongs to the office: a person whose
roles were all removed, or whose account was deactivated, gets 404 at the old address."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from ideology_office.accounts.roles import Role
from sentiment import services


@pytest.fixture
def feed_url(staff):
    return reverse("sentiment:duty_feed", args=[services.duty_feed_token_for(person=staff).token])


def test_the_feed_answers_while_the_person_holds_a_role(client, staff, feed_url):
    response = client.get(feed_url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")


def test_the_feed_is_gone_once_every_role_is_removed(client, staff, feed_url):
    staff.groups.clear()
    assert client.get(feed_url).status_code == 404
    staff.groups.add(Group.objects.get(name=Role.STAFF))
    assert client.get(feed_url).status_code == 200


def test_the_feed_is_gone_for_an_inactive_account(client, staff, feed_url):
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    assert client.get(feed_url).status_code == 404


def test_a_signed_in_visitor_cannot_read_someone_elses_roleless_feed(client, staff, leader, feed_url):
    staff.groups.clear()
    client.force_login(leader)
    assert client.get(feed_url).status_code == 404
