"""Benchmark of the ledgers at county scale (run by hand, not a test).

    .venv/bin/python bench/ledgers.py --database ledgerjobs_scale [--year 2023] [--repeat 5] [--breakdown]

Runs on a **copy** of the ``seed_demo --scale 100`` database (it writes job rows and files; make
one with ``CREATE DATABASE <name> TEMPLATE ideology_scale_bench`` and migrate it), on
``ideology_office.settings.base`` with DEBUG off, as the demo inspector 邓辉 (denghui: inspectors
are who the ledgers are for, and they sign in without a second factor; the copy's
``must_change_password`` is cleared for him), files under ``var/bench/media``. Measures, in one run:

* every request of the ledgers page for the year (Django's test Client, the full middleware):
  the page, each ledger's direct download (those at or under ``LEDGER_EXPORT_ROW_THRESHOLD``), the
  redirect a ledger over it answers, and the POST that asks for the archive of all ledgers: the
  first request, then the median and the slowest of ``--repeat`` more; the goal is < 2 s each;
* the job: ``reports.services.ledger_export_run`` for the year's archive of every ledger, in this
  process as a solo worker runs it (the task adds only the job row's lookup): wall time, rows, size;
  the goal is ≤ 10 s;
* with ``--breakdown``, each ledger's rows (query and Python) and writing them, timed apart.

Prints a Markdown table with the date, the command and the 1-minute load average before and after
each measurement: the machine is shared.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READER = "denghui"
MEDIA_DIR = ROOT / "var" / "bench" / "media"
GOAL_REQUEST, GOAL_JOB = 2.0, 10.0


def setup(database: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["MEDIA_ROOT"] = str(MEDIA_DIR)
    from dashboard import STATIC_DIR, setup_django

    setup_django(database)
    from django.utils import timezone

    from ideology_office.accounts.models import User

    # The copy only (the bench refuses the shared database): the demo password is to be changed.
    User.objects.filter(username=READER).update(
        must_change_password=False, password_changed_at=timezone.now()
    )
    if not (STATIC_DIR / "staticfiles.json").exists():
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)


def load() -> float:
    return os.getloadavg()[0]


def time_requests(client, label: str, method: str, url: str, data, repeat: int, expected: int = 200) -> dict:
    def once():
        started = time.perf_counter()
        response = getattr(client, method)(url, data)
        if response.streaming:
            b"".join(response.streaming_content)
        else:
            response.content  # noqa: B018 - read the body, as a server would
        return time.perf_counter() - started, response.status_code

    before = load()
    first, status = once()
    assert status == expected, (label, status, expected)
    warm = [once()[0] for _ in range(repeat)]
    return {
        "label": label,
        "status": status,
        "first": first,
        "median": statistics.median(warm) if warm else first,
        "max": max([first, *warm]),
        "load": (before, load()),
    }


def requests(year: int, repeat: int) -> list[dict]:
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from ideology_office.accounts.models import User
    from ideology_office.reports import services
    from ideology_office.reports.ledgers import ledgers

    # The POST queues nothing here: the job is timed below, in this process.
    services._enqueue = lambda job_id, base_url: None
    client = Client()
    client.force_login(User.objects.get(username=READER))
    period = {"start": f"{year}-01-01", "end": f"{year}-12-31"}
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    results = [time_requests(client, "ledgers page", "get", reverse("reports:ledger_list"), period, repeat)]
    for ledger in ledgers():
        total = ledger.counts(start, end)["total"]
        url = reverse("reports:ledger_download", args=[ledger.key])
        background = total > settings.LEDGER_EXPORT_ROW_THRESHOLD
        label = f"{ledger.title} ({total:,} records): {'redirect to a job' if background else 'download'}"
        results.append(time_requests(client, label, "get", url, period, repeat, 302 if background else 200))
    results.append(
        time_requests(
            client,
            "ask for the archive of all (POST, creates the job)",
            "post",
            reverse("reports:ledger_export_create"),
            {**period, "ledger": "all"},
            repeat,
            302,
        )
    )
    return results


def job(year: int) -> dict:
    from ideology_office.accounts.models import User
    from ideology_office.reports import services

    services._enqueue = lambda job_id, base_url: None
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    export = services.ledger_export_request(
        user=User.objects.get(username=READER), ledger_key="all", start=start, end=end
    )
    before = load()
    started = time.perf_counter()
    done = services.ledger_export_run(export.pk, "http://127.0.0.1:8000/")
    seconds = time.perf_counter() - started
    assert done is not None and done.status == done.Status.DONE, done and done.error
    return {"seconds": seconds, "rows": done.rows_done, "size": done.size, "load": (before, load())}


def breakdown(year: int) -> list[dict]:
    from ideology_office.common.spreadsheets import write_workbook
    from ideology_office.reports.ledgers import evidence_index_sheet, ledgers

    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    sheets = [(ledger.title, lambda ledger=ledger: ledger.sheet(start, end)) for ledger in ledgers()]
    sheets.append(("佐证材料索引", lambda: evidence_index_sheet(start, end)))
    results = []
    for title, make in sheets:
        before = load()
        started = time.perf_counter()
        rows = list(make().rows)
        query = time.perf_counter() - started
        sheet = make()
        sheet.rows = iter(rows)
        started = time.perf_counter()
        write_workbook(MEDIA_DIR / "breakdown.xlsx", [sheet])
        write = time.perf_counter() - started
        results.append(
            {"title": title, "rows": len(rows), "query": query, "write": write, "load": (before, load())}
        )
    (MEDIA_DIR / "breakdown.xlsx").unlink(missing_ok=True)
    return results


def writer_ratio(year: int, rows: int) -> dict:
    """The review ledger's first ``rows`` rows written by openpyxl's own cell-by-cell write-only
    path (the writer before) and by ``write_workbook`` (rows as text), one after the other."""
    import itertools

    from ideology_office.common.spreadsheets import write_workbook
    from ideology_office.reports.ledgers import ledger_for
    from tests.common.test_spreadsheets import openpyxl_own_writer

    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    ledger = ledger_for("content_reviews")
    values = list(itertools.islice(ledger.sheet(start, end).rows, rows))

    def sheet():
        made = ledger.sheet(start, end)
        made.rows = iter(values)
        return made

    before = load()
    started = time.perf_counter()
    openpyxl_own_writer([sheet()])
    own = time.perf_counter() - started
    started = time.perf_counter()
    write_workbook(MEDIA_DIR / "ratio.xlsx", [sheet()])
    ours = time.perf_counter() - started
    (MEDIA_DIR / "ratio.xlsx").unlink(missing_ok=True)
    return {"rows": len(values), "own": own, "ours": ours, "load": (before, load())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="a copy of the scale database (it is written to)")
    parser.add_argument("--year", type=int, default=2023)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--breakdown", action="store_true")
    parser.add_argument(
        "--writer-ratio",
        type=int,
        default=0,
        metavar="ROWS",
        help="only compare the two writers on ROWS rows",
    )
    options = parser.parse_args()
    if options.database == "ideology_scale_bench":
        parser.error("use a copy: CREATE DATABASE <name> TEMPLATE ideology_scale_bench")
    MEDIA_DIR.mkdir(parents=True, exist_ok=True)
    setup(options.database)
    command = "bench/ledgers.py " + " ".join(sys.argv[1:])
    print(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC · `{command}` · load {load():.2f}\n")
    if options.writer_ratio:
        ratio = writer_ratio(options.year, options.writer_ratio)
        print(
            f"review ledger, {ratio['rows']:,} rows × 12 columns: openpyxl cell by cell {ratio['own']:.2f} s, "
            f"rows as text {ratio['ours']:.2f} s: {ratio['own'] / ratio['ours']:.1f}× "
            f"(load {ratio['load'][0]:.2f} → {ratio['load'][1]:.2f})"
        )
        return

    print("| request | status | first (s) | median (s) | slowest (s) | load before → after |")
    print("|---|---|---|---|---|---|")
    slowest = 0.0
    for row in requests(options.year, options.repeat):
        slowest = max(slowest, row["max"])
        print(
            f"| {row['label']} | {row['status']} | {row['first']:.3f} | {row['median']:.3f} | "
            f"{row['max']:.3f} | {row['load'][0]:.2f} → {row['load'][1]:.2f} |"
        )
    print(f"\nslowest request: {slowest:.2f} s (goal < {GOAL_REQUEST:.0f} s)\n")

    result = job(options.year)
    print(
        f"job, archive of every ledger for {options.year}: {result['seconds']:.1f} s, {result['rows']:,} rows, "
        f"{result['size'] / 1e6:.1f} MB (goal ≤ {GOAL_JOB:.0f} s); "
        f"load {result['load'][0]:.2f} → {result['load'][1]:.2f}\n"
    )
    if options.breakdown:
        print("| ledger | rows | rows: query + Python (s) | writing (s) | load before → after |")
        print("|---|---|---|---|---|")
        for row in breakdown(options.year):
            print(
                f"| {row['title']} | {row['rows']:,} | {row['query']:.2f} | {row['write']:.2f} | "
                f"{row['load'][0]:.2f} → {row['load'][1]:.2f} |"
            )


if __name__ == "__main__":
    main()
