"""Writes of the reminders engine: planning the outbox, claiming and sending, cancelling, retrying,
the leaders' digest, and the inbox actions. Every door (beat tasks, the command, the admin, the
work areas' services) goes through these functions."""

from __future__ import annotations

import datetime
import logging
import os
import socket
import threading
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import get_connection
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ideology_office.celery import app as celery_app

from . import channels as channel_senders
from .models import (
    Channel,
    Delivery,
    DeliveryStatus,
    InboxMessage,
    OutboxItem,
    OutboxStatus,
    ReminderKind,
    ReminderPreference,
    ReminderRule,
    parse_channels,
)
from .offsets import parse_offsets
from .sources import DueItem, ReminderSource, source, sources

logger = logging.getLogger(__name__)

OPEN_STATUSES = (OutboxStatus.PENDING, OutboxStatus.RETRY)


# --------------------------------------------------------------------------------------------
# Planning


@dataclass
class PlanResult:
    created: int = 0
    considered: int = 0
    cancelled: int = 0
    skipped_rules: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _PersonChoice:
    email: bool = True
    webhook: bool = True
    quiet: tuple[datetime.time, datetime.time] | None = None


def _parse_time(text: str) -> datetime.time | None:
    if not text:
        return None
    hour, minute = text.split(":")
    return datetime.time(int(hour), int(minute))


def _default_quiet() -> tuple[datetime.time, datetime.time] | None:
    start, end = _parse_time(settings.REMINDER_QUIET_START), _parse_time(settings.REMINDER_QUIET_END)
    return (start, end) if start and end and start != end else None


def _choices_for(user_ids: set[int], rule: ReminderRule | None) -> dict[int, _PersonChoice]:
    """Each person's channels for ``rule`` and quiet hours: one query for the whole batch."""
    rows = ReminderPreference.objects.filter(user_id__in=user_ids).filter(
        models.Q(rule=None) | models.Q(rule=rule) if rule is not None else models.Q(rule=None)
    )
    defaults: dict[int, ReminderPreference] = {}
    specific: dict[int, ReminderPreference] = {}
    for row in rows:
        (defaults if row.rule_id is None else specific)[row.user_id] = row
    fallback_quiet = _default_quiet()
    result = {}
    for user_id in user_ids:
        default = defaults.get(user_id)
        chosen = specific.get(user_id) or default
        quiet = fallback_quiet
        if default is not None and default.quiet_start is not None and default.quiet_end is not None:
            quiet = (
                (default.quiet_start, default.quiet_end) if default.quiet_start != default.quiet_end else None
            )
        result[user_id] = _PersonChoice(
            email=chosen.email if chosen else True,
            webhook=chosen.webhook if chosen else True,
            quiet=quiet,
        )
    return result


def quiet_until(moment: datetime.datetime, quiet: tuple[datetime.time, datetime.time] | None):
    """The end of the quiet hours ``moment`` falls in (local time), or None if it falls in none.
    Quiet hours may span midnight (22:00-07:30)."""
    if quiet is None:
        return None
    start, end = quiet
    local = timezone.localtime(moment)
    clock = local.time()
    tz = local.tzinfo
    if start < end:
        inside = start <= clock < end
        end_day = local.date()
    else:
        inside = clock >= start or clock < end
        end_day = local.date() + datetime.timedelta(days=1) if clock >= start else local.date()
    if not inside:
        return None
    return timezone.make_aware(datetime.datetime.combine(end_day, end), tz)


def _channels_for(rule_channels: list[str], choice: _PersonChoice) -> str:
    chosen = [Channel.INBOX]
    if Channel.EMAIL in rule_channels and choice.email:
        chosen.append(Channel.EMAIL)
    if Channel.WEBHOOK in rule_channels and choice.webhook:
        chosen.append(Channel.WEBHOOK)
    return ",".join(chosen)


def _stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%MZ")


