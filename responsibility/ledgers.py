"""The responsibility ledgers (台账) of the inspectors' ledgers page, declared in contract.py: each names
its records in a period and turns them into rows in the columns inspectors expect (see
ideology_office.reports.ledgers for the shared parts: streaming, 序号, 作废说明)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from ideology_office.reports.ledgers import (
    ATTENDANCE_HEADERS,
    ATTENDANCE_WIDTHS,
    CHUNK_SIZE,
    VOID_HEADER,
    VOID_WIDTH,
    Ledger,
    attendance_cells,
    numbered,
    void_note,
    yes_no,
)

from .models import (
    AgendaItem,
    Assessment,
    DutyAssignment,
    FollowUpAction,
    LeadingGroupMembership,
    MeetingAttendance,
    OfficeMeeting,
)

# 领导小组 and 一岗双责 --------------------------------------------------------------------------


def _memberships(start, end) -> QuerySet:
    return (
        LeadingGroupMembership.objects.filter(start_date__lte=end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .select_related("person", "section_at_joining", "voided_by")
        .order_by("start_date", "pk")
    )


def _membership_rows(memberships: QuerySet) -> Iterable[list]:
    return numbered(
        [
            member.person,
            member.get_role_display(),
            member.title_at_joining,
            member.section_at_joining or "",
            member.start_date,
            member.start_reason,
            member.end_date,
            member.end_reason,
            void_note(member),
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
    return numbered(
        [
            assignment.year,
            assignment.leader,
            assignment.leader.title,
            yes_no(assignment.is_principal),
            "、".join(str(section) for section in assignment.sections.all()),
            assignment.fields_in_charge,
            "\n".join(f"{number}. {line}" for number, line in enumerate(assignment.duty_lines, start=1)),
            assignment.letter_signed_on,
            void_note(assignment),
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
            yes_no(meeting.on_ideology),
            (f"{first.title}（{first.material}）" if first.material else first.title) if first else "",
            "\n".join(f"{item.position}. {item.title}" for item in items if item is not first),
            meeting.decisions,
            *attendance_cells(meeting.attendances.all(), Status.PRESENT, Status.ABSENT, Status.OBSERVER),
            "\n".join(follow_ups),
            meeting.section,
            void_note(meeting),
        ]


# 责任制考核 -------------------------------------------------------------------------------------


def _assessments(start, end) -> QuerySet:
    return (
        Assessment.objects.filter(scheme__year__range=(start.year, end.year))
        .select_related("scheme", "target_unit", "target_person", "assessor", "voided_by")
        .order_by("scheme__year", "target_kind", "pk")
    )


def _assessment_rows(assessments: QuerySet) -> Iterable[list]:
    return numbered(
        [
            assessment.scheme.year,
            assessment.scheme.name,
            assessment.get_target_kind_display(),
            assessment.target,
            assessment.assessor,
            assessment.total,
            assessment.get_grade_display(),
            yes_no(assessment.vetoed),
            assessment.get_status_display(),
            assessment.completed_at,
            void_note(assessment),
        ]
        for assessment in assessments.iterator(chunk_size=CHUNK_SIZE)
    )


def ledgers() -> tuple[Ledger, ...]:
    """This area's ledger sheets, in the inspectors' columns (``order``: place in the ledgers page)."""
    return (
        Ledger(
            order=10,
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
            order=20,
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
            order=30,
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
        Ledger(
            order=180,
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
