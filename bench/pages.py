"""What each page of the load test's mix costs alone, run by hand (issue #20): the page the load test's
cast sees, one request at a time in one process, with the load test's settings.

    .venv/bin/python bench/pages.py --database prof_scale [--repeat 9] [--only queue,task]
    .venv/bin/python bench/pages.py --database prof_scale --only session_edit --profile var/bench/pages

``bench/load.py`` says how long the pages take when 200 people ask at once; this says what each one
costs by itself, so that a change can be measured page by page before the load test: the median
wall time, the CPU time of this process (Python: the ORM, the templates), the time spent waiting for
PostgreSQL and the number of queries, and the page's size. The people are the load test's cast,
chosen the way ``bench/load_plan.py`` chooses them (a staff member with a task and a session of
their section, an office leader, a reviewer with a queue), signed in with ``force_login`` (the
second factor switched off for the run). Pages are asked as the load test asks them; the caches
are those of the load test (Redis): the dashboard after its first request is served from its
fragment cache, as between two writes under load (``--no-cache`` forgets the cached fragments
before every request and computes them, as after each write; the sessions stay in the cache).

Needs a COPY of the county database (``createdb -T ideology_scale_bench prof_scale``, never the
template itself: the cast is written into it) and Redis on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = "ideology_scale_bench"
SECRET_KEY = "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105 - bench data


def environment(database: str) -> dict:
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings_load",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "REDIS_URL": "redis://127.0.0.1:6379/10",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/11",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or SECRET_KEY,
        "ALLOWED_HOSTS": "testserver,127.0.0.1",
        "SECURE_SSL_REDIRECT": "False",
        "STATIC_ROOT": str(ROOT / "var" / "bench" / "load" / "static"),
        "OTP_REQUIRED_ROLES": "none",
        "PYTHONPATH": str(ROOT),
    }


def cast(database: str) -> dict:
    """The load test's plan (bench/load_plan.py), written for this database."""
    with tempfile.TemporaryDirectory() as folder:
        plan = Path(folder) / "plan.json"
        subprocess.run(  # noqa: S603 - our own script
            [sys.executable, str(ROOT / "bench" / "load_plan.py"), str(plan)],
            env={**os.environ, **environment(database)},
            check=True,
            capture_output=True,
        )
        return json.loads(plan.read_text(encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="prof_scale", help="a copy of the county database")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--only", default="", help="page names, comma-separated")
    parser.add_argument("--no-cache", action="store_true", help="clear the cache before every request")
    parser.add_argument("--profile", default="", help="a folder: a cProfile of each page's timed requests")
    options = parser.parse_args()
    if options.database == TEMPLATE:
        sys.exit(f"{TEMPLATE} is the shared county database: run on a copy.")
    plan = cast(options.database)
    os.environ.update(environment(options.database))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from ideology_office.accounts.models import User

    if not (ROOT / "var" / "bench" / "load" / "static" / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)

    def forget_fragments() -> None:
        """The cached page fragments ({% cache %}: "template.cache.…") and nothing else: the
        sessions and the sign-in policy stay in the cache, as after a write."""
        client = cache._cache.get_client(None, write=True)
        for key in client.scan_iter(match="*template.cache.*"):
            client.delete(key)

    def signed_in(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    staff, leader, reviewer = plan["staff"][0], signed_in(plan["leaders"][0]), signed_in(plan["reviewers"][0])
    worker = signed_in(staff["username"])
    queue = reviewer.get("/positions/items/queue/").content.decode()
    item = re.findall(r'href="/positions/items/(\d+)/"', queue)[0]
    sessions = worker.get("/study/sessions/").content.decode()
    session = re.findall(r'href="/study/sessions/(\d+)/"', sessions)[0]
    pages = [
        ("dashboard", leader, "/"),
        ("dashboard_2023", leader, "/?year=2023"),
        ("report_figures", leader, "/reports/annual/?since=2021&until=2023"),
        ("sessions_list", worker, "/study/sessions/"),
        ("session", worker, f"/study/sessions/{session}/"),
        ("session_edit", worker, f"/study/sessions/{staff['session']}/edit/"),
        ("task", worker, f"/inspections/tasks/{staff['task']}/"),
        ("tasks_list", worker, "/inspections/tasks/"),
        ("queue", reviewer, "/positions/items/queue/"),
        ("item", reviewer, f"/positions/items/{item}/"),
        ("bare", worker, "/__bench__/ok"),
    ]
    wanted = {name for name in options.only.split(",") if name}
    database_time = [0.0, 0]

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            database_time[0] += time.perf_counter() - started
            database_time[1] += 1

    rows = []
    for name, client, url in pages:
        if wanted and name not in wanted:
            continue
        load_before = os.getloadavg()[0]
        client.get(url)
        walls, cpus, waits = [], [], []
        profiler = cProfile.Profile() if options.profile else None
        for _ in range(options.repeat):
            if options.no_cache:
                forget_fragments()
            database_time[:] = [0.0, 0]
            with connection.execute_wrapper(timed):
                started, cpu = time.perf_counter(), time.process_time()
                if profiler:
                    profiler.enable()
                response = client.get(url)
                if profiler:
                    profiler.disable()
                walls.append(time.perf_counter() - started)
                cpus.append(time.process_time() - cpu)
            waits.append(database_time[0])
            if response.status_code != 200:
                sys.exit(f"{name}: {url} answered {response.status_code}")
        if profiler:
            Path(options.profile).mkdir(parents=True, exist_ok=True)
            profiler.dump_stats(Path(options.profile) / f"{name}.prof")
        rows.append(
            f"| {name} | `{url}` | {statistics.median(walls) * 1000:.1f} | {statistics.median(cpus) * 1000:.1f} "
            f"| {statistics.median(waits) * 1000:.1f} | {database_time[1]} | {len(response.content) / 1024:.0f} "
            f"| {load_before:.1f} → {os.getloadavg()[0]:.1f} |"
        )
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"{now}, `{' '.join(['bench/pages.py', *sys.argv[1:]])}`, median of {options.repeat}\n")
    print("| page | URL | wall ms | CPU ms (this process) | database ms | queries | KB | load 1 min |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