def _planned_for(rule: ReminderRule, item: DueItem, now: datetime.datetime, catchup: datetime.timedelta):
    """(kind, label, send_at, recipients) of every reminder of ``item`` that is due by ``now``."""
    planned = []
    for label, delta in parse_offsets(rule.offsets):
        send_at = item.moment + delta
        if now - catchup <= send_at <= now:
            planned.append((ReminderKind.BEFORE, label, send_at, item.recipients))
    overdue_for = now - item.moment
    if rule.overdue_every_days and overdue_for >= datetime.timedelta(days=rule.overdue_every_days):
        # Only the latest repeat: after a pause of the planner nobody gets a burst of old ones.
        number = overdue_for // datetime.timedelta(days=rule.overdue_every_days)
        send_at = item.moment + datetime.timedelta(days=rule.overdue_every_days * number)
        planned.append((ReminderKind.OVERDUE, f"overdue{number}", send_at, item.recipients))
    if rule.escalate_after_days is not None and overdue_for >= datetime.timedelta(
        days=rule.escalate_after_days
    ):
        send_at = item.moment + datetime.timedelta(days=rule.escalate_after_days)
        planned.append((ReminderKind.ESCALATION, "escalation", send_at, item.escalation_recipients))
    return planned


def _window(rule: ReminderRule, now: datetime.datetime, catchup: datetime.timedelta):
    """The range of moments whose reminders may be due now: [since, until] (since None: open)."""
    deltas = [delta for _label, delta in parse_offsets(rule.offsets)]
    overdue = [
        datetime.timedelta(days=days)
        for days in (rule.overdue_every_days, rule.escalate_after_days)
        if days is not None
    ]
    until = now - min(deltas + overdue)
    since = None if overdue else now - catchup - max(deltas)
    return since, until


def _rows_for_batch(rule: ReminderRule, items: list[DueItem], now: datetime.datetime) -> list[OutboxItem]:
    catchup = datetime.timedelta(hours=settings.REMINDER_CATCHUP_HOURS)
    planned = [(item, _planned_for(rule, item, now, catchup)) for item in items]
    user_ids = {user for _item, plans in planned for *_rest, recipients in plans for user in recipients}
    if not user_ids:
        return []
    choices = _choices_for(user_ids, rule)
    rule_channels = rule.channel_list
    rows = []
    for item, plans in planned:
        for kind, label, send_at, recipients in plans:
            title = (
                item.title
                if kind != ReminderKind.ESCALATION
                else _("[Escalated] %(title)s") % {"title": item.title}
            )
            for user_id in sorted(set(recipients)):
                choice = choices[user_id]
                release = None if rule.urgent else quiet_until(now, choice.quiet)
                rows.append(
                    OutboxItem(
                        dedup_key=(
                            f"{rule.key}:{item.content_type_id}:{item.object_id}:"
                            f"{_stamp(item.moment)}:{label}:{user_id}"
                        )[:255],
                        rule=rule,
                        kind=kind,
                        content_type_id=item.content_type_id,
                        object_id=str(item.object_id),
                        recipient_id=user_id,
                        moment=item.moment,
                        title=title[:200],
                        body=item.body,
                        url=item.url[:300],
                        channels=_channels_for(rule_channels, choice),
                        urgent=rule.urgent,
                        send_at=send_at,
                        next_attempt_at=release or now,
                    )
                )
    return rows


def _insert_new(rows: list[OutboxItem]) -> int:
    """Insert the rows whose key is new; a row another planner inserted meanwhile is ignored by the
    database (unique key), so two beats planning at once insert each reminder once."""
    if not rows:
        return 0
    keys = [row.dedup_key for row in rows]
    existing = set(OutboxItem.objects.filter(dedup_key__in=keys).values_list("dedup_key", flat=True))
    fresh = list({row.dedup_key: row for row in rows if row.dedup_key not in existing}.values())
    if fresh:
        OutboxItem.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


