"""Reads of the study area, for its pages, the dashboard and the annual report.

Every function answers with a fixed number of queries, however many records there are.
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, IntegerField, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from ideology_office.accounts.models import OrgUnit, User
from ideology_office.common.counting import count_by_period
from ideology_office.common.dates import counted_days, month_bounds

from . import permissions
from .models import (
    Attendance,
    ImportJob,
    LearningPlatform,
    PointsBulletin,
    PointsEntry,
    PointsThreshold,
    ReadingClass,
    Speech,
    StudyMaterial,
    StudySession,
)

# Countable keys registered by this app (apps.py), by session kind.
KIND_COUNTABLE_KEYS: dict[str, str] = {
    StudySession.Kind.CENTRAL_GROUP: "study.central_group_session",
    StudySession.Kind.THEMATIC_DISCUSSION: "study.thematic_discussion",
    StudySession.Kind.FIRST_AGENDA: "study.first_agenda",
    StudySession.Kind.THEMED_PARTY_DAY: "study.themed_party_day",
}


# Sessions ---------------------------------------------------------------------------------------


def session_list(*, user) -> Iterable[StudySession]:
    """The sessions a person may see, newest first, with what the list shows."""
    # The attendance counts are subqueries, not a JOIN with GROUP BY: PostgreSQL then counts only
    # the page's sessions, and the paginator's count drops them (at county scale the grouped
    # form counted a million attendance lines per page: bench/README-dashboard.md).
    queryset = (
        StudySession.objects.select_related("section", "host")
        .prefetch_related("tags")
        .annotate(
            present_count=_attendance_count(status=Attendance.Status.PRESENT),
            attendee_count=_attendance_count(),
        )
    )
    return permissions.visible_sessions(user, queryset).order_by("-date", "-pk")


def _attendance_count(**filters):
    lines = (
        Attendance.objects.filter(session=OuterRef("pk"), **filters)
        .order_by()
        .values("session")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(lines, output_field=IntegerField()), 0)


def session_detail(*, session: StudySession) -> dict:
    """The session's attendance, speeches, materials and tags (four queries)."""
    attendances = list(
        session.attendances.select_related("person", "person__section").order_by("status", "person__username")
    )
    return {
        "attendances": attendances,
        "present": [a for a in attendances if a.status == Attendance.Status.PRESENT],
        "absent": [a for a in attendances if a.status == Attendance.Status.ABSENT],
        "observers": [a for a in attendances if a.status == Attendance.Status.OBSERVER],
        "speeches": list(Speech.objects.filter(session=session).select_related("speaker")),
        "materials": list(session.materials.all()),
        "tags": list(session.tags.all()),
    }


def people_for_attendance() -> QuerySet[User]:
    """Everyone who may be listed on an attendance table: active people holding a role (a county
    has thousands: the table filters this to the people it lists)."""
    return (
        User.objects.filter(is_active=True, groups__isnull=False)
        .select_related("section")
        .distinct()
        .order_by("section__sort_order", "username")
    )


def session_count(
    *,
    start: datetime.date,
    end: datetime.date,
    kinds: Iterable[str] | None = None,
    tags_any: Iterable[str] | None = None,
    section: OrgUnit | None = None,
) -> int:
    """Non-voided sessions from ``start`` to ``end``, of these kinds, tagged with any of these tags."""
    query = StudySession.objects.active().filter(date__gte=start, date__lte=end)
    if kinds:
        query = query.filter(kind__in=list(kinds))
    if tags_any:
        query = query.filter(tags__name__in=list(tags_any))
    if section is not None:
        query = query.filter(section=section)
    return query.count()


def session_counts_by_kind(*, start: datetime.date, end: datetime.date) -> dict[str, int]:
    """{kind: count} for every kind (zeros included); reading classes count once per class under
    ``"reading_class_programmes"`` as well as once per day under their kind."""
    rows = (
        StudySession.objects.active()
        .filter(date__gte=start, date__lte=end)
        .values("kind")
        .annotate(total=Count("pk"))
        .order_by()
    )
    counts = dict.fromkeys(StudySession.Kind.values, 0)
    counts.update({row["kind"]: row["total"] for row in rows})
    counts["reading_class_programmes"] = (
        ReadingClass.objects.active().filter(start_date__gte=start, start_date__lte=end).count()
    )
    return counts


