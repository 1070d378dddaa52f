"""Nightly trust of the record: verify the sign-off chain, anchor its head outside the database,
and tell the administrators at once (an urgent reminder) when the chain does not verify.

Scheduled by Celery beat (``CELERY_BEAT_SCHEDULE`` entry ``signoff-chain-nightly``); sites without
beat run ``python manage.py verify_signoffs --anchor`` from cron instead."""

from __future__ import annotations

from celery import shared_task
from django.urls import reverse
from django.utils import timezone


def alert_administrators(problems: list[str], *, chain_label: str = "签批记录链") -> int:
    """An urgent reminder to every administrator, once a day per chain: through the outbox, so it
    is delivered (inbox, e-mail, group robot) like every other reminder."""
    from ideology_office.accounts.models import User
    from ideology_office.accounts.roles import Role
    from ideology_office.notifications.models import OutboxItem, ReminderKind
    from ideology_office.notifications.services import request_sending

    now = timezone.now()
    body = "\n".join(problems[:20]) + (f"\n……共 {len(problems)} 处。" if len(problems) > 20 else "")
    created = 0
    for person in User.objects.with_role(Role.ADMIN).distinct():
        _item, new = OutboxItem.objects.get_or_create(
            dedup_key=f"chain-broken:{chain_label}:{timezone.localdate(now):%Y-%m-%d}:{person.pk}",
            defaults={
                "kind": ReminderKind.OVERDUE,
                "recipient": person,
                "title": f"{chain_label}核验未通过，请立即核查",
                "body": body,
                "url": reverse("admin:index"),
                "channels": "inbox,email,webhook",
                "urgent": True,
                "send_at": now,
                "next_attempt_at": now,
            },
        )
        created += new
    if created:
        request_sending()
    return created


def verify_and_anchor() -> dict:
    from ideology_office.common import anchors

    from .chain import CHAIN_NAME
    from .models import SignOffChainHead
    from .selectors import verify_signoff_chain

    result = verify_signoff_chain(anchors_dir=anchors.anchor_dir())
    if result.problems:
        alerted = alert_administrators(result.problems)
        return {"ok": False, "problems": len(result.problems), "alerted": alerted}
    head = SignOffChainHead.objects.filter(pk=1).values_list("last_sequence", "last_hash").first()
    anchor = anchors.write_anchor(CHAIN_NAME, *(head or (0, anchors.GENESIS_HASH)))
    return {"ok": True, "rows": result.rows, "anchor": anchor.digest}


@shared_task(name="positions.verify_signoff_chain")
def verify_signoff_chain_task() -> dict:
    return verify_and_anchor()
