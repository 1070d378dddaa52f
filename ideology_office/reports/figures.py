"""The figures of the annual work report (汇报), computed from the records of a period.

Every number the report states comes from here, read from the ledgers at the moment of asking:
nothing is stored or typed in. The same figures feed the one-page "figures" view, whose rows link
to the records behind each number. A bounded number of queries (about 35) whatever the data size.
"""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, F, Max, Min, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ideology_office.accounts.models import OrgUnit
from ideology_office.common.counting import countable_queryset

# The topics the report singles out among the thematic discussions ("围绕意识形态、网络安全等主题").
DEFAULT_FOCUS_TAGS = ("意识形态", "网络安全")

# Units printed after a figure (a context of their own: "days" is also a column elsewhere).
UNIT_PEOPLE = pgettext_lazy("unit", "people")
UNIT_TIMES = pgettext_lazy("unit", "times")
UNIT_ITEMS = pgettext_lazy("unit", "items")
UNIT_DAYS = pgettext_lazy("unit", "days")
UNIT_POINTS = pgettext_lazy("unit", "points")
UNIT_ISSUES = pgettext_lazy("unit", "issues")
UNIT_SHIFTS = pgettext_lazy("unit", "shifts")
UNIT_QUARTERS = pgettext_lazy("unit", "quarters")


@dataclass(frozen=True)
class Figure:
    key: str
    label: str | Promise
    value: int | float | str | None
    unit: str | Promise = ""
    url: str = ""
    section: str = ""


@dataclass
class ReportFigures:
    since: int
    until: int
    start: datetime.date
    end: datetime.date
    office_name: str
    focus_tags: tuple[str, ...]
    figures: dict[str, Figure] = field(default_factory=dict)

    def add(self, section: str, key: str, label, value, unit="", url="") -> None:
        self.figures[key] = Figure(key=key, label=label, value=value, unit=unit, url=url, section=section)

    def value(self, key: str):
        return self.figures[key].value

    def values(self) -> dict:
        """{key: value} for the Word template."""
        return {key: figure.value for key, figure in self.figures.items()}

    def by_section(self) -> list[tuple[str, list[Figure]]]:
        sections: dict[str, list[Figure]] = {}
        for figure in self.figures.values():
            sections.setdefault(figure.section, []).append(figure)
        return list(sections.items())


SECTION_RESPONSIBILITY = _("Organisational leadership and responsibility")
SECTION_STUDY = _("Theoretical study")
SECTION_POSITIONS = _("Positions, opinion and rectification")


def _link(name: str, **params) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


def _whole(number):
    """6.0 -> 6: a median of whole days prints as a whole number."""
    return int(number) if float(number).is_integer() else number


def _day_start(day: datetime.date) -> datetime.datetime:
    """Midnight of ``day`` in the office's time zone. Comparing a moment with it, rather than
    the moment's local date (``__date``) with the day, keeps the column as it is stored: no time
    zone conversion per row, and an index on it could be used."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _count(key: str, start, end, **filters) -> int:
    return countable_queryset(key, start=start, end=end, filters=filters or None).count()


def office_name() -> str:
    office = OrgUnit.objects.filter(kind=OrgUnit.Kind.OFFICE, is_active=True).order_by("pk").first()
    return office.name if office else getattr(settings, "OFFICE_NAME", "")


def annual_figures(*, since: int, until: int, focus_tags=DEFAULT_FOCUS_TAGS) -> ReportFigures:
    """The report's figures for the calendar years ``since`` to ``until`` (both included)."""
    if until < since:
        raise ValueError("until < since")
    start, end = datetime.date(since, 1, 1), datetime.date(until, 12, 31)
    report = ReportFigures(
        since=since,
        until=until,
        start=start,
        end=end,
        office_name=office_name(),
        focus_tags=tuple(focus_tags),
    )
    _responsibility(report)
    _study(report)
    _positions(report)
    _sentiment(report)
    _inspections(report)
    return report


# 一、(一) Organisational leadership ------------------------------------------------------------


