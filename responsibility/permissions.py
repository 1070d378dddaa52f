"""Who may see and change the responsibility records. One place for every door: views, admin and
services ask these functions."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from ideology_office.accounts import roles
from ideology_office.common.policies import RecordPolicy, get_or_404, register_policy

from .models import (
    Assessment,
    AssessmentScheme,
    DutyAssignment,
    FollowUpAction,
    LeadingGroupMembership,
    OfficeMeeting,
    WorkPriority,
)

is_admin = roles.is_admin
is_leader = roles.is_leader


def can_view_area(user) -> bool:
    """Everyone of the office reads the responsibility ledgers (staff read too)."""
    return roles.has_any_role(user)


def is_group_leader(user, day=None) -> bool:
    """The current 组长 (the first responsible person) of the leading group."""
    if not user.is_authenticated:
        return False
    if day is not None:
        return _holds_leader_post(user, day)
    # Asked several times per page: remember the answer on the request's user.
    if not hasattr(user, "_is_group_leader"):
        user._is_group_leader = _holds_leader_post(user, timezone.localdate())
    return user._is_group_leader


def _holds_leader_post(user, day) -> bool:
    return (
        LeadingGroupMembership.objects.active()
        .filter(person=user, role=LeadingGroupMembership.Role.LEADER, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .exists()
    )


def can_manage_group(user) -> bool:
    """The 组长 and admins edit the leading group and the dual-duty assignments."""
    return is_admin(user) or is_group_leader(user)


def can_record_meeting(user, section=None) -> bool:
    if is_admin(user) or is_leader(user):
        return True
    if not roles.is_section_head(user):
        return False
    return section is None or section.pk == user.section_id


def can_change_meeting(user, meeting: OfficeMeeting) -> bool:
    return not meeting.is_voided and can_record_meeting(user, meeting.section)


def can_complete_follow_up(user, action: FollowUpAction) -> bool:
    if action.is_voided or action.status == FollowUpAction.Status.DONE:
        return False
    return action.owner_id == user.pk or can_change_meeting(user, action.meeting)


def can_manage_priorities(user) -> bool:
    return is_admin(user) or is_leader(user)


def can_manage_schemes(user) -> bool:
    return is_admin(user)


def can_assess(user) -> bool:
    """Assessors: inspectors (督查人员) and leaders."""
    return roles.has_role(user, roles.Role.INSPECTOR, roles.Role.LEADER)


def sees_all_assessments(user) -> bool:
    return is_admin(user) or can_assess(user)


def assessments_visible_to(user, queryset: QuerySet) -> QuerySet:
    """Assessors see every assessment; others see those of themselves and of their own unit."""
    if sees_all_assessments(user):
        return queryset
    if not user.is_authenticated:
        return queryset.none()
    mine = Q(target_person=user)
    if user.section_id:
        mine |= Q(target_unit_id=user.section_id)
    return queryset.filter(mine)


def can_view_assessment(user, assessment: Assessment) -> bool:
    if sees_all_assessments(user):
        return True
    return assessment.target_person_id == user.pk or (
        user.section_id is not None and assessment.target_unit_id == user.section_id
    )


def can_score(user, assessment: Assessment) -> bool:
    return (
        can_assess(user)
        and not assessment.is_voided
        and assessment.status == Assessment.Status.IN_PROGRESS
        and assessment.target_person_id != user.pk
    )


# --- record policies -------------------------------------------------------------------------------
class _OfficeLedgerPolicy(RecordPolicy):
    """The leading group, duties, meetings and priorities are read by everyone of the office."""

    def visible(self, user, queryset):
        return queryset if can_view_area(user) else queryset.none()


class MembershipPolicy(_OfficeLedgerPolicy):
    select_related = ("person", "section_at_joining")

    def can_change(self, user, record):
        return not record.is_voided and can_manage_group(user)


class AssignmentPolicy(_OfficeLedgerPolicy):
    select_related = ("leader",)

    def can_change(self, user, record):
        return not record.is_voided and can_manage_group(user)


class MeetingPolicy(_OfficeLedgerPolicy):
    select_related = ("chair", "section")

    def can_change(self, user, record):
        return can_change_meeting(user, record)


class FollowUpPolicy(_OfficeLedgerPolicy):
    select_related = ("meeting__section", "owner")

    def visible(self, user, queryset):
        return super().visible(user, queryset)

    def can_change(self, user, record):
        return can_complete_follow_up(user, record)

    def can_void(self, user, record):
        return not record.is_voided and can_change_meeting(user, record.meeting)


class PriorityPolicy(_OfficeLedgerPolicy):
    def can_change(self, user, record):
        return not record.is_voided and can_manage_priorities(user)


class SchemePolicy(_OfficeLedgerPolicy):
    def can_change(self, user, record):
        return not record.is_voided and can_manage_schemes(user)


class AssessmentPolicy(RecordPolicy):
    select_related = ("scheme", "target_unit", "target_person", "assessor")

    def visible(self, user, queryset):
        if not roles.has_any_role(user):
            return queryset.none()
        return assessments_visible_to(user, queryset)

    def can_view(self, user, record):
        return roles.has_any_role(user) and can_view_assessment(user, record)

    def can_change(self, user, record):
        return can_score(user, record)

    def can_void(self, user, record):
        # An assessor while scoring it (never the person assessed), or an administrator at any time.
        return not record.is_voided and (can_score(user, record) or is_admin(user))


def access_membership(user, pk) -> LeadingGroupMembership:
    return get_or_404(user, LeadingGroupMembership, pk)


def access_assignment(user, pk) -> DutyAssignment:
    return get_or_404(user, DutyAssignment, pk)


def access_meeting(user, pk) -> OfficeMeeting:
    return get_or_404(user, OfficeMeeting, pk)


def access_follow_up(user, pk) -> FollowUpAction:
    return get_or_404(user, FollowUpAction, pk)


def access_priority(user, pk) -> WorkPriority:
    return get_or_404(user, WorkPriority, pk)


def access_scheme(user, pk) -> AssessmentScheme:
    return get_or_404(user, AssessmentScheme, pk)


def access_assessment(user, pk) -> Assessment:
    return get_or_404(user, Assessment, pk)


def _led_sections(user, year):
    """The sections a leader is in charge of through the year's dual-duty assignments."""
    from .models import DutyAssignmentSection

    year = year or timezone.localdate().year
    return (
        DutyAssignmentSection.objects.filter(
            assignment__leader=user, assignment__year=year, assignment__voided_at__isnull=True
        )
        .values_list("section_id", flat=True)
        .distinct()
    )


def register_policies() -> None:
    register_policy(LeadingGroupMembership, MembershipPolicy)
    register_policy(DutyAssignment, AssignmentPolicy)
    register_policy(OfficeMeeting, MeetingPolicy)
    register_policy(FollowUpAction, FollowUpPolicy)
    register_policy(WorkPriority, PriorityPolicy)
    register_policy(AssessmentScheme, SchemePolicy)
    register_policy(Assessment, AssessmentPolicy)
    roles.register_led_sections_provider(_led_sections)
