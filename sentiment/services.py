"""Writes of the public-opinion work area. Every door (pages, admin, seed) comes through here."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ideology_office.accounts import roles
from ideology_office.accounts.models import User
from ideology_office.common.dates import local_moment, next_month, quarter_of
from ideology_office.common.services import model_update
from ideology_office.notifications.services import reminders_cancel_for, reminders_plan_for

from .models import (
    CalendarDay,
    DutyFeedToken,
    DutyLogEntry,
    DutyRoster,
    DutyShift,
    Handover,
    InformationReport,
    OpinionIncident,
    OpinionReview,
    ReviewAttendee,
    RiskItem,
    RiskMatrix,
    RiskMatrixCell,
    RotationMember,
    RotationPattern,
    SeverityTimeLimit,
    ShiftReassignment,
    ShiftSwap,
)
from .permissions import swap_decide_refusal
from .reminders import DUTY_SHIFT_START, INCIDENT_OVER_LIMIT

# Fallback limits if an administrator deleted a severity's row: the strictest sensible ones.
DEFAULT_LIMITS = {"major": (30, 120), "serious": (60, 360), "general": (120, 1440)}


def _fmt(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _require_leader(user: User) -> None:
    if not roles.is_leader(user):
        raise ValidationError(_("Only an office leader may do this."), code="not_leader")


def _require_swap_decider(user: User, swap: ShiftSwap) -> None:
    refusal = swap_decide_refusal(user, swap)
    if refusal:
        raise ValidationError(refusal, code="not_decider")


# ---------------------------------------------------------------------------------------------
# Opinion incidents


INCIDENT_FIELDS = (
    "found_at",
    "source",
    "field",
    "summary",
    "severity",
    "links",
    "reported_at",
    "reported_to",
    "handled_at",
    "handled_by",
    "measures",
    "result",
)


def _incident_status(incident: OpinionIncident) -> str:
    if incident.handled_at:
        return OpinionIncident.Status.HANDLED
    if incident.reported_at:
        return OpinionIncident.Status.REPORTED
    return OpinionIncident.Status.FOUND


def _incident_check(incident: OpinionIncident) -> None:
    errors = {}
    if incident.found_at and incident.found_at > timezone.now() + datetime.timedelta(minutes=5):
        errors["found_at"] = _("The time found cannot be in the future.")
    errors.update(_report_errors(incident))
    errors.update(_handling_errors(incident))
    if errors:
        raise ValidationError(errors)


def _report_errors(incident: OpinionIncident) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not incident.reported_at:
        return errors
    if incident.found_at and incident.reported_at < incident.found_at:
        errors["reported_at"] = _("It cannot have been reported before it was found.")
    if not incident.reported_to.strip():
        errors["reported_to"] = _("Say to whom it was reported.")
    return errors


def _handling_errors(incident: OpinionIncident) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not incident.handled_at:
        return errors
    if incident.found_at and incident.handled_at < incident.found_at:
        errors["handled_at"] = _("It cannot have been handled before it was found.")
    if not incident.measures.strip():
        errors["measures"] = _("Describe the measures taken.")
    if incident.handled_by_id is None:
        errors["handled_by"] = _("Say who handled it.")
    return errors


def _incident_reminders(incident: OpinionIncident) -> None:
    """An incident recorded (or changed) past its time limit is reminded of at once; a handled
    one has its waiting reminders cancelled."""
    if incident.status == OpinionIncident.Status.HANDLED:
        reminders_cancel_for(incident)
    else:
        reminders_plan_for(source_key=INCIDENT_OVER_LIMIT, object_ids=[incident.pk])


def _shift_reminders(*shifts: DutyShift) -> None:
    """Someone new on a shift about to start gets its reminder now, not at the next planner pass."""
    reminders_plan_for(source_key=DUTY_SHIFT_START, object_ids=[shift.pk for shift in shifts])


def limits_for_severity(severity: str) -> tuple[int, int]:
    row = SeverityTimeLimit.objects.filter(severity=severity).first()
    if row is None:
        return DEFAULT_LIMITS[severity]
    return row.report_within_minutes, row.handle_within_minutes


@transaction.atomic
def incident_create(*, user: User, **data) -> OpinionIncident:
    """Record an incident; the time limits of its severity are copied onto it."""
    incident = OpinionIncident(
        created_by=user, **{key: data.get(key) for key in INCIDENT_FIELDS if key in data}
    )
    for text_field in ("links", "reported_to", "measures", "result"):
        setattr(incident, text_field, (getattr(incident, text_field) or "").strip())
    incident.report_limit_minutes, incident.handle_limit_minutes = limits_for_severity(
        incident.severity or "general"
    )
    incident.status = _incident_status(incident)
    _incident_check(incident)
    incident.full_clean()
    incident.save()
    _incident_reminders(incident)
    return incident


@transaction.atomic
def incident_update(*, incident: OpinionIncident, user: User, **data) -> OpinionIncident:
    """Change an incident. A change of severity takes the new severity's limits."""
    before: dict[str, str] = {}

    def prepare(locked: OpinionIncident) -> None:
        if locked.severity != before["severity"]:
            locked.report_limit_minutes, locked.handle_limit_minutes = limits_for_severity(locked.severity)
        locked.status = _incident_status(locked)
        _incident_check(locked)

    locked, _changed = model_update(
        instance=incident,
        fields=INCIDENT_FIELDS,
        data={key: value for key, value in data.items() if key in INCIDENT_FIELDS},
        check=lambda locked: before.update(severity=locked.severity, status=locked.status),
        prepare=prepare,
    )
    if locked.status != before["status"]:
        # Reminders of the limit it was measured against (reporting) no longer apply.
        reminders_cancel_for(locked)
    _incident_reminders(locked)
    return locked


