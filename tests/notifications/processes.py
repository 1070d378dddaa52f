"""Processes the reliability tests start and own: a Redis server on a free port in a temporary
directory, Celery workers, planners and `run_reminders` loops. The tests stop, kill, freeze and
restart only these; never a service they did not start (Redis on 6379 is shared)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection

PROJECT_DIR = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own: started in the foreground (its pid is ours), no
    persistence, in a temporary directory."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.frozen = False

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
                "--logfile",
                str(self.directory / "redis.log"),
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.ping():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"redis-server on port {self.port} did not start")

    def ping(self, timeout: float = 0.5) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as client:
                client.sendall(b"PING\r\n")
                return client.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def freeze(self) -> None:
        """SIGSTOP: the port stays open, connections are accepted by the kernel, nothing answers."""
        os.kill(self.process.pid, signal.SIGSTOP)
        self.frozen = True

    def resume(self) -> None:
        if self.frozen:
            os.kill(self.process.pid, signal.SIGCONT)
            self.frozen = False

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.resume()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def restart(self) -> None:
        """Stop (SIGTERM, no persistence: every queued message is gone) and start on the same port."""
        self.stop()
        self.start()


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def child_env(*, broker_url: str, queue: str, smtp_port: int, webhook_url: str = "", **extra) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ideology_office.settings.test",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": broker_url,
        "EMAIL_URL": "",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "REMINDER_WEBHOOK_URL": webhook_url,
        "REMINDER_WEBHOOK_KIND": "wecom",
        "REMINDER_QUEUE": queue,
        "REMINDER_SEND_BATCH_SIZE": "5",
        "REMINDER_CLAIM_TIMEOUT_SECONDS": "3",
        "REMINDER_QUIET_START": "",
        "REMINDER_QUIET_END": "",
        "PYTHONPATH": str(PROJECT_DIR),
    }
    env.update({key: str(value) for key, value in extra.items()})
    return env


def start_worker(env: dict, queue: str, log, *, concurrency: int = 0) -> subprocess.Popen:
    """A worker in its own process group: solo (one process) by default, else a prefork pool of
    ``concurrency`` children, each a sender of its own."""
    pool = ["--pool", "prefork", "--concurrency", str(concurrency)] if concurrency else ["--pool", "solo"]
    command = [sys.executable, "-m", "celery", "-A", "ideology_office", "worker", *pool]
    command += ["--queues", queue, "--include", "tests.notifications.dossier_source"]
    command += ["--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    command += ["--hostname", f"{queue}-{uuid.uuid4().hex[:4]}@%h"]
    return subprocess.Popen(
        command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def parent_pid(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def stop_process(process: subprocess.Popen, *, timeout: float = 20) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except (ProcessLookupError, PermissionError):
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_for_log(path: Path, text: str, *, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in path.read_text(errors="replace"):
            return
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not in {path}:\n{path.read_text(errors='replace')[-3000:]}")


def publish(app, broker_url: str, queue: str, *names: str) -> bool:
    """What beat does: publish tasks by name (no result subscription). False if the broker fails."""
    try:
        with app.connection_for_write(
            broker_url,
            connect_timeout=1,
            transport_options={"max_retries": 0, "socket_timeout": 1, "socket_connect_timeout": 1},
        ) as conn:
            for name in names:
                app.send_task(name, queue=queue, connection=conn, retry=False, ignore_result=True)
        return True
    except Exception:  # noqa: BLE001 - Redis is being restarted or frozen; the next sweep publishes
        return False


class CommandLoop:
    """`manage.py run_reminders --once` run again and again in its own process (cron-like),
    until stopped. ``current`` is the running process (the tests may SIGKILL it)."""

    def __init__(self, env: dict, log, args=("--once",), pause: float = 2.0):
        self.env, self.log, self.args, self.pause = env, log, args, pause
        self.current: subprocess.Popen | None = None
        self.runs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.current = subprocess.Popen(
                [sys.executable, "manage.py", "run_reminders", *self.args],
                cwd=PROJECT_DIR,
                env=self.env,
                stdout=self.log,
                stderr=subprocess.STDOUT,
            )
            self.current.wait()
            self.runs += 1
            self._stop.wait(self.pause)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self.current is not None and self.current.poll() is None:
            self.current.terminate()
        self._thread.join(timeout=30)