def _responsibility(report: ReportFigures) -> None:
    from responsibility.models import Assessment, DutyAssignment, FollowUpAction, LeadingGroupMembership
    from responsibility.selectors import leading_group_on

    start, end, section = report.start, report.end, SECTION_RESPONSIBILITY
    years = list(range(report.since, report.until + 1))
    group = leading_group_on(min(end, timezone.localdate()))
    leader = next((m for m in group if m.role == LeadingGroupMembership.Role.LEADER), None)
    changes = (
        LeadingGroupMembership.objects.active()
        .filter(Q(start_date__range=(start, end)) | Q(end_date__range=(start, end)))
        .aggregate(
            joined=Count("pk", filter=Q(start_date__range=(start, end))),
            left=Count("pk", filter=Q(end_date__range=(start, end))),
        )
    )
    report.add(
        section,
        "leading_group_members",
        _("Members of the leading group now"),
        len(group),
        UNIT_PEOPLE,
        reverse("responsibility:membership_list"),
    )
    report.add(
        section,
        "leading_group_leader",
        _("Group leader (first responsible person)"),
        leader.person.get_full_name() if leader else "",
    )
    report.add(
        section,
        "leading_group_joined",
        _("People who joined the leading group"),
        changes["joined"],
        UNIT_PEOPLE,
    )
    report.add(
        section, "leading_group_left", _("People who left the leading group"), changes["left"], UNIT_PEOPLE
    )
    meeting_url = "responsibility:meeting_list"
    report.add(
        section,
        "office_meetings",
        _("Office meetings held"),
        _count("responsibility.office_meeting", start, end),
        UNIT_TIMES,
        _link(meeting_url),
    )
    report.add(
        section,
        "office_meetings_on_ideology",
        _("Office meetings dedicated to ideology work"),
        _count("responsibility.office_meeting_on_ideology", start, end),
        UNIT_TIMES,
        _link(meeting_url, on_ideology="true"),
    )
    assignments = DutyAssignment.objects.active().filter(year__in=years)
    report.add(
        section,
        "duty_assignments",
        _("Dual-duty assignments of leadership members"),
        assignments.count(),
        UNIT_ITEMS,
        reverse("responsibility:assignment_list"),
    )
    report.add(
        section,
        "responsibility_letters",
        _("Responsibility letters signed"),
        assignments.filter(letter_signed_on__isnull=False).count(),
        UNIT_ITEMS,
    )
    follow_ups = FollowUpAction.objects.active().filter(meeting__date__range=(start, end))
    follow_up_counts = follow_ups.aggregate(
        total=Count("pk"), done=Count("pk", filter=Q(status=FollowUpAction.Status.DONE))
    )
    report.add(
        section,
        "follow_ups",
        _("Follow-up actions decided at office meetings"),
        follow_up_counts["total"],
        UNIT_ITEMS,
        reverse("responsibility:follow_up_list"),
    )
    report.add(section, "follow_ups_done", _("Follow-up actions done"), follow_up_counts["done"], UNIT_ITEMS)
    report.add(
        section,
        "assessments_completed",
        _("Responsibility assessments completed"),
        Assessment.objects.active()
        .filter(scheme__year__in=years, status=Assessment.Status.COMPLETED)
        .count(),
        UNIT_ITEMS,
        reverse("responsibility:assessment_list"),
    )


# 一、(二) Theoretical study -----------------------------------------------------------------


