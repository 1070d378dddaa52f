"""What each channel guarantees when a process dies mid-send: the send is logged "attempting"
before the network call, an attempt whose outcome is unknown is sent again marked possible
duplicate (or held for an administrator), and every copy carries the same key."""

import datetime
import json
import smtplib

import pytest
from django.conf import settings as django_settings
from django.utils import translation
from django.utils.translation import gettext

from ideology_office.notifications import channels, services
from ideology_office.notifications.models import Delivery, InboxMessage, OutboxItem, OutboxStatus
from tests.factories import UserFactory

from .conftest import local
from .factories import dossier

DUE = datetime.date(2025, 3, 10)


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, not even an ``except Exception``."""


def die_after_sending(monkeypatch, channel):
    """The next send of ``channel`` reaches the remote side, then its process dies before it can
    record the outcome."""
    real = channels.SENDERS[channel]
    calls = []

    def sender(item, **options):
        real(item, **options)
        calls.append(item.pk)
        monkeypatch.setitem(channels.SENDERS, channel, real)
        raise Killed

    monkeypatch.setitem(channels.SENDERS, channel, sender)
    return calls


def crash_then_recover(settings):
    """The claim of the dead process expires; the watchdog puts the reminder back; a new pass sends."""
    OutboxItem.objects.update(claimed_at=local(2025, 3, 7, 9, 6))
    assert services.reminders_reclaim_stuck() == 1
    return services.reminders_send_due()


def post_text(payload) -> str:
    return json.dumps(payload, ensure_ascii=False)


@pytest.fixture
def planned(dossier_rule, settings, robot):
    settings.REMINDER_WEBHOOK_URL, settings.REMINDER_WEBHOOK_KIND = robot["url"], "wecom"
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = 60
    dossier_rule.channels = "inbox,email,webhook"
    dossier_rule.save()
    dossier(deadline=DUE, owner=UserFactory(email="owner@example.gov.cn"))
    services.reminders_plan(now=local(2025, 3, 7, 9, 5))
    return OutboxItem.objects.get()


@pytest.mark.django_db
def test_every_send_is_logged_attempting_first_with_its_key(planned, smtp_server, robot, monkeypatch):
    seen = []
    real = channels.SENDERS["email"]

    def sender(item, **options):
        # At the moment of the network call the log already holds the attempt.
        seen.extend(Delivery.objects.filter(item=item, channel="email").values_list("status", flat=True))
        return real(item, **options)

    monkeypatch.setitem(channels.SENDERS, "email", sender)
    assert services.reminders_send_due().sent == 1
    assert seen == ["attempting"]
    rows = {row.channel: row for row in Delivery.objects.all()}
    assert {channel: row.status for channel, row in rows.items()} == {
        "email": "sent",
        "webhook": "sent",
        "inbox": "sent",
    }
    assert rows["email"].key == planned.message_id == smtp_server.messages[0]["Message-ID"]
    assert rows["webhook"].key == planned.webhook_key
    assert not any(row.possible_duplicate for row in rows.values())
    assert all(row.finished_at and row.worker for row in rows.values())
    assert robot["headers"][0]["Idempotency-Key"] == planned.webhook_key
    assert planned.webhook_key in post_text(robot["received"][0][1])


@pytest.mark.django_db
def test_an_email_accepted_before_the_process_died_is_sent_again_marked_possible_duplicate(
    planned, smtp_server, settings, monkeypatch
):
    calls = die_after_sending(monkeypatch, "email")
    with pytest.raises(Killed):
        services.reminders_send_due()
    assert calls == [planned.pk]
    assert Delivery.objects.get(channel="email").status == "attempting"
    assert crash_then_recover(settings).sent == 1
    # Two copies reached the server, under one Message-ID; the log has both, the second marked.
    assert [message["Message-ID"] for message in smtp_server.messages] == [planned.message_id] * 2
    assert smtp_server.messages[0]["X-Reminder-Possible-Duplicate"] is None
    assert smtp_server.messages[1]["X-Reminder-Possible-Duplicate"] == "yes"
    log = list(
        Delivery.objects.filter(channel="email").order_by("pk").values_list("status", "possible_duplicate")
    )
    assert log == [("unknown", False), ("sent", True)]
    # The webhook was never tried before the crash: sent once, not marked; the inbox once.
    assert list(Delivery.objects.filter(channel="webhook").values_list("status", "possible_duplicate")) == [
        ("sent", False)
    ]
    assert InboxMessage.objects.count() == 1
    assert OutboxItem.objects.get().status == OutboxStatus.SENT


@pytest.mark.django_db
def test_a_robot_post_sent_again_after_a_crash_carries_the_same_key_and_says_so(
    planned, smtp_server, robot, settings, monkeypatch
):
    die_after_sending(monkeypatch, "webhook")
    with pytest.raises(Killed):
        services.reminders_send_due()
    assert crash_then_recover(settings).sent == 1
    keys = [headers["Idempotency-Key"] for headers in robot["headers"]]
    assert keys == [planned.webhook_key] * 2
    assert "X-Reminder-Possible-Duplicate" not in robot["headers"][0]
    assert robot["headers"][1]["X-Reminder-Possible-Duplicate"] == "yes"
    with translation.override(django_settings.LANGUAGE_CODE):
        note = gettext("(sent again: it may have been posted already)")
    assert note not in post_text(robot["received"][0][1])
    assert note in post_text(robot["received"][1][1])
    assert list(
        Delivery.objects.filter(channel="webhook").order_by("pk").values_list("status", "possible_duplicate")
    ) == [("unknown", False), ("sent", True)]
    # E-mail was sent before the webhook and recorded: not repeated.
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db
def test_a_channel_set_to_hold_waits_for_an_administrator(planned, smtp_server, settings, monkeypatch):
    settings.REMINDER_ON_UNKNOWN_OUTCOME = {"email": "hold", "webhook": "retry"}
    die_after_sending(monkeypatch, "email")
    with pytest.raises(Killed):
        services.reminders_send_due()
    assert crash_then_recover(settings).held == 1
    item = OutboxItem.objects.get()
    assert item.status == OutboxStatus.HELD and "email" in item.last_error
    # Held: the other channels and the inbox are delivered; the e-mail is not sent again.
    assert len(smtp_server.messages) == 1
    assert InboxMessage.objects.count() == 1
    assert Delivery.objects.get(channel="webhook").status == "sent"
    assert services.reminders_send_due().total == 0
    # The administrator asks for it to be sent again: it goes, marked possible duplicate.
    services.reminder_resend(item=item)
    assert services.reminders_send_due().sent == 1
    assert len(smtp_server.messages) == 2
    assert Delivery.objects.filter(channel="email", possible_duplicate=True, status="sent").count() == 1
    assert InboxMessage.objects.count() == 1


@pytest.mark.django_db
def test_an_administrator_can_mark_a_held_reminder_delivered_without_sending(
    planned, smtp_server, settings, monkeypatch
):
    settings.REMINDER_ON_UNKNOWN_OUTCOME = {"email": "hold", "webhook": "hold"}
    die_after_sending(monkeypatch, "email")
    with pytest.raises(Killed):
        services.reminders_send_due()
    crash_then_recover(settings)
    item = services.reminder_confirm_delivered(
        item=OutboxItem.objects.get(), user=UserFactory(username="ops")
    )
    assert item.status == OutboxStatus.SENT and "ops" in item.last_error
    assert Delivery.objects.get(channel="email").status == "sent"
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db
def test_a_connection_lost_after_the_message_was_written_is_an_unknown_outcome(
    planned, smtp_server, settings, monkeypatch
):
    real = channels.SENDERS["email"]

    def drops_after_data(item, **options):
        real(item, **options)
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setitem(channels.SENDERS, "email", drops_after_data)
    assert services.reminders_send_due().retry == 1
    monkeypatch.setitem(channels.SENDERS, "email", real)
    OutboxItem.objects.update(next_attempt_at=local(2025, 3, 7, 9, 5))
    assert services.reminders_send_due().sent == 1
    assert list(
        Delivery.objects.filter(channel="email").order_by("pk").values_list("status", "possible_duplicate")
    ) == [("unknown", False), ("sent", True)]


@pytest.mark.parametrize(
    ("error", "unknown"),
    [
        (ConnectionRefusedError(), False),
        (smtplib.SMTPDataError(554, b"refused"), False),
        (smtplib.SMTPRecipientsRefused({}), False),
        (channels.Refused("errcode 93000"), False),
        (smtplib.SMTPServerDisconnected(), True),
        (TimeoutError(), True),
        (ConnectionResetError(), True),
    ],
)
def test_which_failures_leave_the_outcome_unknown(error, unknown):
    assert channels.outcome_unknown(error) is unknown


@pytest.mark.django_db(transaction=True)
def test_queuing_a_send_gives_up_within_a_second_on_a_broker_that_accepts_and_never_answers(caplog):
    """A frozen Redis looks like this: the kernel accepts the connection, nothing ever answers."""
    import socket
    import time

    from django.db import transaction

    from ideology_office.celery import app

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    previous = app.conf.broker_url, app.conf.broker_write_url
    app.conf.broker_url = app.conf.broker_write_url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
    app._pool = None
    try:
        started = time.monotonic()
        with transaction.atomic():
            services.request_sending()
            queued_at = time.monotonic()
        elapsed = time.monotonic() - started
    finally:
        app.conf.broker_url, app.conf.broker_write_url = previous
        app._pool = None
        silent.close()
    # Nothing is sent to the broker inside the transaction; after the commit, at most ~1 s.
    assert queued_at - started < 0.1
    assert elapsed < services.BROKER_TOTAL_TIMEOUT + 0.5
    assert "broker unavailable" in caplog.text
