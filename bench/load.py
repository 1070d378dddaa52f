"""Load test on the production shape (run by hand, not a test): many office users at once against
gunicorn at county scale. See bench/README-load.md for what it plays and how to read it.

    .venv/bin/python bench/load.py            # 200 users: ramp at 2 users/s, hold 5 minutes
    .venv/bin/python bench/load.py --quick    # 20 users, hold 60 s, to try it

Needs locust (the uv group "bench": ``uv sync --frozen --group bench``), PostgreSQL with the county
database ``ideology_scale_bench`` (``seed_demo --scale 100``, see bench/dashboard.py) and Redis on
127.0.0.1. One command does everything:

1. the database: a COPY of the county database (``--database``, default ``load_scale``), created
   from the template the first time (``CREATE DATABASE … TEMPLATE``; never the template itself,
   which is only read) and migrated with this branch's migrations. The run writes into it (sign-ins,
   saves, audit entries); drop it with ``dropdb`` when done, or keep it for the next run;
2. the cast (bench/load_plan.py): ``manage.py bench_accounts`` gives the synthetic people a password
   and the leaders a TOTP device, both random per run, and picks who plays what;
3. the servers, natively with docker-compose's environment (DATABASE_URL, REDIS_URL for the cache,
   CELERY_BROKER_URL for the broker, DEBUG off, production settings through bench/settings_load.py,
   which says exactly what differs: plain HTTP): a Celery worker (``--concurrency 2`` as in
   compose) and gunicorn as docker/entrypoint-web.sh starts it ((2 × cores) + 1 sync workers, timeout
   30 s, access log), serving the bench URLconf (the product's plus the bare view ``/__bench__/ok``);
4. locust, headless, one process (FastHttpUser): the mix (bench/locustfile_load.py) ramping to
   ``--users`` at ``--spawn-rate`` users/s and holding ``--hold`` seconds; then the bare phase:
   the same number of users requesting the bare view without pause for ``--bare-seconds``, on the
   same gunicorn, for the ceiling of requests/s;
5. the summary: per request name p50/p95/p99 over the hold (sign-ins happen in the ramp and are
   reported apart), pages and saves against the goals, errors over the whole run, requests/s of
   the mix beside the bare view's, the 1-minute load average sampled every 5 s during the hold,
   and the CPU used by gunicorn, the worker, locust and the whole machine. Written as Markdown to
   var/bench/load/<time>-summary.md (with locust's CSV files beside it) and printed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = "ideology_scale_bench"
OUT = ROOT / "var" / "bench" / "load"
BIN = Path(sys.executable).parent
PAGE_GOAL_MS, SAVE_GOAL_MS = 500, 1000
COUNTY_SECRET_KEY = "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105 - bench data


def psql(sql: str, database: str = "postgres", *, check=True) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - fixed arguments
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-Atc", sql],  # noqa: S607
        capture_output=True,
        text=True,
        check=check,
    )


def ensure_database(name: str) -> None:
    if name == TEMPLATE:
        sys.exit(f"{TEMPLATE} is the shared county database: the load test writes, so it runs on a copy.")
    if psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'").stdout.strip():  # noqa: S608
        return
    for _attempt in range(30):
        made = psql(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"', check=False)  # noqa: S608 - our names
        if made.returncode == 0:
            print(f"created {name} from {TEMPLATE}")
            return
        if "being accessed" not in made.stderr:
            sys.exit(made.stderr)
        time.sleep(10)  # someone is connected to the template
    sys.exit(f"{TEMPLATE} stayed in use: could not copy it")


def environment(args) -> dict:
    """docker-compose.yml's app environment, pointed at this machine."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings_load",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{args.database}",
        CELERY_BROKER_URL=f"redis://127.0.0.1:6379/{args.redis_db + 1}",
        REDIS_URL=f"redis://127.0.0.1:6379/{args.redis_db}",
        # The county database's key (bench/dashboard.py seeds it with this one): the sign-off chain
        # and the audit trail are keyed by SECRET_KEY, and signing onto a chain made under another
        # key is refused ("签批链异常"). BENCH_SECRET_KEY for a database seeded otherwise.
        SECRET_KEY=env.get("BENCH_SECRET_KEY") or COUNTY_SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="False",
        STATIC_ROOT=str(OUT / "static"),
        PYTHONPATH=str(ROOT),
    )
    return env


