"""Every write of the responsibility records. Forms, the admin, the demo seed and commands all
come through here, so each rule holds whichever door is used."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import FieldError, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ideology_office.accounts import roles
from ideology_office.accounts.models import OrgUnit, User
from ideology_office.common.counting import count_by_period, countable, countable_queryset
from ideology_office.common.dates import year_bounds
from ideology_office.common.services import model_update
from ideology_office.notifications.services import reminders_cancel_for, reminders_plan_for
from study.models import StudySession

from .models import (
    AgendaItem,
    Assessment,
    AssessmentScheme,
    AssessmentScore,
    DutyAssignment,
    DutyAssignmentSection,
    FollowUpAction,
    LeadingGroupMembership,
    MeetingAttendance,
    OfficeMeeting,
    SchemeItem,
    WorkPriority,
)

ZERO = Decimal(0)


def _require_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message}, code="required")
    return value


# Leading group ---------------------------------------------------------------------------------


def _overlapping(queryset, start: datetime.date, end: datetime.date | None):
    """Memberships whose period shares a day with start..end (an open end runs for ever)."""
    query = queryset.filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
    if end is not None:
        query = query.filter(start_date__lte=end)
    return query


def _check_membership(membership: LeadingGroupMembership) -> None:
    membership.full_clean()
    others = LeadingGroupMembership.objects.active().exclude(pk=membership.pk)
    # Lock the rows that could conflict so two concurrent changes cannot both pass the check.
    if membership.role == LeadingGroupMembership.Role.LEADER:
        clash = _overlapping(
            others.select_for_update().filter(role=LeadingGroupMembership.Role.LEADER),
            membership.start_date,
            membership.end_date,
        )
        if clash.exists():
            raise ValidationError(
                {
                    "role": _(
                        "The group already has a group leader in this period: there is exactly one at any time."
                    )
                },
                code="second_leader",
            )
    same_person = _overlapping(
        others.select_for_update().filter(person=membership.person_id),
        membership.start_date,
        membership.end_date,
    )
    if same_person.exists():
        raise ValidationError(
            {"person": _("This person is already a member of the group in this period.")},
            code="duplicate_member",
        )


def _lock_group() -> None:
    # Every change to the group takes the office's own row lock first: with no membership row to
    # lock yet (the first 组长), concurrent inserts would otherwise both pass the overlap check.
    list(OrgUnit.objects.select_for_update().filter(kind=OrgUnit.Kind.OFFICE).values_list("pk", flat=True))


@transaction.atomic
def membership_create(
    *,
    person: User,
    role: str,
    start_date: datetime.date,
    start_reason: str,
    user: User | None,
    end_date: datetime.date | None = None,
    end_reason: str = "",
) -> LeadingGroupMembership:
    _lock_group()
    membership = LeadingGroupMembership(
        person=person,
        role=role,
        start_date=start_date,
        end_date=end_date,
        start_reason=_require_text(start_reason, "start_reason", _("Give the reason for this change.")),
        end_reason=(end_reason or "").strip(),
        title_at_joining=person.title,
        section_at_joining=person.section,
        created_by=user,
    )
    if end_date is not None and not membership.end_reason:
        raise ValidationError({"end_reason": _("Give the reason for leaving.")}, code="required")
    _check_membership(membership)
    membership.save()
    return membership


@transaction.atomic
def membership_update(
    *, membership: LeadingGroupMembership, user: User | None, **changes
) -> LeadingGroupMembership:
    """Correct a membership (role, dates, reasons); the rules are checked again."""
    _lock_group()

    def validate(locked: LeadingGroupMembership) -> None:
        _require_text(locked.start_reason, "start_reason", _("Give the reason for this change."))
        if locked.end_date is not None and not locked.end_reason:
            raise ValidationError({"end_reason": _("Give the reason for leaving.")}, code="required")
        _check_membership(locked)

    locked, _changed = model_update(
        instance=membership,
        fields=("role", "start_date", "end_date", "start_reason", "end_reason"),
        data=changes,
        validate=validate,
    )
    return locked


@transaction.atomic
def membership_end(
    *, membership: LeadingGroupMembership, end_date: datetime.date, reason: str, user: User | None
) -> LeadingGroupMembership:
    """A member leaves the group. The 组长 leaves only by handing over (:func:`membership_replace`)."""
    if membership.role == LeadingGroupMembership.Role.LEADER:
        successor = LeadingGroupMembership.objects.active().filter(
            role=LeadingGroupMembership.Role.LEADER, start_date=end_date + datetime.timedelta(days=1)
        )
        if not successor.exists():
            raise ValidationError(
                _("The group leader cannot leave without a successor: record the handover instead."),
                code="leader_gap",
            )
    return membership_update(
        membership=membership,
        user=user,
        end_date=end_date,
        end_reason=_require_text(reason, "end_reason", _("Give the reason for leaving.")),
    )


@transaction.atomic
def membership_replace(
    *,
    membership: LeadingGroupMembership,
    successor: User,
    on: datetime.date,
    reason: str,
    user: User | None,
) -> LeadingGroupMembership:
    """调整充实: ``successor`` takes the member's role from ``on``; the member leaves the day before.
    Used for the 组长 too, so the group never has none and never two."""
    reason = _require_text(reason, "reason", _("Give the reason for this change."))
    _lock_group()
    locked = LeadingGroupMembership.objects.select_for_update().get(pk=membership.pk)
    if locked.is_voided or (locked.end_date is not None and locked.end_date < on):
        raise ValidationError(_("This membership had already ended."), code="ended")
    if on <= locked.start_date:
        raise ValidationError({"on": _("The change must come after the member joined.")}, code="too_early")
    locked.end_date = on - datetime.timedelta(days=1)
    locked.end_reason = reason
    locked.full_clean()
    locked.save()
    return membership_create(
        person=successor, role=locked.role, start_date=on, start_reason=reason, user=user
    )


@transaction.atomic
def membership_record_post_change(
    *, membership: LeadingGroupMembership, on: datetime.date, reason: str, user: User | None
) -> LeadingGroupMembership:
    """The member changed post and stays in the group: close the old membership and open one with
    the post as it is now, which clears the "needs adjustment" flag and keeps the history."""
    reason = _require_text(reason, "reason", _("Give the reason for this change."))
    locked = LeadingGroupMembership.objects.select_for_update().select_related("person").get(pk=membership.pk)
    if locked.is_voided or locked.end_date is not None:
        raise ValidationError(_("This membership had already ended."), code="ended")
    if on <= locked.start_date:
        raise ValidationError({"on": _("The change must come after the member joined.")}, code="too_early")
    if not locked.person.is_active:
        raise ValidationError(
            _("The person has left the office: end the membership or hand it over instead."), code="inactive"
        )
    locked.end_date = on - datetime.timedelta(days=1)
    locked.end_reason = reason
    locked.full_clean()
    locked.save()
    return membership_create(
        person=locked.person, role=locked.role, start_date=on, start_reason=reason, user=user
    )


# Dual-duty assignments ----------------------------------------------------------------------


def _check_year(year: int) -> None:
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": _("Enter a year between 2000 and 2100.")}, code="year")


@transaction.atomic
def assignment_save(
    *,
    year: int,
    leader: User,
    is_principal: bool,
    sections: list[OrgUnit],
    fields_in_charge: str,
    duties: str,
    letter_signed_on: datetime.date | None,
    user: User | None,
    assignment: DutyAssignment | None = None,
) -> DutyAssignment:
    """Create or change one leader's 一岗双责 for a year."""
    _check_assignment_input(year=year, leader=leader, sections=sections, letter_signed_on=letter_signed_on)
    existing = DutyAssignment.objects.active().select_for_update().filter(year=year)
    if assignment is not None:
        assignment = DutyAssignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.is_voided:
            raise ValidationError(_("A voided record cannot be changed."), code="voided")
        existing = existing.exclude(pk=assignment.pk)
    else:
        assignment = DutyAssignment(created_by=user)
    if existing.filter(leader=leader).exists():
        raise ValidationError(
            {"leader": _("This leader already has an assignment for %(year)s.") % {"year": year}},
            code="duplicate",
        )
    if is_principal and existing.filter(is_principal=True).exists():
        raise ValidationError(
            {"is_principal": _("The year already has a principal leader.")}, code="second_principal"
        )
    assignment.year = year
    assignment.leader = leader
    assignment.is_principal = is_principal
    assignment.fields_in_charge = fields_in_charge.strip()
    assignment.duties = "\n".join(line.strip() for line in duties.splitlines() if line.strip())
    assignment.letter_signed_on = letter_signed_on
    assignment.full_clean()
    assignment.save()
    _set_assignment_sections(assignment, sections, user)
    return assignment


