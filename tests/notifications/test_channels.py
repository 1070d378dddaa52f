import base64
import datetime
import hashlib
import hmac
import urllib.parse

import pytest

from ideology_office.notifications import services
from ideology_office.notifications.channels import dingtalk_signed_url
from ideology_office.notifications.models import Delivery, OutboxItem, OutboxStatus
from tests.factories import UserFactory

from .conftest import local
from .factories import dossier

DUE = datetime.date(2025, 3, 10)


def test_dingtalk_signature_is_hmac_sha256_of_timestamp_and_secret():
    url = dingtalk_signed_url(
        "https://oapi.dingtalk.com/robot/send?access_token=x", "SECabc", timestamp_ms=1700000000000
    )
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    expected = base64.b64encode(
        hmac.new(b"SECabc", b"1700000000000\nSECabc", hashlib.sha256).digest()
    ).decode()
    assert query["timestamp"] == ["1700000000000"]
    assert query["sign"] == [expected]


@pytest.mark.django_db
def test_dingtalk_robot_receives_a_signed_markdown_message_mentioning_the_person(
    dossier_rule, robot, settings
):
    settings.REMINDER_WEBHOOK_URL, settings.REMINDER_WEBHOOK_KIND = robot["url"], "dingtalk"
    settings.REMINDER_WEBHOOK_SECRET = "SECret"
    dossier_rule.channels = "inbox,webhook"
    dossier_rule.save()
    owner = UserFactory(phone="13800000001", real_name="张三")
    dossier(deadline=DUE, owner=owner)
    services.reminders_plan(now=local(2025, 3, 7, 9, 5))
    assert services.reminders_send_due().sent == 1
    path, payload = robot["received"][0]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    assert {"access_token", "timestamp", "sign"} <= set(query)
    assert payload["msgtype"] == "markdown" and payload["at"]["atMobiles"] == ["13800000001"]
    assert "张三" in payload["markdown"]["text"]


@pytest.mark.django_db
def test_wecom_robot_receives_a_mention_and_a_refusal_is_retried(dossier_rule, robot, settings):
    settings.REMINDER_WEBHOOK_URL, settings.REMINDER_WEBHOOK_KIND = robot["url"], "wecom"
    dossier_rule.channels = "inbox,webhook"
    dossier_rule.save()
    dossier(deadline=DUE, owner=UserFactory(phone="13800000002"))
    services.reminders_plan(now=local(2025, 3, 7, 9, 5))
    robot["handler"].answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
    assert services.reminders_send_due().retry == 1
    assert "93000" in OutboxItem.objects.get().last_error
    robot["handler"].answer = {"errcode": 0}
    OutboxItem.objects.update(next_attempt_at=local(2025, 3, 7, 9, 5))
    assert services.reminders_send_due().sent == 1
    assert robot["received"][-1][1]["text"]["mentioned_mobile_list"] == ["13800000002"]
    assert list(
        Delivery.objects.filter(channel="webhook").values_list("status", flat=True).order_by("pk")
    ) == ["failed", "sent"]


@pytest.mark.django_db
def test_webhook_without_a_url_is_skipped_and_the_reminder_still_sent(dossier_rule, settings):
    settings.REMINDER_WEBHOOK_URL = ""
    dossier_rule.channels = "inbox,webhook"
    dossier_rule.save()
    dossier(deadline=DUE)
    services.reminders_plan(now=local(2025, 3, 7, 9, 5))
    assert services.reminders_send_due().sent == 1
    assert OutboxItem.objects.get().status == OutboxStatus.SENT
    assert Delivery.objects.get(channel="webhook").status == "skipped"
