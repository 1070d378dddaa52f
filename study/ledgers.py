"""The study ledgers (台账) of the inspectors' ledgers page, declared in contract.py: each names
its records in a period and turns them into rows in the columns inspectors expect (see
ideology_office.reports.ledgers for the shared parts: streaming, 序号, 作废说明)."""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone, translation

from ideology_office.reports.ledgers import (
    ATTENDANCE_HEADERS,
    ATTENDANCE_WIDTHS,
    CHUNK_SIZE,
    VOID_HEADER,
    VOID_WIDTH,
    Ledger,
    attendance_cells,
    in_chunks,
    void_note,
    yes_no,
)

from .models import (
    Attendance,
    PointsBulletin,
    PointsEntry,
    Speech,
    StudySession,
)
from .selectors import daily_minimum, month_bounds, threshold_minimums

Kind = StudySession.Kind


# Study sessions, one ledger per kind ---------------------------------------------------------


@dataclass(frozen=True)
class ExtraColumn:
    header: str
    width: int
    value: Callable[[StudySession], object]


def _sessions_of(kinds: Sequence[str]):
    def queryset(start, end) -> QuerySet:
        return (
            StudySession.objects.filter(kind__in=kinds, date__range=(start, end))
            .select_related("section", "host", "recorder", "reading_class", "voided_by")
            .order_by("date", "start_time", "pk")
        )

    return queryset


@functools.cache
def _choice_labels(field: str, language: str | None) -> dict:
    return {value: str(label) for value, label in StudySession._meta.get_field(field).flatchoices}


def _label_of(field: str) -> Callable[[StudySession], object]:
    """A choice field's label, as ``get_<field>_display()`` gives it, with the labels translated
    once per language rather than per row (Django's own hashes every lazy label on each call:
    half the time of a county year's branch-meetings ledger)."""

    def value(session: StudySession):
        code = getattr(session, field)
        return _choice_labels(field, translation.get_language()).get(code, code)

    return value


def _session_time(session: StudySession) -> str:
    if session.start_time and session.end_time:
        return f"{session.start_time:%H:%M}-{session.end_time:%H:%M}"
    return f"{session.start_time:%H:%M}" if session.start_time else ""


class _Attendance(NamedTuple):
    person: str
    status: str
    absence_reason: str


def _person_name(real_name: str | None, username: str | None) -> str:
    """What ``str(user)`` says (the real name, else the username), from plain values."""
    return real_name or username or ""


def _attendances_by_session(session_ids: list[int]) -> dict[int, list[_Attendance]]:
    """The sessions' attendance as plain values, one query: a county year's branch meetings have
    a hundred thousand attendance rows, too many to build as model instances."""
    found: dict[int, list[_Attendance]] = defaultdict(list)
    rows = (
        Attendance.objects.filter(session_id__in=session_ids)
        .order_by("pk")
        .values_list("session_id", "person__real_name", "person__username", "status", "absence_reason")
    )
    for session_id, real_name, username, status, reason in rows:
        found[session_id].append(_Attendance(_person_name(real_name, username), status, reason))
    return found


def _speeches_by_session(session_ids: list[int]) -> dict[int, list[str]]:
    """Each session's speeches as "speaker：what was said" lines, one query."""
    found: dict[int, list[str]] = defaultdict(list)
    rows = (
        Speech.objects.filter(session_id__in=session_ids)
        .order_by("order", "pk")
        .values_list("session_id", "speaker__real_name", "speaker__username", "content")
    )
    for session_id, real_name, username, content in rows:
        found[session_id].append(f"{_person_name(real_name, username)}：{content}")
    return found


def _materials_by_session(session_ids: list[int]) -> dict[int, list[str]]:
    """Each session's materials as "title（issued on）" lines, in their order, one query."""
    found: dict[int, list[str]] = defaultdict(list)
    rows = (
        StudySession.materials.through.objects.filter(studysession_id__in=session_ids)
        .order_by("studymaterial__issued_on", "studymaterial_id")
        .values_list("studysession_id", "studymaterial__title", "studymaterial__issued_on")
    )
    for session_id, title, issued_on in rows:
        found[session_id].append(f"{title}（{issued_on:%Y-%m-%d}）")
    return found


def _tags_by_session(session_ids: list[int]) -> dict[int, list[str]]:
    """Each session's tag names, one query."""
    found: dict[int, list[str]] = defaultdict(list)
    rows = (
        StudySession.tags.through.objects.filter(studysession_id__in=session_ids)
        .order_by("tag__name", "tag_id")  # the tags' own order, as session.tags.all()
        .values_list("studysession_id", "tag__name")
    )
    for session_id, name in rows:
        found[session_id].append(name)
    return found


