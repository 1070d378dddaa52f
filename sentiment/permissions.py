"""Who may see and do what in the public-opinion work area.

Everyone with a role sees incidents, the published roster and the reviews. Leaders publish
rosters, decide swaps and reassign. A shift's log, its information reports and its handover are
read by the people on the shift (its duty officer and leader on duty), the people on the next shift
(who take it over) and the office-wide overseers (leaders, inspectors, administrators), on every
page, export and in the admin alike; only the people on the shift write them. A swap request is
read by its two parties and the leaders.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from ideology_office.accounts import roles
from ideology_office.common.policies import RecordPolicy, get_or_404, register_policy

from .models import (
    DutyLogEntry,
    DutyRoster,
    DutyShift,
    Handover,
    InformationReport,
    OpinionIncident,
    OpinionReview,
    RiskItem,
    ShiftSwap,
)

has_any_role = roles.has_any_role
is_leader = roles.is_leader


def can_record_incidents(user) -> bool:
    return has_any_role(user)


def can_change_incident(user, incident: OpinionIncident) -> bool:
    if not has_any_role(user) or incident.is_voided:
        return False
    return is_leader(user) or roles.is_section_head(user) or incident.created_by_id == user.pk


def can_manage_roster(user) -> bool:
    return is_leader(user)


def is_on_shift(user, shift: DutyShift) -> bool:
    return user.is_authenticated and user.pk in (shift.officer_id, shift.leader_id)


def can_view_shift_log(user, shift: DutyShift) -> bool:
    return is_on_shift(user, shift) or roles.sees_office_wide(user)


def shift_log_readers_filter(user, shift_path: str = "") -> Q:
    """The shifts (through ``shift_path``) whose log the person reads, as one filter: every shift
    for the overseers, the shifts they are or were on for anyone else."""
    prefix = f"{shift_path}__" if shift_path else ""
    if roles.sees_office_wide(user):
        return Q()
    return Q(**{f"{prefix}officer": user}) | Q(**{f"{prefix}leader": user})


def can_write_shift_log(user, shift: DutyShift) -> bool:
    return is_on_shift(user, shift)


def swap_decide_refusal(user, swap: ShiftSwap) -> str | None:
    """Why the person may not decide a swap: only a leader, and never one of its two parties."""
    if not is_leader(user):
        return _("Only an office leader may do this.")
    if user.pk in (swap.requested_by_id, swap.counterpart_id):
        return _("You asked for this swap or are its other party: another leader decides it.")
    return None


def can_decide_swap(user, swap: ShiftSwap) -> bool:
    return swap_decide_refusal(user, swap) is None


def can_view_shift(user, shift: DutyShift) -> bool:
    if not has_any_role(user):
        return False
    return shift.roster.status == DutyRoster.Status.PUBLISHED or is_leader(user)


def can_record_reviews(user) -> bool:
    return is_leader(user) or roles.is_section_head(user)


def can_change_review(user, review: OpinionReview) -> bool:
    return can_record_reviews(user) and not review.is_voided


class _OpinionLedgerPolicy(RecordPolicy):
    """Incidents, reviews and risks are read by everyone of the office."""

    def visible(self, user, queryset):
        return queryset if has_any_role(user) else queryset.none()


class IncidentPolicy(_OpinionLedgerPolicy):
    select_related = ("handled_by", "created_by")

    def can_change(self, user, record):
        return can_change_incident(user, record)

    def can_void(self, user, record):
        # Leaders, section heads or whoever recorded it: those who may correct it.
        return can_change_incident(user, record)


class ReviewPolicy(_OpinionLedgerPolicy):
    select_related = ("matrix", "created_by")

    def can_change(self, user, record):
        return can_change_review(user, record)

    def can_void(self, user, record):
        return can_change_review(user, record)


class RiskPolicy(_OpinionLedgerPolicy):
    select_related = ("review__matrix", "owner", "previous__review")

    def can_change(self, user, record):
        return not record.is_voided and can_change_review(user, record.review)

    def can_void(self, user, record):
        return self.can_change(user, record)


class ShiftPolicy(RecordPolicy):
    select_related = ("roster", "officer", "leader")

    def visible(self, user, queryset):
        if not has_any_role(user):
            return queryset.none()
        if is_leader(user):
            return queryset
        return queryset.filter(roster__status=DutyRoster.Status.PUBLISHED)

    def can_change(self, user, record):
        return can_manage_roster(user)


class _ShiftLogPolicy(RecordPolicy):
    """What was written on a shift: read as the shift's log is read."""

    def visible(self, user, queryset):
        if not has_any_role(user):
            return queryset.none()
        return queryset.filter(shift_log_readers_filter(user, "shift"))

    def can_view(self, user, record):
        return has_any_role(user) and can_view_shift_log(user, record.shift)


class DutyLogEntryPolicy(_ShiftLogPolicy):
    select_related = ("shift",)


class InformationReportPolicy(_ShiftLogPolicy):
    select_related = ("shift", "incident")

    def can_change(self, user, record):
        return not record.is_voided and can_write_shift_log(user, record.shift)

    def can_void(self, user, record):
        # The people on the shift who sent it, and the leaders who oversee the duty.
        return not record.is_voided and (is_on_shift(user, record.shift) or is_leader(user))


class HandoverPolicy(_ShiftLogPolicy):
    select_related = ("shift__roster",)

    def visible(self, user, queryset):
        if not has_any_role(user):
            return queryset.none()
        # The people on the next shift read the handover they take over.
        incoming = Q(
            shift__end__in=DutyShift.objects.filter(Q(officer=user) | Q(leader=user)).values("start")
        )
        return queryset.filter(shift_log_readers_filter(user, "shift") | incoming)

    def can_view(self, user, record):
        return self.visible(user, type(record)._base_manager.filter(pk=record.pk)).exists()


class SwapPolicy(RecordPolicy):
    select_related = ("shift__roster", "requested_by", "counterpart")

    def visible(self, user, queryset):
        if not has_any_role(user):
            return queryset.none()
        if is_leader(user):
            return queryset
        return queryset.filter(Q(requested_by=user) | Q(counterpart=user))


def access_incident(user, pk) -> OpinionIncident:
    return get_or_404(user, OpinionIncident, pk)


def access_shift(user, pk) -> DutyShift:
    return get_or_404(user, DutyShift, pk)


def access_shift_log(user, pk) -> DutyShift:
    """The shift, for someone who may read its log; 404 for anyone else."""
    shift = access_shift(user, pk)
    if not can_view_shift_log(user, shift):
        raise Http404
    return shift


def access_swap(user, pk) -> ShiftSwap:
    return get_or_404(user, ShiftSwap, pk)


def access_handover(user, pk) -> Handover:
    return get_or_404(user, Handover, pk)


def access_review(user, pk) -> OpinionReview:
    return get_or_404(user, OpinionReview, pk)


def access_risk(user, pk) -> RiskItem:
    return get_or_404(user, RiskItem, pk)


def register_policies() -> None:
    register_policy(OpinionIncident, IncidentPolicy)
    register_policy(OpinionReview, ReviewPolicy)
    register_policy(RiskItem, RiskPolicy)
    register_policy(DutyShift, ShiftPolicy)
    register_policy(InformationReport, InformationReportPolicy)
    register_policy(DutyLogEntry, DutyLogEntryPolicy)
    register_policy(Handover, HandoverPolicy)
    register_policy(ShiftSwap, SwapPolicy)