def session_counts_by_tag(
    *, start: datetime.date, end: datetime.date, kinds: Iterable[str] | None = None
) -> dict[str, int]:
    """{tag name: number of sessions carrying it}."""
    query = StudySession.tags.through.objects.filter(
        studysession__voided_at__isnull=True, studysession__date__gte=start, studysession__date__lte=end
    )
    if kinds:
        query = query.filter(studysession__kind__in=list(kinds))
    rows = (
        query.values("tag__name")
        .annotate(total=Count("studysession_id", distinct=True))
        .order_by("tag__name")
    )
    return {row["tag__name"]: row["total"] for row in rows}


def session_counts_by_period(
    *, kind: str | None, start: datetime.date, end: datetime.date, period: str = "month"
) -> dict[datetime.date, int]:
    """Counts per month, quarter or year for one kind (or all sessions with ``kind`` None)."""
    if kind == StudySession.Kind.READING_CLASS:
        return count_by_period("study.reading_class", start=start, end=end, period=period)
    if kind in StudySession.BRANCH_MEETING_KINDS:
        return count_by_period("study.session", start=start, end=end, period=period, filters={"kind": kind})
    key = KIND_COUNTABLE_KEYS.get(kind or "", "study.session")
    filters = {"kind": kind} if kind and key == "study.session" else None
    return count_by_period(key, start=start, end=end, period=period, filters=filters)


# Materials and 第一议题 timeliness -----------------------------------------------------------


def materials_with_first_study():
    """Materials annotated with the date they were first studied (any non-voided session)."""
    return StudyMaterial.objects.annotate(
        first_studied_on=Min("sessions__date", filter=Q(sessions__voided_at__isnull=True)),
        session_count=Count("sessions", filter=Q(sessions__voided_at__isnull=True), distinct=True),
    )


def first_study_venue(material: StudyMaterial) -> StudySession | None:
    return material.sessions.active().select_related("section").order_by("date", "start_time", "pk").first()


@dataclass(frozen=True)
class WaitingMaterial:
    material: StudyMaterial
    days_waiting: int


def materials_not_studied(*, today: datetime.date | None = None) -> list[WaitingMaterial]:
    """Materials no session has studied yet, the longest waiting first."""
    today = today or timezone.localdate()
    rows = (
        materials_with_first_study()
        .active()
        .filter(first_studied_on__isnull=True, issued_on__lte=today)
        .order_by("issued_on", "title")
    )
    return [WaitingMaterial(material=row, days_waiting=(today - row.issued_on).days) for row in rows]


@dataclass(frozen=True)
class Timeliness:
    year: int
    studied: int
    median_days: float | None
    worst_days: int | None
    worst_material: StudyMaterial | None
    waiting: int


def first_agenda_timeliness(
    *, years: Iterable[int] | None = None, today: datetime.date | None = None
) -> list[Timeliness]:
    """Per year of issue: how many days from a material's issue to its first study (median and
    worst), and how many still wait. One query."""
    today = today or timezone.localdate()
    wanted = set(years) if years is not None else None
    by_year: dict[int, list[tuple[int, StudyMaterial]]] = {}
    waiting: dict[int, int] = {}
    for material in materials_with_first_study().active().order_by("issued_on"):
        year = material.issued_on.year
        if wanted is not None and year not in wanted:
            continue
        by_year.setdefault(year, [])
        if material.first_studied_on is None:
            waiting[year] = waiting.get(year, 0) + 1
            continue
        by_year[year].append(((material.first_studied_on - material.issued_on).days, material))
    result = []
    for year in sorted(set(by_year) | (wanted or set())):
        delays = by_year.get(year, [])
        worst = max(delays, key=lambda item: item[0]) if delays else None
        result.append(
            Timeliness(
                year=year,
                studied=len(delays),
                median_days=statistics.median([days for days, _ in delays]) if delays else None,
                worst_days=worst[0] if worst else None,
                worst_material=worst[1] if worst else None,
                waiting=waiting.get(year, 0),
            )
        )
    return result


# Learning-platform points ------------------------------------------------------------------


@dataclass
class PersonPoints:
    person: User
    points: int
    rank: int = 0
    threshold: int | None = None

    @property
    def below_threshold(self) -> bool:
        return self.threshold is not None and self.points < self.threshold


@dataclass
class SectionPoints:
    section: OrgUnit | None
    people: int
    total: int
    rank: int = 0

    @property
    def average(self) -> float:
        return round(self.total / self.people, 1) if self.people else 0.0


def _counted_days(month: datetime.date, today: datetime.date) -> int:
    first, last = month_bounds(month)
    return counted_days(first, min(today, last))


def _rank(rows, key) -> None:
    """Competition ranking (1, 2, 2, 4): equal points share a rank."""
    previous = None
    for position, row in enumerate(rows, start=1):
        value = key(row)
        if value != previous:
            rank = position
            previous = value
        row.rank = rank


