"""The real ``manage.py verify_signoffs`` against a database, timed from outside.

    .venv/bin/python bench/verify_signoffs_db.py --database NAME [--runs N] [--baseline DIR] [-- extra options]

runs ``manage.py verify_signoffs`` (a child process, Django start-up included, as cron runs it)
on PostgreSQL database NAME (say a copy of the ``seed_demo --scale 100`` county:
``CREATE DATABASE mine TEMPLATE ideology_scale_bench``; ``BENCH_DATABASE_URL`` overrides the
URL) with the environment of ``bench/dashboard.py``'s seed (``SECRET_KEY``, so the chain key
matches), and prints for each run: the rows of the chain, wall seconds, rows/s, the child's CPU
seconds and peak memory (its maximum resident set), and the load average before and after. It
only reads: the database is not changed (the command runs in a read-only transaction; ``--anchor``
writes a file in ``RECORD_ANCHOR_DIR``).

Extra options after ``--`` go to the command, e.g. ``-- --anchors /tmp/anchors``.
``--baseline DIR``: in each run, first the same command from another checkout (say an export of
an older commit: ``git archive <commit> | tar -x -C DIR``), then this one, and their ratio.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def run_once(database: str, extra: list[str], root: Path = ROOT) -> dict:
    env = dict(os.environ)
    env["DATABASE_URL"] = os.environ.get(
        "BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{database}"
    )
    env.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
    env.setdefault("DJANGO_SETTINGS_MODULE", "ideology_office.settings.base")
    env.setdefault("DEBUG", "False")
    env.setdefault("ALLOWED_HOSTS", "localhost")
    load_before = os.getloadavg()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [PYTHON, "manage.py", "verify_signoffs", *extra], cwd=root, env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = done.stdout + done.stderr
    found = re.search(r"共 (\d+) 条记录", output)
    if done.returncode or not found:
        sys.exit(f"verify_signoffs failed ({done.returncode}):\n{output[-2000:]}")
    rows = int(found.group(1))
    return {
        "rows": rows,
        "seconds": seconds,
        "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "peak_mb": after.ru_maxrss / 1024,  # the largest child so far (see main)
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "said": output.strip().splitlines()[-1],
    }


def report(label: str, result: dict, extra: list[str]) -> None:
    load = "/".join(f"{value:.2f}" for value in result["load_before"])
    load_after = "/".join(f"{value:.2f}" for value in result["load_after"])
    print(
        f"{label} verify_signoffs {' '.join(extra)}: {result['rows']:,} rows in {result['seconds']:.2f} s"
        f" = {result['rows'] / result['seconds']:,.0f} rows/s; CPU {result['cpu']:.2f} s"
        f" ({result['rows'] / result['cpu']:,.0f} rows per CPU second); peak memory {result['peak_mb']:.0f} MB;"
        f" load {load} before, {load_after} after"
    )
    print(f"  the command said: {result['said']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database", required=True, help="a PostgreSQL database on 127.0.0.1 (a copy of the county)"
    )
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--baseline", type=Path, help="another checkout to run first, for a ratio")
    parser.add_argument("extra", nargs="*", help="options for verify_signoffs (after --)")
    options = parser.parse_args()
    print(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, database {options.database}")
    for _ in range(options.runs):
        # ru_maxrss of the children is the largest so far: the baseline (which holds more) runs
        # in its own process tree so that this checkout's peak is its own.
        if options.baseline:
            base = _in_child(options.database, options.extra, options.baseline)
            report("baseline", base, options.extra)
        if options.baseline:
            result = _in_child(options.database, options.extra, ROOT)
        else:
            result = run_once(options.database, options.extra)
        report("this checkout", result, options.extra)
        if options.baseline:
            print(
                f"  ratio in this run: {base['seconds'] / result['seconds']:.2f}x faster (wall),"
                f" {base['cpu'] / result['cpu']:.2f}x less CPU, {base['peak_mb'] / result['peak_mb']:.2f}x less memory"
            )


def _in_child(database: str, extra: list[str], root: Path) -> dict:
    """``run_once`` in a forked process, so that its children's peak memory is counted alone."""
    import json

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        with os.fdopen(write_end, "w") as out:
            json.dump(run_once(database, extra, root), out)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as answer:
        text = answer.read()
    os.waitpid(pid, 0)
    return json.loads(text)


if __name__ == "__main__":
    main()
