"""The sentiment ledgers (台账) of the inspectors' ledgers page, declared in contract.py: each names
its records in a period and turns them into rows in the columns inspectors expect (see
ideology_office.reports.ledgers for the shared parts: streaming, 序号, 作废说明)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ideology_office.reports.ledgers import (
    CHUNK_SIZE,
    VOID_HEADER,
    VOID_WIDTH,
    Ledger,
    names,
    numbered,
    void_note,
    yes_no,
)

from .models import (
    DutyLogEntry,
    DutyRoster,
    DutyShift,
    InformationReport,
    OpinionIncident,
    OpinionReview,
    RiskItem,
)

# 舆情事件 ---------------------------------------------------------------------------------------


def _incidents(start, end) -> QuerySet:
    return (
        OpinionIncident.objects.filter(found_at__date__range=(start, end))
        .select_related("handled_by", "voided_by")
        .order_by("found_at", "pk")
    )


def _in_time(found, done, limit_minutes: int, now) -> str:
    """是/否 once done; before that 否 as soon as the limit has passed, else blank."""
    if done is not None:
        return yes_no((done - found).total_seconds() <= limit_minutes * 60)
    return "否" if (now - found).total_seconds() > limit_minutes * 60 else ""


def _incident_rows(incidents: QuerySet) -> Iterable[list]:
    now = timezone.now()
    return numbered(
        [
            incident.found_at,
            incident.get_source_display(),
            incident.get_field_display(),
            incident.get_severity_display(),
            incident.summary,
            incident.reported_at,
            incident.reported_to,
            incident.minutes_to_report,
            incident.report_limit_minutes,
            _in_time(incident.found_at, incident.reported_at, incident.report_limit_minutes, now),
            incident.handled_at,
            incident.handled_by or "",
            incident.measures,
            incident.result,
            incident.minutes_to_handle,
            incident.handle_limit_minutes,
            _in_time(incident.found_at, incident.handled_at, incident.handle_limit_minutes, now),
            incident.get_status_display(),
            void_note(incident),
        ]
        for incident in incidents.iterator(chunk_size=CHUNK_SIZE)
    )


# 值班 -------------------------------------------------------------------------------------------


def _shifts(start, end) -> QuerySet:
    return (
        DutyShift.objects.filter(roster__status=DutyRoster.Status.PUBLISHED, start__date__range=(start, end))
        .select_related("officer", "leader", "handover__written_by", "handover__accepted_by")
        .order_by("start", "pk")
    )


def _clock(value: datetime.datetime) -> str:
    return f"{timezone.localtime(value):%m-%d %H:%M}"


def _shift_rows(shifts: QuerySet) -> Iterable[list]:
    shifts = shifts.prefetch_related(
        Prefetch("log_entries", queryset=DutyLogEntry.objects.order_by("at", "pk")),
        Prefetch("information_reports", queryset=InformationReport.objects.order_by("sent_at", "pk")),
    )
    for number, shift in enumerate(shifts.iterator(chunk_size=CHUNK_SIZE), start=1):
        handover = getattr(shift, "handover", None)
        yield [
            number,
            shift.start,
            shift.end,
            shift.officer,
            shift.leader,
            shift.phone,
            "\n".join(f"{_clock(entry.at)} {entry.content}" for entry in shift.log_entries.all()),
            "\n".join(
                f"{_clock(report.sent_at)} → {report.recipient}：{report.content}"
                + (f"（{_('Voided')}）" if report.voided_at else "")
                for report in shift.information_reports.all()
            ),
            handover.open_items if handover else "",
            handover.written_by if handover else "",
            (handover.accepted_by or "") if handover else "",
            handover.accepted_at if handover else None,
        ]


# 舆情分析研判 -----------------------------------------------------------------------------------


def _reviews(start, end) -> QuerySet:
    return (
        OpinionReview.objects.filter(held_on__range=(start, end))
        .select_related("voided_by")
        .order_by("held_on", "pk")
    )


def _review_rows(reviews: QuerySet) -> Iterable[list]:
    """One row per risk assessed (a review without risks still has its row)."""
    reviews = reviews.prefetch_related(
        Prefetch("attendees", queryset=get_user_model().objects.order_by("username")),
        Prefetch(
            "risks",
            queryset=RiskItem.objects.select_related("owner", "voided_by").order_by(
                "-likelihood", "-impact", "pk"
            ),
        ),
    )
    number = 0
    for review in reviews.iterator(chunk_size=CHUNK_SIZE):
        meeting = [
            review.year,
            review.quarter,
            review.held_on,
            names(review.attendees.all()),
            review.reviewed,
            review.conclusions,
        ]
        for risk in list(review.risks.all()) or [None]:
            number += 1
            if risk is None:
                yield [number, *meeting, *[""] * 9, void_note(review)]
                continue
            yield [
                number,
                *meeting,
                risk.issue,
                risk.get_field_display(),
                risk.likelihood,
                risk.impact,
                risk.get_level_display(),
                risk.owner,
                risk.response_plan,
                risk.measures,
                risk.get_status_display(),
                void_note(review) or void_note(risk),
            ]


def ledgers() -> tuple[Ledger, ...]:
    """This area's ledger sheets, in the inspectors' columns (``order``: place in the ledgers page)."""
    return (
        Ledger(
            order=140,
            key="incidents",
            title="舆情事件处置台账",
            headers=(
                "序号",
                "发现时间",
                "来源",
                "所属领域",
                "等级",
                "事件概要",
                "报告时间",
                "报告对象",
                "报告用时（分钟）",
                "报告时限（分钟）",
                "是否按时报告",
                "处置时间",
                "处置人",
                "处置措施",
                "处置结果",
                "处置用时（分钟）",
                "处置时限（分钟）",
                "是否按时处置",
                "状态",
                VOID_HEADER,
            ),
            widths=(6, 18, 12, 12, 8, 40, 18, 16, 10, 10, 8, 18, 10, 30, 30, 10, 10, 8, 14, VOID_WIDTH),
            queryset=_incidents,
            rows=_incident_rows,
            evidence=_incidents,
        ),
        Ledger(
            order=150,
            key="duty_logs",
            title="24小时值班及交接班台账",
            headers=(
                "序号",
                "值班开始时间",
                "值班结束时间",
                "值班员",
                "带班领导",
                "值班电话",
                "值班日志",
                "信息报送",
                "交接事项",
                "交班人",
                "接班人",
                "接班时间",
            ),
            widths=(6, 18, 18, 10, 10, 14, 40, 40, 30, 10, 10, 18),
            queryset=_shifts,
            rows=_shift_rows,
            voided=None,
        ),
        Ledger(
            order=160,
            key="opinion_reviews",
            title="舆情分析研判及风险防控台账",
            headers=(
                "序号",
                "年度",
                "季度",
                "研判会日期",
                "参会人员",
                "研判内容",
                "研判结论",
                "风险事项",
                "所属领域",
                "可能性",
                "影响程度",
                "风险等级",
                "责任人",
                "应对预案",
                "防控措施",
                "风险状态",
                VOID_HEADER,
            ),
            widths=(6, 8, 6, 12, 24, 36, 36, 36, 12, 8, 8, 8, 10, 40, 30, 10, VOID_WIDTH),
            queryset=_reviews,
            rows=_review_rows,
            evidence=_reviews,
        ),
    )