def _plan_rule(rule, registered: ReminderSource, now, result: PlanResult, *, object_ids=None) -> None:
    catchup = datetime.timedelta(hours=settings.REMINDER_CATCHUP_HOURS)
    since, until = _window(rule, now, catchup)
    batch_size = settings.REMINDER_PLANNER_BATCH_SIZE
    after = None
    while True:
        items = registered.open_items(
            since=since, until=until, after=after, limit=batch_size, object_ids=object_ids
        )
        if not items:
            return
        result.considered += len(items)
        result.created += _insert_new(_rows_for_batch(rule, items, now))
        if len(items) < batch_size:
            return
        after = items[-1].object_id


def reminders_plan(*, now: datetime.datetime | None = None) -> PlanResult:
    """One planner pass: insert every reminder that is due by now and not yet planned, then cancel
    pending reminders of records that are done. Idempotent; safe to run in several processes."""
    now = now or timezone.now()
    result = PlanResult()
    for rule in ReminderRule.objects.filter(active=True).order_by("key"):
        registered = source(rule.source)
        if registered is None:
            result.skipped_rules.append(rule.key)
            continue
        _plan_rule(rule, registered, now, result)
    result.cancelled = reminders_cancel_done()
    return result


def reminders_plan_for(*, source_key: str, object_ids: list, now: datetime.datetime | None = None) -> int:
    """Plan now the reminders of some records of one source (called by a work area's service when
    it saves a deadline), inside the caller's transaction, and ask for a send after commit."""
    now = now or timezone.now()
    registered = source(source_key)
    if registered is None:
        return 0
    result = PlanResult()
    ids = [str(pk) for pk in object_ids]
    for rule in ReminderRule.objects.filter(active=True, source=source_key):
        _plan_rule(rule, registered, now, result, object_ids=ids)
    if result.created:
        request_sending()
    return result.created


# A web request never waits on the broker longer than this (connect + publish, in seconds): a
# frozen Redis accepts the TCP connection and then never answers.
BROKER_CONNECT_TIMEOUT = 0.4
BROKER_PUBLISH_TIMEOUT = 0.4
BROKER_TOTAL_TIMEOUT = 1.0

# The Celery task (in tasks.py) that sends what is due.
SEND_DUE_TASK = "notifications.send_due_reminders"


def _publish_send_request() -> None:
    options = {
        # One connection attempt, no retry loop: kombu's default would hold the request for
        # seconds while the broker is down.
        "max_retries": 0,
        # Redis transport: bounded connect and socket reads/writes (other transports ignore them).
        "socket_connect_timeout": BROKER_CONNECT_TIMEOUT,
        "socket_timeout": BROKER_PUBLISH_TIMEOUT,
        "retry_on_timeout": False,
    }
    with celery_app.connection_for_write(
        connect_timeout=BROKER_CONNECT_TIMEOUT, transport_options=options
    ) as broker:
        # ignore_result: no subscription to the result backend (the same Redis) on the way.
        # By name: the tasks module calls these services, so this module never imports it.
        celery_app.send_task(
            SEND_DUE_TASK, queue=settings.REMINDER_QUEUE, retry=False, connection=broker, ignore_result=True
        )


def _enqueue_sending() -> None:
    """Publish one send request, waiting at most BROKER_TOTAL_TIMEOUT; any failure is logged only.
    The publish runs in a daemon thread so that the bound holds whatever the client library does
    (its own socket timeouts end the thread soon after)."""
    failure = []

    def publish():
        try:
            _publish_send_request()
        except Exception as error:  # noqa: BLE001 - any broker failure is logged and left to the sweep
            failure.append(error)

    thread = threading.Thread(target=publish, name="reminders-enqueue", daemon=True)
    thread.start()
    thread.join(BROKER_TOTAL_TIMEOUT)
    if thread.is_alive():
        logger.warning(
            "reminders: broker unavailable (no answer within %ss), the next sweep will send",
            BROKER_TOTAL_TIMEOUT,
        )
    elif failure:
        logger.warning(
            "reminders: broker unavailable, the next sweep will send",
            exc_info=(type(failure[0]), failure[0], failure[0].__traceback__),
        )


