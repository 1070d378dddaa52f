"""The sentiment part of ``seed_demo --scale N`` (see ideology_office.common.scale): synthetic records
for the county-sized population, written in bulk. Declared in contract.py."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from ideology_office.common.scale import FIRST_YEAR, Population, Sizes, insert

# Sentiment --------------------------------------------------------------------------------------

INCIDENT_TOPICS = (
    ("economy", "网传企业拖欠工程款引发讨薪帖文"),
    ("economy", "自媒体炒作招商项目“烂尾”"),
    ("stability", "短视频平台出现涉征地拆迁不实视频"),
    ("stability", "论坛出现涉警情的片面信息"),
    ("livelihood", "网民反映城区供水中断投诉集中"),
    ("livelihood", "网帖反映医保报销流程不畅"),
    ("other", "网传极端天气谣言"),
    ("other", "公众号误用不规范地图"),
)
INCIDENT_SOURCES = ("online", "cac_notice", "public_report", "other")


def seed_incidents(population: Population, *, incidents: int, now=None) -> dict:
    """``incidents`` opinion incidents found from 2021 to two hours ago, with the limits of their
    severity copied as the service does; one in six reported or handled late, those of the
    last day still being handled."""
    from .models import OpinionIncident, SeverityTimeLimit
    from .services import DEFAULT_LIMITS

    if not incidents:
        return {"incidents": 0}
    now = now or timezone.now()
    rng = random.Random(f"incidents-{len(population.names)}-{incidents}")  # noqa: S311 - test data
    limits = {
        **DEFAULT_LIMITS,
        **{
            row[0]: (row[1], row[2])
            for row in SeverityTimeLimit.objects.values_list(
                "severity", "report_within_minutes", "handle_within_minutes"
            )
        },
    }
    handlers = population.inspectors + [members[0] for members in population.members.values()]
    start = datetime.datetime(FIRST_YEAR, 1, 1, tzinfo=datetime.UTC)
    span = (now - datetime.timedelta(hours=2) - start).total_seconds()
    rows = []
    for number in range(incidents):
        found = (start + datetime.timedelta(seconds=rng.uniform(0, span))).replace(microsecond=0)
        severity = rng.choices(("major", "serious", "general"), weights=(1, 3, 6))[0]
        report_limit, handle_limit = limits[severity]
        field_name, topic = INCIDENT_TOPICS[number % len(INCIDENT_TOPICS)]
        late = rng.random() < 1 / 6
        report_after = (
            rng.randint(report_limit + 5, report_limit * 3) if late else rng.randint(3, report_limit)
        )
        handle_after = max(
            report_after + 10,
            rng.randint(handle_limit + 10, handle_limit * 2)
            if late
            else rng.randint(report_after, handle_limit),
        )
        reported = found + datetime.timedelta(minutes=report_after)
        handled = found + datetime.timedelta(minutes=handle_after)
        reported = reported if reported <= now else None
        handled = handled if handled <= now and now - found > datetime.timedelta(days=1) else None
        status = "handled" if handled else ("reported" if reported else "found")
        handler = handlers[number % len(handlers)]
        rows.append(
            (
                found,
                INCIDENT_SOURCES[number % len(INCIDENT_SOURCES)],
                field_name,
                f"{topic}（{population.sections[number % len(population.sections)][1]}，{number + 1}号）",
                severity,
                f"https://example.invalid/post/{number + 1}",
                reported,
                "县委网信办" if reported else "",
                handled,
                handler if handled else None,
                "联系发帖人核实情况，会同主管部门发布权威信息，持续跟踪舆情走势。" if handled else "",
                "舆情平息，未发生次生舆情。" if handled else "",
                status,
                report_limit,
                handle_limit,
                found,
                handler,
            )
        )
    insert(
        OpinionIncident,
        (
            "found_at",
            "source",
            "field",
            "summary",
            "severity",
            "links",
            "reported_at",
            "reported_to",
            "handled_at",
            "handled_by_id",
            "measures",
            "result",
            "status",
            "report_limit_minutes",
            "handle_limit_minutes",
            "created_at",
            "created_by_id",
        ),
        rows,
    )
    return {"incidents": len(rows)}


def generate(population: Population, sizes: Sizes) -> dict:
    return seed_incidents(population, incidents=sizes.incidents)


def summary(counts: dict) -> str:
    return f"舆情事件 {counts['incidents']:,} 条"
