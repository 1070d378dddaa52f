"""Benchmark of the leader's pages at county scale (run by hand, not a test).

    .venv/bin/python bench/dashboard.py [--scale 100] [--repeat 30] [--database ideology_scale_bench]

Creates (if missing) and migrates the PostgreSQL database ``ideology_scale_bench`` and runs
``seed_demo --scale N`` in it, unless its synthetic data is already there (printing how long the
seeding took, then ``VACUUM ANALYZE`` so the planner knows the new tables, as autovacuum would
soon do). Then measures, each page in a fresh child process with Django's test Client logged in
as the demo leader 陈立华 (chenlihua) — signed in by the child itself, password changed and
second factor passed, in a transaction it rolls back (see ``_signed_in_client``) — on
``ideology_office.settings.base`` with DEBUG off (the settings production extends; static files
through the manifest storage, collected once into ``var/bench/static``):

* cold: the first request in the child, right after startup (URLconf, views and templates are
  loaded by it, as after a worker restart);
* warm: the median and the 95th percentile of ``--repeat`` requests after it (fewer for the
  downloads, see ``HEAVY_REPEAT``), and the number of queries of one more request. The dashboard
  and the figures page are then served from their cached fragments (common/fragments.py); with
  ``--after-write`` an audited write comes before each request, so each is computed afresh.

A trivial view (``bench/bare_urls.py``: ``HttpResponse("ok")`` behind the same middleware) is
measured the same way in the same run, as the ceiling. Prints a Markdown table with the date,
the command, N and the 1-minute load average (``os.getloadavg()``) before and after each page:
the machine is shared.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "ideology_scale_bench"
LEADER = "chenlihua"
STATIC_DIR = ROOT / "var" / "bench" / "static"
# Downloads that take seconds are repeated fewer times.
HEAVY_REPEAT = 3
YEAR = 2023
TARGETS = {
    "bare": ("/__bench__/ok", "bare Django view (ceiling)", False),
    "dashboard": ("/", "dashboard /", False),
    "dashboard_2023": (f"/?year={YEAR}", f"dashboard /?year={YEAR}", False),
    "sessions": ("/study/sessions/", "study sessions list", False),
    "tasks": ("/inspections/tasks/", "rectification tasks list", False),
    "items": ("/positions/items/", "content items list", False),
    "incidents": ("/sentiment/incidents/", "incidents list", False),
    "figures": ("/reports/annual/?since=2021&until=2023", "annual report figures page 2021–2023", False),
    # The year's .zip of every ledger is now a background job: timed by bench/ledgers.py.
    "ledgers": (f"/reports/ledgers/?start={YEAR}-01-01&end={YEAR}-12-31", f"ledgers page for {YEAR}", False),
    "report_docx": (
        "/reports/annual/report.docx?since=2021&until=2023",
        "annual report .docx 2021–2023",
        True,
    ),
}


def database_url(database: str) -> str:
    return os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{database}")


def setup_django(database: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url(database)
    os.environ["DJANGO_SETTINGS_MODULE"] = "ideology_office.settings.base"
    os.environ["DEBUG"] = "False"
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["STATIC_ROOT"] = str(STATIC_DIR)
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
    import django

    django.setup()


def prepare(database: str, scale: int) -> dict:
    """Create, migrate and seed the database if needed; returns what the seeding took."""
    createdb = ["createdb", "-h", "127.0.0.1", "-U", "postgres", database]
    # Fixed arguments and the PostgreSQL client on PATH; "already exists" is fine.
    subprocess.run(createdb, capture_output=True, check=False)  # noqa: S603, S607
    setup_django(database)
    from django.core.management import call_command
    from django.db import connection

    from ideology_office.common import scale as scale_data

    call_command("migrate", verbosity=0)
    if not (STATIC_DIR / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)
    present = scale_data.present()
    if present["sections"]:
        print(f"already seeded: {present['sections']:,} synthetic sections, {present['people']:,} people")
        return {"seeded": False}
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    logins = ROOT / "var" / "bench" / "scale_logins.txt"
    logins.parent.mkdir(parents=True, exist_ok=True)
    call_command("seed_demo", scale=str(scale), logins_file=str(logins))
    seconds = time.perf_counter() - started
    load_after = os.getloadavg()[0]
    analyze_started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    analyze = time.perf_counter() - analyze_started
    print(
        f"seed_demo --scale {scale}: {seconds:.1f} s (load {load_before:.1f} → {load_after:.1f}); "
        f"VACUUM ANALYZE {analyze:.1f} s"
    )
    return {"seeded": True, "seconds": seconds, "analyze": analyze, "load": (load_before, load_after)}


def child(target: str, database: str, repeat: int, *, after_write: bool = False) -> None:
    """One page in this fresh process: the cold request, then the warm ones."""
    setup_django(database)
    from django.db import transaction

    from ideology_office.accounts.models import User

    url, _label, heavy = TARGETS[target]
    # Everything the child writes (the leader's sign-in state, sessions) is rolled back at the end.
    with transaction.atomic():
        client = _signed_in_client(User.objects.get(username=LEADER))
        _measure(target, url, heavy, repeat, client, after_write=after_write)
        transaction.set_rollback(True)


def _signed_in_client(user):
    """The leader signed in as after a real sign-in: the password already changed and the second
    factor passed, the way django-otp marks a session (``otp_login``: the device's persistent id in
    the session). The seeded leader must change the password and enrol a TOTP device first, so the
    child gives the account a confirmed device and clears ``must_change_password`` inside the
    transaction that ``child`` rolls back: nothing is written to the database for good, and nobody
    edits it or the settings by hand."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if user.must_change_password or user.password_expired():
        user.must_change_password = False
        user.password_changed_at = timezone.now()
        user.save(update_fields=["must_change_password", "password_changed_at"])
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _audited_write(number: int) -> None:
    """One write as the application makes it (an entry in the audit trail), outside the timed
    request: the page after it is computed afresh, as the first look after somebody saved something
    (the cached fragments are keyed on the newest entry, see common/fragments.py). Rolled back with
    the rest of the child's transaction."""
    from ideology_office.accounts.models import OrgUnit

    unit = OrgUnit.objects.order_by("pk").first()
    unit.short_name = f"bench{number}"
    unit.save(update_fields=["short_name"])