def _check_assignment_input(*, year, leader, sections, letter_signed_on) -> None:
    _check_year(year)
    if not roles.is_leader(leader):
        raise ValidationError(
            {"leader": _("Only a leadership member can hold a dual-duty assignment.")}, code="not_leader"
        )
    if any(section.kind != OrgUnit.Kind.SECTION for section in sections):
        raise ValidationError(
            {"sections": _("Areas in charge must be sections of the office.")}, code="not_section"
        )
    if letter_signed_on is not None and letter_signed_on > timezone.localdate():
        raise ValidationError(
            {"letter_signed_on": _("The letter cannot be signed in the future.")}, code="future"
        )


def _set_assignment_sections(assignment: DutyAssignment, sections, user) -> None:
    """Links to exactly ``sections``: the ones no longer wanted removed, the new ones added."""
    wanted = {section.pk for section in sections}
    current = set(assignment.section_links.values_list("section_id", flat=True))
    if current - wanted:
        assignment.section_links.filter(section_id__in=current - wanted).delete()
    DutyAssignmentSection.objects.bulk_create(
        [
            DutyAssignmentSection(assignment=assignment, section_id=pk, created_by=user)
            for pk in sorted(wanted - current)
        ]
    )


# Office meetings ---------------------------------------------------------------------------


