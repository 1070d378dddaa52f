"""Every write of the study area. Views, the admin, the import pipeline and the commands call
these, so the rules hold through every door."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ideology_office.accounts.models import OrgUnit, User
from ideology_office.common.dates import counted_days
from ideology_office.common.services import model_update
from ideology_office.notifications.services import reminders_cancel_for, reminders_plan_for

from . import permissions
from .models import (
    Attendance,
    LearningPlatform,
    PointsBulletin,
    PointsEntry,
    PointsThreshold,
    ReadingClass,
    Speech,
    StudyMaterial,
    StudySession,
    Tag,
)

SESSION_FIELDS = (
    "kind",
    "first_agenda_venue",
    "date",
    "start_time",
    "end_time",
    "place",
    "section",
    "host",
    "recorder",
    "topic",
    "minutes",
    "reading_class",
)


@dataclass(frozen=True)
class AttendanceLine:
    person: User
    status: str = Attendance.Status.PRESENT
    absence_reason: str = ""


@dataclass(frozen=True)
class SpeechLine:
    speaker: User
    content: str


def _check_attendance(lines: Sequence[AttendanceLine]) -> None:
    errors = []
    seen = set()
    for line in lines:
        if line.person.pk in seen:
            errors.append(_("%(person)s is listed twice.") % {"person": line.person})
        seen.add(line.person.pk)
        if line.status == Attendance.Status.ABSENT and not line.absence_reason.strip():
            errors.append(_("Give the reason why %(person)s was absent.") % {"person": line.person})
    if errors:
        raise ValidationError({"attendances": errors})


def _check_may_record(user, section: OrgUnit | None) -> None:
    if user is not None and not permissions.can_record_for_section(user, section.pk if section else None):
        raise ValidationError(
            {"section": _("You may record sessions of your own section only.")}, code="not_your_section"
        )


def _write_attendance(session, *, user, lines: Sequence[AttendanceLine]) -> None:
    """Make the session's attendance match ``lines``: the rows of people who stay are updated in
    place (same ids, and the audit trail shows what changed), people added get new rows, people
    no longer listed lose theirs."""
    existing = {row.person_id: row for row in session.attendances.all()}
    wanted = {
        line.person.pk: (
            line.status,
            line.absence_reason.strip() if line.status == Attendance.Status.ABSENT else "",
        )
        for line in lines
    }
    gone = [row.pk for person_id, row in existing.items() if person_id not in wanted]
    if gone:
        Attendance.objects.filter(pk__in=gone).delete()
    now = timezone.now()
    changed = []
    for person_id, (status, absence_reason) in wanted.items():
        row = existing.get(person_id)
        if row is not None and (row.status, row.absence_reason) != (status, absence_reason):
            row.status, row.absence_reason, row.updated_at = status, absence_reason, now
            changed.append(row)
    if changed:
        Attendance.objects.bulk_update(changed, ["status", "absence_reason", "updated_at"])
    added = [
        Attendance(
            session=session,
            person=line.person,
            status=wanted[line.person.pk][0],
            absence_reason=wanted[line.person.pk][1],
            created_by=user,
        )
        for line in lines
        if line.person.pk not in existing
    ]
    if added:
        Attendance.objects.bulk_create(added)


def _write_children(session, *, user, attendances, speeches, materials, tags) -> None:
    if materials is not None:
        session.materials.set(materials)
        if not session.is_voided:
            # Studied now: the "not yet studied" reminders waiting for these materials are void.
            reminders_cancel_for(*materials)
    if tags is not None:
        session.tags.set(tags)
    if attendances is not None:
        _write_attendance(session, user=user, lines=attendances)
    if speeches is not None:
        session.speeches.all().delete()
        Speech.objects.bulk_create(
            [
                Speech(
                    session=session,
                    speaker=line.speaker,
                    order=order,
                    content=line.content.strip(),
                    created_by=user,
                )
                for order, line in enumerate(speeches, start=1)
                if line.content.strip()
            ]
        )


@transaction.atomic
def session_create(
    *,
    user: User | None,
    kind: str,
    date: datetime.date,
    topic: str,
    section: OrgUnit,
    first_agenda_venue: str = "",
    start_time: datetime.time | None = None,
    end_time: datetime.time | None = None,
    place: str = "",
    host: User | None = None,
    recorder: User | None = None,
    minutes: str = "",
    reading_class: ReadingClass | None = None,
    materials: Iterable[StudyMaterial] = (),
    tags: Iterable[Tag] = (),
    attendances: Sequence[AttendanceLine] = (),
    speeches: Sequence[SpeechLine] = (),
) -> StudySession:
    """Record a study session with its attendance and speeches. ``user`` None is the system
    (demo data); otherwise the person must be allowed to record for ``section``."""
    _check_may_record(user, section)
    _check_attendance(attendances)
    session = StudySession(
        kind=kind,
        first_agenda_venue=first_agenda_venue if kind == StudySession.Kind.FIRST_AGENDA else "",
        date=date,
        start_time=start_time,
        end_time=end_time,
        place=place.strip(),
        section=section,
        host=host,
        recorder=recorder,
        topic=topic.strip(),
        minutes=minutes.strip(),
        reading_class=reading_class,
        created_by=user,
    )
    session_validate(session)
    session.save()
    _write_children(
        session,
        user=user,
        attendances=attendances,
        speeches=speeches,
        materials=list(materials),
        tags=list(tags),
    )
    return session


def session_validate(session: StudySession) -> None:
    errors = {}
    if session.kind == StudySession.Kind.FIRST_AGENDA and not session.first_agenda_venue:
        errors["first_agenda_venue"] = _("Choose the meeting the first agenda item was studied at.")
    if session.kind == StudySession.Kind.READING_CLASS and session.reading_class is None:
        errors["reading_class"] = _("A reading class day belongs to a reading class.")
    if session.reading_class is not None and not (
        session.reading_class.start_date <= session.date <= session.reading_class.end_date
    ):
        errors["date"] = _("The date is outside the days of the reading class.")
    if session.start_time and session.end_time and session.end_time <= session.start_time:
        errors["end_time"] = _("The end time must be after the start time.")
    if errors:
        raise ValidationError(errors)
    # The natural key is checked below with a Chinese message; the database constraint backs it.
    session.full_clean(validate_constraints=False)
    duplicate = StudySession.objects.active().filter(
        kind=session.kind, date=session.date, topic=session.topic
    )
    if session.pk:
        duplicate = duplicate.exclude(pk=session.pk)
    if duplicate.exists():
        raise ValidationError(
            {"topic": _("A session of this kind with this topic is already recorded on this date.")},
            code="duplicate",
        )


@transaction.atomic
def session_update(
    *,
    session: StudySession,
    user: User | None,
    attendances: Sequence[AttendanceLine] | None = None,
    speeches: Sequence[SpeechLine] | None = None,
    materials: Iterable[StudyMaterial] | None = None,
    tags: Iterable[Tag] | None = None,
    **fields,
) -> StudySession:
    """Change a session's fields and, when given, its attendance (updated in place: the rows of people
    who stay keep their ids), speeches, materials or tags (replaced)."""

    def prepare(locked: StudySession) -> None:
        if locked.kind != StudySession.Kind.FIRST_AGENDA:
            locked.first_agenda_venue = ""
        _check_may_record(user, locked.section)
        if attendances is not None:
            _check_attendance(attendances)

    locked, _changed = model_update(
        instance=session,
        fields=SESSION_FIELDS,
        data=fields,
        voided_message=_("A voided session cannot be changed."),
        check=lambda locked: _check_may_record(user, locked.section),
        prepare=prepare,
        validate=session_validate,
    )
    _write_children(
        locked,
        user=user,
        attendances=attendances,
        speeches=speeches,
        materials=list(materials) if materials is not None else None,
        tags=list(tags) if tags is not None else None,
    )
    return locked


#: The longest reading class, in counted days (the office's rule; the form repeats it).
READING_CLASS_MAX_DAYS = 31


def reading_class_dates_check(start_date: datetime.date | None, end_date: datetime.date | None) -> None:
    """A reading class ends on or after its first day and lasts at most 31 days."""
    if start_date is None or end_date is None:
        return
    if end_date < start_date:
        raise ValidationError(
            {"end_date": _("The last day cannot be before the first day.")}, code="end_before_start"
        )
    if counted_days(start_date, end_date) > READING_CLASS_MAX_DAYS:
        raise ValidationError({"end_date": _("A reading class lasts at most 31 days.")}, code="too_long")


def reading_class_validate(reading_class: ReadingClass) -> None:
    reading_class_dates_check(reading_class.start_date, reading_class.end_date)
    reading_class.full_clean()


@transaction.atomic
def reading_class_update(*, reading_class: ReadingClass, user: User | None, **fields) -> ReadingClass:
    """Correct a reading class (title, theme, section, days); its day sessions must stay inside its days."""

    def validate(locked: ReadingClass) -> None:
        _check_may_record(user, locked.section)
        reading_class_validate(locked)
        outside = locked.sessions.active().exclude(date__range=(locked.start_date, locked.end_date))
        if outside.exists():
            raise ValidationError(
                {"end_date": _("Some days of the reading class have study sessions outside these dates.")},
                code="sessions_outside",
            )

    locked, _changed = model_update(
        instance=reading_class,
        fields=("title", "theme", "section", "start_date", "end_date"),
        data=fields,
        check=lambda locked: _check_may_record(user, locked.section),
        validate=validate,
    )
    return locked


@transaction.atomic
def reading_class_create(
    *,
    user: User | None,
    title: str,
    section: OrgUnit,
    start_date: datetime.date,
    end_date: datetime.date,
    theme: str = "",
    place: str = "",
    host: User | None = None,
    daily_topics: Sequence[str] = (),
    attendances: Sequence[AttendanceLine] = (),
    tags: Iterable[Tag] = (),
) -> ReadingClass:
    """A reading class and one study session per day of it (topics default to "第 N 天")."""
    _check_may_record(user, section)
    reading_class = ReadingClass(
        title=title.strip(),
        theme=theme.strip(),
        section=section,
        start_date=start_date,
        end_date=end_date,
        created_by=user,
    )
    reading_class_validate(reading_class)
    reading_class.save()
    tags = list(tags)
    days = counted_days(start_date, end_date)
    for index in range(days):
        topic = daily_topics[index] if index < len(daily_topics) else ""
        session_create(
            user=user,
            kind=StudySession.Kind.READING_CLASS,
            date=start_date + datetime.timedelta(days=index),
            topic=f"{reading_class.title}（第{index + 1}天）{topic}".strip(),
            section=section,
            place=place,
            host=host,
            reading_class=reading_class,
            attendances=attendances,
            tags=tags,
        )
    return reading_class


@transaction.atomic
def material_create(
    *, user: User | None, title: str, kind: str, issued_on: datetime.date, source: str = ""
) -> StudyMaterial:
    material = StudyMaterial(
        title=title.strip(), kind=kind, issued_on=issued_on, source=source.strip(), created_by=user
    )
    material_validate(material)
    material.save()
    return material


def material_validate(material: StudyMaterial) -> None:
    material.full_clean(validate_constraints=False)
    duplicate = StudyMaterial.objects.active().filter(title=material.title, issued_on=material.issued_on)
    if material.pk:
        duplicate = duplicate.exclude(pk=material.pk)
    if duplicate.exists():
        raise ValidationError(
            {"title": _("This material is already recorded with this issue date.")}, code="duplicate"
        )


@transaction.atomic
def material_update(*, material: StudyMaterial, user: User | None, **fields) -> StudyMaterial:
    locked, _changed = model_update(
        instance=material,
        fields=("title", "kind", "issued_on", "source"),
        data=fields,
        voided_message=_("A voided material cannot be changed."),
        validate=material_validate,
    )
    return locked


def tags_from_names(names: Iterable[str], *, user: User | None) -> list[Tag]:
    """The tags of these names, creating the new ones (tags are an open list staff extend)."""
    wanted = [name.strip() for name in names if name and name.strip()]
    for name in wanted:
        if len(name) > 30:
            raise ValidationError(
                {"tags": _("A tag may have at most 30 characters: %(name)s") % {"name": name}}
            )
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=wanted)}
    missing = [Tag(name=name, created_by=user) for name in dict.fromkeys(wanted) if name not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {tag.name: tag for tag in Tag.objects.filter(name__in=wanted)}
    return [existing[name] for name in dict.fromkeys(wanted)]


@transaction.atomic
def threshold_set(
    *, platform: LearningPlatform, role: str, daily_minimum: int, user: User | None
) -> PointsThreshold:
    """Set the daily minimum of one role on one platform."""
    threshold = PointsThreshold.objects.select_for_update().filter(platform=platform, role=role).first()
    if threshold is None:
        threshold = PointsThreshold(platform=platform, role=role, created_by=user)
    threshold.daily_minimum = daily_minimum
    threshold.full_clean(validate_constraints=False)
    threshold.save()
    return threshold


POINTS_ENTRY_FIELDS = ("platform", "person", "period", "date", "points")


@transaction.atomic
def points_entry_save(*, entry: PointsEntry | None, user: User | None, **fields) -> PointsEntry:
    """Record or correct one person's points (the admin's door; files come through the import)."""
    if user is not None and not permissions.can_import_points(user):
        raise ValidationError(_("Only administrators record learning points."), code="forbidden")
    if entry is None:
        entry = PointsEntry(created_by=user, **fields)
        entry.full_clean()
        entry.save()
        return entry
    locked, _changed = model_update(instance=entry, fields=POINTS_ENTRY_FIELDS, data=fields)
    return locked


@transaction.atomic
def bulletin_create(
    *, user: User | None, month: datetime.date, platform: LearningPlatform, note: str = ""
) -> PointsBulletin:
    if user is not None and not permissions.is_admin(user):
        raise ValidationError(_("Only administrators prepare points bulletins."), code="forbidden")
    month = month.replace(day=1)
    if PointsBulletin.objects.active().filter(month=month, platform=platform).exists():
        raise ValidationError({"month": _("A bulletin for this month already exists.")}, code="duplicate")
    bulletin = PointsBulletin(month=month, platform=platform, note=note.strip(), created_by=user)
    bulletin.full_clean(validate_constraints=False)
    bulletin.save()
    return bulletin


@transaction.atomic
def bulletin_update(*, bulletin: PointsBulletin, user: User | None, **fields) -> PointsBulletin:
    """Correct a bulletin's month, platform or remarks; once published only its remarks."""
    if user is not None and not permissions.is_admin(user):
        raise ValidationError(_("Only administrators prepare points bulletins."), code="forbidden")
    if "month" in fields:
        fields["month"] = fields["month"].replace(day=1)

    def validate(locked: PointsBulletin) -> None:
        locked.full_clean(validate_constraints=False)
        if locked.published_at is not None and (
            locked.month != published["month"] or locked.platform_id != published["platform_id"]
        ):
            raise ValidationError(
                _("A published bulletin keeps its month and platform; void it and prepare another."),
                code="published",
            )
        others = PointsBulletin.objects.active().filter(month=locked.month, platform=locked.platform_id)
        if others.exclude(pk=locked.pk).exists():
            raise ValidationError({"month": _("A bulletin for this month already exists.")}, code="duplicate")

    published: dict = {}
    locked, _changed = model_update(
        instance=bulletin,
        fields=("month", "platform", "note"),
        data=fields,
        check=lambda locked: published.update(month=locked.month, platform_id=locked.platform_id),
        validate=validate,
    )
    return locked


