"""Who may see and change the responsibility records. One place for every door: views, admin and
services ask these functions."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from ideology_office.accounts.roles import Role

from .models import (
    Assessment,
    AssessmentScheme,
    DutyAssignment,
    FollowUpAction,
    LeadingGroupMembership,
    OfficeMeeting,
    WorkPriority,
)


def is_admin(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMIN)))


def is_leader(user) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.LEADER))


def can_view_area(user) -> bool:
    """Everyone of the office reads the responsibility ledgers (staff read too)."""
    return bool(user.is_authenticated and (user.is_superuser or user.role_names))


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
    if not user.is_authenticated or not user.has_role(Role.SECTION_HEAD):
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
    return bool(user.is_authenticated and (user.has_role(Role.INSPECTOR) or user.has_role(Role.LEADER)))


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


def _get(queryset, pk):
    try:
        return get_object_or_404(queryset, pk=int(pk))
    except (TypeError, ValueError) as error:
        raise Http404 from error


def access_membership(user, pk) -> LeadingGroupMembership:
    if not can_view_area(user):
        raise Http404
    return _get(LeadingGroupMembership.objects.select_related("person", "section_at_joining"), pk)


def access_assignment(user, pk) -> DutyAssignment:
    if not can_view_area(user):
        raise Http404
    return _get(DutyAssignment.objects.select_related("leader"), pk)


def access_meeting(user, pk) -> OfficeMeeting:
    if not can_view_area(user):
        raise Http404
    return _get(OfficeMeeting.objects.select_related("chair", "section"), pk)


def access_follow_up(user, pk) -> FollowUpAction:
    if not can_view_area(user):
        raise Http404
    return _get(FollowUpAction.objects.select_related("meeting__section", "owner"), pk)


def access_priority(user, pk) -> WorkPriority:
    if not can_view_area(user):
        raise Http404
    return _get(WorkPriority.objects.all(), pk)


def access_scheme(user, pk) -> AssessmentScheme:
    if not can_view_area(user):
        raise Http404
    return _get(AssessmentScheme.objects.all(), pk)


def access_assessment(user, pk) -> Assessment:
    assessment = _get(
        Assessment.objects.select_related("scheme", "target_unit", "target_person", "assessor"), pk
    )
    if not can_view_assessment(user, assessment):
        raise Http404
    return assessment


# Evidence files: who may see and add them on each record type.
def _view_any(user, record) -> bool:
    return can_view_area(user)


def _change_assignment(user, record) -> bool:
    return not record.is_voided and can_manage_group(user)


def _change_meeting(user, record) -> bool:
    return can_change_meeting(user, record)


def _change_membership(user, record) -> bool:
    return not record.is_voided and can_manage_group(user)


def _view_assessment(user, record) -> bool:
    return can_view_assessment(user, record)


def _change_assessment(user, record) -> bool:
    return can_score(user, record)


def register_policies() -> None:
    from ideology_office.common.access import register_record_policy

    register_record_policy(LeadingGroupMembership, can_view=_view_any, can_change=_change_membership)
    register_record_policy(DutyAssignment, can_view=_view_any, can_change=_change_assignment)
    register_record_policy(OfficeMeeting, can_view=_view_any, can_change=_change_meeting)
    register_record_policy(Assessment, can_view=_view_assessment, can_change=_change_assessment)