def _check_meeting_fields(meeting: OfficeMeeting) -> None:
    if meeting.date > timezone.localdate() + datetime.timedelta(days=366):
        raise ValidationError({"date": _("The meeting date is too far in the future.")}, code="date")
    if meeting.section.kind != OrgUnit.Kind.SECTION:
        raise ValidationError({"section": _("Choose a section of the office.")}, code="not_section")
    meeting.full_clean()


@transaction.atomic
def meeting_create(
    *,
    date: datetime.date,
    title: str,
    place: str,
    chair: User,
    section: OrgUnit,
    on_ideology: bool,
    decisions: str,
    present: list[User],
    user: User | None,
    first_topic: str = "",
    first_topic_material: str = "",
    agenda: list[str] | None = None,
) -> OfficeMeeting:
    """Record a 室务会 with its attendees and agenda in one go. The first-agenda study, when given,
    is item 1; the other items follow in the order given."""
    meeting = OfficeMeeting(
        date=date,
        title=title.strip(),
        place=place.strip(),
        chair=chair,
        section=section,
        on_ideology=on_ideology,
        decisions=decisions.strip(),
        created_by=user,
    )
    _check_meeting_fields(meeting)
    meeting.save()
    people = {person.pk: person for person in [chair, *present]}
    MeetingAttendance.objects.bulk_create(
        [MeetingAttendance(meeting=meeting, person=person, created_by=user) for person in people.values()]
    )
    items = []
    if first_topic.strip():
        items.append((AgendaItem.Kind.FIRST_TOPIC, first_topic.strip(), first_topic_material.strip()))
    elif first_topic_material.strip():
        raise ValidationError(
            {"first_topic": _("Name the first-agenda study for this material.")}, code="required"
        )
    items += [(AgendaItem.Kind.ORDINARY, line.strip(), "") for line in (agenda or []) if line.strip()]
    agenda_items = [
        AgendaItem(
            meeting=meeting, position=number, kind=kind, title=text, material=material, created_by=user
        )
        for number, (kind, text, material) in enumerate(items, start=1)
    ]
    for item in agenda_items:
        item.full_clean()
    AgendaItem.objects.bulk_create(agenda_items)
    return meeting


@transaction.atomic
def meeting_update(
    *,
    meeting: OfficeMeeting,
    date: datetime.date,
    title: str,
    place: str,
    chair: User,
    section: OrgUnit,
    on_ideology: bool,
    decisions: str,
    user: User | None,
) -> OfficeMeeting:
    locked = OfficeMeeting.objects.select_for_update().get(pk=meeting.pk)
    if locked.is_voided:
        raise ValidationError(_("A voided record cannot be changed."), code="voided")
    locked.date, locked.title, locked.place = date, title.strip(), place.strip()
    locked.chair, locked.section, locked.on_ideology = chair, section, on_ideology
    locked.decisions = decisions.strip()
    _check_meeting_fields(locked)
    locked.save()
    return locked


def _open_meeting(meeting: OfficeMeeting) -> OfficeMeeting:
    locked = OfficeMeeting.objects.select_for_update().get(pk=meeting.pk)
    if locked.is_voided:
        raise ValidationError(_("A voided record cannot be changed."), code="voided")
    return locked


@transaction.atomic
def agenda_item_add(
    *, meeting: OfficeMeeting, kind: str, title: str, material: str, user: User | None
) -> AgendaItem:
    """Append an item to the agenda; a first-agenda study can only be item 1."""
    meeting = _open_meeting(meeting)
    position = (meeting.agenda_items.aggregate(last=Max("position"))["last"] or 0) + 1
    if kind == AgendaItem.Kind.FIRST_TOPIC and position != 1:
        raise ValidationError(
            {"kind": _("The first-agenda study must be item 1 of the agenda.")}, code="first_topic_not_first"
        )
    item = AgendaItem(
        meeting=meeting,
        position=position,
        kind=kind,
        title=_require_text(title, "title", _("Enter the agenda item.")),
        material=material.strip(),
        created_by=user,
    )
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def agenda_item_link_study_session(
    *, item: AgendaItem, session: StudySession, user: User | None
) -> AgendaItem:
    """Link a meeting's first-agenda study to the same study in the study ledger: a first-agenda
    session held at an office meeting on the meeting's date."""
    meeting = _open_meeting(item.meeting)
    item = AgendaItem.objects.select_for_update().get(pk=item.pk)
    if item.kind != AgendaItem.Kind.FIRST_TOPIC:
        raise ValidationError(
            {"study_session": _("Only a first-agenda study item can be linked to the study ledger.")},
            code="not_first_topic",
        )
    if not study_sessions_for_meeting(meeting).filter(pk=session.pk).exists():
        raise ValidationError(
            {
                "study_session": _("Choose a first-agenda study held at an office meeting on %(date)s.")
                % {"date": meeting.date.isoformat()}
            },
            code="wrong_session",
        )
    item.study_session = session
    item.full_clean()
    item.save(update_fields=["study_session", "updated_at"])
    return item


