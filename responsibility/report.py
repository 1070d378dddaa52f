"""The organisational leadership and responsibility figures of the annual work report, each counted from the queryset its drill-down
list shows (``report.count``) or computed from it (``report.add``). Declared in contract.py."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ideology_office.common.counting import countable_queryset
from ideology_office.reports.figures import (
    SECTION_RESPONSIBILITY,
    UNIT_ITEMS,
    UNIT_PEOPLE,
    UNIT_TIMES,
    ReportFigures,
)


def report_figures(report: ReportFigures) -> None:
    from .models import Assessment, DutyAssignment, FollowUpAction, LeadingGroupMembership
    from .selectors import leading_group_on

    start, end, section = report.start, report.end, SECTION_RESPONSIBILITY
    years = list(range(report.since, report.until + 1))
    group = leading_group_on(min(end, timezone.localdate()))
    leader = next((m for m in group if m.role == LeadingGroupMembership.Role.LEADER), None)
    memberships = LeadingGroupMembership.objects.active()
    report.count(
        section,
        "leading_group_members",
        _("Members of the leading group now"),
        memberships.filter(pk__in=[member.pk for member in group]),
        UNIT_PEOPLE,
        date_field="start_date",
    )
    report.add(
        section,
        "leading_group_leader",
        _("Group leader (first responsible person)"),
        leader.person.get_full_name() if leader else "",
        records=memberships.filter(pk__in=[leader.pk] if leader else []),
        date_field="start_date",
    )
    report.count(
        section,
        "leading_group_joined",
        _("People who joined the leading group"),
        memberships.filter(start_date__range=(start, end)),
        UNIT_PEOPLE,
        date_field="start_date",
    )
    report.count(
        section,
        "leading_group_left",
        _("People who left the leading group"),
        memberships.filter(end_date__range=(start, end)),
        UNIT_PEOPLE,
        date_field="end_date",
    )
    report.count(
        section,
        "office_meetings",
        _("Office meetings held"),
        countable_queryset("responsibility.office_meeting", start=start, end=end),
        UNIT_TIMES,
        date_field="date",
    )
    report.count(
        section,
        "office_meetings_on_ideology",
        _("Office meetings dedicated to ideology work"),
        countable_queryset("responsibility.office_meeting_on_ideology", start=start, end=end),
        UNIT_TIMES,
        date_field="date",
    )
    assignments = DutyAssignment.objects.active().filter(year__in=years)
    report.count(
        section,
        "duty_assignments",
        _("Dual-duty assignments of leadership members"),
        assignments,
        UNIT_ITEMS,
    )
    report.count(
        section,
        "responsibility_letters",
        _("Responsibility letters signed"),
        assignments.filter(letter_signed_on__isnull=False),
        UNIT_ITEMS,
        date_field="letter_signed_on",
    )
    # The actions of meetings held in the period and not voided: a voided meeting decided nothing.
    follow_ups = FollowUpAction.objects.active().filter(
        meeting__date__range=(start, end), meeting__voided_at__isnull=True
    )
    report.count(
        section,
        "follow_ups",
        _("Follow-up actions decided at office meetings"),
        follow_ups,
        UNIT_ITEMS,
        date_field="meeting__date",
    )
    report.count(
        section,
        "follow_ups_done",
        _("Follow-up actions done"),
        follow_ups.filter(status=FollowUpAction.Status.DONE),
        UNIT_ITEMS,
        date_field="meeting__date",
    )
    report.count(
        section,
        "assessments_completed",
        _("Responsibility assessments completed"),
        Assessment.objects.active().filter(scheme__year__in=years, status=Assessment.Status.COMPLETED),
        UNIT_ITEMS,
    )
