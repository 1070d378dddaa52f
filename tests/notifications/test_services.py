import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ideology_office.accounts.roles import Role
from ideology_office.notifications import services
from ideology_office.notifications.models import (
    Delivery,
    InboxMessage,
    OutboxItem,
    OutboxStatus,
    ReminderKind,
    ReminderPreference,
    ReminderRule,
)
from ideology_office.notifications.offsets import parse_offsets
from ideology_office.notifications.sources import (
    DueItem,
    ReminderSource,
    register_source,
    sources,
    unregister_source,
)
from tests.factories import UserFactory

from .conftest import local
from .factories import dossier

# 2025-03-10 09:00 Shanghai is the deadline moment of a dossier due on 2025-03-10.
DUE = datetime.date(2025, 3, 10)


def test_offsets_are_parsed_in_days_hours_and_minutes():
    assert parse_offsets("-7d, -3d,-1d，0d") == [
        ("-7d", datetime.timedelta(days=-7)),
        ("-3d", datetime.timedelta(days=-3)),
        ("-1d", datetime.timedelta(days=-1)),
        ("0d", datetime.timedelta(0)),
    ]
    assert parse_offsets("-12h,+30m,-1h,-1h") == [
        ("-12h", datetime.timedelta(hours=-12)),
        ("30m", datetime.timedelta(minutes=30)),
        ("-1h", datetime.timedelta(hours=-1)),
    ]


@pytest.mark.parametrize("text", ["-7", "7 days", "-1w", "d", "-1d;0d"])
def test_bad_offsets_are_refused(text):
    with pytest.raises(ValidationError):
        parse_offsets(text)


@pytest.mark.django_db
def test_a_rule_needs_valid_offsets_and_channels():
    rule = ReminderRule(key="x.y", source="x.y", name="规则", offsets="-1x", channels="inbox,fax")
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert {"offsets", "channels"} <= set(error.value.message_dict)


@pytest.mark.django_db
def test_default_rules_are_shipped_for_every_source():
    keys = set(ReminderRule.objects.values_list("key", flat=True))
    assert {"inspections.task_deadline", "sentiment.duty_shift_start", "study.points_below_threshold"} <= keys
    urgent = ReminderRule.objects.get(key="sentiment.incident_over_limit")
    assert urgent.urgent and urgent.escalate_after_days == 0


@pytest.mark.django_db
def test_planner_inserts_the_reminder_that_is_due_once(dossier_rule):
    record = dossier(deadline=DUE)
    now = local(2025, 3, 7, 9, 5)  # three days before, five minutes after the hour
    first = services.reminders_plan(now=now)
    second = services.reminders_plan(now=now)
    item = OutboxItem.objects.get()
    assert first.created == 1 and second.created == 0
    assert item.kind == ReminderKind.BEFORE and item.recipient == record.owner
    assert item.dedup_key.endswith(f":-3d:{record.owner_id}")
    assert item.channels == "inbox,email"
    assert item.send_at == local(2025, 3, 7, 9)


@pytest.mark.django_db
def test_planner_does_not_send_a_reminder_whose_time_is_long_past(dossier_rule, settings):
    settings.REMINDER_CATCHUP_HOURS = 24
    dossier(deadline=DUE)
    services.reminders_plan(now=local(2025, 3, 9, 9, 30))  # -3d passed two days ago; -1d is due
    assert list(OutboxItem.objects.values_list("dedup_key", flat=True))[0].split(":")[-2] == "-1d"
    assert OutboxItem.objects.count() == 1


@pytest.mark.django_db
def test_overdue_repeats_the_latest_only_and_escalates_to_leaders(dossier_rule):
    leader = UserFactory(roles=[Role.LEADER])
    record = dossier(deadline=DUE)
    services.reminders_plan(now=local(2025, 3, 15, 10))  # five days overdue
    rows = {(row.kind, row.recipient_id): row for row in OutboxItem.objects.all()}
    assert set(rows) == {(ReminderKind.OVERDUE, record.owner_id), (ReminderKind.ESCALATION, leader.pk)}
    assert rows[(ReminderKind.OVERDUE, record.owner_id)].dedup_key.split(":")[-2] == "overdue2"
    assert rows[(ReminderKind.ESCALATION, leader.pk)].title.startswith("【上报】")


@pytest.mark.django_db
def test_a_rule_whose_source_is_not_registered_is_skipped(dossier_rule):
    ReminderRule.objects.create(
        key="testapp.unknown", source="testapp.unknown", name="未接入", offsets="0d", channels="inbox"
    )
    result = services.reminders_plan(now=local(2025, 3, 7, 9, 5))
    # Every default rule has its work area's source registered; only the unknown one is skipped.
    assert result.skipped_rules == ["testapp.unknown"]