def _study(report: ReportFigures) -> None:
    from study.models import LearningPlatform, PointsBulletin, PointsEntry, ReadingClass, StudySession
    from study.selectors import materials_with_first_study

    start, end, section = report.start, report.end, SECTION_STUDY
    sessions_url = "study:session_list"
    period = {"date_from": start.isoformat(), "date_to": end.isoformat()}
    Kind = StudySession.Kind
    by_kind = dict(
        StudySession.objects.active()
        .filter(date__range=(start, end))
        .values_list("kind")
        .annotate(total=Count("pk"))
        .order_by()
    )
    report.add(
        section,
        "first_agenda_sessions",
        _("First agenda item studies"),
        by_kind.get(Kind.FIRST_AGENDA, 0),
        UNIT_TIMES,
        _link(sessions_url, kind=Kind.FIRST_AGENDA, **period),
    )
    materials = materials_with_first_study().active().filter(issued_on__range=(start, end))
    delays = [
        (row["first_studied_on"] - row["issued_on"]).days
        for row in materials.filter(first_studied_on__isnull=False).values("issued_on", "first_studied_on")
    ]
    report.add(
        section,
        "materials_studied",
        _("Important speeches and documents issued in the period and studied"),
        len(delays),
        UNIT_ITEMS,
        reverse("study:material_list"),
    )
    report.add(
        section,
        "first_study_median_days",
        _("Median days from issue to first study"),
        _whole(statistics.median(delays)) if delays else None,
        UNIT_DAYS,
    )
    report.add(
        section,
        "central_group_sessions",
        _("Central group study sessions"),
        by_kind.get(Kind.CENTRAL_GROUP, 0),
        UNIT_TIMES,
        _link(sessions_url, kind=Kind.CENTRAL_GROUP, **period),
    )
    report.add(
        section,
        "thematic_discussions",
        _("Thematic discussions"),
        by_kind.get(Kind.THEMATIC_DISCUSSION, 0),
        UNIT_TIMES,
        _link(sessions_url, kind=Kind.THEMATIC_DISCUSSION, **period),
    )
    report.add(
        section,
        "focus_discussions",
        _("Thematic discussions on the focus topics (%(tags)s)") % {"tags": "、".join(report.focus_tags)},
        StudySession.objects.active()
        .filter(date__range=(start, end), kind=Kind.THEMATIC_DISCUSSION, tags__name__in=report.focus_tags)
        .values("pk")
        .distinct()
        .count(),
        UNIT_TIMES,
    )
    classes = ReadingClass.objects.active().filter(start_date__range=(start, end))
    longest = (
        classes.annotate(days=F("end_date") - F("start_date"))
        .order_by("-days", "start_date")
        .values("title", "start_date", "end_date")
        .first()
    )
    report.add(
        section,
        "reading_classes",
        _("Reading classes held"),
        classes.count(),
        UNIT_TIMES,
        _link(sessions_url, kind=Kind.READING_CLASS, **period),
    )
    report.add(
        section,
        "reading_class_days",
        _("Length of the longest reading class"),
        (longest["end_date"] - longest["start_date"]).days + 1 if longest else 0,
        UNIT_DAYS,
    )
    report.add(
        section, "reading_class_title", _("Longest reading class"), longest["title"] if longest else ""
    )
    branch = sum(by_kind.get(kind, 0) for kind in StudySession.BRANCH_MEETING_KINDS)
    report.add(
        section,
        "branch_meetings",
        _("Branch meetings and party lectures (三会一课)"),
        branch,
        UNIT_TIMES,
        _link(sessions_url, **period),
    )
    report.add(
        section,
        "themed_party_days",
        _("Themed party days"),
        by_kind.get(Kind.THEMED_PARTY_DAY, 0),
        UNIT_TIMES,
        _link(sessions_url, kind=Kind.THEMED_PARTY_DAY, **period),
    )
    report.add(
        section,
        "other_activities",
        _("Other activities (films, visits)"),
        by_kind.get(Kind.OTHER, 0),
        UNIT_TIMES,
        _link(sessions_url, kind=Kind.OTHER, **period),
    )
    report.add(
        section,
        "learning_platforms",
        _("Learning platforms in use"),
        "、".join(LearningPlatform.objects.order_by("pk").values_list("name", flat=True)),
    )
    # Each person's sum first, then the sums added up: counting distinct people over every entry
    # of the period sorted them all (400,000 for 2021–2023 at county scale; bench/README-dashboard.md).
    points = (
        PointsEntry.objects.filter(date__range=(start, end))
        .values("person_id")
        .annotate(person_total=Sum("points"), person_first=Min("date"), person_last=Max("date"))
        .order_by()
        .aggregate(
            total=Sum("person_total"),
            people=Count("person_id"),
            first=Min("person_first"),
            last=Max("person_last"),
        )
    )
    months = (
        (points["last"].year - points["first"].year) * 12 + points["last"].month - points["first"].month + 1
        if points["first"]
        else 0
    )
    report.add(
        section,
        "points_monthly_average",
        _("Average learning points per person per month"),
        round(points["total"] / points["people"] / months) if points["people"] and months else 0,
        UNIT_POINTS,
    )
    report.add(
        section,
        "points_bulletins",
        _("Points bulletins published"),
        PointsBulletin.objects.active().filter(month__range=(start, end), published_at__isnull=False).count(),
        UNIT_ISSUES,
    )


# 一、(三) Positions, opinion, rectification ----------------------------------------------------


def _positions(report: ReportFigures) -> None:
    from positions.models import PublicityTask, SignOff

    start, end, section = report.start, report.end, SECTION_POSITIONS
    report.add(
        section,
        "content_items_reviewed",
        _("Content items through the three reviews and three proofreads"),
        _count("positions.content_item_reviewed", start, end),
        UNIT_ITEMS,
        reverse("positions:item_list"),
    )
    report.add(
        section,
        "content_items_published",
        _("Content items published"),
        _count("positions.content_item_published", start, end),
        UNIT_ITEMS,
    )
    report.add(
        section,
        "signoffs",
        _("Review and proofread signatures recorded"),
        SignOff.objects.filter(
            signed_at__gte=_day_start(start),
            signed_at__lt=_day_start(end + datetime.timedelta(days=1)),
            decision=SignOff.Decision.APPROVE,
        ).count(),
        UNIT_ITEMS,
    )
    report.add(
        section,
        "physical_updates",
        _("Content changes of boards and screens"),
        _count("positions.physical_update", start, end),
        UNIT_TIMES,
        reverse("positions:platform_list"),
    )
    report.add(
        section,
        "publicity_tasks_done",
        _("Publicity tasks done at key dates"),
        PublicityTask.objects.active()
        .filter(deadline__range=(start, end), status=PublicityTask.Status.DONE)
        .count(),
        UNIT_ITEMS,
        reverse("positions:key_date_list"),
    )