def start(command: list[str], log: Path, env: dict) -> subprocess.Popen:
    handle = log.open("w")
    return subprocess.Popen(  # noqa: S603 - our own commands
        command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def wait_ready(url: str, seconds: int = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url, timeout=5).status == 200:  # noqa: S310 - http://127.0.0.1
                return
        except OSError:
            time.sleep(1)
    sys.exit(f"gunicorn did not answer {url}")


def wait_idle(url: str, seconds: int = 600) -> float:
    """Seconds until the sign-in page answers within half a second (the backlog is served)."""
    began = time.time()
    while time.time() - began < seconds:
        sent = time.time()
        try:
            urllib.request.urlopen(url, timeout=seconds).read()  # noqa: S310 - http://127.0.0.1
        except OSError:
            pass
        if time.time() - sent < 0.5:
            break
        time.sleep(2)
    return time.time() - began


class Sampler(threading.Thread):
    """Every 5 s: the 1-minute load average, and the CPU seconds of the processes we started."""

    def __init__(self, processes: dict):
        super().__init__(daemon=True)
        import psutil

        self.psutil = psutil
        self.processes = processes
        self.samples: list[dict] = []
        self.stopped = threading.Event()

    def cpu(self, process: subprocess.Popen) -> float:
        try:
            root = self.psutil.Process(process.pid)
            total = 0.0
            for member in [root, *root.children(recursive=True)]:
                times = member.cpu_times()
                total += times.user + times.system + times.children_user + times.children_system
            return total
        except self.psutil.Error:
            return math.nan

    def run(self):
        while not self.stopped.is_set():
            machine = self.psutil.cpu_times()
            self.samples.append(
                {
                    "at": time.time(),
                    "load1": os.getloadavg()[0],
                    "machine_busy": sum(machine) - machine.idle - getattr(machine, "iowait", 0),
                    **{name: self.cpu(process) for name, process in self.processes.items()},
                }
            )
            self.stopped.wait(5)


def run_locust(
    args, env: dict, phase: str, users: int, rate: float, hold: float, stamp: str
) -> tuple[dict, subprocess.Popen]:
    results = OUT / f"{stamp}-{phase}.json"
    env = {
        **env,
        "BENCH_PLAN": str(OUT / "plan.json"),
        "BENCH_PHASE": phase,
        "BENCH_USERS": str(users),
        "BENCH_SPAWN_RATE": str(rate),
        "BENCH_HOLD": str(hold),
        "BENCH_RESULTS": str(results),
        "BENCH_LEDGER_URL": args.ledger_url,
        "BENCH_LEDGER": args.ledger,
        "BENCH_EXCLUDE": args.exclude,
    }
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile_load.py"),
        "--headless",
        "--only-summary",
        "--host",
        f"http://127.0.0.1:{args.port}",
        "--csv",
        str(OUT / f"{stamp}-{phase}"),
        "--loglevel",
        "WARNING",
    ]
    log = OUT / f"{stamp}-{phase}-locust.log"
    process = start(command, log, env)
    return {"results": results, "log": log}, process