def study_sessions_for_meeting(meeting: OfficeMeeting):
    """The study ledger's first-agenda sessions that can be this meeting's first agenda item."""
    return StudySession.objects.active().filter(
        kind=StudySession.Kind.FIRST_AGENDA, first_agenda_venue="office_meeting", date=meeting.date
    )


@transaction.atomic
def attendance_set(
    *, meeting: OfficeMeeting, person: User, status: str, absence_reason: str, user: User | None
) -> MeetingAttendance:
    meeting = _open_meeting(meeting)
    absence_reason = absence_reason.strip()
    if status == MeetingAttendance.Status.ABSENT and not absence_reason:
        raise ValidationError({"absence_reason": _("Give the reason for the absence.")}, code="required")
    if status != MeetingAttendance.Status.ABSENT:
        absence_reason = ""
    attendance = MeetingAttendance.objects.filter(
        meeting=meeting, person=person
    ).first() or MeetingAttendance(meeting=meeting, person=person, created_by=user)
    attendance.status = status
    attendance.absence_reason = absence_reason
    attendance.full_clean()
    attendance.save()
    return attendance


@transaction.atomic
def follow_up_create(
    *, meeting: OfficeMeeting, description: str, owner: User, deadline: datetime.date, user: User | None
) -> FollowUpAction:
    meeting = _open_meeting(meeting)
    if deadline < meeting.date:
        raise ValidationError({"deadline": _("The deadline cannot be before the meeting.")}, code="deadline")
    if not owner.is_active:
        raise ValidationError({"owner": _("The owner has left the office.")}, code="inactive")
    action = FollowUpAction(
        meeting=meeting,
        description=_require_text(description, "description", _("Describe the action.")),
        owner=owner,
        deadline=deadline,
        created_by=user,
    )
    action.full_clean()
    action.save()
    # An action decided close to (or past) its deadline is reminded of at once.
    from .reminders import FOLLOW_UP_DEADLINE

    reminders_plan_for(source_key=FOLLOW_UP_DEADLINE, object_ids=[action.pk])
    return action


@transaction.atomic
def follow_up_complete(
    *, action: FollowUpAction, done_on: datetime.date, outcome: str, user: User | None
) -> FollowUpAction:
    """Mark a follow-up action done, with what came of it."""
    locked = FollowUpAction.objects.select_for_update().select_related("meeting").get(pk=action.pk)
    if locked.is_voided:
        raise ValidationError(_("A voided record cannot be changed."), code="voided")
    if locked.status == FollowUpAction.Status.DONE:
        raise ValidationError(_("This action is already done."), code="already_done")
    if done_on < locked.meeting.date or done_on > timezone.localdate():
        raise ValidationError(
            {"done_on": _("The date done must lie between the meeting and today.")}, code="done_on"
        )
    locked.status = FollowUpAction.Status.DONE
    locked.done_on = done_on
    locked.outcome = _require_text(outcome, "outcome", _("Say what was done."))
    locked.full_clean()
    locked.save()
    reminders_cancel_for(locked)
    return locked


# Annual work priorities ---------------------------------------------------------------------


@transaction.atomic
def priority_save(
    *,
    year: int,
    text: str,
    concerns_ideology: bool,
    user: User | None,
    position: int | None = None,
    priority: WorkPriority | None = None,
) -> WorkPriority:
    _check_year(year)
    if priority is None:
        priority = WorkPriority(created_by=user)
    else:
        priority = WorkPriority.objects.select_for_update().get(pk=priority.pk)
        if priority.is_voided:
            raise ValidationError(_("A voided record cannot be changed."), code="voided")
    if position is None:
        position = (
            priority.position
            if priority.pk
            else (
                WorkPriority.objects.active().filter(year=year).aggregate(last=Max("position"))["last"] or 0
            )
            + 1
        )
    priority.year = year
    priority.position = position
    priority.text = _require_text(text, "text", _("Enter the work priority."))
    priority.concerns_ideology = concerns_ideology
    priority.full_clean()
    priority.save()
    return priority