# ---------------------------------------------------------------------------------------------
# Calendar and roster generation


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def is_rest_day(day: datetime.date, special_days: dict[datetime.date, str]) -> bool:
    """A weekend or a public holiday, unless it is a make-up working day (调休)."""
    kind = special_days.get(day)
    if kind == CalendarDay.Kind.HOLIDAY:
        return True
    if kind == CalendarDay.Kind.MAKEUP_WORKDAY:
        return False
    return day.weekday() >= 5


@transaction.atomic
def roster_generate_draft(*, month: datetime.date, pattern: RotationPattern, user: User) -> DutyRoster:
    """Fill a month with draft shifts from a rotation pattern, replacing any earlier draft.

    The rule: shifts start at the pattern's start time and last its shift length, from the first
    day of the month to the first day of the next. A shift belongs to the day it starts on. On
    working days (Monday–Friday that are not holidays, and make-up working days) the pattern's
    working-day officers and leaders take turns; on rest days (weekends and holidays that are not
    make-up days) the rest-day lists take turns, so holiday duty is shared out on its own and
    nobody stands every holiday. Each list continues its own turn across the month and, when a
    previous month exists, carries on from where that month's rotation ended. A duty with no
    rest-day list rotates through its working-day list on every day, weekends included.
    """
    _require_leader(user)
    month = month_start(month)
    roster, _created = DutyRoster.objects.select_for_update().get_or_create(
        month=month, defaults={"created_by": user, "pattern": pattern}
    )
    if roster.status == DutyRoster.Status.PUBLISHED:
        raise ValidationError(
            _("The roster of %(month)s is already published and cannot be regenerated.")
            % {"month": f"{month:%Y-%m}"},
            code="published",
        )
    members = list(
        RotationMember.objects.filter(pattern=pattern).select_related("person").order_by("position")
    )
    lists: dict[tuple[str, str], list[User]] = {}
    for member in members:
        lists.setdefault((member.duty, member.day_kind), []).append(member.person)
    WORKDAY, RESTDAY = RotationMember.DayKind.WORKDAY, RotationMember.DayKind.RESTDAY
    OFFICER, LEADER = RotationMember.Duty.OFFICER, RotationMember.Duty.LEADER
    for duty in (OFFICER, LEADER):
        if not lists.get((duty, WORKDAY)):
            raise ValidationError(
                _("The pattern “%(pattern)s” has no %(duty)s for working days.")
                % {"pattern": pattern.name, "duty": RotationMember.Duty(duty).label},
                code="empty_pattern",
            )

    def rotation(duty: str, rest: bool) -> tuple[str, str]:
        # A duty with no rest-day list rotates through one list on every day.
        return (duty, RESTDAY) if rest and lists.get((duty, RESTDAY)) else (duty, WORKDAY)

    end_month = next_month(month)
    special = dict(
        CalendarDay.objects.filter(date__gte=month, date__lt=end_month).values_list("date", "kind")
    )
    # Each rotation carries on from the turns it took in this pattern's earlier months.
    earlier = DutyShift.objects.filter(
        roster__pattern=pattern, start__lt=local_moment(month, pattern.start_time)
    )
    earlier_days = {timezone.localdate(start) for start in earlier.values_list("start", flat=True)}
    earlier_special = dict(CalendarDay.objects.filter(date__in=earlier_days).values_list("date", "kind"))
    turn: dict[tuple[str, str], int] = dict.fromkeys(lists, 0)
    for day in earlier_days:
        rest = is_rest_day(day, earlier_special)
        turn[rotation(OFFICER, rest)] += 1
        turn[rotation(LEADER, rest)] += 1
    shifts_per_day = 24 // pattern.shift_hours
    roster.shifts.all().delete()
    roster.pattern = pattern
    roster.full_clean()
    roster.save()
    new_shifts = []
    day = month
    while day < end_month:
        rest = is_rest_day(day, special)
        officer_key, leader_key = rotation(OFFICER, rest), rotation(LEADER, rest)
        officers, leaders = lists[officer_key], lists[leader_key]
        leader = leaders[turn[leader_key] % len(leaders)]
        for index in range(shifts_per_day):
            start = local_moment(day, pattern.start_time) + datetime.timedelta(
                hours=pattern.shift_hours * index
            )
            officer = officers[(turn[officer_key] * shifts_per_day + index) % len(officers)]
            shift = DutyShift(
                roster=roster,
                start=start,
                end=start + datetime.timedelta(hours=pattern.shift_hours),
                officer=officer,
                leader=leader,
                phone=officer.phone,
                created_by=user,
            )
            shift.full_clean(exclude=["roster"])
            new_shifts.append(shift)
        turn[officer_key] += 1
        turn[leader_key] += 1
        day += datetime.timedelta(days=1)
    DutyShift.objects.bulk_create(new_shifts)
    return roster