@pytest.mark.django_db
def test_inactive_rules_plan_nothing(dossier_rule):
    dossier_rule.active = False
    dossier_rule.save()
    dossier(deadline=DUE)
    assert services.reminders_plan(now=local(2025, 3, 7, 9, 5)).created == 0


@pytest.mark.django_db
def test_done_records_have_their_waiting_reminders_cancelled(dossier_rule):
    first, second = dossier(deadline=DUE), dossier(deadline=DUE)
    services.reminders_plan(now=local(2025, 3, 7, 9, 5))
    first.done = True
    first.save()
    assert services.reminders_cancel_done() == 1
    assert services.reminders_cancel_for(second) == 1
    assert set(OutboxItem.objects.values_list("status", flat=True)) == {OutboxStatus.CANCELLED}


@pytest.mark.django_db
def test_quiet_hours_hold_a_reminder_until_morning_unless_urgent(dossier_rule, settings):
    settings.REMINDER_QUIET_START, settings.REMINDER_QUIET_END = "22:00", "07:30"
    owner = UserFactory()
    dossier(deadline=DUE, owner=owner)
    night = local(2025, 3, 9, 23, 0)
    dossier_rule.offsets = "-10h"  # 23:00 the evening before
    dossier_rule.save()
    services.reminders_plan(now=night)
    assert OutboxItem.objects.get().next_attempt_at == local(2025, 3, 10, 7, 30)
    OutboxItem.objects.all().delete()
    dossier_rule.urgent = True
    dossier_rule.save()
    services.reminders_plan(now=night)
    assert OutboxItem.objects.get().next_attempt_at == night


@pytest.mark.django_db
def test_personal_quiet_hours_and_channels_apply(dossier_rule):
    owner = UserFactory()
    services.preference_save(
        user=owner,
        rule=None,
        email=True,
        webhook=False,
        quiet_start=datetime.time(12),
        quiet_end=datetime.time(14),
    )
    services.preference_save(user=owner, rule=dossier_rule, email=False, webhook=False)
    dossier(deadline=DUE, owner=owner)
    dossier_rule.offsets = "+4h"
    dossier_rule.save()
    services.reminders_plan(now=local(2025, 3, 10, 13, 5))
    item = OutboxItem.objects.get()
    assert item.channels == "inbox"
    assert item.next_attempt_at == local(2025, 3, 10, 14)


@pytest.mark.django_db
def test_quiet_hours_need_both_ends():
    with pytest.raises(ValidationError):
        services.preference_save(
            user=UserFactory(), rule=None, email=True, webhook=True, quiet_start=datetime.time(22)
        )
    assert not ReminderPreference.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("count", [5, 50])
def test_planner_queries_per_batch_do_not_grow_with_records(
    dossier_rule, settings, count, django_assert_max_num_queries
):
    settings.REMINDER_PLANNER_BATCH_SIZE = 10
    # Only the test source's rule plans; the work areas' sources have tests of their own.
    ReminderRule.objects.exclude(pk=dossier_rule.pk).update(active=False)
    owners = UserFactory.create_batch(3)
    for number in range(count):
        dossier(deadline=DUE, owner=owners[number % 3])
    batches = -(-count // 10) + (1 if count % 10 == 0 else 0)
    # Rules (1) + cancel pass (1 per registered source) + per batch: records, content type
    # (cached), leaders, preferences, existing keys, insert.
    limit = 2 + len(sources()) + 6 * batches
    with django_assert_max_num_queries(limit) as captured:
        services.reminders_plan(now=local(2025, 3, 7, 9, 5))
    assert OutboxItem.objects.count() == count
    assert len(captured.captured_queries) <= limit


@pytest.mark.django_db
def test_sending_puts_the_reminder_in_the_inbox_and_the_mailbox_once(dossier_rule, smtp_server):
    record = dossier(deadline=DUE)
    services.reminders_plan(now=local(2025, 3, 7, 9, 5))
    first = services.reminders_send_due()
    second = services.reminders_send_due()
    item = OutboxItem.objects.get()
    assert (first.sent, second.total) == (1, 0)
    assert item.status == OutboxStatus.SENT
    assert InboxMessage.objects.get().recipient == record.owner
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["Message-ID"] == item.message_id
    assert "测试记录" in smtp_server.subjects()[0]
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }
    assert "到期" in parts["text/plain"] and "<a href=" in parts["text/html"]
    assert sorted(Delivery.objects.values_list("channel", "status")) == [("email", "sent"), ("inbox", "sent")]


