"""What each channel guarantees under crashes, measured: a real worker, real PostgreSQL, the test's
own Redis (restarted once), a real SMTP server and a robot, two beats, two planners racing, two
`run_reminders --once` loops, and senders SIGKILLed, some at random and some exactly between the
remote side's acceptance and the commit of the outcome (the one window a duplicate can come from).

The guarantee asserted, per channel:
* inbox: exactly once (written in the transaction that marks the reminder sent);
* e-mail and robot: at least once, none lost; a copy sent again is marked "possible duplicate" in
  the delivery log (and in the message), the log counts every copy that reached the server, and
  there is at most one extra copy per killed process (the send it had in flight).

Every process the test kills or restarts (Redis included) is one it started itself.
"""

import asyncio
import datetime
import json
import os
import queue as queues
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection
from django.utils import timezone

from ideology_office.notifications.models import (
    MAYBE_SENT,
    Delivery,
    InboxMessage,
    OutboxItem,
    OutboxStatus,
    ReminderRule,
)
from tests.conftest import service_unavailable
from tests.factories import UserFactory
from tests.testapp.models import Dossier

from . import dossier_source
from .processes import PROJECT_DIR, CommandLoop, child_env, parent_pid, publish, start_worker, stop_process

REMINDERS = 1000
# Sends held by the SMTP server / the robot after accepting them, while the test kills the sender.
EMAIL_KILLS_AT = {120, 520}
WEBHOOK_KILLS_AT = {300, 760}
# Worker SIGKILLs at random moments (by reminders sent), and the Redis restart.
RANDOM_KILLS_AT = [200, 450, 650]
REDIS_RESTART_AT = 400
TIME_LIMIT = 200  # a bound on a hang only: the run ends as soon as every reminder is sent
# Worker pool children (each one sender); the two command loops are two more senders.
CONCURRENCY = 2

PLANNER = (
    "import django; django.setup();"
    "import tests.notifications.dossier_source;"
    "from ideology_office.notifications import services;"
    "[services.reminders_plan() for _ in range(3)]"
)


# How long a held message waits for the test to kill its sender. The test sets it free right
# after the kill, so the limit is reached only if the test itself stalls.
KILL_WAIT = 20.0


class KillWindow:
    """Counts accepted messages; at the chosen counts, keeps the sender waiting for its answer
    and asks the test to kill it: the message has arrived, the sender never records it."""

    def __init__(self, at):
        self.at, self.count, self.lock = set(at), 0, threading.Lock()
        self.requests = queues.Queue()

    def accepted(self, key) -> threading.Event | None:
        with self.lock:
            self.count += 1
            if self.count not in self.at:
                return None
        done = threading.Event()
        self.requests.put((key, done))
        return done


class KillingSMTPHandler:
    def __init__(self, recorder, window):
        self.recorder, self.window = recorder, window

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes

        message = message_from_bytes(envelope.content)
        with self.recorder.lock:
            self.recorder.messages.append(message)
        done = self.window.accepted("".join(message["Message-ID"].split()))
        if done is not None:
            # Held until the test has killed the sender (see KILL_WAIT).
            for _ in range(int(KILL_WAIT / 0.02)):
                if done.is_set():
                    break
                await asyncio.sleep(0.02)
        return "250 OK"


@pytest.fixture
def killing_smtp():
    from aiosmtpd.controller import Controller

    from .conftest import Recorder
    from .processes import free_port

    recorder = Recorder()
    window = KillWindow(EMAIL_KILLS_AT)
    controller = Controller(KillingSMTPHandler(recorder, window), hostname="127.0.0.1", port=free_port())
    controller.start()
    recorder.port, recorder.window = controller.port, window
    yield recorder
    controller.stop()


@pytest.fixture
def killing_robot():
    posts, lock = [], threading.Lock()
    window = KillWindow(WEBHOOK_KILLS_AT)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with lock:
                posts.append((self.headers["Idempotency-Key"], dict(self.headers), body))
            done = window.accepted(self.headers["Idempotency-Key"])
            if done is not None:
                # Held until the test has killed the sender (it sets ``done`` right after): with a
                # short limit, a loaded machine answered first and the kill then hit the sender's
                # next message before its request, which that message's retry rightly marks as a
                # possible duplicate although it arrived once.
                done.wait(KILL_WAIT)
            answer = b'{"errcode": 0, "errmsg": "ok"}'
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except OSError:
                pass  # the sender was killed meanwhile

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {
        "url": f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send?key=t",
        "posts": posts,
        "window": window,
    }
    server.shutdown()
    server.server_close()


