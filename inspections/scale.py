"""The inspections part of ``seed_demo --scale N`` (see ideology_office.common.scale): synthetic records
for the county-sized population, written in bulk. Declared in contract.py."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from ideology_office.common.scale import (
    FIRST_YEAR,
    Population,
    Sizes,
    grant,
    insert,
    local_moment,
    spread_day,
)

# Inspections ------------------------------------------------------------------------------------

SOURCES = (
    ("circuit", "县委第{n}巡察组巡察反馈"),
    ("county_supervision", "县委意识形态工作专项督查反馈（第{n}批）"),
    ("other", "县委宣传部意识形态工作检查反馈（第{n}批）"),
)
PROBLEMS = (
    "“第一议题”学习传达不够及时，个别重要讲话精神学习滞后。",
    "网络阵地信息发布审核把关不严，“三审三校”记录不全。",
    "宣传栏、电子屏内容更新不及时，主题宣传不鲜明。",
    "意识形态工作责任制落实不到位，压力传导层层递减。",
    "舆情研判不够规律，风险隐患排查不深入。",
    "理论学习中心组学习计划执行不严格，研讨发言质量不高。",
)
MEASURES = (
    "修订学习制度，明确传达学习时限并建立台账",
    "补齐审核记录，落实三审三校签批制度",
    "制定阵地内容更新计划，明确更新周期和审核责任",
    "将意识形态工作纳入年度考评，层层签订责任书",
    "建立季度舆情分析研判制度，形成研判报告",
    "开展专项检查，逐项整改并报送整改情况",
)
CLOSE_NOTES = ("佐证材料齐全，整改到位，同意销号。", "经核查已完成整改，同意销号。")


def seed_inspections(population: Population, *, tasks: int, today=None) -> dict:
    """``tasks`` tasks, five to a finding and four findings to an inspection (巡察, 督查, 检查),
    dated from 2021 to ten days ago, each inspection about one section. Tasks of inspections more
    than a year old are closed out (one in twelve still open and long overdue); newer ones are
    not started, in progress, awaiting acceptance or closed, and about a third of the open ones
    are overdue. A finding is closed when all its tasks are, an inspection when all its
    findings are. Each task has its 交办 event (and its 销号 event when closed) and the
    responsible person's grant to report progress."""
    from .models import Finding, FindingCategory, Inspection, RectificationTask, TaskEvent

    if not tasks:
        return {"inspections": 0, "findings": 0, "tasks": 0}
    today = today or timezone.localdate()
    now = timezone.now()
    rng = random.Random(f"inspections-{len(population.names)}-{tasks}")  # noqa: S311 - test data
    categories = list(FindingCategory.objects.order_by("sort_order", "pk").values_list("pk", flat=True))
    if not categories:
        categories = [FindingCategory.objects.create(name="政治方向", sort_order=1).pk]
    finding_total = max(1, round(tasks / 5))
    inspection_total = max(1, round(finding_total / 4))
    first, last = datetime.date(FIRST_YEAR, 1, 1), today - datetime.timedelta(days=10)
    serial_base = Inspection.objects.count()
    inspections = []
    for number in range(inspection_total):
        source, title = SOURCES[number % len(SOURCES)]
        section_id, section_name = population.sections[number % len(population.sections)]
        day = spread_day(rng, first, last)
        inspections.append(
            {
                "source": source,
                "title": f"{day.year}年{title.format(n=serial_base + number + 1)}：{section_name}",
                "date": day,
                "section": section_id,
                "findings": [],
            }
        )
    findings = []
    for number in range(finding_total):
        inspection = inspections[number % inspection_total]
        finding = {"inspection": inspection, "number": len(inspection["findings"]) + 1, "tasks": []}
        inspection["findings"].append(finding)
        findings.append(finding)
    task_specs = []
    for number in range(tasks):
        finding = findings[number % finding_total]
        inspection = finding["inspection"]
        members = population.members[inspection["section"]]
        spec = _task_state(rng, inspection["date"], today, now)
        spec.update(
            finding=finding,
            person=members[1 + number % (len(members) - 1)],
            leader=population.leaders[number % len(population.leaders)],
            unit=inspection["section"],
            closer=population.inspectors[number % len(population.inspectors)],
            measure=MEASURES[number % len(MEASURES)],
        )
        finding["tasks"].append(spec)
        task_specs.append(spec)
    # Closure follows the tasks: a finding when all its tasks, an inspection when all its findings.
    for finding in findings:
        closed = [task["closed_at"] for task in finding["tasks"]]
        finding["closed_at"] = (
            min(now, max(closed) + datetime.timedelta(days=3)) if closed and all(closed) else None
        )
    for inspection in inspections:
        closed = [finding["closed_at"] for finding in inspection["findings"]]
        inspection["closed_at"] = min(now, max(closed) + datetime.timedelta(days=5)) if all(closed) else None
    closer = population.inspectors[0]
    inspection_pks = insert(
        Inspection,
        ("source", "title", "date", "description", "status", "closed_at", "closed_by_id", "created_at"),
        [
            (
                row["source"],
                row["title"],
                row["date"],
                f"反馈问题 {len(row['findings'])} 个，逐项明确整改措施、责任人和完成时限。",
                "closed" if row["closed_at"] else "open",
                row["closed_at"],
                closer if row["closed_at"] else None,
                local_moment(row["date"], 18),
            )
            for row in inspections
        ],
        return_pks=True,
    )
    for row, pk in zip(inspections, inspection_pks, strict=True):
        row["pk"] = pk
    finding_pks = insert(
        Finding,
        ("inspection_id", "number", "category_id", "description", "status", "closed_at", "closed_by_id"),
        [
            (
                row["inspection"]["pk"],
                row["number"],
                categories[index % len(categories)],
                PROBLEMS[index % len(PROBLEMS)],
                "closed" if row["closed_at"] else "open",
                row["closed_at"],
                closer if row["closed_at"] else None,
            )
            for index, row in enumerate(findings)
        ],
        return_pks=True,
    )
    for row, pk in zip(findings, finding_pks, strict=True):
        row["pk"] = pk
    task_pks = insert(
        RectificationTask,
        (
            "finding_id",
            "measure",
            "responsible_leader_id",
            "responsible_unit_id",
            "responsible_person_id",
            "deadline",
            "original_deadline",
            "kind",
            "state",
            "progress",
            "closed_at",
            "closed_by_id",
            "close_note",
            "created_at",
            "created_by_id",
        ),
        [
            (
                spec["finding"]["pk"],
                spec["measure"],
                spec["leader"],
                spec["unit"],
                spec["person"],
                spec["deadline"],
                spec["deadline"],
                "ongoing" if number % 10 == 9 else "by_deadline",
                spec["state"],
                spec["progress"],
                spec["closed_at"],
                spec["closer"] if spec["closed_at"] else None,
                CLOSE_NOTES[number % 2] if spec["closed_at"] else "",
                spec["assigned_at"],
                spec["closer"],
            )
            for number, spec in enumerate(task_specs)
        ],
        return_pks=True,
    )
    events = []
    for pk, spec in zip(task_pks, task_specs, strict=True):
        events.append((pk, "assigned", spec["closer"], "", "", "not_started", spec["assigned_at"]))
        if spec["closed_at"]:
            events.append(
                (
                    pk,
                    "closed",
                    spec["closer"],
                    "同意销号。",
                    "awaiting_acceptance",
                    "closed",
                    spec["closed_at"],
                )
            )
    insert(TaskEvent, ("task_id", "kind", "actor_id", "note", "from_state", "to_state", "created_at"), events)
    grants = grant(
        "update_progress",
        RectificationTask,
        ((spec["person"], pk) for pk, spec in zip(task_pks, task_specs, strict=True)),
    )
    return {
        "inspections": len(inspection_pks),
        "findings": len(finding_pks),
        "tasks": len(task_pks),
        "task_events": len(events),
        "task_grants": grants,
    }


