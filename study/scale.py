"""The study part of ``seed_demo --scale N`` (see ideology_office.common.scale): synthetic records
for the county-sized population, written in bulk. Declared in contract.py."""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence

from django.utils import timezone

from ideology_office.common.bulk import insert_rows
from ideology_office.common.scale import (
    BATCH,
    FIRST_YEAR,
    PARENT_BATCH,
    Population,
    Sizes,
    insert,
    local_moment,
    spread_day,
)

# Study ------------------------------------------------------------------------------------------


def _interleaved(weights: Sequence[tuple[str, int]]) -> tuple[str, ...]:
    """Each key ``weight`` times, spread out (smooth weighted round robin): any run of the
    sequence holds the keys roughly in proportion, so even a few sessions have a mix of kinds."""
    total = sum(weight for _key, weight in weights)
    credit = dict.fromkeys((key for key, _weight in weights), 0)
    sequence = []
    for _ in range(total):
        for key, weight in weights:
            credit[key] += weight
        chosen = max(credit, key=credit.__getitem__)
        credit[chosen] -= total
        sequence.append(chosen)
    return tuple(sequence)


# Of every 56 sessions of a section: 三会一课 and 主题党日 monthly, 第一议题 eight times, the
# quarterly 支部党员大会 and 党课, two 专题研讨, a 中心组学习 and another activity.
KIND_CYCLE = _interleaved(
    (
        ("branch_committee", 12),
        ("party_group", 12),
        ("themed_party_day", 12),
        ("first_agenda", 8),
        ("branch_general", 4),
        ("party_lecture", 4),
        ("thematic_discussion", 2),
        ("central_group", 1),
        ("other", 1),
    )
)
KIND_NAMES = {
    "first_agenda": "“第一议题”学习",
    "central_group": "理论学习中心组学习",
    "thematic_discussion": "专题研讨",
    "branch_general": "支部党员大会",
    "branch_committee": "支委会",
    "party_group": "党小组会",
    "party_lecture": "党课",
    "themed_party_day": "主题党日",
    "other": "学习教育活动",
}
VENUES = ("office_meeting", "central_group", "party_branch")
STUDY_THEMES = (
    "习近平新时代中国特色社会主义思想",
    "习近平总书记关于意识形态工作的重要论述",
    "党的二十大精神",
    "习近平总书记关于网络强国的重要思想",
    "习近平法治思想",
    "铸牢中华民族共同体意识",
    "全面从严治党",
    "习近平经济思想",
    "新时代党的建设总要求",
    "社会主义核心价值观",
)
ABSENCE_REASONS = ("公务出差", "病假", "参加培训", "下乡调研", "事假")


