"""Benchmark of the form pages that offer people (and other county-sized choices), run by hand.

    .venv/bin/python bench/forms.py [--repeat 10] [--database peoplepick_scale]

Issue #20: at ``seed_demo --scale 100`` (10,000 people) the study-session edit form listed everyone
in each of its four person selects. This measures, in one process on ``ideology_office.settings.base``
with DEBUG off and Django's test Client logged in as the demo leader 陈立华 (``chenlihua``, who may
change everything; the second factor switched off for the run), each form page: the median and 95th percentile of ``--repeat`` warm requests
(after one to warm up), the page's size and its number of queries. Prints a Markdown table with the
date and the 1-minute load average before and after. Needs a copy of the county database (never the
shared ``ideology_scale_bench`` itself), migrated with this branch.
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
sys.path.insert(0, str(ROOT))

from bench.dashboard import LEADER, STATIC_DIR, _percentile, setup_django  # noqa: E402


def targets() -> dict[str, str]:
    """The form pages, each on a record of the county data."""
    from inspections.models import RectificationTask
    from positions.models import ContentItem
    from responsibility.models import OfficeMeeting
    from sentiment.models import DutyShift
    from study.models import StudySession

    def last(model, **filters):
        return model.objects.filter(**filters).order_by("-pk").values_list("pk", flat=True).first()

    pages = {
        "session_edit": f"/study/sessions/{last(StudySession)}/edit/",
        "session_new": "/study/sessions/new/",
        "task_edit": f"/inspections/tasks/{last(RectificationTask)}/edit/",
        "item_detail": f"/positions/items/{last(ContentItem)}/",
        "meeting_new": "/responsibility/meetings/new/",
        "meeting_attendance": f"/responsibility/meetings/{last(OfficeMeeting)}/",
        "shift_edit": f"/sentiment/shifts/{last(DutyShift)}/edit/",
        "review_new": "/sentiment/reviews/new/",
        "mechanism_new": "/inspections/mechanisms/new/",
        "people_search": "/files/choices/people/?q=张",
    }
    return pages


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--database", default="peoplepick_scale")
    parser.add_argument("--only", default="")
    options = parser.parse_args()
    # The page, not the second-factor step in front of it (the leader's role asks for one by default).
    os.environ["OTP_REQUIRED_ROLES"] = "none"
    setup_django(options.database)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from ideology_office.accounts.models import User

    if not (STATIC_DIR / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)

    if options.database == "ideology_scale_bench":
        sys.exit("Run on a copy: this script marks the leader's password as current in it.")
    # The seeded password is due for a change; the page, not the password step, is measured.
    User.objects.filter(username=LEADER).update(
        must_change_password=False, password_changed_at=timezone.now()
    )
    client = Client()
    client.force_login(User.objects.get(username=LEADER))
    people = User.objects.filter(is_active=True).count()
    wanted = [name for name in options.only.split(",") if name]
    rows = []
    for name, url in targets().items():
        if wanted and name not in wanted:
            continue
        load_before = os.getloadavg()[0]
        response = client.get(url)
        if response.status_code != 200:
            rows.append(
                f"| {name} | `{url}` | status {response.status_code} {response.get('Location', '')} | | | | |"
            )
            continue
        times = []
        for _ in range(options.repeat):
            started = time.perf_counter()
            response = client.get(url)
            response.content  # noqa: B018 - read the body, as a server would
            times.append(time.perf_counter() - started)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        rows.append(
            f"| {name} | `{url}` | {statistics.median(times) * 1000:.0f} | {_percentile(times, 95) * 1000:.0f} "
            f"| {len(response.content) / 1024:.0f} | {len(queries)} | {load_before:.1f} → {os.getloadavg()[0]:.1f} |"
        )
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"{now}, `{' '.join(['bench/forms.py', *sys.argv[1:]])}`, {people:,} active people, DEBUG off\n")
    print("| page | URL | median ms | p95 ms | KB | queries | load 1 min |")
    print("|---|---|---:|---:|---:|---:|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