# Assessment schemes -------------------------------------------------------------------------


@transaction.atomic
def scheme_save(
    *,
    year: int,
    name: str,
    excellent_from: Decimal,
    good_from: Decimal,
    fair_from: Decimal,
    bonus_cap: Decimal,
    user: User | None,
    scheme: AssessmentScheme | None = None,
) -> AssessmentScheme:
    _check_year(year)
    if not excellent_from > good_from > fair_from >= 0:
        raise ValidationError(
            {"excellent_from": _("The grade thresholds must fall: 优秀 above 良好 above 一般.")},
            code="grades",
        )
    if scheme is None:
        scheme = AssessmentScheme(created_by=user)
    else:
        scheme = AssessmentScheme.objects.select_for_update().get(pk=scheme.pk)
        if scheme.is_voided:
            raise ValidationError(_("A voided record cannot be changed."), code="voided")
    name = _require_text(name, "name", _("Enter the scheme's name."))
    duplicate = AssessmentScheme.objects.active().filter(year=year, name=name).exclude(pk=scheme.pk)
    if duplicate.exists():
        raise ValidationError(
            {"name": _("A scheme of this name already exists for this year.")}, code="duplicate"
        )
    scheme.year, scheme.name = year, name
    scheme.excellent_from, scheme.good_from, scheme.fair_from = excellent_from, good_from, fair_from
    scheme.bonus_cap = bonus_cap
    scheme.full_clean()
    scheme.save()
    return scheme


def scheme_item_validate(item: SchemeItem) -> None:
    """The rule of an item is whole or absent; a veto item carries no points."""
    item.full_clean(exclude=["scheme"])
    if item.kind == SchemeItem.Kind.VETO and item.max_points:
        raise ValidationError({"max_points": _("A veto item carries no points.")}, code="veto_points")
    if item.kind != SchemeItem.Kind.VETO and not item.max_points:
        raise ValidationError({"max_points": _("Give the item's points.")}, code="points")
    if not item.count_key:
        _check_no_count_rule(item)
        return
    if item.kind != SchemeItem.Kind.SCORED:
        raise ValidationError(
            {"count_key": _("Only scored items can be counted automatically.")}, code="rule_kind"
        )
    _check_count_rule_complete(item)
    if item.count_mode == SchemeItem.Mode.AT_MOST:
        item.count_period = SchemeItem.Period.YEAR
    _check_count_filters(item)


def _check_no_count_rule(item: SchemeItem) -> None:
    """Without records to count, no part of a counting rule may be filled in."""
    if (
        item.count_mode
        or item.count_required is not None
        or item.count_period
        or item.points_per_miss is not None
    ):
        raise ValidationError(
            {"count_key": _("Choose which records the rule counts, or clear the rule.")},
            code="rule_without_key",
        )


def _check_count_rule_complete(item: SchemeItem) -> None:
    missing = [
        name
        for name in ("count_mode", "count_required", "points_per_miss")
        if getattr(item, name) in (None, "")
    ]
    if item.count_mode == SchemeItem.Mode.AT_LEAST and not item.count_period:
        missing.append("count_period")
    if missing:
        raise ValidationError(
            {name: _("Complete the automatic count rule.") for name in missing}, code="rule_incomplete"
        )


def _check_count_filters(item: SchemeItem) -> None:
    if not isinstance(item.count_filters, dict) or not all(
        isinstance(key, str) for key in item.count_filters
    ):
        raise ValidationError({"count_filters": _("Filters are field lookups and values.")}, code="filters")
    if countable(item.count_key) is None or not item.count_filters:
        return
    # A stored filter is tried on the records now, not first when an assessor needs it.
    try:
        str(
            countable_queryset(
                item.count_key,
                start=datetime.date(2000, 1, 1),
                end=datetime.date(2000, 1, 1),
                filters=item.count_filters,
            ).query
        )
    except (FieldError, ValueError, TypeError) as error:
        raise ValidationError(
            {
                "count_filters": _("These filters do not fit the records counted: %(error)s")
                % {"error": error}
            },
            code="filters",
        ) from error


@transaction.atomic
def scheme_item_save(
    *, scheme: AssessmentScheme, user: User | None, item: SchemeItem | None = None, **fields
) -> SchemeItem:
    scheme = AssessmentScheme.objects.select_for_update().get(pk=scheme.pk)
    if scheme.is_voided:
        raise ValidationError(_("A voided record cannot be changed."), code="voided")
    if item is None:
        item = SchemeItem(scheme=scheme, created_by=user)
        if fields.get("position") is None:
            fields["position"] = (scheme.items.aggregate(last=Max("position"))["last"] or 0) + 1
    for name, value in fields.items():
        setattr(item, name, value.strip() if isinstance(value, str) else value)
    if item.count_filters is None:
        item.count_filters = {}
    scheme_item_validate(item)
    clash = scheme.items.filter(position=item.position).exclude(pk=item.pk)
    if clash.exists():
        raise ValidationError({"position": _("Another item already has this number.")}, code="position")
    item.save()
    return item