def sender_pid(key: str) -> int | None:
    """The process that logged the send of ``key`` as attempting (committed before the call)."""
    for _ in range(50):
        row = Delivery.objects.filter(key=key, status="attempting").order_by("-pk").first()
        if row is not None:
            return int(row.worker.rsplit(":", 1)[1])
        time.sleep(0.02)
    return None


def assert_channel(channel, received: Counter, items, kills):
    """None lost; every copy in the log; every extra copy marked; at most one extra per kill."""
    keys = {item.pk: (item.message_id if channel == "email" else item.webhook_key) for item in items}
    assert set(received) == set(keys.values()), f"{channel}: lost {len(set(keys.values()) - set(received))}"
    logged = Counter()
    marked = Counter()
    for item_id, possible_duplicate in Delivery.objects.filter(
        channel=channel, status__in=MAYBE_SENT
    ).values_list("item_id", "possible_duplicate"):
        logged[keys[item_id]] += 1
        marked[keys[item_id]] += possible_duplicate
    for key, copies in received.items():
        assert logged[key] >= copies, f"{channel} {key}: {copies} copies received, {logged[key]} logged"
        assert marked[key] >= copies - 1, f"{channel} {key}: {copies} copies, {marked[key]} marked"
    extra = sum(received.values()) - len(keys)
    assert extra <= kills, f"{channel}: {extra} extra copies for {kills} kills"
    return extra, sum(logged.values()), sum(marked.values())


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_thousand_reminders_keep_each_channels_guarantee_through_kills_a_redis_restart_and_two_beats(
    killing_smtp, killing_robot, redis_server, tmp_path
):
    if connection.vendor != "postgresql":
        service_unavailable("PostgreSQL (DATABASE_URL) for the reliability test")
    from ideology_office.celery import app

    owners = UserFactory.create_batch(50)
    for number, owner in enumerate(owners):
        owner.email, owner.phone = f"{owner.username}@example.gov.cn", f"138{number:08d}"
        owner.save()
    now = timezone.localtime()
    # The "0d" reminder is due at 09:00 on the deadline: today if past 09:00, else yesterday's.
    day = now.date() if now.hour >= dossier_source.HOUR else now.date() - datetime.timedelta(days=1)
    Dossier.objects.bulk_create(
        Dossier(title=f"记录{number}", owner=owners[number % 50], deadline=day) for number in range(REMINDERS)
    )
    ReminderRule.objects.create(
        key="testapp.dossier_deadline", source=dossier_source.KEY, name="测试", offsets="0d",
        channels="inbox,email,webhook", urgent=True,
    )  # fmt: skip

    queue = f"test-reminders-{uuid.uuid4().hex[:8]}"
    broker = redis_server.url(8)
    env = child_env(
        broker_url=broker, queue=queue, smtp_port=killing_smtp.port, webhook_url=killing_robot["url"]
    )
    log_path = tmp_path / "processes.log"
    log = open(log_path, "ab")  # noqa: SIM115 - closed below
    worker = start_worker(env, queue, log, concurrency=CONCURRENCY)
    # Two planners at once (a second beat by mistake): the unique keys keep one row per reminder.
    planners = [
        subprocess.Popen(
            [sys.executable, "-c", PLANNER], cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        for _ in range(2)
    ]
    loops = [CommandLoop(env, log).start() for _ in range(2)]
    windows = [killing_smtp.window, killing_robot["window"]]
    random_kills = list(RANDOM_KILLS_AT)
    kills = {"targeted": 0, "random": 0}
    restarted = False
    started = time.monotonic()
    beat_at, beats = 0.0, 0
    timeline, timeline_at = [], 0.0

    def kill(pid: int) -> bool:
        """SIGKILL the one sending process ``pid`` if it is ours: a pool child of the worker (the
        worker replaces it) or a command of a loop."""
        if parent_pid(pid) == worker.pid:
            os.kill(pid, signal.SIGKILL)
            return True
        for loop in loops:
            if loop.current is not None and loop.current.pid == pid:
                loop.current.kill()
                return True
        return False

    try:
        while time.monotonic() - started < TIME_LIMIT:
            for window in windows:
                while not window.requests.empty():
                    key, done = window.requests.get()
                    pid = sender_pid(key)
                    if pid is not None and kill(pid):
                        kills["targeted"] += 1
                    done.set()
            sent = OutboxItem.objects.filter(status=OutboxStatus.SENT).count()
            if time.monotonic() - timeline_at > 5:
                timeline.append((round(time.monotonic() - started), sent, dict(kills)))
                timeline_at = time.monotonic()
            if sent >= REMINDERS and all(planner.poll() is not None for planner in planners):
                break
            if random_kills and sent >= random_kills[0]:
                random_kills.pop(0)
                # The whole worker: every pool child is a sender killed mid-whatever it was doing.
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
                kills["random"] += CONCURRENCY
                worker = start_worker(env, queue, log, concurrency=CONCURRENCY)
            if not restarted and sent >= REDIS_RESTART_AT:
                redis_server.restart()
                restarted = True
            if time.monotonic() - beat_at > 1:
                # Two beats: each publishes the sweep and the watchdog, and now and then the planner.
                beats += 1
                for _beat in range(2):
                    names = ["notifications.send_due_reminders", "notifications.reclaim_stuck_reminders"]
                    publish(
                        app, broker, queue, *names, *(["notifications.plan_reminders"] * (beats % 5 == 1))
                    )
                beat_at = time.monotonic()
            time.sleep(0.1)
    finally:
        for window in windows:
            while not window.requests.empty():
                window.requests.get()[1].set()
        for loop in loops:
            loop.stop()
        stop_process(worker)
        for planner in planners:
            planner.wait(timeout=60)
        log.close()
    elapsed = time.monotonic() - started

    items = list(OutboxItem.objects.all())
    statuses = Counter(item.status for item in items)
    tail = log_path.read_text(errors="replace")[-3000:]
    assert len(items) == REMINDERS, f"{len(items)} rows planned"
    unsent = [
        (item.pk, item.status, item.claimed_by, item.claimed_at, item.attempts,
         list(item.deliveries.values_list("channel", "status", "worker", "at")))
        for item in items if item.status != OutboxStatus.SENT
    ][:5]  # fmt: skip
    assert statuses == {OutboxStatus.SENT: REMINDERS}, (statuses, unsent, timeline, tail)
    assert restarted and not random_kills
    assert kills["targeted"] >= 2, kills  # at least one in each channel's window is expected
    assert all(planner.returncode == 0 for planner in planners)
    total_kills = kills["targeted"] + kills["random"]
    # Inbox: exactly once.
    assert InboxMessage.objects.count() == REMINDERS
    assert InboxMessage.objects.values("item").distinct().count() == REMINDERS
    emails = Counter("".join(message["Message-ID"].split()) for message in killing_smtp.messages)
    posts = Counter(key for key, _headers, _body in killing_robot["posts"])
    email_extra, email_logged, email_marked = assert_channel("email", emails, items, total_kills)
    post_extra, post_logged, post_marked = assert_channel("webhook", posts, items, total_kills)
    # A killed sending process had at most one send in flight: one extra copy per killed sender
    # overall; and each kill inside the window did cost one (the retry policy sends it again).
    assert kills["targeted"] <= email_extra + post_extra <= total_kills
    # Each message sent again says so; one that arrived once says so only if an earlier attempt of
    # it was logged and cut off before it reached the robot (a whole worker killed mid-send: the
    # sender cannot know whether it arrived).
    keys = {item.pk: item.webhook_key for item in items}
    attempts = Counter(
        keys[item_id]
        for item_id in Delivery.objects.filter(channel="webhook", status__in=MAYBE_SENT).values_list(
            "item_id", flat=True
        )
    )
    for key, headers, _body in killing_robot["posts"]:
        if posts[key] == 1 and "X-Reminder-Possible-Duplicate" in headers:
            assert attempts[key] >= 2, f"{key}: marked, arrived once, {attempts[key]} attempt(s) logged"
    print(  # noqa: T201 - the figures of the run, shown with -s
        f"\n{REMINDERS} reminders in {elapsed:.0f}s ({timeline}); kills {kills}; "
        f"e-mail: {sum(emails.values())} received, {email_extra} extra, {email_logged} logged, "
        f"{email_marked} marked; robot: {sum(posts.values())} received, {post_extra} extra, "
        f"{post_logged} logged, {post_marked} marked"
    )
