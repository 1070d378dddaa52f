"""Benchmark of the reminders planner over 50,000 open items (run by hand, on PostgreSQL).

    createdb -h 127.0.0.1 -U postgres ideology_notifications_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ideology_notifications_bench \\
        .venv/bin/python bench/notifications_planner.py [--items 50000] [--batch 500] [--source tasks]

It migrates the database, creates the items, runs one planner pass and a second one (which must
insert nothing), and prints the time and the queries per batch. The items are deleted afterwards.

``--source dossiers`` (default): the test app's Dossier, due today at 09:00, one reminder each, under
one rule. ``--source tasks``: real open rectification tasks due today, planned by the shipped rules
(``inspections.task_deadline`` and every other active rule, as beat runs it).
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ideology_office.settings.test")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--source", choices=["dossiers", "tasks"], default="dossiers")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    import tests.notifications.dossier_source as dossier_source
    from ideology_office.notifications import services
    from ideology_office.notifications.models import OutboxItem, ReminderRule
    from tests.testapp.models import Dossier

    call_command("migrate", verbosity=0)
    settings.REMINDER_PLANNER_BATCH_SIZE = args.batch
    from ideology_office.accounts.models import User

    owners = [
        User.objects.get_or_create(username=f"bench{number}", defaults={"real_name": f"压测{number}"})[0]
        for number in range(100)
    ]
    now = timezone.localtime()
    day = now.date() if now.hour >= dossier_source.HOUR else now.date() - datetime.timedelta(days=1)
    if args.source == "tasks":
        _bench_tasks(args, owners, day, services, connection, CaptureQueriesContext)
        return
    OutboxItem.objects.filter(rule__key="bench.dossier").delete()
    Dossier.objects.filter(title__startswith="bench-").delete()
    started = time.monotonic()
    Dossier.objects.bulk_create(
        (Dossier(title=f"bench-{n}", owner=owners[n % 100], deadline=day) for n in range(args.items)),
        batch_size=5000,
    )
    print(f"created {args.items} items in {time.monotonic() - started:.1f}s ({connection.vendor})")
    rule, _ = ReminderRule.objects.update_or_create(
        key="bench.dossier",
        defaults={"source": dossier_source.KEY, "name": "压测", "offsets": "0d", "channels": "inbox,email"},
    )
    try:
        _passes(args, services, connection, CaptureQueriesContext)
    finally:
        OutboxItem.objects.filter(rule=rule).delete()
        rule.delete()
        Dossier.objects.filter(title__startswith="bench-").delete()


def _passes(args, services, connection, CaptureQueriesContext):
    for label in ("first pass", "second pass"):
        with CaptureQueriesContext(connection) as queries:
            started = time.monotonic()
            result = services.reminders_plan()
            elapsed = time.monotonic() - started
        batches = -(-result.considered // args.batch)
        print(
            f"{label}: {elapsed:.2f}s, considered {result.considered}, created {result.created}, "
            f"{len(queries)} queries, {batches} batches, {len(queries) / max(batches, 1):.1f} queries per batch"
        )


def _bench_tasks(args, owners, day, services, connection, CaptureQueriesContext):
    """Open rectification tasks due today under the shipped rules."""
    from django.contrib.auth.models import Group

    from ideology_office.accounts.models import OrgUnit
    from ideology_office.accounts.roles import Role
    from ideology_office.notifications.models import OutboxItem
    from inspections import services as inspection_services
    from inspections.models import Finding, FindingCategory, Inspection, RectificationTask

    unit, _ = OrgUnit.objects.get_or_create(code="bench", defaults={"name": "压测股", "kind": "section"})
    leader = owners[0]
    leader.groups.add(Group.objects.get(name=Role.LEADER))
    inspection = inspection_services.inspection_create(
        source=Inspection.Source.OTHER, title="压测督查", date=day, user=leader
    )
    finding = inspection_services.finding_create(
        inspection=inspection, category=FindingCategory.objects.first(), description="压测问题", user=leader
    )
    started = time.monotonic()
    RectificationTask.objects.bulk_create(
        (
            RectificationTask(
                finding=finding,
                measure=f"压测整改措施{n}",
                responsible_leader=leader,
                responsible_unit=unit,
                responsible_person=owners[n % len(owners)],
                deadline=day,
                original_deadline=day,
            )
            for n in range(args.items)
        ),
        batch_size=5000,
    )
    print(f"created {args.items} tasks in {time.monotonic() - started:.1f}s ({connection.vendor})")
    try:
        _passes(args, services, connection, CaptureQueriesContext)
    finally:
        OutboxItem.objects.filter(content_type__model="rectificationtask").delete()
        RectificationTask.objects.filter(finding=finding).delete()
        Finding.objects.filter(pk=finding.pk).delete()
        Inspection.objects.filter(pk=inspection.pk).delete()


if __name__ == "__main__":
    main()