@transaction.atomic
def bulletin_publish(*, bulletin: PointsBulletin, user: User | None) -> PointsBulletin:
    if user is not None and not permissions.is_admin(user):
        raise ValidationError(_("Only administrators publish points bulletins."), code="forbidden")
    locked = PointsBulletin.objects.select_for_update().get(pk=bulletin.pk)
    if locked.is_voided:
        raise ValidationError(_("A voided bulletin cannot be published."), code="voided")
    if locked.published_at is not None:
        raise ValidationError(_("This bulletin is already published."), code="already_published")
    locked.published_at = timezone.now()
    locked.published_by = user
    locked.save(update_fields=["published_at", "published_by", "updated_at"])
    # The people below their threshold hear of it as soon as the bulletin is out.
    from .reminders import POINTS_BELOW_THRESHOLD

    reminders_plan_for(source_key=POINTS_BELOW_THRESHOLD, object_ids=[locked.pk])
    return locked


@transaction.atomic
def tag_merge(*, sources, target: Tag, user) -> int:
    """Merge ``sources`` into ``target``: every session tagged with a source is tagged with the
    target, then the source is deleted. Each step is in the audit trail (the tag changes of each
    session, and the deletion), all attributed to "合并标签 源→目标" and the person; returns the
    number of sessions moved. A report's focus topics keep counting the same discussions as long
    as they name the target."""
    from ideology_office.common.audit import audit_context

    moved = 0
    for source in sources:
        if source.pk == target.pk:
            continue
        with audit_context(user=user, label=f"合并标签 {source.name}→{target.name}"):
            sessions = list(source.sessions.all())
            target.sessions.add(*sessions)
            source.sessions.clear()
            source.delete()
        moved += len(sessions)
    return moved