def percentile(values: list[float], share: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def kind(name: str) -> str:
    if name == "bare view":
        return "bare"
    return name.split(":", 1)[0]


def summarise(args, stamp, mix, bare, samples, started_at, ramp) -> str:
    records = mix["records"]
    hold_start = ramp
    hold = [r for r in records if r[0] >= hold_start]
    hold_seconds = max(r[0] for r in records) - hold_start if hold else math.nan
    names = sorted({r[1] for r in records})
    lines = []
    lines.append(f"## Load test {stamp}\n")
    lines.append(f"- command: `{args.command}`")
    lines.append(
        f"- date: {args.date_utc}; machine: {os.cpu_count()} cores, shared with other developers' test runs"
    )
    lines.append(
        f"- mix: {args.users} users, ramp {ramp:.0f} s at {args.spawn_rate} users/s, hold {args.hold:.0f} s; "
        f"gunicorn {args.workers} {args.worker_class} workers"
        + (f" × {args.threads} threads" if args.worker_class == "gthread" else "")
        + f", timeout {args.timeout} s; database {args.database}"
        + (f"; left out: {args.exclude}" if args.exclude else "")
        + (
            "; each minute the archive of every ledger"
            if args.ledger == "all"
            else "; each minute one ledger"
        )
    )
    lines.append("")
    lines.append("Hold phase, per request name (sign-ins: ramp phase):\n")
    lines.append("| request | n | errors | p50 ms | p95 ms | p99 ms | max ms |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    for name in names:
        scope = records if kind(name) == "sign-in" else hold
        times = [r[2] for r in scope if r[1] == name]
        errors = sum(1 for r in scope if r[1] == name and not r[3])
        if not times:
            continue
        lines.append(
            f"| {name} | {len(times)} | {errors} | {percentile(times, 0.5):.0f} | {percentile(times, 0.95):.0f} | "
            f"{percentile(times, 0.99):.0f} | {max(times):.0f} |"
        )
    lines.append("")
    groups = {}
    for group in ("page", "save", "download", "bare"):
        times = [r[2] for r in hold if kind(r[1]) == group]
        groups[group] = times
    page95, save95 = percentile(groups["page"], 0.95), percentile(groups["save"], 0.95)
    errors_all = sum(1 for r in records if not r[3])
    errors_hold = sum(1 for r in hold if not r[3])
    mix_rps = len(hold) / hold_seconds if hold else math.nan
    mix_rps_work = sum(1 for r in hold if kind(r[1]) != "bare") / hold_seconds if hold else math.nan
    bare_records = bare["records"] if bare else []
    bare_from = args.users / args.bare_rate + 2
    bare_window = [r for r in bare_records if r[0] >= bare_from and r[1] == "bare view"]
    bare_seconds = (max(r[0] for r in bare_window) - bare_from) if bare_window else math.nan
    bare_rps = len(bare_window) / bare_seconds if bare_window else math.nan
    bare_errors = sum(1 for r in bare_records if not r[3])

    def verdict(value, goal):
        return "met" if value <= goal else "NOT met"

    lines.append("| figure | value | goal |")
    lines.append("|---|---:|---|")
    lines.append(
        f"| pages p95 (all page requests of the hold) | {page95:.0f} ms | ≤ {PAGE_GOAL_MS} ms: {verdict(page95, PAGE_GOAL_MS)} |"
    )
    lines.append(
        f"| saves p95 (form POSTs of the hold) | {save95:.0f} ms | ≤ {SAVE_GOAL_MS} ms: {verdict(save95, SAVE_GOAL_MS)} |"
    )
    lines.append(
        f"| pages p50 / p99 | {percentile(groups['page'], 0.5):.0f} / {percentile(groups['page'], 0.99):.0f} ms | |"
    )
    lines.append(
        f"| saves p50 / p99 | {percentile(groups['save'], 0.5):.0f} / {percentile(groups['save'], 0.99):.0f} ms | |"
    )
    lines.append(
        f"| errors, whole mix run (ramp + hold) | {errors_all} of {len(records)} | 0: {verdict(errors_all, 0)} |"
    )
    lines.append(f"| errors, hold | {errors_hold} of {len(hold)} | |")
    lines.append(
        f"| mix throughput, hold | {mix_rps:.1f} requests/s ({mix_rps_work:.1f} without the bare view's 1/s) | |"
    )
    lines.append(
        f"| bare view during the mix (1 request/s) p50 / p95 | {percentile(groups['bare'], 0.5):.0f} / "
        f"{percentile(groups['bare'], 0.95):.0f} ms | |"
    )
    lines.append(
        f"| bare view alone, {args.users} users without pause, {bare_seconds:.0f} s | {bare_rps:.0f} requests/s "
        f"(p50 {percentile([r[2] for r in bare_window], 0.5):.0f} ms, p95 {percentile([r[2] for r in bare_window], 0.95):.0f} ms, "
        f"errors {bare_errors}) | |"
    )
    lines.append(f"| mix throughput / bare view throughput | {mix_rps / bare_rps:.3f} | |")
    in_hold = [
        s for s in samples if started_at + hold_start <= s["at"] <= started_at + hold_start + hold_seconds
    ]
    if len(in_hold) >= 2:
        loads = [s["load1"] for s in in_hold]
        span = in_hold[-1]["at"] - in_hold[0]["at"]
        lines.append(
            f"| load average (1 min), sampled every 5 s in the hold | min {min(loads):.1f}, mean "
            f"{sum(loads) / len(loads):.1f}, max {max(loads):.1f} | |"
        )
        used = []
        for name in ("gunicorn", "worker", "locust", "machine_busy"):
            delta = in_hold[-1][name] - in_hold[0][name]
            label = {"machine_busy": "whole machine (all users' processes, PostgreSQL included)"}.get(
                name, name
            )
            used.append(f"{label} {delta / span:.2f}")
        lines.append(f"| CPU in the hold, cores busy on average | {'; '.join(used)} | of {os.cpu_count()} |")
    lines.append("")
    failures = {}
    for r in records:
        if not r[3]:
            failures[r[1]] = failures.get(r[1], 0) + 1
    if failures:
        lines.append(
            "Errors by request: " + "; ".join(f"{name} {count}" for name, count in sorted(failures.items()))
        )
        lines.append(f"(messages: {mix['log']} and locust's CSV files var/bench/load/{stamp}-mix_*.csv)")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20 users, hold 60 s, bare phase 15 s")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=2.0)
    parser.add_argument("--hold", type=float, default=300.0)
    parser.add_argument("--bare-seconds", type=float, default=30.0)
    parser.add_argument("--bare-rate", type=float, default=50.0, help="users/s started in the bare phase")
    parser.add_argument("--database", default="load_scale", help="the copy of the county database to run on")
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument(
        "--redis-db", type=int, default=5, help="Redis database of the cache (the broker: the next)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        # As docker/entrypoint-web.sh: GUNICORN_WORKERS, else gunicorn's (2 × cores) + 1, the cores
        # this process may run on, as nproc counts them.
        default=int(os.environ.get("GUNICORN_WORKERS") or 2 * len(os.sched_getaffinity(0)) + 1),
    )
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--timeout", type=int, default=int(os.environ.get("GUNICORN_TIMEOUT", 30)))
    parser.add_argument("--ledger-url", default="/reports/ledgers/?start=2023-01-01&end=2023-12-31")
    parser.add_argument(
        "--ledger",
        default="one",
        choices=["one", "all"],
        help="each minute the next ledger of the page (the issue's mix), or the archive of every ledger",
    )
    parser.add_argument(
        "--exclude", default="", help="user tasks left out, comma-separated (e.g. save_session)"
    )
    args = parser.parse_args()
    if args.quick:
        args.users, args.hold, args.bare_seconds = 20, 60.0, 15.0
    args.command = " ".join(["bench/load.py", *sys.argv[1:]])
    args.date_utc = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    if not (BIN / "locust").exists():
        sys.exit("locust is not installed: UV_PROJECT_ENVIRONMENT=.venv uv sync --frozen --group bench")
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    ramp = args.users / args.spawn_rate

    ensure_database(args.database)
    env = environment(args)
    python = str(BIN / "python")
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
    minutes = math.ceil((ramp + args.hold + args.bare_seconds) / 60) + 5
    cast = [python, "bench/load_plan.py", str(OUT / "plan.json"), str(minutes)]
    subprocess.run(cast, cwd=ROOT, env=env, check=True)  # noqa: S603

    worker = start(
        [str(BIN / "celery"), "-A", "ideology_office", "worker", "-l", "info", "--concurrency", "2"],
        OUT / f"{stamp}-worker.log",
        env,
    )
    gunicorn = start(
        [
            str(BIN / "gunicorn"),
            "ideology_office.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            args.worker_class,
            "--threads",
            str(args.threads),
            "--timeout",
            str(args.timeout),
            "--access-logfile",
            str(OUT / f"{stamp}-access.log"),
        ],
        OUT / f"{stamp}-gunicorn.log",
        env,
    )
    sampler = None
    try:
        wait_ready(f"http://127.0.0.1:{args.port}/accounts/login/")
        print(
            f"{args.date_utc}: gunicorn and the worker are up; load {os.getloadavg()[0]:.1f}; "
            f"mix of {args.users} users for {ramp + args.hold:.0f} s …",
            flush=True,
        )
        mix_files, locust = run_locust(args, env, "mix", args.users, args.spawn_rate, args.hold, stamp)
        sampler = Sampler({"gunicorn": gunicorn, "worker": worker, "locust": locust})
        sampler.start()
        started_at = time.time()
        locust.wait()
        mix = json.loads(mix_files["results"].read_text())
        started_at = mix.get("started", started_at)
        # gunicorn goes on serving what the mix left queued in its backlog: wait until it is idle.
        drained = wait_idle(f"http://127.0.0.1:{args.port}/accounts/login/")
        print(
            f"bare phase ({drained:.0f} s after the mix): {args.users} users for {args.bare_seconds:.0f} s …",
            flush=True,
        )
        bare_files, locust_bare = run_locust(
            args,
            env,
            "bare",
            args.users,
            args.bare_rate,
            args.bare_seconds + args.users / args.bare_rate + 2,
            stamp,
        )
        sampler.processes["locust"] = locust_bare
        locust_bare.wait()
        bare = json.loads(bare_files["results"].read_text())
    finally:
        if sampler is not None:
            sampler.stopped.set()
        stop(gunicorn)
        stop(worker)
    mix["log"] = str(mix_files["log"])
    summary = summarise(args, stamp, mix, bare, sampler.samples, started_at, ramp)
    path = OUT / f"{stamp}-summary.md"
    path.write_text(summary, encoding="utf-8")
    shutil.copy(path, OUT / "latest-summary.md")
    print(summary)
    print(f"written to {path}")


if __name__ == "__main__":
    main()