def _task_state(rng: random.Random, day: datetime.date, today: datetime.date, now) -> dict:
    assigned = local_moment(day + datetime.timedelta(days=2), 10)
    due = day + datetime.timedelta(days=rng.randint(30, 150))
    old = (today - day).days > 365
    roll = rng.random()
    if (old and roll < 11 / 12) or (not old and roll < 0.4 and due < today):
        # Most are closed near their deadline; some a little late (overdue on record).
        closed_day = min(
            due + datetime.timedelta(days=rng.randint(-25, 12)), today - datetime.timedelta(days=1)
        )
        closed_at = min(local_moment(max(closed_day, day + datetime.timedelta(days=3)), 16), now)
        return {
            "state": "closed",
            "deadline": due,
            "closed_at": closed_at,
            "progress": "已按整改措施完成整改。",
            "assigned_at": assigned,
        }
    if old:
        state = "in_progress"
    else:
        state = ("not_started", "in_progress", "in_progress", "awaiting_acceptance")[rng.randrange(4)]
    if rng.random() < 0.35 or old:
        deadline = max(day + datetime.timedelta(days=7), today - datetime.timedelta(days=rng.randint(1, 180)))
    else:
        deadline = today + datetime.timedelta(days=rng.randint(0, 120))
    progress = "" if state == "not_started" else "正在按整改措施推进，已完成部分整改内容。"
    return {
        "state": state,
        "deadline": deadline,
        "closed_at": None,
        "progress": progress,
        "assigned_at": assigned,
    }


def generate(population: Population, sizes: Sizes) -> dict:
    return seed_inspections(population, tasks=sizes.tasks)


def summary(counts: dict) -> str:
    return (
        f"督查 {counts['inspections']:,} 次、问题 {counts['findings']:,} 个、整改任务 {counts['tasks']:,} 项"
    )
