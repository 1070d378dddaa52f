import logging
import socket
from collections.abc import Iterable
from pathlib import Path

from celery import shared_task
from django.db import connection
from django.utils import timezone

from . import anchors
from .anchors import GENESIS_HASH
from .chain import RecordChain, registered_chains


@shared_task(name="ideology_office.common.tasks.health_check")
def health_check(token: str = "") -> dict:
    """Proves that a worker runs, reaches the database and returns results."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        database_ok = cursor.fetchone() == (1,)
    return {
        "ok": database_ok,
        "token": token,
        "worker": socket.gethostname(),
        "at": timezone.now().isoformat(),
    }


logger = logging.getLogger(__name__)


def alert_roles_holders(problems: list[str], *, chain_label: str, roles: Iterable[str]) -> int:
    """An urgent reminder to everyone holding one of ``roles``, once a day per chain, through the
    outbox (inbox, e-mail, group robot) like every other reminder."""
    from django.urls import reverse

    from ideology_office.accounts.models import User
    from ideology_office.notifications.models import OutboxItem, ReminderKind
    from ideology_office.notifications.services import request_sending

    now = timezone.now()
    body = "\n".join(problems[:20]) + (f"\n……共 {len(problems)} 处。" if len(problems) > 20 else "")
    created = 0
    for person in User.objects.with_role(*roles):
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


def verify_and_anchor(chain: RecordChain, anchors_dir: Path | None = None) -> dict:
    """Verify ``chain`` against its anchors; anchor its head when intact, alert when not."""
    directory = anchors_dir or anchors.anchor_dir()
    result = chain.verify(anchors_dir=directory)
    if result.problems:
        logger.error("%s does not verify: %s", chain.name, result.problems[0])
        alerted = alert_roles_holders(result.problems, chain_label=chain.label, roles=chain.alert_roles)
        return {"ok": False, "problems": len(result.problems), "alerted": alerted}
    head = chain.head() or (0, GENESIS_HASH)
    anchor = anchors.write_anchor(chain.name, *head, directory=directory)
    return {"ok": True, "rows": result.rows, "anchor": anchor.digest}


@shared_task(name="ideology_office.common.tasks.verify_record_chains")
def verify_record_chains() -> dict:
    """Nightly (beat entry ``record-chains-nightly``): verify every record chain — the sign-offs
    and the audit trail — end to end against its anchors; anchor each intact one, and send the
    urgent reminder to its administrators when one does not verify."""
    return {chain.name: verify_and_anchor(chain) for chain in registered_chains()}