def request_sending() -> None:
    """Ask a worker to send what is due, once the current transaction commits. A broker that is
    down must not fail the web request: the rows are committed and the next beat sweep sends them.
    One request per transaction however many records it planned: the sender sends everything due.
    (A rolled-back transaction drops its callbacks, so nothing is left marked as requested.)"""
    pending = transaction.get_connection().run_on_commit
    if any(callback is _enqueue_sending for _savepoints, callback, _robust in pending):
        return
    transaction.on_commit(_enqueue_sending)


# --------------------------------------------------------------------------------------------
# Cancelling


def reminders_cancel_for(*records) -> int:
    """Cancel the reminders of ``records`` that are not yet sent (closed, voided, the shift is
    over). Work areas' services call it when they mark records done: one update per kind of record."""
    by_type = defaultdict(list)
    for record in records:
        by_type[ContentType.objects.get_for_model(record, for_concrete_model=False)].append(str(record.pk))
    return sum(
        OutboxItem.objects.filter(
            content_type=content_type, object_id__in=ids, status__in=OPEN_STATUSES
        ).update(status=OutboxStatus.CANCELLED, last_error=_("The record is done."))
        for content_type, ids in by_type.items()
    )


def reminders_cancel_done() -> int:
    """Planner pass: ask each source which records of its waiting reminders are done, in batches."""
    cancelled = 0
    batch_size = settings.REMINDER_PLANNER_BATCH_SIZE
    for registered in sources():
        waiting = (
            OutboxItem.objects.filter(status__in=OPEN_STATUSES, rule__source=registered.key)
            .values_list("content_type_id", "object_id")
            .distinct()
            .order_by("content_type_id", "object_id")
        )
        last = None
        while True:
            page = (
                waiting
                if last is None
                else waiting.filter(
                    models.Q(content_type_id__gt=last[0])
                    | models.Q(content_type_id=last[0], object_id__gt=last[1])
                )
            )
            chunk = list(page[:batch_size])
            if not chunk:
                break
            by_type = defaultdict(list)
            for content_type_id, object_id in chunk:
                by_type[content_type_id].append(object_id)
            for content_type_id, object_ids in by_type.items():
                done = registered.done_ids(object_ids)
                if done:
                    cancelled += OutboxItem.objects.filter(
                        content_type_id=content_type_id,
                        object_id__in=list(done),
                        status__in=OPEN_STATUSES,
                        rule__source=registered.key,
                    ).update(status=OutboxStatus.CANCELLED, last_error=_("The record is done."))
            last = chunk[-1]
            if len(chunk) < batch_size:
                break
    return cancelled