def _check_times(start, end) -> None:
    if start and end and end <= start:
        raise ValidationError(
            {
                "end": _("The shift ends (%(end)s) before it starts (%(start)s).")
                % {"end": _fmt(end), "start": _fmt(start)}
            },
            code="ends_before_start",
        )


def person_busy_shift(person: User, start, end, *, exclude: Iterable[int] = ()) -> DutyShift | None:
    """A shift (of a published or draft roster) that person stands between start and end."""
    return (
        DutyShift.objects.filter(Q(officer=person) | Q(leader=person), start__lt=end, end__gt=start)
        .exclude(pk__in=list(exclude))
        .order_by("start")
        .first()
    )


@transaction.atomic
def shift_create(
    *, roster: DutyRoster, start, end, officer: User, leader: User, user: User, phone: str = ""
) -> DutyShift:
    """Add a shift to a draft roster by hand."""
    _require_leader(user)
    roster = DutyRoster.objects.select_for_update().get(pk=roster.pk)
    if roster.status == DutyRoster.Status.PUBLISHED:
        raise ValidationError(
            _("Shifts of a published roster are changed by swap or reassignment."), code="published"
        )
    _check_times(start, end)
    shift = DutyShift(
        roster=roster,
        start=start,
        end=end,
        officer=officer,
        leader=leader,
        phone=phone or officer.phone,
        created_by=user,
    )
    shift.full_clean()
    shift.save()
    return shift


