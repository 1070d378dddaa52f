"""Reads of the responsibility records, with their related rows fetched up front. The leader
dashboard calls the selectors marked as such."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from ideology_office.accounts.models import OrgUnit, User
from ideology_office.accounts.roles import Role
from ideology_office.common.counting import countable, countables
from ideology_office.common.models import VoidableQuerySet

from .models import (
    AgendaItem,
    Assessment,
    AssessmentScheme,
    AssessmentScore,
    DutyAssignment,
    FollowUpAction,
    LeadingGroupMembership,
    MeetingAttendance,
    OfficeMeeting,
    SchemeItem,
    WorkPriority,
)

# Leading group ------------------------------------------------------------------------------


def membership_list() -> QuerySet[LeadingGroupMembership]:
    return LeadingGroupMembership.objects.select_related("person", "section_at_joining").order_by(
        "-start_date", "role", "pk"
    )


def leading_group_on(day: datetime.date) -> list[LeadingGroupMembership]:
    """The group's composition on ``day``, 组长 first."""
    order = {role: number for number, role in enumerate(LeadingGroupMembership.Role.values)}
    members = list(
        LeadingGroupMembership.objects.active()
        .filter(start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .select_related("person", "person__section")
    )
    return sorted(members, key=lambda member: (order[member.role], member.start_date, member.pk))


def _needs_adjustment(member: LeadingGroupMembership) -> bool:
    person = member.person
    return (
        not person.is_active
        or person.title != member.title_at_joining
        or person.section_id != member.section_at_joining_id
    )


def leading_group_needs_adjustment() -> list[LeadingGroupMembership]:
    """Dashboard: current members who left the office or changed post since joining the group,
    until someone records the change. One query."""
    return [member for member in leading_group_on(timezone.localdate()) if _needs_adjustment(member)]


# Dual-duty assignments ----------------------------------------------------------------------


def assignment_list() -> VoidableQuerySet:
    return DutyAssignment.objects.select_related("leader").prefetch_related(
        Prefetch("sections", queryset=OrgUnit.objects.order_by("sort_order", "name"))
    )


@dataclass
class DutyChain:
    """主要领导亲自抓 → 分管领导具体抓 → 各股室协同落实, for one year."""

    year: int
    principals: list[DutyAssignment] = field(default_factory=list)
    in_charge: list[DutyAssignment] = field(default_factory=list)
    uncovered_sections: list[OrgUnit] = field(default_factory=list)
    without_letter: list[DutyAssignment] = field(default_factory=list)
    leaders_without_assignment: list[User] = field(default_factory=list)

    @property
    def has_gaps(self) -> bool:
        return bool(
            self.uncovered_sections
            or self.without_letter
            or self.leaders_without_assignment
            or not self.principals
        )


def duty_chain(year: int) -> DutyChain:
    """The chain view of a year in six queries, whatever the number of leaders and sections."""
    assignments = list(
        assignment_list().active().filter(year=year).order_by("-is_principal", "leader__username")
    )
    sections = list(
        OrgUnit.objects.filter(kind=OrgUnit.Kind.SECTION, is_active=True).order_by("sort_order", "name")
    )
    covered = {section.pk for assignment in assignments for section in assignment.sections.all()}
    assigned = {assignment.leader_id for assignment in assignments}
    # What each link of the chain did: meetings each section recorded in the year, and the
    # follow-up actions each leader still has open.
    meetings = dict(
        OfficeMeeting.objects.active()
        .filter(date__year=year)
        .values_list("section")
        .annotate(total=Count("pk"))
        .order_by()
    )
    open_actions = dict(
        FollowUpAction.objects.active()
        .filter(status=FollowUpAction.Status.OPEN, owner__in=assigned)
        .values_list("owner")
        .annotate(total=Count("pk"))
        .order_by()
    )
    for assignment in assignments:
        assignment.open_follow_ups = open_actions.get(assignment.leader_id, 0)
        for section in assignment.sections.all():
            section.meeting_count = meetings.get(section.pk, 0)
    leaders = (
        User.objects.with_role(Role.LEADER)
        .filter(is_active=True)
        .exclude(pk__in=assigned)
        .order_by("username")
    )
    return DutyChain(
        year=year,
        principals=[assignment for assignment in assignments if assignment.is_principal],
        in_charge=[assignment for assignment in assignments if not assignment.is_principal],
        uncovered_sections=[section for section in sections if section.pk not in covered],
        without_letter=[assignment for assignment in assignments if assignment.letter_signed_on is None],
        leaders_without_assignment=list(leaders),
    )


# Office meetings ----------------------------------------------------------------------------


def meeting_list() -> QuerySet[OfficeMeeting]:
    return (
        OfficeMeeting.objects.select_related("chair", "section")
        .annotate(
            open_follow_ups=Count(
                "follow_ups",
                filter=Q(follow_ups__status=FollowUpAction.Status.OPEN, follow_ups__voided_at__isnull=True),
            )
        )
        .order_by("-date", "-pk")
    )


def meeting_detail(pk: int) -> OfficeMeeting:
    return (
        OfficeMeeting.objects.select_related("chair", "section", "created_by", "voided_by")
        .prefetch_related(
            Prefetch(
                "agenda_items",
                queryset=AgendaItem.objects.select_related("study_session").order_by("position"),
            ),
            Prefetch(
                "attendances", queryset=MeetingAttendance.objects.select_related("person", "person__section")
            ),
            Prefetch(
                "follow_ups",
                queryset=FollowUpAction.objects.select_related("owner").order_by("status", "deadline"),
            ),
        )
        .get(pk=pk)
    )


def follow_up_list() -> VoidableQuerySet:
    return FollowUpAction.objects.select_related("owner", "meeting")


def follow_up_actions_for_user(user) -> QuerySet[FollowUpAction]:
    """Dashboard: the person's open follow-up actions, earliest deadline first."""
    return (
        follow_up_list()
        .active()
        .filter(owner=user, status=FollowUpAction.Status.OPEN, meeting__voided_at__isnull=True)
        .order_by("deadline", "pk")
    )


def overdue_follow_ups(today: datetime.date | None = None) -> QuerySet[FollowUpAction]:
    today = today or timezone.localdate()
    return follow_up_list().active().filter(status=FollowUpAction.Status.OPEN, deadline__lt=today)


# Work priorities ----------------------------------------------------------------------------


def priority_list() -> QuerySet[WorkPriority]:
    return WorkPriority.objects.order_by("-year", "position", "pk")


def years_without_ideology_priorities(years) -> list[int]:
    """Dashboard: the given years whose work priorities contain no ideology item. One query."""
    years = sorted(set(years))
    covered = set(
        WorkPriority.objects.active()
        .filter(year__in=years, concerns_ideology=True)
        .values_list("year", flat=True)
        .distinct()
    )
    return [year for year in years if year not in covered]


# Assessment ---------------------------------------------------------------------------------


def scheme_list() -> QuerySet[AssessmentScheme]:
    return AssessmentScheme.objects.annotate(
        item_count=Count("items", distinct=True),
        assessment_count=Count("assessments", filter=Q(assessments__voided_at__isnull=True), distinct=True),
    )


def scheme_items(scheme: AssessmentScheme) -> list[SchemeItem]:
    return list(scheme.items.order_by("position"))


def assessment_list() -> VoidableQuerySet:
    return Assessment.objects.select_related("scheme", "target_unit", "target_person", "assessor")


def assessments_in_progress() -> QuerySet[Assessment]:
    """Dashboard: assessments begun and not yet completed."""
    return (
        assessment_list()
        .active()
        .filter(status=Assessment.Status.IN_PROGRESS)
        .order_by("-scheme__year", "pk")
    )


def score_sheet(assessment: Assessment) -> list[AssessmentScore]:
    return list(assessment.scores.select_related("item", "confirmed_by").order_by("item__position"))


def counted_records(line: AssessmentScore) -> list:
    """The records an automatic line counted, read back by the ids it stored (one query)."""
    item = countable(line.item.count_key) if line.counted_ids else None
    if item is None:
        return []
    model = item.queryset().model
    return list(model._base_manager.filter(pk__in=line.counted_ids).order_by(item.date_field, "pk"))


def countable_choices() -> list[tuple[str, str]]:
    return [(item.key, f"{item.label}（{item.key}）") for item in countables()]