def _sentiment(report: ReportFigures) -> None:
    from sentiment.models import OpinionIncident, RiskItem

    start, end, section = report.start, report.end, SECTION_POSITIONS
    incidents = list(
        OpinionIncident.objects.active()
        .filter(found_at__date__range=(start, end))
        .values_list("found_at", "reported_at", "handled_at", "report_limit_minutes", "handle_limit_minutes")
    )

    def within(found, done, limit) -> bool:
        return done is not None and (done - found).total_seconds() <= limit * 60

    incidents_url = _link("sentiment:incident_list", found_from=start.isoformat(), found_to=end.isoformat())
    report.add(section, "incidents", _("Opinion incidents found"), len(incidents), UNIT_ITEMS, incidents_url)
    report.add(
        section,
        "incidents_reported_in_time",
        _("Incidents reported within the time limit"),
        sum(1 for found, reported, _h, limit, _l in incidents if within(found, reported, limit)),
        UNIT_ITEMS,
    )
    report.add(
        section,
        "incidents_handled_in_time",
        _("Incidents handled within the time limit"),
        sum(1 for found, _r, handled, _l, limit in incidents if within(found, handled, limit)),
        UNIT_ITEMS,
    )
    report.add(
        section,
        "duty_shifts",
        _("Duty shifts kept"),
        _count("sentiment.duty_shift", start, end),
        UNIT_SHIFTS,
    )
    report.add(
        section,
        "information_reports",
        _("Information reports sent"),
        _count("sentiment.information_report", start, end),
        UNIT_ITEMS,
        _link("sentiment:information_report_list", sent_from=start.isoformat(), sent_to=end.isoformat()),
    )
    report.add(
        section,
        "opinion_reviews",
        _("Quarterly opinion reviews held"),
        _count("sentiment.opinion_review", start, end),
        UNIT_TIMES,
        reverse("sentiment:review_list"),
    )
    report.add(
        section,
        "quarters",
        _("Quarters in the period"),
        (report.until - report.since + 1) * 4,
        UNIT_QUARTERS,
    )
    risks = RiskItem.objects.active().filter(
        review__voided_at__isnull=True, review__held_on__range=(start, end)
    )
    report.add(
        section,
        "risks_assessed",
        _("Sensitive issues assessed, each with a response plan"),
        risks.exclude(response_plan="").count(),
        UNIT_ITEMS,
    )


def _inspections(report: ReportFigures) -> None:
    from inspections.models import Mechanism, RectificationTask
    from inspections.selectors import active_tasks

    start, end, section = report.start, report.end, SECTION_POSITIONS
    report.add(
        section,
        "findings",
        _("Inspection findings"),
        _count("inspections.finding", start, end),
        UNIT_ITEMS,
        reverse("inspections:inspection_list"),
    )
    tasks = active_tasks().filter(finding__inspection__date__range=(start, end))
    counts = tasks.aggregate(
        total=Count("pk"), closed=Count("pk", filter=Q(state=RectificationTask.State.CLOSED))
    )
    report.add(
        section,
        "rectification_tasks",
        _("Rectification tasks"),
        counts["total"],
        UNIT_ITEMS,
        _link("inspections:task_list"),
    )
    report.add(
        section,
        "rectification_tasks_closed",
        _("Rectification tasks closed out"),
        counts["closed"],
        UNIT_ITEMS,
        _link("inspections:task_list", state=RectificationTask.State.CLOSED),
    )
    report.add(
        section,
        "rectification_rate",
        _("Rectification completion rate"),
        round(100 * counts["closed"] / counts["total"], 1) if counts["total"] else None,
        "%",
    )
    report.add(
        section,
        "mechanisms",
        _("Long-term mechanisms adopted"),
        Mechanism.objects.active().filter(adopted_on__range=(start, end)).count(),
        UNIT_ITEMS,
        reverse("inspections:mechanism_list"),
    )
