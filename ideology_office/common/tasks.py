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