COPIED_ITEM_FIELDS = (
    "position",
    "heading",
    "kind",
    "requirement",
    "max_points",
    "deduction_rule",
    "count_key",
    "count_filters",
    "count_mode",
    "count_required",
    "count_period",
    "points_per_miss",
)


@transaction.atomic
def scheme_copy(*, source: AssessmentScheme, year: int, user: User | None) -> AssessmentScheme:
    """Next year's scheme starts as a copy of this one (items, rules and thresholds)."""
    scheme = scheme_save(
        year=year,
        name=source.name,
        excellent_from=source.excellent_from,
        good_from=source.good_from,
        fair_from=source.fair_from,
        bonus_cap=source.bonus_cap,
        user=user,
    )
    scheme.copied_from = source
    scheme.save(update_fields=["copied_from", "updated_at"])
    SchemeItem.objects.bulk_create(
        [
            SchemeItem(
                scheme=scheme, created_by=user, **{name: getattr(item, name) for name in COPIED_ITEM_FIELDS}
            )
            for item in source.items.all()
        ]
    )
    return scheme


# Assessments --------------------------------------------------------------------------------


def _period_starts(year: int, period: str, until: datetime.date) -> list[datetime.date]:
    months = {"month": range(1, 13), "quarter": (1, 4, 7, 10), "year": (1,)}[period]
    return [datetime.date(year, month, 1) for month in months if datetime.date(year, month, 1) <= until]


def item_auto_score(item: SchemeItem, counts: dict[datetime.date, int], *, year: int, until: datetime.date):
    """(score, note) for an item's count rule given the counts per period: at least N per period
    loses points per missing record, at most N in the year loses points per extra one; the loss
    never exceeds the item's points. Periods that have not begun yet are not held against anyone."""
    required, per_miss = item.count_required, item.points_per_miss
    if required is None or per_miss is None:  # scheme_item_validate() keeps a rule whole
        raise ValueError(f"Scheme item {item.pk} has an incomplete count rule.")
    total = sum(counts.values())
    if item.count_mode == SchemeItem.Mode.AT_LEAST:
        starts = _period_starts(year, item.count_period, until)
        missing = sum(max(0, required - counts.get(start, 0)) for start in starts)
        loss = min(item.max_points, missing * per_miss)
        note = _("%(total)s counted; %(missing)s missing over %(periods)s period(s)") % {
            "total": total,
            "missing": missing,
            "periods": len(starts),
        }
    else:
        extra = max(0, total - required)
        loss = min(item.max_points, extra * per_miss)
        note = _("%(total)s counted; %(extra)s over the limit of %(limit)s") % {
            "total": total,
            "extra": extra,
            "limit": item.count_required,
        }
    return item.max_points - loss, note


def _scope(assessment: Assessment) -> dict:
    if assessment.target_kind == Assessment.TargetKind.LEADER:
        return {"person": assessment.target_person}
    return {"unit": assessment.target_unit}


def _prefill(assessment: Assessment, items: list[SchemeItem]) -> list[AssessmentScore]:
    """Score lines for ``items``: two queries per counted item (the aggregate and the ids it
    counted), none per record."""
    year = assessment.scheme.year
    start, end = year_bounds(year)
    until = min(end, timezone.localdate())
    lines = []
    for item in items:
        line = AssessmentScore(assessment=assessment, item=item, source=AssessmentScore.Source.MANUAL)
        if item.is_automatic and countable(item.count_key) is None:
            line.source = AssessmentScore.Source.NOT_CONNECTED
        elif item.is_automatic:
            scope = {"filters": item.count_filters or None, **_scope(assessment)}
            try:
                counts = count_by_period(
                    item.count_key, start=start, end=end, period=item.count_period, **scope
                )
                ids = list(
                    countable_queryset(item.count_key, start=start, end=end, **scope).values_list(
                        "pk", flat=True
                    )
                )
            except (FieldError, ValueError, TypeError):
                # The rule's filters no longer fit the records (the app changed since the rule
                # was written): the assessor scores the line, as for a source not connected.
                line.source = AssessmentScore.Source.NOT_CONNECTED
                lines.append(line)
                continue
            line.source = AssessmentScore.Source.COUNTED
            line.auto_score, line.count_note = item_auto_score(item, counts, year=year, until=until)
            line.counted_ids = sorted(ids)
            line.counted_total = len(line.counted_ids)
        lines.append(line)
    return lines


