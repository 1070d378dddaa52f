"""The ledgers (台账) inspectors ask for, each one Excel sheet over a period, and all of them at once.

Each :class:`Ledger` names its records in a period (``queryset``) and turns them into rows in the
columns inspectors expect (``rows``, 序号 first). Rows are streamed with ``select_related`` /
``prefetch_related`` and ``.iterator(chunk_size=CHUNK_SIZE)``, so a ledger costs a fixed number of
queries (one per related list, per chunk of records) whatever the number of records.

Voided records (作废) are **kept and marked**, never left out: every ledger of voidable records
ends with a column 作废说明 saying when, by whom and why, and the ledgers page counts them
separately. Evidence files that were voided are listed the same way in the evidence index.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import CharField, Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Cast, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from ideology_office.common.models import Attachment
from ideology_office.common.spreadsheets import Sheet, workbook_bytes
from inspections.models import RectificationTask
from inspections.selectors import TASK_RELATED
from inspections.views import LEDGER_HEADERS as RECTIFICATION_HEADERS
from inspections.views import LEDGER_WIDTHS as RECTIFICATION_WIDTHS
from positions.models import ContentItem, PhysicalUpdate
from positions.selectors import review_ledger, review_ledger_rows
from responsibility.models import (
    AgendaItem,
    Assessment,
    DutyAssignment,
    FollowUpAction,
    LeadingGroupMembership,
    MeetingAttendance,
    OfficeMeeting,
)
from sentiment.models import (
    DutyLogEntry,
    DutyRoster,
    DutyShift,
    InformationReport,
    OpinionIncident,
    OpinionReview,
    RiskItem,
)
from study.models import (
    Attendance,
    PointsBulletin,
    PointsEntry,
    PointsThreshold,
    Speech,
    StudyMaterial,
    StudySession,
)
from study.selectors import month_bounds

CHUNK_SIZE = 1000
VOID_HEADER = "作废说明"
VOID_WIDTH = 30
VOIDED = Q(voided_at__isnull=False)
EVIDENCE_INDEX_TITLE = "佐证材料索引"
EVIDENCE_HEADERS = (
    "序号",
    "台账",
    "记录",
    "文件名",
    "文件类型",
    "大小（字节）",
    "SHA-256",
    "上传时间",
    "上传人",
    "下载地址",
    VOID_HEADER,
)
EVIDENCE_WIDTHS = (6, 24, 36, 30, 18, 12, 66, 18, 10, 50, VOID_WIDTH)

Row = Sequence[object]


@dataclass(frozen=True)
class Ledger:
    """One ledger: its records in a period and the rows inspectors read.

    ``voided`` is the condition under which a record counts as voided (None: the records cannot
    be voided). ``evidence`` gives the records whose evidence files the index lists (None: the
    records carry none); it is often the ledger's own ``queryset``.
    """

    key: str
    title: str
    headers: Sequence[str]
    widths: Sequence[int]
    queryset: Callable[[datetime.date, datetime.date], QuerySet]
    rows: Callable[[QuerySet], Iterable[Row]]
    voided: Q | None = VOIDED
    evidence: Callable[[datetime.date, datetime.date], QuerySet] | None = None

    def sheet(self, start: datetime.date, end: datetime.date) -> Sheet:
        return Sheet(
            title=self.title,
            headers=list(self.headers),
            rows=(_cells(row) for row in self.rows(self.queryset(start, end))),
            column_widths=list(self.widths),
        )

    def filename(self, start: datetime.date, end: datetime.date) -> str:
        return f"{self.title}（{period_text(start, end)}）.xlsx"

    def counts(self, start: datetime.date, end: datetime.date) -> dict[str, int]:
        """{"total": records in the period, "voided": of which voided}: one query."""
        aggregates = {"total": Count("pk")}
        if self.voided is not None:
            aggregates["voided"] = Count("pk", filter=self.voided)
        counts = self.queryset(start, end).order_by().aggregate(**aggregates)
        counts.setdefault("voided", 0)
        return counts


def period_text(start: datetime.date, end: datetime.date) -> str:
    return f"{start:%Y%m%d}-{end:%Y%m%d}"


# Cell helpers ---------------------------------------------------------------------------------

CELL_TYPES = (str, int, float, Decimal, datetime.date, datetime.time)


def _cells(row: Row) -> list:
    """The row as spreadsheet values: people, units and other records as their names."""
    return [value if value is None or isinstance(value, CELL_TYPES) else str(value) for value in row]


def _yes_no(value) -> str:
    return "是" if value else "否"


def _names(people: Iterable) -> str:
    return "、".join(str(person) for person in people)


def _day(value: datetime.datetime | None) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d}" if value else ""


def _void_note(record) -> str:
    """Who voided the record, when and why; "" for a record in force. ``voided_by`` must have
    been fetched with the record (select_related), or this costs a query."""
    if record.voided_at is None:
        return ""
    return _("Voided on %(date)s by %(person)s: %(reason)s") % {
        "date": _day(record.voided_at),
        "person": record.voided_by or "—",
        "reason": record.void_reason,
    }


def _attendance_cells(attendances: Sequence, present: str, absent: str, observer: str) -> list:
    """应到人数, 实到人数, 出席人员, 缺席人员及原因, 列席人员."""
    here = [row.person for row in attendances if row.status == present]
    away = [row for row in attendances if row.status == absent]
    guests = [row.person for row in attendances if row.status == observer]
    return [
        len(here) + len(away),
        len(here),
        _names(here),
        "、".join(f"{row.person}（{row.absence_reason}）" for row in away),
        _names(guests),
    ]


ATTENDANCE_HEADERS = ("应到人数", "实到人数", "出席人员", "缺席人员及原因", "列席人员")
ATTENDANCE_WIDTHS = (8, 8, 30, 24, 16)


def _numbered(rows: Iterable[Row]) -> Iterable[list]:
    for number, row in enumerate(rows, start=1):
        yield [number, *row]


# 领导小组 and 一岗双责 --------------------------------------------------------------------------


def _memberships(start, end) -> QuerySet:
    return (
        LeadingGroupMembership.objects.filter(start_date__lte=end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .select_related("person", "section_at_joining", "voided_by")
        .order_by("start_date", "pk")
    )


def _membership_rows(memberships: QuerySet) -> Iterable[list]:
    return _numbered(
        [
            member.person,
            member.get_role_display(),
            member.title_at_joining,
            member.section_at_joining or "",
            member.start_date,
            member.start_reason,
            member.end_date,
            member.end_reason,
            _void_note(member),
        ]
        for member in memberships.iterator(chunk_size=CHUNK_SIZE)
    )


def _assignments(start, end) -> QuerySet:
    return (
        DutyAssignment.objects.filter(year__range=(start.year, end.year))
        .select_related("leader", "voided_by")
        .order_by("year", "-is_principal", "leader__username", "pk")
    )


def _assignment_rows(assignments: QuerySet) -> Iterable[list]:
    from ideology_office.accounts.models import OrgUnit

    assignments = assignments.prefetch_related(
        Prefetch("sections", queryset=OrgUnit.objects.order_by("sort_order", "name"))
    )
    return _numbered(
        [
            assignment.year,
            assignment.leader,
            assignment.leader.title,
            _yes_no(assignment.is_principal),
            "、".join(str(section) for section in assignment.sections.all()),
            assignment.fields_in_charge,
            "\n".join(f"{number}. {line}" for number, line in enumerate(assignment.duty_lines, start=1)),
            assignment.letter_signed_on,
            _void_note(assignment),
        ]
        for assignment in assignments.iterator(chunk_size=CHUNK_SIZE)
    )


# 室务会 ----------------------------------------------------------------------------------------


def _meetings(start, end) -> QuerySet:
    return (
        OfficeMeeting.objects.filter(date__range=(start, end))
        .select_related("chair", "section", "voided_by")
        .order_by("date", "pk")
    )


def _meeting_rows(meetings: QuerySet) -> Iterable[list]:
    meetings = meetings.prefetch_related(
        Prefetch("agenda_items", queryset=AgendaItem.objects.order_by("position")),
        Prefetch("attendances", queryset=MeetingAttendance.objects.select_related("person").order_by("pk")),
        Prefetch(
            "follow_ups",
            queryset=FollowUpAction.objects.select_related("owner").order_by("deadline", "pk"),
        ),
    )
    Status = MeetingAttendance.Status
    for number, meeting in enumerate(meetings.iterator(chunk_size=CHUNK_SIZE), start=1):
        items = list(meeting.agenda_items.all())
        first = next((item for item in items if item.kind == AgendaItem.Kind.FIRST_TOPIC), None)
        follow_ups = [
            f"{index}. {action.description}（{action.owner}，{action.deadline:%Y-%m-%d}，"
            f"{action.get_status_display()}）" + (f"（{_('Voided')}）" if action.voided_at else "")
            for index, action in enumerate(meeting.follow_ups.all(), start=1)
        ]
        yield [
            number,
            meeting.date,
            meeting.title,
            meeting.place,
            meeting.chair,
            _yes_no(meeting.on_ideology),
            (f"{first.title}（{first.material}）" if first.material else first.title) if first else "",
            "\n".join(f"{item.position}. {item.title}" for item in items if item is not first),
            meeting.decisions,
            *_attendance_cells(meeting.attendances.all(), Status.PRESENT, Status.ABSENT, Status.OBSERVER),
            "\n".join(follow_ups),
            meeting.section,
            _void_note(meeting),
        ]


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


def _session_time(session: StudySession) -> str:
    if session.start_time and session.end_time:
        return f"{session.start_time:%H:%M}-{session.end_time:%H:%M}"
    return f"{session.start_time:%H:%M}" if session.start_time else ""


def _session_rows(extra: Sequence[ExtraColumn]):
    def rows(sessions: QuerySet) -> Iterable[list]:
        sessions = sessions.prefetch_related(
            Prefetch("attendances", queryset=Attendance.objects.select_related("person").order_by("pk")),
            Prefetch("speeches", queryset=Speech.objects.select_related("speaker").order_by("order", "pk")),
            Prefetch("materials", queryset=StudyMaterial.objects.order_by("issued_on", "pk")),
            "tags",
        )
        Status = Attendance.Status
        for number, session in enumerate(sessions.iterator(chunk_size=CHUNK_SIZE), start=1):
            yield [
                number,
                session.date,
                _session_time(session),
                session.place,
                session.topic,
                *(column.value(session) for column in extra),
                "\n".join(
                    f"{material.title}（{material.issued_on:%Y-%m-%d}）"
                    for material in session.materials.all()
                ),
                "、".join(tag.name for tag in session.tags.all()),
                session.section,
                session.host or "",
                *_attendance_cells(session.attendances.all(), Status.PRESENT, Status.ABSENT, Status.OBSERVER),
                "\n".join(f"{speech.speaker}：{speech.content}" for speech in session.speeches.all()),
                session.recorder or "",
                session.minutes,
                _void_note(session),
            ]

    return rows


def _study_ledger(key: str, title: str, kinds: Sequence[str], extra: Sequence[ExtraColumn] = ()) -> Ledger:
    queryset = _sessions_of(kinds)
    return Ledger(
        key=key,
        title=title,
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
    role, points of the platform summed, threshold = the role's daily minimum × days counted),
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
    minimums = dict(PointsThreshold.objects.values_list("role", "daily_minimum"))
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
            role_minimums = [minimums[group.name] for group in person.groups.all() if group.name in minimums]
            if role_minimums and totals.get(person.pk, 0) < min(role_minimums) * days:
                below.append(f"{person}（{totals.get(person.pk, 0)}）")
        earned = sum(totals.get(person.pk, 0) for person in people)
        yield [
            number,
            f"{bulletin.month:%Y年%m月}",
            bulletin.platform,
            _yes_no(bulletin.published_at),
            bulletin.published_at,
            bulletin.published_by or "",
            len(people),
            round(earned / len(people), 1) if people else 0,
            len(below),
            "、".join(below),
            bulletin.note,
            _void_note(bulletin),
        ]


# 三审三校 ---------------------------------------------------------------------------------------


def _signoffs(start, end) -> QuerySet:
    return review_ledger(start=start, end=end)


def _signoff_rows(signoffs: QuerySet) -> Iterable[list]:
    # The ledger numbers its rows itself; the chain's sequence number is not one of its columns.
    return _numbered(row[1:] for row in review_ledger_rows(signoffs))


def _reviewed_items(start, end) -> QuerySet:
    return ContentItem.objects.filter(pk__in=_signoffs(start, end).order_by().values("item_id"))


# 实体阵地 ---------------------------------------------------------------------------------------


def _physical_updates(start, end) -> QuerySet:
    return (
        PhysicalUpdate.objects.filter(start_date__range=(start, end))
        .select_related("platform", "approved_by", "created_by", "voided_by")
        .order_by("start_date", "pk")
    )


def _physical_update_rows(updates: QuerySet) -> Iterable[list]:
    return _numbered(
        [
            update.platform.name,
            update.platform.get_kind_display(),
            update.platform.location,
            update.content,
            update.start_date,
            update.end_date,
            update.approved_by,
            update.created_by or "",
            update.created_at,
            update.note,
            _void_note(update),
        ]
        for update in updates.iterator(chunk_size=CHUNK_SIZE)
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
        return _yes_no((done - found).total_seconds() <= limit_minutes * 60)
    return "否" if (now - found).total_seconds() > limit_minutes * 60 else ""


def _incident_rows(incidents: QuerySet) -> Iterable[list]:
    now = timezone.now()
    return _numbered(
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
            _void_note(incident),
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
            _names(review.attendees.all()),
            review.reviewed,
            review.conclusions,
        ]
        for risk in list(review.risks.all()) or [None]:
            number += 1
            if risk is None:
                yield [number, *meeting, *[""] * 9, _void_note(review)]
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
                _void_note(review) or _void_note(risk),
            ]


# 整改台账 ---------------------------------------------------------------------------------------


def _tasks(start, end) -> QuerySet:
    return (
        RectificationTask.objects.filter(finding__inspection__date__range=(start, end))
        .select_related(*TASK_RELATED, "voided_by")
        .order_by("finding__inspection__date", "finding__inspection_id", "finding__number", "pk")
    )


def _task_void_note(task: RectificationTask) -> str:
    if task.voided_at:
        return _void_note(task)
    if task.finding.voided_at:
        return _("The finding was voided: %(reason)s") % {"reason": task.finding.void_reason}
    if task.finding.inspection.voided_at:
        return _("The inspection was voided: %(reason)s") % {"reason": task.finding.inspection.void_reason}
    return ""


def _task_rows(tasks: QuerySet) -> Iterable[list]:
    # The columns of inspections' own rectification ledger, with the 作废说明 after them.
    return _numbered(
        [
            task.finding.description,
            task.measure,
            str(task.responsible_leader),
            str(task.responsible_unit),
            task.get_kind_display() if task.kind == RectificationTask.Kind.ONGOING else task.deadline,
            task.progress or task.get_state_display(),
            _yes_no(task.is_closed),
            _task_void_note(task),
        ]
        for task in tasks.iterator(chunk_size=CHUNK_SIZE)
    )


# 责任制考核 -------------------------------------------------------------------------------------


def _assessments(start, end) -> QuerySet:
    return (
        Assessment.objects.filter(scheme__year__range=(start.year, end.year))
        .select_related("scheme", "target_unit", "target_person", "assessor", "voided_by")
        .order_by("scheme__year", "target_kind", "pk")
    )


def _assessment_rows(assessments: QuerySet) -> Iterable[list]:
    return _numbered(
        [
            assessment.scheme.year,
            assessment.scheme.name,
            assessment.get_target_kind_display(),
            assessment.target,
            assessment.assessor,
            assessment.total,
            assessment.get_grade_display(),
            _yes_no(assessment.vetoed),
            assessment.get_status_display(),
            assessment.completed_at,
            _void_note(assessment),
        ]
        for assessment in assessments.iterator(chunk_size=CHUNK_SIZE)
    )


# The registry ---------------------------------------------------------------------------------

Kind = StudySession.Kind

LEDGERS: tuple[Ledger, ...] = (
    Ledger(
        key="leading_group",
        title="领导小组成员及调整台账",
        headers=(
            "序号",
            "姓名",
            "组内职务",
            "职务",
            "所在股室",
            "加入日期",
            "加入原因",
            "退出日期",
            "退出原因",
            VOID_HEADER,
        ),
        widths=(6, 10, 14, 12, 14, 12, 30, 12, 30, VOID_WIDTH),
        queryset=_memberships,
        rows=_membership_rows,
        evidence=_memberships,
    ),
    Ledger(
        key="duty_assignments",
        title="一岗双责分工台账",
        headers=(
            "序号",
            "年度",
            "领导姓名",
            "职务",
            "是否主要领导",
            "分管股室",
            "分管领域",
            "责任清单",
            "责任书签订日期",
            VOID_HEADER,
        ),
        widths=(6, 8, 10, 12, 8, 24, 24, 50, 14, VOID_WIDTH),
        queryset=_assignments,
        rows=_assignment_rows,
        evidence=_assignments,
    ),
    Ledger(
        key="office_meetings",
        title="室务会台账",
        headers=(
            "序号",
            "会议日期",
            "会议主题",
            "地点",
            "主持人",
            "是否专题研究意识形态工作",
            "第一议题学习内容",
            "其他议题",
            "决定事项",
            *ATTENDANCE_HEADERS,
            "落实事项（责任人、时限、状态）",
            "记录股室",
            VOID_HEADER,
        ),
        widths=(6, 12, 30, 14, 10, 10, 30, 36, 40, *ATTENDANCE_WIDTHS, 40, 12, VOID_WIDTH),
        queryset=_meetings,
        rows=_meeting_rows,
        evidence=_meetings,
    ),
    _study_ledger(
        "first_agenda",
        "“第一议题”学习台账",
        [Kind.FIRST_AGENDA],
        [ExtraColumn("学习场合", 14, lambda session: session.get_first_agenda_venue_display())],
    ),
    _study_ledger("central_group", "理论学习中心组学习台账", [Kind.CENTRAL_GROUP]),
    _study_ledger("thematic_discussions", "专题研讨台账", [Kind.THEMATIC_DISCUSSION]),
    _study_ledger(
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
        "branch_meetings",
        "“三会一课”台账",
        list(StudySession.BRANCH_MEETING_KINDS),
        [ExtraColumn("会议类型", 14, lambda session: session.get_kind_display())],
    ),
    _study_ledger("themed_party_days", "主题党日活动台账", [Kind.THEMED_PARTY_DAY]),
    _study_ledger("other_activities", "其他学习教育活动台账", [Kind.OTHER]),
    Ledger(
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
    Ledger(
        key="content_reviews",
        title="信息发布“三审三校”台账",
        headers=(
            "序号",
            "发布平台",
            "稿件标题",
            "审校环节",
            "签批结果",
            "签批人",
            "签批人职务",
            "签批时间",
            "签批意见",
            "稿件版本",
            "稿件SHA-256",
            "链哈希",
        ),
        widths=(6, 14, 36, 12, 10, 10, 12, 18, 30, 8, 66, 66),
        queryset=_signoffs,
        rows=_signoff_rows,
        voided=None,
        evidence=_reviewed_items,
    ),
    Ledger(
        key="physical_updates",
        title="实体阵地内容更新台账",
        headers=(
            "序号",
            "阵地名称",
            "阵地类型",
            "位置",
            "更新内容",
            "展示起始日期",
            "展示截止日期",
            "审批人",
            "登记人",
            "登记时间",
            "备注",
            VOID_HEADER,
        ),
        widths=(6, 16, 12, 16, 40, 12, 12, 10, 10, 18, 20, VOID_WIDTH),
        queryset=_physical_updates,
        rows=_physical_update_rows,
        evidence=_physical_updates,
    ),
    Ledger(
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
    Ledger(
        key="rectification",
        title="整改台账",
        headers=(*RECTIFICATION_HEADERS, VOID_HEADER),
        widths=(*RECTIFICATION_WIDTHS, VOID_WIDTH),
        queryset=_tasks,
        rows=_task_rows,
        voided=VOIDED | Q(finding__voided_at__isnull=False) | Q(finding__inspection__voided_at__isnull=False),
        evidence=_tasks,
    ),
    Ledger(
        key="assessments",
        title="意识形态工作责任制考核台账",
        headers=(
            "序号",
            "年度",
            "考核细则",
            "考核对象类别",
            "考核对象",
            "考核人",
            "得分",
            "等次",
            "是否一票否决",
            "状态",
            "完成时间",
            VOID_HEADER,
        ),
        widths=(6, 8, 30, 12, 20, 10, 8, 8, 8, 10, 18, VOID_WIDTH),
        queryset=_assessments,
        rows=_assessment_rows,
        evidence=_assessments,
    ),
)

LEDGERS_BY_KEY = {ledger.key: ledger for ledger in LEDGERS}


def ledger_for(key: str) -> Ledger | None:
    return LEDGERS_BY_KEY.get(key)


# Evidence index and the archive of every ledger -------------------------------------------


def _evidence_rows(
    start: datetime.date, end: datetime.date, absolute_url: Callable[[str], str]
) -> Iterable[list]:
    """Every evidence file of every ledger's records in the period (the files themselves stay
    behind the access-checked download view). Two queries per ledger: the files, then the
    names of the records that carry any."""
    number = 0
    for ledger in LEDGERS:
        if ledger.evidence is None:
            continue
        records = ledger.evidence(start, end)
        meta = records.model._meta
        attachments = list(
            Attachment.objects.filter(
                content_type__app_label=meta.app_label,
                content_type__model=meta.model_name,
                object_id__in=records.order_by().values(text=Cast("pk", output_field=CharField())),
            )
            .select_related("created_by", "voided_by")
            .order_by("created_at", "pk")
        )
        if not attachments:
            continue
        labels = {
            str(record.pk): str(record)
            for record in records.filter(pk__in={attachment.object_id for attachment in attachments})
        }
        for attachment in attachments:
            number += 1
            yield [
                number,
                ledger.title,
                labels.get(attachment.object_id, attachment.object_id),
                attachment.original_name,
                attachment.mime_type,
                attachment.size,
                attachment.sha256,
                attachment.created_at,
                attachment.created_by or "",
                absolute_url(attachment.get_absolute_url()),
                _void_note(attachment),
            ]


def evidence_index_sheet(
    start: datetime.date, end: datetime.date, *, absolute_url: Callable[[str], str] = str
) -> Sheet:
    return Sheet(
        title=EVIDENCE_INDEX_TITLE,
        headers=list(EVIDENCE_HEADERS),
        rows=(_cells(row) for row in _evidence_rows(start, end, absolute_url)),
        column_widths=list(EVIDENCE_WIDTHS),
    )


def archive_filename(start: datetime.date, end: datetime.date) -> str:
    return f"意识形态工作台账（{period_text(start, end)}）.zip"


def ledgers_zip(
    start: datetime.date, end: datetime.date, *, absolute_url: Callable[[str], str] = str
) -> bytes:
    """A .zip with one .xlsx per ledger, numbered in the page's order, and the evidence index."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for number, ledger in enumerate(LEDGERS, start=1):
            archive.writestr(f"{number:02d}-{ledger.title}.xlsx", workbook_bytes([ledger.sheet(start, end)]))
        archive.writestr(
            f"{EVIDENCE_INDEX_TITLE}.xlsx",
            workbook_bytes([evidence_index_sheet(start, end, absolute_url=absolute_url)]),
        )
    return buffer.getvalue()
