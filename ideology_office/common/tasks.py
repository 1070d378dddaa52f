import socket

from celery import shared_task
from django.db import connection
from django.utils import timezone


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


@shared_task(name="ideology_office.common.tasks.verify_record_chains")
def verify_record_chains() -> dict:
    """Nightly (beat entry ``record-chains-nightly``): verify every record chain — the sign-offs
    and the audit trail — end to end against its anchors; anchor each intact one, and send the
    urgent reminder to its administrators when one does not verify."""
    from .chain import registered_chains, verify_and_anchor

    return {chain.name: verify_and_anchor(chain) for chain in registered_chains()}
