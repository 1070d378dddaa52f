"""The nightly task: an intact chain is anchored outside the database; a broken one sends every
administrator one urgent reminder a day (through the outbox), and no anchor blesses it."""

import pytest
from django.db import connection

from ideology_office.accounts.roles import Role
from ideology_office.common.anchors import read_anchors
from ideology_office.notifications.models import OutboxItem
from positions.chain import CHAIN_NAME
from positions.tasks import verify_and_anchor
from tests.factories import UserFactory

from .factories import Desk

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def anchors(settings, tmp_path):
    settings.RECORD_ANCHOR_DIR = str(tmp_path)
    return tmp_path


def test_an_intact_chain_is_anchored(anchors):
    Desk().published()
    result = verify_and_anchor()
    assert result["ok"]
    taken, problems = read_anchors(CHAIN_NAME, anchors)
    assert problems == [] and len(taken) == 1 and taken[0].digest == result["anchor"]


def test_a_broken_chain_alerts_the_administrators_once_a_day(anchors):
    admin = UserFactory(roles=[Role.ADMIN])
    item = Desk().published()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute("UPDATE positions_signoff SET opinion = '改过' WHERE item_id = %s", [item.pk])
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")
    result = verify_and_anchor()
    assert not result["ok"] and result["alerted"] >= 1
    alert = OutboxItem.objects.get(recipient=admin)
    assert alert.urgent and "核验未通过" in alert.title and "的链哈希无效" in alert.body
    verify_and_anchor()
    assert OutboxItem.objects.filter(recipient=admin).count() == 1
    assert read_anchors(CHAIN_NAME, anchors) == ([], [])