@transaction.atomic
def assessment_create(
    *,
    scheme: AssessmentScheme,
    target_kind: str,
    assessor: User,
    target_unit: OrgUnit | None = None,
    target_person: User | None = None,
    user: User | None = None,
) -> Assessment:
    """Apply a scheme to a section, a leader or a county unit; counted items are pre-filled."""
    from .permissions import can_assess

    if not can_assess(assessor):
        raise ValidationError(
            {"assessor": _("The assessor must be an inspector or a leader.")}, code="assessor"
        )
    if scheme.is_voided:
        raise ValidationError({"scheme": _("This scheme was voided.")}, code="voided")
    expected_kind: dict[str, str] = {
        Assessment.TargetKind.SECTION: OrgUnit.Kind.SECTION,
        Assessment.TargetKind.COUNTY_UNIT: OrgUnit.Kind.COUNTY_UNIT,
    }
    if target_kind == Assessment.TargetKind.LEADER:
        if target_person is None or not roles.is_leader(target_person):
            raise ValidationError(
                {"target_person": _("Choose the leadership member assessed.")}, code="target"
            )
        if target_person.pk == assessor.pk:
            raise ValidationError({"assessor": _("Nobody assesses themselves.")}, code="self")
        target_unit = None
    elif target_kind in expected_kind:
        if target_unit is None or target_unit.kind != expected_kind[target_kind]:
            raise ValidationError({"target_unit": _("Choose a unit of the kind assessed.")}, code="target")
        target_person = None
    else:
        raise ValidationError({"target_kind": _("Choose what is assessed.")}, code="target_kind")
    list(AssessmentScheme.objects.select_for_update().filter(pk=scheme.pk).values_list("pk", flat=True))
    duplicate = Assessment.objects.active().filter(
        scheme=scheme, target_unit=target_unit, target_person=target_person
    )
    if duplicate.exists():
        raise ValidationError(
            _("This unit or person is already assessed under this scheme."), code="duplicate"
        )
    assessment = Assessment(
        scheme=scheme,
        target_kind=target_kind,
        target_unit=target_unit,
        target_person=target_person,
        assessor=assessor,
        created_by=user or assessor,
    )
    assessment.full_clean()
    assessment.save()
    AssessmentScore.objects.bulk_create(_prefill(assessment, list(scheme.items.all())))
    return assessment


def _open_assessment(assessment: Assessment) -> Assessment:
    locked = Assessment.objects.select_for_update().select_related("scheme").get(pk=assessment.pk)
    if locked.is_voided:
        raise ValidationError(_("A voided record cannot be changed."), code="voided")
    if locked.status != Assessment.Status.IN_PROGRESS:
        raise ValidationError(_("This assessment is completed and can no longer change."), code="completed")
    return locked


@transaction.atomic
def assessment_refresh(*, assessment: Assessment, user: User | None) -> Assessment:
    """Count the records again for lines not yet confirmed (records keep arriving during the year)."""
    assessment = _open_assessment(assessment)
    lines = list(assessment.scores.select_related("item").filter(confirmed_at__isnull=True))
    fresh = {line.item_id: line for line in _prefill(assessment, [line.item for line in lines])}
    for line in lines:
        new = fresh[line.item_id]
        line.source, line.auto_score, line.count_note = new.source, new.auto_score, new.count_note
        line.counted_ids, line.counted_total = new.counted_ids, new.counted_total
    AssessmentScore.objects.bulk_update(
        lines, ["source", "auto_score", "count_note", "counted_ids", "counted_total", "updated_at"]
    )
    return assessment


@transaction.atomic
def score_confirm(
    *,
    line: AssessmentScore,
    score: Decimal | None,
    reason: str,
    user: User,
    veto_triggered: bool = False,
) -> AssessmentScore:
    """The assessor's word on one line: confirm the pre-filled score or give another with a reason."""
    from .permissions import can_score

    assessment = _open_assessment(line.assessment)
    if not can_score(user, assessment):
        raise ValidationError(_("You may not score this assessment."), code="forbidden")
    line = AssessmentScore.objects.select_for_update().select_related("item").get(pk=line.pk)
    item, reason = line.item, (reason or "").strip()
    if item.kind == SchemeItem.Kind.VETO:
        score = ZERO
        if veto_triggered and not reason:
            raise ValidationError({"reason": _("Say why the veto applies.")}, code="reason_required")
    else:
        veto_triggered = False
        score = _checked_score(line, score, reason)
    line.score, line.reason, line.veto_triggered = score, reason, veto_triggered
    line.confirmed_by, line.confirmed_at = user, timezone.now()
    line.full_clean()
    line.save()
    return line