# --------------------------------------------------------------------------------------------
# Sending


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def reminders_claim(*, worker: str, limit: int, now: datetime.datetime | None = None) -> list[int]:
    """Claim up to ``limit`` due rows for this worker and commit the claim before anything is sent.
    ``skip_locked`` lets several senders run side by side, each taking different rows."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            OutboxItem.objects.select_for_update(skip_locked=True)
            .filter(status__in=OPEN_STATUSES, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            OutboxItem.objects.filter(pk__in=ids, status__in=OPEN_STATUSES).update(
                status=OutboxStatus.SENDING, claimed_at=now, claimed_by=worker, attempts=F("attempts") + 1
            )
    return ids


def _retry_delay(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.REMINDER_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))


def _on_unknown(channel: str) -> str:
    """What to do with a channel whose earlier send has an unknown outcome: "retry" or "hold"."""
    policy = getattr(settings, "REMINDER_ON_UNKNOWN_OUTCOME", {}).get(channel, "retry")
    return "hold" if policy == "hold" else "retry"


def _begin_attempt(item: OutboxItem, channel: str, *, worker: str, duplicate: bool) -> Delivery | None:
    """Log the send as "attempting" and commit, if this process still holds the claim (checked
    under the row's lock, so the watchdog either takes the reminder before, and nothing is sent,
    or after, and sees the attempt). The claim is renewed: a long batch is not taken from a live
    process. None: the claim was lost."""
    with transaction.atomic():
        # The update locks the row until the commit, like select_for_update, in one statement.
        still_held = OutboxItem.objects.filter(
            pk=item.pk, status=OutboxStatus.SENDING, claimed_by=worker
        ).update(claimed_at=timezone.now())
        if not still_held:
            return None
        return Delivery.objects.create(
            item=item,
            channel=channel,
            status=DeliveryStatus.ATTEMPTING,
            attempt=item.attempts,
            key=item.message_id if channel == Channel.EMAIL else item.channel_key(channel),
            possible_duplicate=duplicate,
            worker=worker[:100],
        )


LOST_CLAIM = "lost-claim"


def _send_channel(item: OutboxItem, channel: str, *, worker: str, duplicate: bool, connection) -> str | None:
    """One send of one channel: the log row is committed as "attempting" before the network call
    and updated with the outcome after it. Returns an error text, LOST_CLAIM, or None when done."""
    row = _begin_attempt(item, channel, worker=worker, duplicate=duplicate)
    if row is None:
        return LOST_CLAIM
    error = None
    try:
        status, detail = channel_senders.SENDERS[channel](item, connection=connection, duplicate=duplicate)
    except Exception as failure:  # noqa: BLE001 - every failure of a channel is recorded, then retried
        unknown = channel_senders.outcome_unknown(failure)
        status = DeliveryStatus.UNKNOWN if unknown else DeliveryStatus.FAILED
        detail = f"{type(failure).__name__}: {failure}"[:2000]
        error = f"{channel}: {detail}"
    # The row may meanwhile be "unknown" (the watchdog took the reminder from this slow process):
    # the outcome is known now, so it is recorded all the same.
    Delivery.objects.filter(pk=row.pk, status__in=[DeliveryStatus.ATTEMPTING, DeliveryStatus.UNKNOWN]).update(
        status=status, detail=detail, finished_at=timezone.now()
    )
    return error


def _mark_unknown(rows) -> int:
    """Sends left "attempting" by a process that stopped: their outcome is unknown."""
    return rows.filter(status=DeliveryStatus.ATTEMPTING).update(
        status=DeliveryStatus.UNKNOWN,
        detail=_("The process sending it stopped before recording the outcome."),
        finished_at=timezone.now(),
    )


def reminder_deliver(item_id: int, *, worker: str, connection=None) -> str:
    """Send one claimed reminder through each of its channels not yet delivered, then (in one
    transaction) put it in the inbox and mark it sent, held or to be retried.

    A channel whose earlier send has an unknown outcome (its process died between the send and
    recording it, or the connection dropped after the message was written) is either sent again,
    the new log row marked possible duplicate, or held for an administrator
    (``REMINDER_ON_UNKNOWN_OUTCOME``). Must run outside a transaction: each log row commits
    before its network call."""
    item = OutboxItem.objects.select_related("recipient").get(pk=item_id)
    if item.status != OutboxStatus.SENDING or item.claimed_by != worker:
        return LOST_CLAIM
    outcomes = _earlier_outcomes(item)
    errors, held = [], []
    for channel in parse_channels(item.channels):
        if channel == Channel.INBOX or outcomes[channel] & {DeliveryStatus.SENT, DeliveryStatus.SKIPPED}:
            continue
        duplicate = DeliveryStatus.UNKNOWN in outcomes[channel]
        if duplicate and _on_unknown(channel) == "hold" and not item.allow_duplicate:
            held.append(channel)
            continue
        error = _send_channel(item, channel, worker=worker, duplicate=duplicate, connection=connection)
        if error == LOST_CLAIM:
            return LOST_CLAIM
        if error:
            errors.append(error)
    now = timezone.now()
    with transaction.atomic():
        locked = OutboxItem.objects.select_for_update().get(pk=item.pk)
        if locked.status != OutboxStatus.SENDING or locked.claimed_by != worker:
            return LOST_CLAIM
        _put_in_inbox(locked, worker=worker, now=now)
        _settle(locked, errors=errors, held=held, now=now)
    return locked.status


def _earlier_outcomes(item: OutboxItem) -> defaultdict[str, set]:
    """{channel: statuses of its earlier sends}. The caller holds the claim and has sent nothing
    yet: a row still "attempting" belongs to an earlier claim whose process stopped (or lost the
    claim to the watchdog while it hung), so it is marked unknown."""
    outcomes: defaultdict[str, set] = defaultdict(set)
    stale = []
    for pk, channel, status in item.deliveries.values_list("pk", "channel", "status"):
        if status == DeliveryStatus.ATTEMPTING:
            stale.append(pk)
            status = DeliveryStatus.UNKNOWN
        outcomes[channel].add(status)
    if stale:
        _mark_unknown(Delivery.objects.filter(pk__in=stale))
    return outcomes


def _put_in_inbox(locked: OutboxItem, *, worker: str, now: datetime.datetime) -> None:
    """The inbox message and its log row, once. Under the row's lock: no other transaction can
    write this reminder's inbox message."""
    if InboxMessage.objects.filter(item=locked).exists():
        return
    InboxMessage.objects.create(
        item=locked,
        recipient_id=locked.recipient_id,
        title=locked.title,
        body=locked.body,
        url=locked.url,
        urgent=locked.urgent,
        created_at=now,
    )
    Delivery.objects.create(
        item=locked,
        channel=Channel.INBOX,
        status=DeliveryStatus.SENT,
        attempt=locked.attempts,
        worker=worker[:100],
        finished_at=now,
    )