def _session_kind(serial: int, sections: int) -> str:
    # Kinds rotate per section, so every section gets the same mix.
    return KIND_CYCLE[(serial // sections) % len(KIND_CYCLE)]


def seed_study(population: Population, *, sessions: int, attendance: int, points: int, today=None) -> dict:
    """``sessions`` sessions of the kinds above, spread over the sections and the days from
    2021 to yesterday, with ``attendance`` lines (present, some absent with a reason, a few
    observers: members of the session's section) and a tag on half the discussions; and
    ``points`` points entries of the synthetic people (see :func:`_seed_points`)."""
    from .models import Attendance, StudySession, Tag

    today = today or timezone.localdate()
    rng = random.Random(f"study-{len(population.names)}-{sessions}")  # noqa: S311 - test data
    sections = population.sections
    first, last = datetime.date(FIRST_YEAR, 1, 1), today - datetime.timedelta(days=1)
    tags = list(Tag.objects.order_by("pk").values_list("pk", flat=True))
    base, extra = divmod(attendance, sessions) if sessions else (0, 0)
    session_fields = (
        "kind",
        "first_agenda_venue",
        "date",
        "start_time",
        "end_time",
        "place",
        "section_id",
        "host_id",
        "recorder_id",
        "topic",
        "created_at",
    )
    attendance_fields = ("session_id", "person_id", "status", "absence_reason", "created_at")
    morning, afternoon = (datetime.time(9), datetime.time(11)), (datetime.time(14, 30), datetime.time(16, 30))
    created = {"sessions": 0, "attendance": 0, "session_tags": 0}
    for batch_start in range(0, sessions, PARENT_BATCH):
        serials = range(batch_start, min(sessions, batch_start + PARENT_BATCH))
        session_rows, plans = [], []
        for serial in serials:
            section_id, section_name = sections[serial % len(sections)]
            members = population.members[section_id]
            kind = _session_kind(serial, len(sections))
            day = spread_day(rng, first, last)
            start, end = morning if serial % 3 else afternoon
            theme = STUDY_THEMES[serial % len(STUDY_THEMES)]
            moment = local_moment(day, 17)
            session_rows.append(
                (
                    kind,
                    VENUES[serial % len(VENUES)] if kind == "first_agenda" else "",
                    day,
                    start,
                    end,
                    f"{section_name}会议室",
                    section_id,
                    members[0],
                    members[1 % len(members)],
                    f"{section_name}学习{theme}（{KIND_NAMES[kind]}第{serial + 1}号）",
                    moment,
                )
            )
            wanted = min(len(members), base + (1 if serial < extra else 0))
            plans.append((members, wanted, moment, kind))
        pks = insert_rows(StudySession, session_fields, session_rows, return_pks=True)
        lines, tag_links = [], []
        for pk, (members, wanted, moment, kind) in zip(pks, plans, strict=True):
            offset = rng.randrange(len(members))
            for step in range(wanted):
                roll = rng.random()
                if roll < 0.05:
                    status, reason = "absent", ABSENCE_REASONS[step % len(ABSENCE_REASONS)]
                elif roll < 0.07:
                    status, reason = "observer", ""
                else:
                    status, reason = "present", ""
                lines.append((pk, members[(offset + step) % len(members)], status, reason, moment))
            if kind == "thematic_discussion" and tags and rng.random() < 0.5:
                tag_links.append((pk, tags[rng.randrange(len(tags))]))
        insert(Attendance, attendance_fields, lines)
        insert(StudySession.tags.through, ("studysession_id", "tag_id"), tag_links)
        created["sessions"] += len(pks)
        created["attendance"] += len(lines)
        created["session_tags"] += len(tag_links)
    created["points"] = _seed_points(population, points=points, today=today)
    return created


def _months_back(month: datetime.date, count: int) -> list[datetime.date]:
    months = []
    for _step in range(count):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
        months.append(month)
    return months


def _seed_points(population: Population, *, points: int, today: datetime.date) -> int:
    """About ``points`` entries, the same number per person: a third (at most 30) daily entries
    on 学习强国 for the last days, the rest monthly totals on 云溪先锋 for the months before this
    one, going back as far as 2021 allows (the two platforms of the office demo)."""
    from .models import LearningPlatform, PointsEntry

    people = list(population.names)
    per_person = points // len(people) if people else 0
    if not per_person:
        return 0
    xuexi, _ = LearningPlatform.objects.get_or_create(code="xuexi", defaults={"name": "学习强国"})
    local, _ = LearningPlatform.objects.get_or_create(code="yunxi-pioneer", defaults={"name": "云溪先锋"})
    this_month = today.replace(day=1)
    available = (this_month.year - FIRST_YEAR) * 12 + this_month.month - 1
    daily = min(30, max(1, per_person // 3)) if per_person > 1 else per_person
    monthly = min(per_person - daily, available)
    daily = per_person - monthly
    days = [today - datetime.timedelta(days=back) for back in range(1, daily + 1)]
    months = _months_back(this_month, monthly)
    fields = ("platform_id", "person_id", "period", "date", "points")
    written = 0
    rows = []
    for number, person in enumerate(people):
        # A few people fall short of the daily minimum; everyone else keeps above it.
        low = number % 10 == 3
        for day in days:
            rows.append((xuexi.pk, person, "day", day, (12 if low else 28) + (day.toordinal() + number) % 20))
        for month in months:
            rows.append(
                (local.pk, person, "month", month, (400 if low else 800) + (month.month * 37 + number) % 300)
            )
        if len(rows) >= BATCH:
            insert(PointsEntry, fields, rows)
            written += len(rows)
            rows = []
    insert(PointsEntry, fields, rows)
    return written + len(rows)


def generate(population: Population, sizes: Sizes) -> dict:
    return seed_study(population, sessions=sizes.sessions, attendance=sizes.attendance, points=sizes.points)


def summary(counts: dict) -> str:
    return (
        f"学习记录 {counts['sessions']:,} 次、出席 {counts['attendance']:,} 条、"
        f"学习积分 {counts['points']:,} 条"
    )
