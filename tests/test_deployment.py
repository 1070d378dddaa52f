"""The deployment files say what the README promises. Docker cannot run here, so the Dockerfile
and docker-compose.yml are read as text and YAML; the beat health check is run for real."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from celery.beat import PersistentScheduler
from django.conf import settings
from django.utils.module_loading import import_string

from ideology_office import beat
from ideology_office.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent


def _stages() -> list[tuple[str, list[str]]]:
    """(FROM line, instructions) per stage, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text(encoding="utf-8"))
    stages: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append((line, []))
        else:
            stages[-1][1].append(line)
    return stages


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_the_image_builds_wheels_from_the_lock_in_a_first_stage():
    stages = _stages()
    assert len(stages) == 2
    (build_from, build), (runtime_from, _runtime) = stages
    assert build_from.endswith(" AS build")
    build_text = "\n".join(build)
    assert "COPY pyproject.toml uv.lock ./" in build_text
    assert re.search(r"uv export --frozen --no-dev\b", build_text)
    assert "--wheel-dir /wheels" in build_text
    assert "--no-index" in build_text  # installs only the wheels just built


def test_the_runtime_stage_has_only_the_installed_wheels():
    (_build_from, _build), (runtime_from, runtime) = _stages()
    assert runtime_from.startswith("FROM python:3.11-slim")
    runs = " ".join(line for line in runtime if line.upper().startswith("RUN "))
    # Nothing installs Python packages in the runtime stage, and its installer is removed.
    assert not re.search(r"\b(uv|pip) install\b", runs)
    assert "pip uninstall --yes pip" in runs
    copies = [line for line in runtime if line.upper().startswith("COPY ")]
    assert "COPY --from=build /app/.venv /app/.venv" in copies
    assert not any("/wheels" in line or "uv.lock" in line for line in copies)
    assert runtime[-1].startswith("CMD ")


def test_the_image_and_the_virtualenv_carry_compiled_bytecode():
    """Nothing writes .pyc files at run time (PYTHONDONTWRITEBYTECODE; the image's code is read-only
    to its user), so they are compiled at install: else every process start compiles the modules
    again (1.4 s of a cron command's 2.4 s start-up, bench/README-signoffs.md)."""
    (_build_from, build), (_runtime_from, runtime) = _stages()
    assert re.search(r"uv pip install [^&]*--compile-bytecode", "\n".join(build))
    assert re.search(r"python -m compileall -q -x '/app/\\\.venv/' /app", " ".join(runtime))
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"\$\(UV\) sync --frozen --compile-bytecode", makefile)
    import django

    # The virtualenv these tests run in was made by `make install`: its modules are compiled.
    assert Path(django.__cached__).exists()


def test_the_build_context_leaves_out_tests_bench_and_tools():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for name in ("tests/", "bench/", ".tools", ".venv", ".git", ".env"):
        assert name in ignored


def test_worker_and_beat_have_health_checks(compose):
    services = compose["services"]
    worker_test = services["worker"]["healthcheck"]["test"]
    assert worker_test[0] == "CMD-SHELL"
    assert "celery -A ideology_office inspect ping -d celery@$$HOSTNAME" in worker_test[1]
    beat_service = services["beat"]
    assert beat_service["environment"]["BEAT_HEARTBEAT_FILE"].startswith("/app/var/")
    assert "BEAT_HEARTBEAT_FILE" in " ".join(beat_service["healthcheck"]["test"])
    for name in ("web", "worker", "beat", "postgres", "redis"):
        assert "healthcheck" in services[name], name


def test_no_debug_passthrough(compose):
    for name, service in compose["services"].items():
        assert "DEBUG" not in (service.get("environment") or {}), name
    assert "DEBUG" not in compose["x-app"]["environment"]


def _beat_check(compose, heartbeat: Path) -> int:
    command = compose["services"]["beat"]["healthcheck"]["test"]
    assert command[:3] == ["CMD", "python", "-c"]
    env = {**os.environ, "BEAT_HEARTBEAT_FILE": str(heartbeat)}
    return subprocess.run([sys.executable, "-c", command[3]], env=env, capture_output=True).returncode  # noqa: S603


def test_the_beat_health_check_reads_the_heartbeat_age(compose, tmp_path):
    heartbeat = tmp_path / "beat-heartbeat"
    assert _beat_check(compose, heartbeat) != 0  # never touched
    heartbeat.touch()
    assert _beat_check(compose, heartbeat) == 0
    old = time.time() - 10 * 60
    os.utime(heartbeat, (old, old))
    assert _beat_check(compose, heartbeat) != 0


def test_beat_touches_its_heartbeat_after_each_tick(settings, tmp_path, monkeypatch):
    settings.BEAT_HEARTBEAT_FILE = str(tmp_path / "sub" / "beat-heartbeat")
    monkeypatch.setattr(PersistentScheduler, "tick", lambda self, *args, **kwargs: 7.5)
    scheduler = object.__new__(beat.HeartbeatScheduler)  # no schedule file, no broker
    assert scheduler.tick() == 7.5
    assert Path(settings.BEAT_HEARTBEAT_FILE).exists()


def test_beat_uses_the_heartbeat_scheduler_and_ticks_often_enough():
    assert import_string(settings.CELERY_BEAT_SCHEDULER.replace(":", ".")) is beat.HeartbeatScheduler
    assert celery_app.conf.beat_scheduler == settings.CELERY_BEAT_SCHEDULER
    # The health check allows 180 seconds: a tick at least every minute leaves room for two misses.
    assert celery_app.conf.beat_max_loop_interval <= 60


def _gunicorn_workers(environment: dict[str, str]) -> int:
    """The worker count docker/entrypoint-web.sh gives gunicorn, its own expression run by sh."""
    text = (ROOT / "docker" / "entrypoint-web.sh").read_text(encoding="utf-8")
    expression = re.search(r'--workers "([^"]+)"', text).group(1)
    shown = subprocess.run(  # noqa: S603 - our own script's expression
        ["/bin/sh", "-c", f'echo "{expression}"'],  # noqa: S607
        env={"PATH": os.environ["PATH"], **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return int(shown.stdout)


def test_gunicorn_runs_two_workers_a_core_plus_one_unless_told(compose):
    # A sync worker waits while PostgreSQL answers: one per core plus one held requests behind
    # a long page (bench/README-load.md). Compose passes the variable empty when it is unset.
    cores = int(subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout)  # noqa: S607
    assert _gunicorn_workers({}) == 2 * cores + 1
    assert _gunicorn_workers({"GUNICORN_WORKERS": ""}) == 2 * cores + 1
    assert _gunicorn_workers({"GUNICORN_WORKERS": "3"}) == 3
    assert compose["services"]["web"]["environment"]["GUNICORN_WORKERS"] == "${GUNICORN_WORKERS:-}"