def _settle(locked: OutboxItem, *, errors: list[str], held: list[str], now: datetime.datetime) -> None:
    """Release the claim and record the outcome: failed for good, to be retried, held or sent."""
    locked.claimed_at = None
    locked.claimed_by = ""
    if errors and locked.attempts >= settings.REMINDER_MAX_ATTEMPTS:
        locked.status, locked.last_error = OutboxStatus.FAILED, "\n".join(errors)
    elif errors:
        locked.status, locked.last_error = OutboxStatus.RETRY, "\n".join(errors)
        locked.next_attempt_at = now + _retry_delay(locked.attempts)
    elif held:
        locked.status = OutboxStatus.HELD
        locked.last_error = _(
            "An earlier send through %(channels)s may have arrived (its outcome is unknown): "
            "held for an administrator to send again or mark delivered."
        ) % {"channels": ", ".join(held)}
    else:
        locked.status, locked.sent_at, locked.last_error = OutboxStatus.SENT, now, ""
    locked.save(
        update_fields=["status", "sent_at", "last_error", "next_attempt_at", "claimed_at", "claimed_by"]
    )


@dataclass
class SendResult:
    sent: int = 0
    retry: int = 0
    failed: int = 0
    lost: int = 0
    held: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.retry + self.failed + self.lost + self.held


def reminders_send_due(*, worker: str | None = None, max_batches: int | None = None) -> SendResult:
    """Claim and send due rows in small batches until none is left (or ``max_batches``)."""
    worker = worker or worker_name()
    result = SendResult()
    batches = 0
    connection = get_connection(fail_silently=False)
    try:
        while max_batches is None or batches < max_batches:
            ids = reminders_claim(worker=worker, limit=settings.REMINDER_SEND_BATCH_SIZE)
            if not ids:
                break
            batches += 1
            for item_id in ids:
                outcome = reminder_deliver(item_id, worker=worker, connection=connection)
                if outcome == OutboxStatus.SENT:
                    result.sent += 1
                elif outcome == OutboxStatus.RETRY:
                    result.retry += 1
                    # A broken SMTP session must not fail the rest of the batch.
                    connection.close()
                elif outcome == OutboxStatus.FAILED:
                    result.failed += 1
                elif outcome == OutboxStatus.HELD:
                    result.held += 1
                else:
                    result.lost += 1
    finally:
        connection.close()
    return result