@transaction.atomic
def shift_update(
    *, shift: DutyShift, user: User, start, end, officer: User, leader: User, phone: str = ""
) -> DutyShift:
    _require_leader(user)
    locked = DutyShift.objects.select_for_update().select_related("roster").get(pk=shift.pk)
    if locked.roster.status == DutyRoster.Status.PUBLISHED:
        raise ValidationError(
            _("Shifts of a published roster are changed by swap or reassignment."), code="published"
        )
    _check_times(start, end)
    locked.start, locked.end, locked.officer, locked.leader = start, end, officer, leader
    locked.phone = phone or officer.phone
    locked.full_clean()
    locked.save()
    return locked


def roster_problems(shifts: list[DutyShift], month: datetime.date) -> list[str]:
    """Gaps and overlaps in a month's shifts, each naming the times, in Chinese."""
    problems = []
    if not shifts:
        return [_("The roster has no shifts.")]
    ordered = sorted(shifts, key=lambda shift: (shift.start, shift.end))
    if timezone.localdate(ordered[0].start) != month:
        problems.append(
            _("Nobody is on duty from the start of the month until %(start)s.")
            % {"start": _fmt(ordered[0].start)}
        )
    last_end = ordered[0].end
    for shift in ordered[1:]:
        if shift.start > last_end:
            problems.append(
                _("Nobody is on duty from %(start)s to %(end)s.")
                % {"start": _fmt(last_end), "end": _fmt(shift.start)}
            )
        elif shift.start < last_end:
            problems.append(
                _("Shifts overlap from %(start)s to %(end)s.")
                % {"start": _fmt(shift.start), "end": _fmt(min(last_end, shift.end))}
            )
        last_end = max(last_end, shift.end)
    if timezone.localdate(last_end) != next_month(month):
        problems.append(
            _("Nobody is on duty from %(end)s to the end of the month.") % {"end": _fmt(last_end)}
        )
    return problems


@transaction.atomic
def roster_publish(*, roster: DutyRoster, user: User) -> DutyRoster:
    """Publish a draft roster; refused if its shifts leave a gap or overlap anywhere in the month."""
    _require_leader(user)
    locked = DutyRoster.objects.select_for_update().get(pk=roster.pk)
    if locked.status == DutyRoster.Status.PUBLISHED:
        raise ValidationError(_("This roster is already published."), code="already_published")
    problems = roster_problems(list(locked.shifts.all()), locked.month)
    if problems:
        raise ValidationError(problems, code="gaps_or_overlaps")
    locked.status = DutyRoster.Status.PUBLISHED
    locked.published_at = timezone.now()
    locked.published_by = user
    locked.full_clean()
    locked.save()
    return locked


# ---------------------------------------------------------------------------------------------
# Swaps, reassignment, handover


def _check_swap(
    *, shift: DutyShift, requester: User, counterpart: User, counterpart_shift: DutyShift | None
) -> None:
    if shift.officer_id != requester.pk and shift.leader_id != requester.pk:
        raise ValidationError(_("Only the person on this shift can ask to swap it."), code="not_on_shift")
    if counterpart.pk == requester.pk:
        raise ValidationError(_("Choose someone else to take the shift."), code="same_person")
    if shift.end <= timezone.now():
        raise ValidationError(_("This shift is over and cannot be swapped."), code="past")
    if counterpart_shift is not None:
        if counterpart_shift.officer_id != counterpart.pk and counterpart_shift.leader_id != counterpart.pk:
            raise ValidationError(
                {
                    "counterpart_shift": _("%(name)s is not on the shift given in exchange.")
                    % {"name": counterpart}
                }
            )
        if counterpart_shift.end <= timezone.now():
            raise ValidationError({"counterpart_shift": _("The shift given in exchange is over.")})
    exclude = [shift.pk] + ([counterpart_shift.pk] if counterpart_shift else [])
    busy = person_busy_shift(counterpart, shift.start, shift.end, exclude=exclude)
    if counterpart.pk in (shift.officer_id, shift.leader_id):
        # Already on this very shift in the other duty (officer and leader at once).
        busy = shift
    if busy is not None:
        raise ValidationError(
            {
                "counterpart": _("%(name)s is already on duty from %(start)s to %(end)s.")
                % {"name": counterpart, "start": _fmt(busy.start), "end": _fmt(busy.end)}
            },
            code="counterpart_busy",
        )
    if counterpart_shift is not None:
        busy = person_busy_shift(requester, counterpart_shift.start, counterpart_shift.end, exclude=exclude)
        if busy is not None:
            raise ValidationError(
                {
                    "counterpart_shift": _("You are already on duty from %(start)s to %(end)s.")
                    % {"start": _fmt(busy.start), "end": _fmt(busy.end)}
                },
                code="requester_busy",
            )


