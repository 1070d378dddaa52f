"""A real Celery worker process, started by the test against the configured broker."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from ideology_office.celery import app
from ideology_office.common.tasks import health_check

from ..conftest import service_unavailable

PROJECT_DIR = Path(settings.BASE_DIR)


def broker_reachable() -> bool:
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=3)
    except Exception:  # noqa: BLE001 - any failure to connect means "not available"
        return False
    return True


@pytest.mark.celery_worker
def test_a_real_worker_runs_the_health_task(tmp_path):
    if not broker_reachable():
        service_unavailable(f"Celery broker at {settings.CELERY_BROKER_URL}")
    # A queue of its own, so that no other worker on this machine can take the task.
    queue = f"test-health-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ideology_office.settings.test"}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "ideology_office",
            "worker",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"{queue}@%h",
        ],
        cwd=PROJECT_DIR,
        env=env,
        stdout=open(tmp_path / "worker.log", "wb"),  # noqa: SIM115 - closed with the process
        stderr=subprocess.STDOUT,
    )
    try:
        token = uuid.uuid4().hex
        result = health_check.apply_async(kwargs={"token": token}, queue=queue)
        outcome = result.get(timeout=60)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert outcome["ok"] is True
    assert outcome["token"] == token
    assert result.status == "SUCCESS"


def test_celery_is_configured_for_reliable_delivery():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.timezone == "Asia/Shanghai"
    assert "ideology_office.common.tasks.health_check" in app.tasks
    assert any(
        entry["task"] == "ideology_office.common.tasks.health_check"
        for entry in app.conf.beat_schedule.values()
    )