def reminders_reclaim_stuck(*, now: datetime.datetime | None = None) -> int:
    """Watchdog: rows left in "sending" by a worker that died are put back to be sent again (or
    given up once they used all attempts). Their channel sends left "attempting" become "unknown":
    the next attempt sends them again marked possible duplicate, or holds them (per channel)."""
    now = now or timezone.now()
    limit = now - datetime.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS)
    note = _("The worker sending it stopped; sent again.")
    with transaction.atomic():
        # Locked: a live sender logs its attempt under the same lock (see _begin_attempt), so an
        # attempt is either logged before (and marked unknown here) or not made at all.
        stuck_ids = list(
            OutboxItem.objects.select_for_update()
            .filter(status=OutboxStatus.SENDING, claimed_at__lt=limit)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not stuck_ids:
            return 0
        _mark_unknown(Delivery.objects.filter(item_id__in=stuck_ids))
        stuck = OutboxItem.objects.filter(pk__in=stuck_ids)
        given_up = stuck.filter(attempts__gte=settings.REMINDER_MAX_ATTEMPTS).update(
            status=OutboxStatus.FAILED, claimed_at=None, claimed_by="", last_error=note
        )
        back = stuck.filter(status=OutboxStatus.SENDING).update(
            status=OutboxStatus.RETRY, claimed_at=None, claimed_by="", next_attempt_at=now, last_error=note
        )
    return given_up + back


@transaction.atomic
def reminder_resend(*, item: OutboxItem) -> OutboxItem:
    """Admin action: send a given-up, cancelled or held reminder again (channels already delivered
    are not repeated; a held channel is sent again, marked possible duplicate)."""
    locked = OutboxItem.objects.select_for_update().get(pk=item.pk)
    if locked.status in (OutboxStatus.FAILED, OutboxStatus.CANCELLED, OutboxStatus.HELD):
        if locked.status == OutboxStatus.HELD:
            locked.allow_duplicate = True
        locked.status, locked.attempts, locked.next_attempt_at = OutboxStatus.RETRY, 0, timezone.now()
        locked.save(update_fields=["status", "attempts", "next_attempt_at", "allow_duplicate"])
        request_sending()
    return locked


@transaction.atomic
def reminder_confirm_delivered(*, item: OutboxItem, user) -> OutboxItem:
    """Admin action: a held reminder's unknown sends did arrive (the recipient confirmed it): their
    log rows become "sent" and the reminder is done, without sending anything again."""
    locked = OutboxItem.objects.select_for_update().get(pk=item.pk)
    if locked.status != OutboxStatus.HELD:
        return locked
    now = timezone.now()
    note = _("Confirmed delivered by %(user)s.") % {"user": user.get_username()}
    for channel in parse_channels(locked.channels):
        rows = locked.deliveries.filter(channel=channel)
        if rows.filter(status__in=[DeliveryStatus.SENT, DeliveryStatus.SKIPPED]).exists():
            continue
        last = rows.filter(status=DeliveryStatus.UNKNOWN).order_by("-pk").first()
        if last is not None:
            Delivery.objects.filter(pk=last.pk).update(
                status=DeliveryStatus.SENT, detail=f"{last.detail}\n{note}".strip(), finished_at=now
            )
    locked.status, locked.sent_at, locked.last_error = OutboxStatus.SENT, now, note
    locked.save(update_fields=["status", "sent_at", "last_error"])
    return locked


# --------------------------------------------------------------------------------------------
# Leaders' daily digest


def reminders_plan_digest(*, now: datetime.datetime | None = None, max_lines: int = 30) -> int:
    """One message per leader listing what is overdue in the records they are the escalation
    recipient of (their areas), across every source with an active rule that lists deadlines
    (``in_digest``; not shift starts, key dates coming up and the like). Once a day per leader."""
    now = now or timezone.now()
    batch_size = settings.REMINDER_PLANNER_BATCH_SIZE
    per_leader: dict[int, list[DueItem]] = defaultdict(list)
    keys = set(ReminderRule.objects.filter(active=True).values_list("source", flat=True))
    for registered in sources():
        if registered.key not in keys or not registered.in_digest:
            continue
        after = None
        while True:
            items = registered.open_items(
                since=None, until=now, after=after, limit=batch_size, object_ids=None
            )
            for item in items:
                for leader_id in set(item.escalation_recipients):
                    per_leader[leader_id].append(item)
            if len(items) < batch_size:
                break
            after = items[-1].object_id
    if not per_leader:
        return 0
    choices = _choices_for(set(per_leader), None)
    day = timezone.localdate(now)
    rows = []
    for leader_id, items in per_leader.items():
        items.sort(key=lambda item: item.moment)
        lines = [
            f"· {item.title}（{_('due')} {timezone.localtime(item.moment):%Y-%m-%d}）"
            for item in items[:max_lines]
        ]
        if len(items) > max_lines:
            lines.append(_("… and %(count)d more.") % {"count": len(items) - max_lines})
        choice = choices[leader_id]
        rows.append(
            OutboxItem(
                dedup_key=f"digest:{day:%Y%m%d}:{leader_id}",
                kind=ReminderKind.DIGEST,
                recipient_id=leader_id,
                title=_("Daily digest: %(count)d overdue items") % {"count": len(items)},
                body="\n".join(lines),
                url="",
                channels=_channels_for([Channel.INBOX, Channel.EMAIL], choice),
                send_at=now,
                next_attempt_at=quiet_until(now, choice.quiet) or now,
            )
        )
    return _insert_new(rows)


# --------------------------------------------------------------------------------------------
# Notices


def notice_send(*, recipient, title: str, body: str = "", url: str = "", dedup_key: str) -> bool:
    """A message to one person's inbox about something they started (a download written in the
    background is ready), through the outbox like every reminder: delivered by the sender once
    the transaction commits. ``dedup_key`` makes it once only; False if it was sent already."""
    now = timezone.now()
    _item, new = OutboxItem.objects.get_or_create(
        dedup_key=dedup_key[:255],
        defaults={
            "kind": ReminderKind.NOTICE,
            "recipient": recipient,
            "title": title[:200],
            "body": body,
            "url": url[:300],
            "channels": Channel.INBOX,
            "send_at": now,
            "next_attempt_at": now,
        },
    )
    if new:
        request_sending()
    return new


# --------------------------------------------------------------------------------------------
# Inbox and preferences


@transaction.atomic
def inbox_mark_read(*, message: InboxMessage) -> InboxMessage:
    if message.read_at is None:
        message.read_at = timezone.now()
        message.save(update_fields=["read_at"])
    return message


@transaction.atomic
def inbox_mark_all_read(*, user) -> int:
    return InboxMessage.objects.filter(recipient=user, read_at=None).update(read_at=timezone.now())


@transaction.atomic
def preference_save(
    *,
    user,
    rule: ReminderRule | None,
    email: bool,
    webhook: bool,
    quiet_start: datetime.time | None = None,
    quiet_end: datetime.time | None = None,
) -> ReminderPreference:
    preference = ReminderPreference.objects.select_for_update().filter(user=user, rule=rule).first()
    if preference is None:
        preference = ReminderPreference(user=user, rule=rule, created_by=user)
    preference.email, preference.webhook = email, webhook
    if rule is None:
        preference.quiet_start, preference.quiet_end = quiet_start, quiet_end
    preference.full_clean()
    preference.save()
    return preference