@transaction.atomic
def shift_swap_request(
    *,
    shift: DutyShift,
    requester: User,
    counterpart: User,
    reason: str,
    counterpart_shift: DutyShift | None = None,
) -> ShiftSwap:
    """Ask that ``counterpart`` stand ``shift`` (and, if given, that the requester stand
    ``counterpart_shift`` in exchange). Nothing changes until a leader approves."""
    shift = DutyShift.objects.select_for_update().get(pk=shift.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for the swap.")})
    if ShiftSwap.objects.filter(shift=shift, status=ShiftSwap.Status.PENDING).exists():
        raise ValidationError(
            _("A swap of this shift is already waiting for approval."), code="pending_exists"
        )
    _check_swap(
        shift=shift, requester=requester, counterpart=counterpart, counterpart_shift=counterpart_shift
    )
    swap = ShiftSwap(
        shift=shift,
        requested_by=requester,
        counterpart=counterpart,
        counterpart_shift=counterpart_shift,
        reason=reason,
        created_by=requester,
    )
    swap.full_clean()
    swap.save()
    return swap


def _replace_person(shift: DutyShift, old: User, new: User) -> str:
    if shift.officer_id == old.pk:
        shift.officer = new
        shift.phone = new.phone
        return RotationMember.Duty.OFFICER
    shift.leader = new
    return RotationMember.Duty.LEADER


@transaction.atomic
def shift_swap_approve(*, swap: ShiftSwap, user: User, note: str = "") -> ShiftSwap:
    """A leader approves: the people change places on the shifts, checked again under lock."""
    locked = ShiftSwap.objects.select_for_update().get(pk=swap.pk)
    _require_swap_decider(user, locked)
    if locked.status != ShiftSwap.Status.PENDING:
        raise ValidationError(_("This swap was already decided."), code="decided")
    shift_ids = [locked.shift_id] + ([locked.counterpart_shift_id] if locked.counterpart_shift_id else [])
    shifts = {shift.pk: shift for shift in DutyShift.objects.select_for_update().filter(pk__in=shift_ids)}
    shift = shifts[locked.shift_id]
    counterpart_shift = shifts.get(locked.counterpart_shift_id)
    requester, counterpart = locked.requested_by, locked.counterpart
    _check_swap(
        shift=shift, requester=requester, counterpart=counterpart, counterpart_shift=counterpart_shift
    )
    _replace_person(shift, requester, counterpart)
    shift.full_clean()
    shift.save()
    if counterpart_shift is not None:
        _replace_person(counterpart_shift, counterpart, requester)
        counterpart_shift.full_clean()
        counterpart_shift.save()
    locked.status = ShiftSwap.Status.APPROVED
    locked.decided_by = user
    locked.decided_at = timezone.now()
    locked.decision_note = (note or "").strip()
    locked.save()
    _shift_reminders(*shifts.values())
    return locked


@transaction.atomic
def shift_swap_reject(*, swap: ShiftSwap, user: User, note: str) -> ShiftSwap:
    locked = ShiftSwap.objects.select_for_update().get(pk=swap.pk)
    _require_swap_decider(user, locked)
    if locked.status != ShiftSwap.Status.PENDING:
        raise ValidationError(_("This swap was already decided."), code="decided")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Give a reason for rejecting.")})
    locked.status = ShiftSwap.Status.REJECTED
    locked.decided_by = user
    locked.decided_at = timezone.now()
    locked.decision_note = note
    locked.save()
    return locked


@transaction.atomic
def shift_reassign(
    *, shift: DutyShift, duty: str, new_person: User, reason: str, user: User
) -> ShiftReassignment:
    """A leader gives a shift's officer or leader duty to someone else, with the reason."""
    _require_leader(user)
    locked = DutyShift.objects.select_for_update().select_related("officer", "leader").get(pk=shift.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for the reassignment.")})
    previous = locked.officer if duty == RotationMember.Duty.OFFICER else locked.leader
    if previous.pk == new_person.pk:
        raise ValidationError({"new_person": _("%(name)s already stands this shift.") % {"name": new_person}})
    busy = person_busy_shift(new_person, locked.start, locked.end, exclude=[locked.pk])
    if busy is not None or (locked.officer_id == new_person.pk or locked.leader_id == new_person.pk):
        busy = busy or locked
        raise ValidationError(
            {
                "new_person": _("%(name)s is already on duty from %(start)s to %(end)s.")
                % {"name": new_person, "start": _fmt(busy.start), "end": _fmt(busy.end)}
            }
        )
    if duty == RotationMember.Duty.OFFICER:
        locked.officer = new_person
        locked.phone = new_person.phone
    else:
        locked.leader = new_person
    locked.full_clean()
    locked.save()
    change = ShiftReassignment(
        shift=locked,
        duty=duty,
        previous_person=previous,
        new_person=new_person,
        reason=reason,
        created_by=user,
    )
    change.full_clean()
    change.save()
    _shift_reminders(locked)
    return change


def next_shift(shift: DutyShift) -> DutyShift | None:
    return (
        DutyShift.objects.filter(start=shift.end, roster__status=DutyRoster.Status.PUBLISHED)
        .select_related("officer")
        .first()
    )


@transaction.atomic
def handover_write(*, shift: DutyShift, user: User, open_items: str) -> Handover:
    """The outgoing officer writes (or rewrites, until accepted) the open items."""
    locked = DutyShift.objects.select_for_update().get(pk=shift.pk)
    if locked.officer_id != user.pk:
        raise ValidationError(
            _("Only the duty officer of this shift writes its handover."), code="not_officer"
        )
    open_items = (open_items or "").strip()
    if not open_items:
        raise ValidationError({"open_items": _("Write the open items, or “none”.")})
    handover = Handover.objects.filter(shift=locked).first()
    if handover is not None and handover.accepted_at:
        raise ValidationError(_("The handover was already accepted."), code="accepted")
    if handover is None:
        handover = Handover(shift=locked, written_by=user, created_by=user)
    handover.open_items = open_items
    handover.full_clean()
    handover.save()
    return handover


@transaction.atomic
def handover_accept(*, handover: Handover, user: User) -> Handover:
    """The incoming officer, and only they, accepts the handover."""
    locked = Handover.objects.select_for_update().select_related("shift").get(pk=handover.pk)
    if locked.accepted_at:
        raise ValidationError(_("The handover was already accepted."), code="accepted")
    incoming = next_shift(locked.shift)
    if incoming is None or incoming.officer_id != user.pk:
        raise ValidationError(
            _("Only the incoming duty officer (%(name)s) can accept this handover.")
            % {"name": incoming.officer if incoming else _("nobody is rostered")},
            code="not_incoming",
        )
    locked.accepted_by = user
    locked.accepted_at = timezone.now()
    locked.full_clean()
    locked.save()
    reminders_cancel_for(locked.shift)
    return locked


# ---------------------------------------------------------------------------------------------
# Duty log and information reports


def _check_during_shift(shift: DutyShift, moment, field: str) -> None:
    if moment is None:
        raise ValidationError({field: _("This field is required.")})
    if not (shift.start <= moment <= shift.end):
        raise ValidationError(
            {
                field: _("The time must fall within the shift (%(start)s to %(end)s).")
                % {"start": _fmt(shift.start), "end": _fmt(shift.end)}
            }
        )


def _require_on_shift(shift: DutyShift, user: User) -> None:
    if user.pk not in (shift.officer_id, shift.leader_id):
        raise ValidationError(_("Only the people on this shift write in its log."), code="not_on_shift")


@transaction.atomic
def duty_log_add(*, shift: DutyShift, user: User, at, content: str) -> DutyLogEntry:
    _require_on_shift(shift, user)
    _check_during_shift(shift, at, "at")
    entry = DutyLogEntry(shift=shift, at=at, content=(content or "").strip(), created_by=user)
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def information_report_add(
    *,
    shift: DutyShift,
    user: User,
    sent_at,
    recipient: str,
    content: str,
    incident: OpinionIncident | None = None,
) -> InformationReport:
    _require_on_shift(shift, user)
    _check_during_shift(shift, sent_at, "sent_at")
    report = InformationReport(
        shift=shift,
        sent_at=sent_at,
        recipient=(recipient or "").strip(),
        content=(content or "").strip(),
        incident=incident,
        created_by=user,
    )
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def duty_feed_token_regenerate(*, person: User) -> DutyFeedToken:
    """A new secret for the person's calendar feed; the old address stops working."""
    token, _created = DutyFeedToken.objects.select_for_update().get_or_create(
        person=person, defaults={"token": secrets.token_urlsafe(32), "created_by": person}
    )
    if not _created:
        token.token = secrets.token_urlsafe(32)
        token.full_clean()
        token.save()
    return token


def duty_feed_token_for(*, person: User) -> DutyFeedToken:
    existing = DutyFeedToken.objects.filter(person=person).first()
    return existing or duty_feed_token_regenerate(person=person)


# ---------------------------------------------------------------------------------------------
# Quarterly reviews and risks


def _review_check(review: OpinionReview) -> None:
    if (
        review.held_on
        and review.year
        and review.quarter
        and quarter_of(review.held_on) != (review.year, review.quarter)
    ):
        raise ValidationError(
            {
                "held_on": _("The meeting date %(date)s is not in %(year)s Q%(quarter)s.")
                % {"date": review.held_on, "year": review.year, "quarter": review.quarter}
            }
        )
    duplicate = (
        OpinionReview.objects.active().filter(year=review.year, quarter=review.quarter).exclude(pk=review.pk)
    )
    if duplicate.exists():
        raise ValidationError(
            _("There is already a review for %(year)s Q%(quarter)s.")
            % {"year": review.year, "quarter": review.quarter},
            code="duplicate",
        )


def _set_attendees(review: OpinionReview, attendees: Iterable[User], user: User) -> None:
    wanted = {person.pk for person in attendees}
    ReviewAttendee.objects.filter(review=review).exclude(person_id__in=wanted).delete()
    present = set(ReviewAttendee.objects.filter(review=review).values_list("person_id", flat=True))
    ReviewAttendee.objects.bulk_create(
        [ReviewAttendee(review=review, person_id=pk, created_by=user) for pk in sorted(wanted - present)]
    )


@transaction.atomic
def review_create(
    *,
    user: User,
    held_on: datetime.date,
    reviewed: str,
    conclusions: str,
    attendees: Iterable[User],
    matrix: RiskMatrix | None = None,
    carry_over: bool = True,
) -> OpinionReview:
    """Record a quarter's review (the quarter is the meeting date's). It uses the current risk
    matrix and, unless told not to, carries the open risks of the previous review over."""
    if held_on is None:
        raise ValidationError({"held_on": _("This field is required.")})
    year, quarter = quarter_of(held_on)
    matrix = matrix or RiskMatrix.objects.filter(is_current=True).first()
    if matrix is None:
        raise ValidationError(_("No risk matrix is marked for use; ask an administrator."), code="no_matrix")
    review = OpinionReview(
        year=year,
        quarter=quarter,
        held_on=held_on,
        matrix=matrix,
        reviewed=(reviewed or "").strip(),
        conclusions=(conclusions or "").strip(),
        created_by=user,
    )
    review.full_clean(validate_constraints=False)
    _review_check(review)
    review.save()
    attendees = list(attendees)
    if not attendees:
        raise ValidationError({"attendees": _("Choose at least one attendee.")})
    _set_attendees(review, attendees, user)
    if carry_over:
        risks_carry_over(review=review, user=user)
    return review


@transaction.atomic
def review_update(
    *, review: OpinionReview, user: User, held_on, reviewed: str, conclusions: str, attendees: Iterable[User]
) -> OpinionReview:
    locked = OpinionReview.objects.select_for_update().get(pk=review.pk)
    if locked.is_voided:
        raise ValidationError(_("A voided record cannot be changed."), code="voided")
    locked.held_on = held_on
    locked.reviewed = (reviewed or "").strip()
    locked.conclusions = (conclusions or "").strip()
    locked.full_clean(validate_constraints=False)
    _review_check(locked)
    locked.save()
    attendees = list(attendees)
    if not attendees:
        raise ValidationError({"attendees": _("Choose at least one attendee.")})
    _set_attendees(locked, attendees, user)
    return locked


def _risk_level(matrix: RiskMatrix, likelihood, impact) -> str:
    errors = {}
    if not isinstance(likelihood, int) or not 1 <= likelihood <= matrix.likelihood_levels:
        errors["likelihood"] = _(
            "Likelihood must be a whole number from 1 to %(max)s on the matrix “%(matrix)s”."
        ) % {"max": matrix.likelihood_levels, "matrix": matrix.name}
    if not isinstance(impact, int) or not 1 <= impact <= matrix.impact_levels:
        errors["impact"] = _(
            "Impact must be a whole number from 1 to %(max)s on the matrix “%(matrix)s”."
        ) % {"max": matrix.impact_levels, "matrix": matrix.name}
    if errors:
        raise ValidationError(errors)
    cell = RiskMatrixCell.objects.filter(matrix=matrix, likelihood=likelihood, impact=impact).first()
    if cell is None:
        raise ValidationError(
            _("The matrix “%(matrix)s” gives no level for likelihood %(likelihood)s and impact %(impact)s.")
            % {"matrix": matrix.name, "likelihood": likelihood, "impact": impact},
            code="no_cell",
        )
    return cell.level


RISK_FIELDS = ("issue", "field", "likelihood", "impact", "owner", "response_plan", "measures", "status")


@transaction.atomic
def risk_create(*, review: OpinionReview, user: User, **data) -> RiskItem:
    risk = RiskItem(review=review, created_by=user, **{key: data[key] for key in RISK_FIELDS if key in data})
    risk.level = _risk_level(review.matrix, risk.likelihood, risk.impact)
    risk.full_clean()
    risk.save()
    return risk


@transaction.atomic
def risk_update(*, risk: RiskItem, user: User, **data) -> RiskItem:

    def prepare(locked: RiskItem) -> None:
        locked.level = _risk_level(locked.review.matrix, locked.likelihood, locked.impact)

    locked, _changed = model_update(
        instance=risk,
        fields=RISK_FIELDS,
        data={key: value for key, value in data.items() if key in RISK_FIELDS},
        prepare=prepare,
    )
    return locked


@transaction.atomic
def risks_carry_over(*, review: OpinionReview, user: User) -> list[RiskItem]:
    """Copy the risks still open at the previous review into ``review`` as new assessments that
    point back to the old ones (and to the chain's first), so their history stays together.
    Likelihood and impact are kept when they fit the new review's matrix, otherwise clipped to
    its scale. Running it twice adds nothing."""
    previous_review = (
        OpinionReview.objects.active()
        .filter(Q(year__lt=review.year) | Q(year=review.year, quarter__lt=review.quarter))
        .order_by("-year", "-quarter")
        .first()
    )
    if previous_review is None:
        return []
    open_risks = list(
        RiskItem.objects.active()
        .filter(review=previous_review, next_assessment__isnull=True)
        .exclude(status=RiskItem.Status.CLOSED)
    )
    matrix = review.matrix
    cells = {
        (cell.likelihood, cell.impact): cell.level for cell in RiskMatrixCell.objects.filter(matrix=matrix)
    }
    created = []
    for old in open_risks:
        likelihood = min(old.likelihood, matrix.likelihood_levels)
        impact = min(old.impact, matrix.impact_levels)
        new = RiskItem(
            review=review,
            issue=old.issue,
            field=old.field,
            likelihood=likelihood,
            impact=impact,
            level=cells.get((likelihood, impact), old.level),
            owner_id=old.owner_id,
            response_plan=old.response_plan,
            measures=old.measures,
            status=old.status,
            previous=old,
            origin_id=old.origin_id or old.pk,
            created_by=user,
        )
        new.full_clean()
        new.save()
        created.append(new)
    return created