@dataclass(frozen=True)
class ScoreEntry:
    """One line of the score sheet as the assessor left it in the one form of the sheet."""

    line: AssessmentScore
    score: Decimal | None
    reason: str
    veto_triggered: bool = False


@transaction.atomic
def scores_confirm(*, assessment: Assessment, entries: list[ScoreEntry], user: User) -> list[AssessmentScore]:
    """The whole sheet saved at once: every line checked as :func:`score_confirm` checks one.
    One refused line refuses the save: nothing is written, and each refusal names its line
    (``{line pk: [messages]}`` in the error)."""
    from .permissions import can_score

    # Whole-sheet refusals first (completed, voided, not this person's to score): said once.
    assessment = _open_assessment(assessment)
    if not can_score(user, assessment):
        raise ValidationError(_("You may not score this assessment."), code="forbidden")
    saved, refused = [], {}
    for entry in entries:
        if entry.line.assessment_id != assessment.pk:
            raise ValidationError(_("That line belongs to another assessment."), code="foreign_line")
        try:
            # A savepoint per line, so the other lines are all checked; any refusal undoes all.
            with transaction.atomic():
                saved.append(
                    score_confirm(
                        line=entry.line,
                        score=entry.score,
                        reason=entry.reason,
                        user=user,
                        veto_triggered=entry.veto_triggered,
                    )
                )
        except ValidationError as error:
            refused[entry.line.pk] = error.messages
    if refused:
        # Keyed by line id, which the view reads back; Django takes any key, django-stubs only str.
        raise ValidationError(refused)  # type: ignore[arg-type]
    return saved


def _checked_score(line: AssessmentScore, score: Decimal | None, reason: str) -> Decimal:
    """The score of a scored or bonus line (the pre-filled one when none is given), within the
    item's points, with a reason whenever it departs from the count or takes points off."""
    item = line.item
    if score is None:
        score = line.auto_score
    if score is None:
        raise ValidationError({"score": _("Enter a score.")}, code="required")
    if score < 0 or score > item.max_points:
        raise ValidationError(
            {"score": _("The score must lie between 0 and %(max)s.") % {"max": item.max_points}},
            code="range",
        )
    overridden = line.auto_score is not None and score != line.auto_score
    deducted = line.auto_score is None and item.kind == SchemeItem.Kind.SCORED and score < item.max_points
    if (overridden or deducted) and not reason:
        message = (
            _("Give a reason for changing the pre-filled score.")
            if overridden
            else _("Give a reason for the points taken off.")
        )
        raise ValidationError({"reason": message}, code="reason_required")
    return score


def assessment_grade(scheme: AssessmentScheme, total: Decimal, vetoed: bool) -> str:
    if vetoed:
        return Assessment.Grade.POOR
    if total >= scheme.excellent_from:
        return Assessment.Grade.EXCELLENT
    if total >= scheme.good_from:
        return Assessment.Grade.GOOD
    if total >= scheme.fair_from:
        return Assessment.Grade.FAIR
    return Assessment.Grade.POOR


def assessment_total(scheme: AssessmentScheme, lines, *, provisional: bool = False) -> tuple[Decimal, bool]:
    """Scored items plus bonus items (each within its points, all within the scheme's cap);
    a triggered veto item makes the grade 较差 whatever the total. ``provisional``: a line not yet
    confirmed counts with its pre-filled score, as the sheet shows it (the running total of an
    assessment in progress); the completed total counts confirmed scores only."""

    def points(line):
        if line.score is not None:
            return line.score
        return (line.auto_score or ZERO) if provisional and line.confirmed_at is None else ZERO

    scored = sum((points(line) for line in lines if line.item.kind == SchemeItem.Kind.SCORED), ZERO)
    bonus = sum((points(line) for line in lines if line.item.kind == SchemeItem.Kind.BONUS), ZERO)
    vetoed = any(line.veto_triggered for line in lines)
    return scored + min(bonus, scheme.bonus_cap), vetoed


@transaction.atomic
def assessment_complete(*, assessment: Assessment, user: User) -> Assessment:
    from .permissions import can_score

    assessment = _open_assessment(assessment)
    if not can_score(user, assessment):
        raise ValidationError(_("You may not score this assessment."), code="forbidden")
    lines = list(assessment.scores.select_related("item"))
    if any(line.confirmed_at is None for line in lines):
        raise ValidationError(_("Confirm or score every item before completing."), code="unconfirmed")
    total, vetoed = assessment_total(assessment.scheme, lines)
    assessment.total, assessment.vetoed = total, vetoed
    assessment.grade = assessment_grade(assessment.scheme, total, vetoed)
    assessment.status = Assessment.Status.COMPLETED
    assessment.completed_at = timezone.now()
    assessment.full_clean()
    assessment.save()
    return assessment