def threshold_minimums() -> dict[int, dict[str, int]]:
    """Every platform's daily minimum per role: platform id → role → minimum (one query)."""
    minimums: dict[int, dict[str, int]] = {}
    for platform_id, role, minimum in PointsThreshold.objects.values_list(
        "platform_id", "role", "daily_minimum"
    ):
        minimums.setdefault(platform_id, {})[role] = minimum
    return minimums


def daily_minimum(roles, minimums: dict[int, dict[str, int]], platform_id: int | None) -> int | None:
    """A person's daily minimum on one platform: the lowest of their roles' minimums there; None
    when the platform sets none for their roles. Over all platforms (``platform_id`` None) the
    minimums of the platforms are added, as their points are."""
    if platform_id is None:
        each_minimum = (daily_minimum(roles, minimums, each) for each in minimums)
        parts = [part for part in each_minimum if part is not None]
        return sum(parts) if parts else None
    table = minimums.get(platform_id, {})
    found = [table[role] for role in roles if role in table]
    return min(found) if found else None


def points_ranking_people(
    *, month: datetime.date, platform: LearningPlatform | None = None, today: datetime.date | None = None
) -> list[PersonPoints]:
    """Everyone with a role, ranked by their points in the month (day and month entries
    summed), each with their threshold for the month (daily minimum of their role on the platform ×
    days counted)."""
    today = today or timezone.localdate()
    first, last = month_bounds(month)
    entries = PointsEntry.objects.filter(date__gte=first, date__lte=last)
    if platform is not None:
        entries = entries.filter(platform=platform)
    totals = dict(entries.values("person_id").annotate(total=Sum("points")).values_list("person_id", "total"))
    minimums = threshold_minimums()
    platform_id = platform.pk if platform is not None else None
    days = _counted_days(first, today)
    people = (
        User.objects.filter(is_active=True, groups__isnull=False)
        .select_related("section")
        .prefetch_related("groups")
        .distinct()
    )
    rows = []
    for person in people:
        minimum = daily_minimum([group.name for group in person.groups.all()], minimums, platform_id)
        threshold = minimum * days if minimum is not None else None
        rows.append(PersonPoints(person=person, points=totals.get(person.pk, 0), threshold=threshold))
    rows.sort(key=lambda row: (-row.points, row.person.username))
    _rank(rows, key=lambda row: row.points)
    return rows


def points_ranking_sections(
    *, month: datetime.date, platform: LearningPlatform | None = None, today: datetime.date | None = None
) -> list[SectionPoints]:
    """Sections ranked by the average points of their people in the month."""
    by_section: dict[int | None, SectionPoints] = {}
    for row in points_ranking_people(month=month, platform=platform, today=today):
        section = row.person.section
        key = section.pk if section else None
        item = by_section.setdefault(key, SectionPoints(section=section, people=0, total=0))
        item.people += 1
        item.total += row.points
    rows = sorted(
        by_section.values(), key=lambda item: (-item.average, item.section.name if item.section else "")
    )
    _rank(rows, key=lambda item: item.average)
    return rows


@dataclass(frozen=True)
class BulletinData:
    month: datetime.date
    platform: LearningPlatform | None
    people: list[PersonPoints]
    sections: list[SectionPoints]
    average: float
    below: list[PersonPoints]


def bulletin_data(
    *, month: datetime.date, platform: LearningPlatform | None, today: datetime.date | None = None
) -> BulletinData:
    people = points_ranking_people(month=month, platform=platform, today=today)
    sections = points_ranking_sections(month=month, platform=platform, today=today)
    average = round(sum(row.points for row in people) / len(people), 1) if people else 0.0
    return BulletinData(
        month=month.replace(day=1),
        platform=platform,
        people=people,
        sections=sections,
        average=average,
        below=[row for row in people if row.below_threshold],
    )


def bulletin_list(*, user):
    query = PointsBulletin.objects.select_related("platform", "published_by")
    if not (permissions.is_admin(user) or permissions.sees_everything(user)):
        query = query.filter(published_at__isnull=False)
    return query


def material_list():
    return materials_with_first_study().order_by("-issued_on", "title")


def material_sessions(*, material: StudyMaterial):
    return material.sessions.active().select_related("section").order_by("date", "pk")


def recent_import_jobs(*, user, limit: int = 10):
    query = ImportJob.objects.all()
    if not permissions.is_admin(user):
        query = query.filter(created_by=user)
    return query.order_by("-created_at")[:limit]