@pytest.mark.django_db
def test_a_failing_channel_is_retried_with_backoff_and_the_inbox_is_not_doubled(dossier_rule, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    settings.REMINDER_MAX_ATTEMPTS = 2
    dossier(deadline=DUE)
    services.reminders_plan(now=local(2025, 3, 7, 9, 5))
    assert services.reminders_send_due().retry == 1
    item = OutboxItem.objects.get()
    assert item.status == OutboxStatus.RETRY and "email" in item.last_error
    assert item.next_attempt_at > item.send_at
    OutboxItem.objects.update(next_attempt_at=item.send_at)
    assert services.reminders_send_due().failed == 1
    assert OutboxItem.objects.get().status == OutboxStatus.FAILED
    assert InboxMessage.objects.count() == 1
    assert Delivery.objects.filter(channel="email", status="failed").count() == 2


@pytest.mark.django_db
def test_the_watchdog_reclaims_rows_left_in_sending(dossier_rule, settings, smtp_server):
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = 60
    dossier(deadline=DUE)
    services.reminders_plan(now=local(2025, 3, 7, 9, 5))
    claimed = services.reminders_claim(worker="dead-worker", limit=10)
    assert services.reminders_send_due().total == 0  # claimed by someone else
    OutboxItem.objects.update(claimed_at=local(2025, 3, 7, 9, 6))
    assert services.reminders_reclaim_stuck() == 1
    assert services.reminder_deliver(claimed[0], worker="dead-worker") == "lost-claim"
    assert services.reminders_send_due().sent == 1
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db
def test_the_leaders_digest_lists_what_is_overdue_once_a_day(dossier_rule, settings):
    leader = UserFactory(roles=[Role.LEADER])
    dossier(deadline=DUE, title="甲")
    dossier(deadline=DUE + datetime.timedelta(days=30), title="乙")
    assert services.reminders_plan_digest(now=local(2025, 3, 12, 8)) == 1
    assert services.reminders_plan_digest(now=local(2025, 3, 12, 8, 5)) == 0
    digest = OutboxItem.objects.get(kind=ReminderKind.DIGEST)
    assert digest.recipient == leader
    assert "甲" in digest.body and "乙" not in digest.body


@pytest.mark.django_db(transaction=True)
def test_a_save_that_plans_reminders_succeeds_quickly_with_the_broker_down(dossier_rule, settings, caplog):
    import time

    from ideology_office.celery import app

    # A closed port; the producer pool is rebuilt for it and again afterwards.
    # broker_write_url too: Celery derives it from the settings, and publishing uses it.
    app.conf.broker_url = app.conf.broker_write_url = "redis://127.0.0.1:9/0"
    app._pool = None
    try:
        record = dossier(deadline=timezone.localdate())
        started = time.monotonic()
        with transaction.atomic():
            record.title = "改期"
            record.save()
            planned = services.reminders_plan_for(
                source_key="testapp.dossier_deadline", object_ids=[record.pk]
            )
        elapsed = time.monotonic() - started
    finally:
        app.conf.broker_url = app.conf.broker_write_url = settings.CELERY_BROKER_URL
        app._pool = None
    # Before 09:00 the "-1d" reminder is due (yesterday 09:00), from 09:00 the "0d" one.
    assert planned == 1
    assert elapsed < 5
    assert "broker unavailable" in caplog.text
    # Once the broker is back, the sweep sends what the save planned.
    assert services.reminders_send_due().sent == 1
    assert OutboxItem.objects.filter(object_id=str(record.pk)).count() == planned


@pytest.mark.django_db
def test_the_digest_leaves_out_sources_that_are_not_deadlines(dossier_rule, settings):
    leader = UserFactory(roles=[Role.LEADER])
    dossier(deadline=DUE, title="甲")

    def shift_items(*, since, until, after, limit, object_ids=None):
        if after is not None:
            return []
        return [
            DueItem(
                content_type_id=ContentType.objects.get_for_model(ReminderRule).pk,
                object_id="1",
                moment=local(2025, 3, 11, 8),
                recipients=(leader.pk,),
                escalation_recipients=(leader.pk,),
                title="值班开始",
            )
        ]

    register_source(
        ReminderSource(
            key="testapp.shift_start",
            label="值班开始",
            open_items=shift_items,
            done_ids=lambda ids: set(),
            in_digest=False,
        )
    )
    try:
        ReminderRule.objects.create(
            key="testapp.shift_start",
            source="testapp.shift_start",
            name="值班",
            offsets="0d",
            channels="inbox",
        )
        assert services.reminders_plan_digest(now=local(2025, 3, 12, 8)) == 1
    finally:
        unregister_source("testapp.shift_start")
    digest = OutboxItem.objects.get(kind=ReminderKind.DIGEST)
    assert "甲" in digest.body and "值班开始" not in digest.body
    assert digest.title == "每日汇总：1 项逾期事项"


@pytest.mark.django_db(transaction=True)
def test_one_send_request_per_transaction_however_many_records_it_plans(monkeypatch):
    requested = []
    monkeypatch.setattr(services, "_enqueue_sending", lambda: requested.append(1))
    with transaction.atomic():
        for _ in range(5):
            services.request_sending()
    assert requested == [1]
    with transaction.atomic():
        services.request_sending()
        transaction.set_rollback(True)
    assert requested == [1]
    services.request_sending()
    assert requested == [1, 1]
