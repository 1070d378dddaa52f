"""The load test's cast (run by bench/load.py with the load-test settings, on a COPY of the county
database): which synthetic people play which part, each with work that really is theirs in the
``seed_demo --scale 100`` data. Writes a JSON plan the locustfile reads.

    DJANGO_SETTINGS_MODULE=bench.settings_load DATABASE_URL=… python bench/load_plan.py PLAN.json

1. ``manage.py bench_accounts`` gives the synthetic people one password (random per run) and the
   office leaders among them a TOTP device with a known key (random per run), both in the plan.
2. Leaders: synthetic 办公室领导 (one more for the ledger download).
3. Staff: synthetic 工作人员 who are the responsible person (with the progress grant) of an open
   rectification task, each with that task and a study session of their own section to edit
   (a different session each, so two users never save the same record).
4. Reviewers: synthetic people with items waiting at their step (their review queue).
5. Duty officer: the shift on duty now (and the next, if the run may reach it) is given to a
   synthetic staff member by a synthetic leader through the reassignment service, as an office
   leader would do it (audited); the scale data has no rosters of its own.
"""

from __future__ import annotations

import datetime
import json
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CAST_SIZE = 400  # at most this many accounts per part (200 users at most in the mix)


def password() -> str:
    return f"Bench-{secrets.token_hex(6)}-Ld!"


def main(out: Path, *, minutes: int) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Count, F
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from guardian.models import UserObjectPermission

    from ideology_office.accounts.models import User
    from ideology_office.accounts.roles import Role
    from ideology_office.accounts.services import BENCH_DEVICE_NAME
    from ideology_office.common.audit import audit_context
    from ideology_office.common.scale import PREFIX
    from inspections.models import RectificationTask
    from positions.models import ContentItem, ReviewAssignment
    from sentiment import services as duty_services
    from sentiment.models import DutyShift, RotationMember
    from study.models import StudySession

    bench_password, totp_key = password(), secrets.token_hex(20)
    call_command("bench_accounts", password=bench_password, totp_key=totp_key, allow_production_settings=True)
    synthetic = User.objects.filter(username__startswith=PREFIX, is_active=True)
    leaders = list(
        synthetic.filter(groups__name=Role.LEADER).order_by("pk").values_list("username", flat=True)
    )

    waiting = (
        ReviewAssignment.objects.filter(
            is_active=True,
            step=F("item__current_step"),
            item__status=ContentItem.Status.IN_REVIEW,
            reviewer__username__startswith=PREFIX,
        )
        .exclude(item__author=F("reviewer"))
        .values("reviewer__username", "reviewer_id")
        .annotate(items=Count("item", distinct=True))
        .order_by("-items")
    )
    reviewers = [row["reviewer__username"] for row in waiting[:CAST_SIZE]]
    reviewer_ids = {row["reviewer_id"] for row in waiting}
    # One locust user per account: the leaders who review (终审) play reviewers only.
    leaders = [name for name in leaders if name not in set(reviewers)]
    second_factor = sorted(
        TOTPDevice.objects.filter(name=BENCH_DEVICE_NAME, user__username__startswith=PREFIX).values_list(
            "user__username", flat=True
        )
    )

    granted = UserObjectPermission.objects.filter(
        permission__codename="update_progress", content_type__model="rectificationtask"
    ).values_list("user_id", "object_pk")
    grants = {(user_id, int(pk)) for user_id, pk in granted}
    open_tasks = (
        RectificationTask.objects.filter(
            responsible_person__username__startswith=PREFIX,
            responsible_person__groups__name=Role.STAFF,
            state__in=[RectificationTask.State.NOT_STARTED, RectificationTask.State.IN_PROGRESS],
            voided_at__isnull=True,
        )
        .exclude(responsible_person_id__in=reviewer_ids)
        .order_by("responsible_person_id", "-pk")
        .values_list(
            "responsible_person_id", "responsible_person__username", "responsible_person__section_id", "pk"
        )
    )
    staff, seen = [], set()
    used_sessions: set[int] = set()
    sessions_by_section: dict[int, list[int]] = {}
    for person_id, username, section_id, task_id in open_tasks:
        if person_id in seen or (person_id, task_id) not in grants or section_id is None:
            continue
        if section_id not in sessions_by_section:
            sessions_by_section[section_id] = list(
                StudySession.objects.filter(section_id=section_id, voided_at__isnull=True)
                .order_by("-date", "-pk")
                .values_list("pk", flat=True)[:40]
            )
        session = next((pk for pk in sessions_by_section[section_id] if pk not in used_sessions), None)
        if session is None:
            continue
        seen.add(person_id)
        used_sessions.add(session)
        staff.append({"username": username, "task": task_id, "session": session})
        if len(staff) >= CAST_SIZE:
            break

    # The duty officer: a synthetic staff member not cast above, given the shifts of the run.
    cast = {row["username"] for row in staff} | set(reviewers)
    officer = (
        synthetic.filter(groups__name=Role.STAFF)
        .exclude(username__in=cast)
        .exclude(pk__in=reviewer_ids)
        .order_by("pk")
        .first()
    )
    now = timezone.now()
    shifts = list(
        DutyShift.objects.filter(start__lt=now + datetime.timedelta(minutes=minutes), end__gt=now).order_by(
            "start"
        )
    )
    duty = []
    with audit_context(user=User.objects.get(username=leaders[-1]), label="bench/load_plan.py"):
        for shift in shifts:
            if shift.officer_id != officer.pk:
                duty_services.shift_reassign(
                    shift=shift,
                    duty=RotationMember.Duty.OFFICER,
                    new_person=officer,
                    reason="压测：由模拟人员值班（bench/load.py）",
                    user=User.objects.get(username=leaders[-1]),
                )
            duty.append({"shift": shift.pk, "start": shift.start.timestamp(), "end": shift.end.timestamp()})

    plan = {
        "password": bench_password,
        "totp_key": totp_key,
        "second_factor": second_factor,
        "leaders": leaders[:-1],
        "ledger_leader": leaders[-1],
        "staff": staff,
        "reviewers": reviewers,
        "duty": {"username": officer.username, "shifts": duty},
        "made_at": now.isoformat(),
    }
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(plan, handle, ensure_ascii=False, indent=1)
    print(
        f"plan: {len(leaders) - 1} leaders (+1 for the ledger), {len(staff)} staff with a task and a "
        f"session, {len(reviewers)} reviewers with a queue, duty officer {officer.username} on "
        f"{len(duty)} shift(s) -> {out}"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), minutes=int(sys.argv[2]) if len(sys.argv) > 2 else 30)