def _measure(target, url, heavy, repeat, client, *, after_write=False):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    times = []
    with override_settings(ROOT_URLCONF="bench.bare_urls"):
        started = time.perf_counter()
        response = client.get(url)
        cold = time.perf_counter() - started
        assert response.status_code == 200, (url, response.status_code)
        size = len(response.content)
        for number in range(min(repeat, HEAVY_REPEAT) if heavy else repeat):
            if after_write:
                _audited_write(number)
            started = time.perf_counter()
            response = client.get(url)
            response.content  # noqa: B018 - read the body, as a server would
            times.append(time.perf_counter() - started)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
    print(
        json.dumps(
            {
                "cold": cold,
                "median": statistics.median(times),
                "p95": _percentile(times, 95),
                "runs": len(times),
                "bytes": size,
                "queries": len(queries),
            }
        )
    )


def _percentile(values: list[float], percent: int) -> float:
    """The nearest-rank percentile (with 30 values, p95 is the 29th)."""
    ordered = sorted(values)
    rank = max(1, -(-percent * len(ordered) // 100))
    return ordered[rank - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database", default=DATABASE)
    parser.add_argument("--seed-only", action="store_true")
    parser.add_argument("--only", default="", help="comma-separated targets: " + ",".join(TARGETS))
    parser.add_argument("--child", choices=list(TARGETS))
    parser.add_argument(
        "--after-write",
        action="store_true",
        help="an audited write before each warm request: every page is computed afresh, not cached",
    )
    options = parser.parse_args()
    if options.child:
        child(options.child, options.database, options.repeat, after_write=options.after_write)
        return
    seeding = prepare(options.database, options.scale)
    if options.seed_only:
        return
    wanted = [name for name in options.only.split(",") if name] or list(TARGETS)
    rows = []
    for name in wanted:
        load_before = os.getloadavg()[0]
        output = subprocess.run(  # noqa: S603 - this same script, fixed arguments
            [
                sys.executable,
                __file__,
                "--child",
                name,
                "--database",
                options.database,
                "--repeat",
                str(options.repeat),
                *(["--after-write"] if options.after_write else []),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        figures = json.loads(output.strip().splitlines()[-1])
        figures["load"] = (load_before, os.getloadavg()[0])
        rows.append((name, figures))
        print(f"{name}: {figures}", file=sys.stderr)
    command = " ".join(["bench/dashboard.py", *sys.argv[1:]])
    print(
        f"\n{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"N={options.scale}, `.venv/bin/python {command}`"
    )
    if seeding.get("seeded"):
        print(f"seeding: {seeding['seconds']:.1f} s, VACUUM ANALYZE {seeding['analyze']:.1f} s")
    print("\n| page | cold | warm median | warm p95 | runs | queries | size | load avg (before → after) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, item in rows:
        print(
            f"| {TARGETS[name][1]} | {item['cold'] * 1000:,.0f} ms | {item['median'] * 1000:,.0f} ms | "
            f"{item['p95'] * 1000:,.0f} ms | {item['runs']} | {item['queries']} | "
            f"{item['bytes'] / 1024:,.0f} KB | {item['load'][0]:.1f} → {item['load'][1]:.1f} |"
        )


if __name__ == "__main__":
    main()
