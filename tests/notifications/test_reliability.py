"""No duplicates and no losses under crashes: a real worker, real Redis, real PostgreSQL, a real
SMTP server, two planners racing, the worker SIGKILLed several times and Redis restarted.

What "exactly once" means here. The inbox message is written in the same database transaction
that marks the reminder sent, so it exists exactly once. An e-mail is handed to the SMTP server
before its delivery row commits; if the worker is killed between the server's "250 OK" and that
commit, the watchdog sends the reminder again and the server receives a second copy, carrying the
SAME Message-ID (derived from the dedup key), which mail systems and clients treat as one message.
The test therefore asserts: every reminder reached the SMTP server under its own Message-ID (no
loss), no Message-ID belongs to two reminders, the inbox holds each reminder once, and the extra
copies are at most one per killed worker process (the one send in flight when it died).
"""

import datetime
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from ideology_office.notifications.models import InboxMessage, OutboxItem, OutboxStatus, ReminderRule
from tests.conftest import service_unavailable
from tests.factories import UserFactory
from tests.testapp.models import Dossier

from . import dossier_source

PROJECT_DIR = Path(settings.BASE_DIR)
REDIS_DB_URL = "redis://127.0.0.1:6379/8"
REMINDERS = 1000
CONCURRENCY = 2
REDIS_START = [
    "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379",
    "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log",
]  # fmt: skip


def redis_up() -> bool:
    return (
        subprocess.run(["redis-cli", "-p", "6379", "ping"], capture_output=True, text=True).stdout.strip()
        == "PONG"
    )


def restart_redis():
    subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], capture_output=True)
    subprocess.run(REDIS_START, check=True)
    for _attempt in range(50):
        if redis_up():
            return
        time.sleep(0.1)
    raise AssertionError("Redis did not come back")


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def child_env(queue: str, smtp_port: int) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ideology_office.settings.test",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": REDIS_DB_URL,
        "CELERY_RESULT_BACKEND": REDIS_DB_URL,
        "EMAIL_URL": "",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "REMINDER_QUEUE": queue,
        "REMINDER_SEND_BATCH_SIZE": "5",
        "REMINDER_CLAIM_TIMEOUT_SECONDS": "3",
        "REMINDER_QUIET_START": "",
        "REMINDER_QUIET_END": "",
        "PYTHONPATH": str(PROJECT_DIR),
    }


def start_worker(env, queue, log):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "ideology_office",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(CONCURRENCY),
            "--queues",
            queue,
            "--include",
            "tests.notifications.dossier_source",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--hostname",
            f"{queue}-{uuid.uuid4().hex[:4]}@%h",
        ],  # fmt: skip
        cwd=PROJECT_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: SIGKILL reaches the pool's children too
    )


PLANNER = (
    "import django; django.setup();"
    "import tests.notifications.dossier_source;"
    "from ideology_office.notifications import services;"
    "[services.reminders_plan() for _ in range(3)]"
)


def sweep(app, queue):
    """What beat does every minute: ask for a send and a watchdog pass (broker may be down)."""
    from ideology_office.notifications.tasks import reclaim_stuck_reminders, send_due_reminders

    try:
        with app.connection_for_write(transport_options={"max_retries": 0}) as conn:
            send_due_reminders.apply_async(queue=queue, connection=conn, retry=False)
            reclaim_stuck_reminders.apply_async(queue=queue, connection=conn, retry=False)
    except Exception:  # noqa: BLE001, S110 - Redis is being restarted; the next sweep enqueues
        pass


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_thousand_reminders_survive_killed_workers_a_redis_restart_and_two_planners(smtp_server, tmp_path):
    if connection.vendor != "postgresql":
        service_unavailable("PostgreSQL (DATABASE_URL) for the reliability test")
    if not redis_up():
        service_unavailable("Redis at 127.0.0.1:6379")
    from ideology_office.celery import app

    owners = UserFactory.create_batch(50, email="x@example.gov.cn")
    for owner in owners:
        owner.email = f"{owner.username}@example.gov.cn"
        owner.save()
    now = timezone.localtime()
    # The "0d" reminder is due at 09:00 on the deadline: today if past 09:00, else yesterday's.
    day = now.date() if now.hour >= dossier_source.HOUR else now.date() - datetime.timedelta(days=1)
    Dossier.objects.bulk_create(
        Dossier(title=f"记录{number}", owner=owners[number % 50], deadline=day) for number in range(REMINDERS)
    )
    ReminderRule.objects.create(
        key="testapp.dossier_deadline", source=dossier_source.KEY, name="测试", offsets="0d",
        channels="inbox,email", urgent=True,
    )  # fmt: skip

    queue = f"test-reminders-{uuid.uuid4().hex[:8]}"
    env = child_env(queue, smtp_server.port)
    previous_broker = app.conf.broker_url, app.conf.broker_write_url
    # Both: Celery derives broker_write_url from the settings, and publishing uses it.
    app.conf.broker_url = app.conf.broker_write_url = REDIS_DB_URL
    app._pool = None
    log = open(tmp_path / "worker.log", "ab")  # noqa: SIM115 - closed below
    worker = start_worker(env, queue, log)
    # Two planners at once (a second beat by mistake): the unique keys keep one row per reminder.
    planners = [
        subprocess.Popen(
            [sys.executable, "-c", PLANNER], cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        for _ in range(2)
    ]
    kills_at, redis_restart_at = [150, 400, 650], 300
    kills = 0
    restarted = False
    started = time.monotonic()
    try:
        while time.monotonic() - started < 170:
            sent = OutboxItem.objects.filter(status=OutboxStatus.SENT).count()
            if sent >= REMINDERS and all(planner.poll() is not None for planner in planners):
                break
            if kills_at and sent >= kills_at[0]:
                kills_at.pop(0)
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
                kills += 1
                worker = start_worker(env, queue, log)
            if not restarted and sent >= redis_restart_at:
                restart_redis()
                app._pool = None
                restarted = True
            sweep(app, queue)
            time.sleep(0.5)
    finally:
        try:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(worker.pid, signal.SIGKILL)
        for planner in planners:
            planner.wait(timeout=60)
        log.close()
        app.conf.broker_url, app.conf.broker_write_url = previous_broker
        app._pool = None
    if not redis_up():
        restart_redis()

    items = list(OutboxItem.objects.all())
    statuses = {item.status for item in items}
    assert len(items) == REMINDERS, f"{len(items)} rows planned"
    assert statuses == {OutboxStatus.SENT}, (statuses, (tmp_path / "worker.log").read_text()[-3000:])
    assert kills == 3 and restarted
    assert all(planner.returncode == 0 for planner in planners)
    # Inbox: exactly once.
    assert InboxMessage.objects.count() == REMINDERS
    assert InboxMessage.objects.values("item").distinct().count() == REMINDERS
    # SMTP: every reminder under its own Message-ID, none lost; copies only from killed sends.
    received_ids = [message["Message-ID"] for message in smtp_server.messages]
    assert set(received_ids) == {item.message_id for item in items}
    assert len(set(received_ids)) == REMINDERS
    assert len(received_ids) - REMINDERS <= kills * CONCURRENCY
