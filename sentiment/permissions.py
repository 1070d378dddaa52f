"""Who may see and do what in the public-opinion work area.

Everyone with a role sees incidents, the published roster and the reviews. Leaders publish
rosters, decide swaps and reassign; the people on a shift (its duty officer and leader on duty)
and the office leaders see its log and reports, and only the people on the shift write them.
"""

from __future__ import annotations

from django.http import Http404

from ideology_office.accounts.roles import Role
from ideology_office.common.access import register_record_policy

from .models import DutyRoster, DutyShift, Handover, OpinionIncident, OpinionReview, RiskItem, ShiftSwap


def has_any_role(user) -> bool:
    return bool(user.is_authenticated and user.role_names)


def is_leader(user) -> bool:
    return bool(user.is_authenticated and (user.has_role(Role.LEADER) or user.is_superuser))


def can_record_incidents(user) -> bool:
    return has_any_role(user)


def can_change_incident(user, incident: OpinionIncident) -> bool:
    if not has_any_role(user) or incident.is_voided:
        return False
    return is_leader(user) or user.has_role(Role.SECTION_HEAD) or incident.created_by_id == user.pk


def can_manage_roster(user) -> bool:
    return is_leader(user)


def is_on_shift(user, shift: DutyShift) -> bool:
    return user.is_authenticated and user.pk in (shift.officer_id, shift.leader_id)


def can_view_shift_log(user, shift: DutyShift) -> bool:
    return is_on_shift(user, shift) or is_leader(user)


def can_write_shift_log(user, shift: DutyShift) -> bool:
    return is_on_shift(user, shift)


def can_view_shift(user, shift: DutyShift) -> bool:
    if not has_any_role(user):
        return False
    return shift.roster.status == DutyRoster.Status.PUBLISHED or is_leader(user)


def can_record_reviews(user) -> bool:
    return is_leader(user) or (user.is_authenticated and user.has_role(Role.SECTION_HEAD))


def can_change_review(user, review: OpinionReview) -> bool:
    return can_record_reviews(user) and not review.is_voided


def access_incident(user, pk) -> OpinionIncident:
    if not has_any_role(user):
        raise Http404
    try:
        return OpinionIncident.objects.select_related("handled_by", "created_by").get(pk=pk)
    except (OpinionIncident.DoesNotExist, ValueError) as error:
        raise Http404 from error


def access_shift(user, pk) -> DutyShift:
    try:
        shift = DutyShift.objects.select_related("roster", "officer", "leader").get(pk=pk)
    except (DutyShift.DoesNotExist, ValueError) as error:
        raise Http404 from error
    if not can_view_shift(user, shift):
        raise Http404
    return shift


def access_shift_log(user, pk) -> DutyShift:
    """The shift, for someone who may read its log; 404 for anyone else."""
    shift = access_shift(user, pk)
    if not can_view_shift_log(user, shift):
        raise Http404
    return shift


def access_swap(user, pk) -> ShiftSwap:
    try:
        swap = ShiftSwap.objects.select_related("shift__roster", "requested_by", "counterpart").get(pk=pk)
    except (ShiftSwap.DoesNotExist, ValueError) as error:
        raise Http404 from error
    if not (is_leader(user) or user.pk in (swap.requested_by_id, swap.counterpart_id)):
        raise Http404
    return swap


def access_handover(user, pk) -> Handover:
    try:
        handover = Handover.objects.select_related("shift__roster").get(pk=pk)
    except (Handover.DoesNotExist, ValueError) as error:
        raise Http404 from error
    if not has_any_role(user):
        raise Http404
    return handover


def access_review(user, pk) -> OpinionReview:
    if not has_any_role(user):
        raise Http404
    try:
        return OpinionReview.objects.select_related("matrix", "created_by").get(pk=pk)
    except (OpinionReview.DoesNotExist, ValueError) as error:
        raise Http404 from error


def access_risk(user, pk) -> RiskItem:
    if not has_any_role(user):
        raise Http404
    try:
        return RiskItem.objects.select_related("review__matrix", "owner", "previous__review").get(pk=pk)
    except (RiskItem.DoesNotExist, ValueError) as error:
        raise Http404 from error


def register_policies() -> None:
    register_record_policy(
        OpinionIncident,
        can_view=lambda user, record: has_any_role(user),
        can_change=can_change_incident,
    )
    register_record_policy(
        OpinionReview,
        can_view=lambda user, record: has_any_role(user),
        can_change=can_change_review,
    )