def _session_rows(extra: Sequence[ExtraColumn]):
    def rows(sessions: QuerySet) -> Iterable[list]:
        Status = Attendance.Status
        number = 0
        for chunk in in_chunks(sessions.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
            ids = [session.pk for session in chunk]
            attendances, speeches = _attendances_by_session(ids), _speeches_by_session(ids)
            materials, tags = _materials_by_session(ids), _tags_by_session(ids)
            for session in chunk:
                number += 1
                yield [
                    number,
                    session.date,
                    _session_time(session),
                    session.place,
                    session.topic,
                    *(column.value(session) for column in extra),
                    "\n".join(materials.get(session.pk, ())),
                    "、".join(tags.get(session.pk, ())),
                    session.section,
                    session.host or "",
                    *attendance_cells(
                        attendances.get(session.pk, ()), Status.PRESENT, Status.ABSENT, Status.OBSERVER
                    ),
                    "\n".join(speeches.get(session.pk, ())),
                    session.recorder or "",
                    session.minutes,
                    void_note(session),
                ]

    return rows


def _study_ledger(
    order: int, key: str, title: str, kinds: Sequence[str], extra: Sequence[ExtraColumn] = ()
) -> Ledger:
    queryset = _sessions_of(kinds)
    return Ledger(
        key=key,
        title=title,
        order=order,
        headers=(
            "序号",
            "日期",
            "时间",
            "地点",
            "学习主题",
            *(column.header for column in extra),
            "学习材料",
            "主题标签",
            "组织股室",
            "主持人",
            *ATTENDANCE_HEADERS,
            "发言情况",
            "记录人",
            "学习记录",
            VOID_HEADER,
        ),
        widths=(
            6,
            12,
            12,
            14,
            30,
            *(column.width for column in extra),
            30,
            14,
            12,
            10,
            *ATTENDANCE_WIDTHS,
            40,
            10,
            40,
            VOID_WIDTH,
        ),
        queryset=queryset,
        rows=_session_rows(extra),
        evidence=queryset,
    )


# 学习积分通报 ----------------------------------------------------------------------------------


def _bulletins(start, end) -> QuerySet:
    return (
        PointsBulletin.objects.filter(month__range=(start, end))
        .select_related("platform", "published_by", "voided_by")
        .order_by("month", "platform_id", "pk")
    )


def _counted_days(month: datetime.date, today: datetime.date) -> int:
    first, last = month_bounds(month)
    return 0 if today < first else (min(today, last) - first).days + 1


def _bulletin_rows(bulletins: QuerySet) -> Iterable[list]:
    """Each bulletin with its month's figures as the bulletin page computes them (everyone with a
    role, points of the platform summed, threshold = the role's daily minimum on that platform ×
    days counted),
    read in four queries for all bulletins rather than a ranking per bulletin."""
    bulletins = list(bulletins.iterator(chunk_size=CHUNK_SIZE))
    if not bulletins:
        return
    first = min(bulletin.month for bulletin in bulletins)
    last = month_bounds(max(bulletin.month for bulletin in bulletins))[1]
    points: dict[tuple[int, datetime.date], dict[int, int]] = {}
    entries = (
        PointsEntry.objects.filter(date__range=(first, last))
        .annotate(month=TruncMonth("date"))
        .values_list("platform_id", "month", "person_id")
        .annotate(total=Sum("points"))
        .order_by()
    )
    for platform_id, month, person_id, total in entries:
        points.setdefault((platform_id, month), {})[person_id] = total
    minimums = threshold_minimums()
    people = list(
        get_user_model()
        .objects.filter(is_active=True, groups__isnull=False)
        .prefetch_related("groups")
        .distinct()
        .order_by("username")
    )
    today = timezone.localdate()
    for number, bulletin in enumerate(bulletins, start=1):
        totals = points.get((bulletin.platform_id, bulletin.month), {})
        days = _counted_days(bulletin.month, today)
        below = []
        for person in people:
            minimum = daily_minimum(
                [group.name for group in person.groups.all()], minimums, bulletin.platform_id
            )
            if minimum is not None and totals.get(person.pk, 0) < minimum * days:
                below.append(f"{person}（{totals.get(person.pk, 0)}）")
        earned = sum(totals.get(person.pk, 0) for person in people)
        yield [
            number,
            f"{bulletin.month:%Y年%m月}",
            bulletin.platform,
            yes_no(bulletin.published_at),
            bulletin.published_at,
            bulletin.published_by or "",
            len(people),
            round(earned / len(people), 1) if people else 0,
            len(below),
            "、".join(below),
            bulletin.note,
            void_note(bulletin),
        ]


def ledgers() -> tuple[Ledger, ...]:
    """This area's ledger sheets, in the inspectors' columns (``order``: place in the ledgers page)."""
    return (
        _study_ledger(
            40,
            "first_agenda",
            "“第一议题”学习台账",
            [Kind.FIRST_AGENDA],
            [ExtraColumn("学习场合", 14, _label_of("first_agenda_venue"))],
        ),
        _study_ledger(50, "central_group", "理论学习中心组学习台账", [Kind.CENTRAL_GROUP]),
        _study_ledger(60, "thematic_discussions", "专题研讨台账", [Kind.THEMATIC_DISCUSSION]),
        _study_ledger(
            70,
            "reading_classes",
            "专题读书班台账",
            [Kind.READING_CLASS],
            [
                ExtraColumn(
                    "读书班", 24, lambda session: session.reading_class.title if session.reading_class else ""
                )
            ],
        ),
        _study_ledger(
            80,
            "branch_meetings",
            "“三会一课”台账",
            list(StudySession.BRANCH_MEETING_KINDS),
            [ExtraColumn("会议类型", 14, _label_of("kind"))],
        ),
        _study_ledger(90, "themed_party_days", "主题党日活动台账", [Kind.THEMED_PARTY_DAY]),
        _study_ledger(100, "other_activities", "其他学习教育活动台账", [Kind.OTHER]),
        Ledger(
            order=110,
            key="points_bulletins",
            title="学习积分通报台账",
            headers=(
                "序号",
                "通报月份",
                "学习平台",
                "是否已发布",
                "发布时间",
                "发布人",
                "参评人数",
                "人均积分",
                "未达标人数",
                "未达标人员（积分）",
                "备注",
                VOID_HEADER,
            ),
            widths=(6, 12, 12, 8, 18, 10, 8, 8, 8, 40, 24, VOID_WIDTH),
            queryset=_bulletins,
            rows=_bulletin_rows,
            evidence=_bulletins,
        ),
    )
