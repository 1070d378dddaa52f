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
from django.db.models import Count, F, Max, Min, QuerySet, Sum
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
    #: True when the value is the number of the figure's records: its list shows that many.
    counts: bool = False


@dataclass(frozen=True)
class FigureRecords:
    """The records behind one figure: the very queryset the figure counts (or is computed from)."""

    queryset: QuerySet
    #: The field shown as the record's date in the list ("" for none).
    date_field: str = ""
    #: A relation through which the reader's access is decided, for records without a policy of
    #: their own (a sign-off is seen with its content item): "item".
    via: str = ""


@dataclass
class ReportFigures:
    since: int
    until: int
    start: datetime.date
    end: datetime.date
    office_name: str
    focus_tags: tuple[str, ...]
    figures: dict[str, Figure] = field(default_factory=dict)
    records: dict[str, FigureRecords] = field(default_factory=dict)

    def add(self, section: str, key: str, label, value, unit="", records=None, **options) -> None:
        """A figure computed from ``records`` (a queryset), which its link lists."""
        url = ""
        if records is not None:
            self.records[key] = FigureRecords(records, options.get("date_field", ""), options.get("via", ""))
            url = self.records_url(key)
        self.figures[key] = Figure(
            key=key,
            label=label,
            value=value,
            unit=unit,
            url=url,
            section=section,
            counts=options.get("counts", False),
        )

    def count(self, section: str, key: str, label, records: QuerySet, unit="", **options) -> None:
        """A figure that is the number of ``records``: counted from the same queryset its link lists."""
        self.add(section, key, label, records.count(), unit, records, counts=True, **options)

    def period_query(self) -> str:
        return urlencode({"since": self.since, "until": self.until, "focus_tags": "、".join(self.focus_tags)})

    def records_url(self, key: str) -> str:
        return (
            reverse("reports:figure_records") + "?" + urlencode({"figure": key}) + "&" + self.period_query()
        )

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


def _whole(number):
    """6.0 -> 6: a median of whole days prints as a whole number."""
    return int(number) if float(number).is_integer() else number


def _day_start(day: datetime.date) -> datetime.datetime:
    """Midnight of ``day`` in the office's time zone. Comparing a moment with it, rather than
    the moment's local date (``__date``) with the day, keeps the column as it is stored: no time
    zone conversion per row, and an index on it could be used."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


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
    memberships = LeadingGroupMembership.objects.active()
    report.count(
        section,
        "leading_group_members",
        _("Members of the leading group now"),
        memberships.filter(pk__in=[member.pk for member in group]),
        UNIT_PEOPLE,
        date_field="start_date",
    )
    report.add(
        section,
        "leading_group_leader",
        _("Group leader (first responsible person)"),
        leader.person.get_full_name() if leader else "",
        records=memberships.filter(pk__in=[leader.pk] if leader else []),
        date_field="start_date",
    )
    report.count(
        section,
        "leading_group_joined",
        _("People who joined the leading group"),
        memberships.filter(start_date__range=(start, end)),
        UNIT_PEOPLE,
        date_field="start_date",
    )
    report.count(
        section,
        "leading_group_left",
        _("People who left the leading group"),
        memberships.filter(end_date__range=(start, end)),
        UNIT_PEOPLE,
        date_field="end_date",
    )
    report.count(
        section,
        "office_meetings",
        _("Office meetings held"),
        countable_queryset("responsibility.office_meeting", start=start, end=end),
        UNIT_TIMES,
        date_field="date",
    )
    report.count(
        section,
        "office_meetings_on_ideology",
        _("Office meetings dedicated to ideology work"),
        countable_queryset("responsibility.office_meeting_on_ideology", start=start, end=end),
        UNIT_TIMES,
        date_field="date",
    )
    assignments = DutyAssignment.objects.active().filter(year__in=years)
    report.count(
        section,
        "duty_assignments",
        _("Dual-duty assignments of leadership members"),
        assignments,
        UNIT_ITEMS,
    )
    report.count(
        section,
        "responsibility_letters",
        _("Responsibility letters signed"),
        assignments.filter(letter_signed_on__isnull=False),
        UNIT_ITEMS,
        date_field="letter_signed_on",
    )
    # The actions of meetings held in the period and not voided: a voided meeting decided nothing.
    follow_ups = FollowUpAction.objects.active().filter(
        meeting__date__range=(start, end), meeting__voided_at__isnull=True
    )
    report.count(
        section,
        "follow_ups",
        _("Follow-up actions decided at office meetings"),
        follow_ups,
        UNIT_ITEMS,
        date_field="meeting__date",
    )
    report.count(
        section,
        "follow_ups_done",
        _("Follow-up actions done"),
        follow_ups.filter(status=FollowUpAction.Status.DONE),
        UNIT_ITEMS,
        date_field="meeting__date",
    )
    report.count(
        section,
        "assessments_completed",
        _("Responsibility assessments completed"),
        Assessment.objects.active().filter(scheme__year__in=years, status=Assessment.Status.COMPLETED),
        UNIT_ITEMS,
    )


# 一、(二) Theoretical study -----------------------------------------------------------------


def _study(report: ReportFigures) -> None:
    from study.models import LearningPlatform, PointsBulletin, PointsEntry, ReadingClass, StudySession
    from study.selectors import materials_with_first_study

    start, end, section = report.start, report.end, SECTION_STUDY
    Kind = StudySession.Kind
    sessions = StudySession.objects.active().filter(date__range=(start, end))

    def by_kind(key, label, *kinds):
        report.count(section, key, label, sessions.filter(kind__in=kinds), UNIT_TIMES, date_field="date")

    by_kind("first_agenda_sessions", _("First agenda item studies"), Kind.FIRST_AGENDA)
    studied = (
        materials_with_first_study()
        .active()
        .filter(issued_on__range=(start, end))
        .filter(first_studied_on__isnull=False)
    )
    delays = [
        (row["first_studied_on"] - row["issued_on"]).days
        for row in studied.values("issued_on", "first_studied_on")
    ]
    report.add(
        section,
        "materials_studied",
        _("Important speeches and documents issued in the period and studied"),
        len(delays),
        UNIT_ITEMS,
        studied,
        counts=True,
        date_field="issued_on",
    )
    report.add(
        section,
        "first_study_median_days",
        _("Median days from issue to first study"),
        _whole(statistics.median(delays)) if delays else None,
        UNIT_DAYS,
        studied,
        date_field="issued_on",
    )
    by_kind("central_group_sessions", _("Central group study sessions"), Kind.CENTRAL_GROUP)
    by_kind("thematic_discussions", _("Thematic discussions"), Kind.THEMATIC_DISCUSSION)
    focus = sessions.filter(kind=Kind.THEMATIC_DISCUSSION, tags__name__in=report.focus_tags)
    report.count(
        section,
        "focus_discussions",
        _("Thematic discussions on the focus topics (%(tags)s)") % {"tags": "、".join(report.focus_tags)},
        StudySession.objects.filter(pk__in=focus.values("pk")),
        UNIT_TIMES,
        date_field="date",
    )
    classes = ReadingClass.objects.active().filter(start_date__range=(start, end))
    longest = (
        classes.annotate(days=F("end_date") - F("start_date"))
        .order_by("-days", "start_date")
        .values("pk", "title", "start_date", "end_date")
        .first()
    )
    longest_class = classes.filter(pk__in=[longest["pk"]] if longest else [])
    report.count(
        section, "reading_classes", _("Reading classes held"), classes, UNIT_TIMES, date_field="start_date"
    )
    report.add(
        section,
        "reading_class_days",
        _("Length of the longest reading class"),
        (longest["end_date"] - longest["start_date"]).days + 1 if longest else 0,
        UNIT_DAYS,
        longest_class,
        date_field="start_date",
    )
    report.add(
        section,
        "reading_class_title",
        _("Longest reading class"),
        longest["title"] if longest else "",
        records=longest_class,
        date_field="start_date",
    )
    by_kind(
        "branch_meetings",
        _("Branch meetings and party lectures (三会一课)"),
        *StudySession.BRANCH_MEETING_KINDS,
    )
    by_kind("themed_party_days", _("Themed party days"), Kind.THEMED_PARTY_DAY)
    by_kind("other_activities", _("Other activities (films, visits)"), Kind.OTHER)
    platforms = LearningPlatform.objects.order_by("pk")
    report.add(
        section,
        "learning_platforms",
        _("Learning platforms in use"),
        "、".join(platforms.values_list("name", flat=True)),
        records=platforms,
    )
    # Each person's sum first, then the sums added up: counting distinct people over every entry
    # of the period sorted them all (400,000 for 2021–2023 at county scale; bench/README-dashboard.md).
    entries = PointsEntry.objects.filter(date__range=(start, end))
    points = (
        entries.values("person_id")
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
        entries,
        date_field="date",
    )
    report.count(
        section,
        "points_bulletins",
        _("Points bulletins published"),
        PointsBulletin.objects.active().filter(month__range=(start, end), published_at__isnull=False),
        UNIT_ISSUES,
        date_field="month",
    )


# 一、(三) Positions, opinion, rectification ----------------------------------------------------


def _positions(report: ReportFigures) -> None:
    from positions.models import PublicityTask, SignOff

    start, end, section = report.start, report.end, SECTION_POSITIONS
    report.count(
        section,
        "content_items_reviewed",
        _("Content items through the three reviews and three proofreads"),
        countable_queryset("positions.content_item_reviewed", start=start, end=end),
        UNIT_ITEMS,
        date_field="final_approved_at",
    )
    report.count(
        section,
        "content_items_published",
        _("Content items published"),
        countable_queryset("positions.content_item_published", start=start, end=end),
        UNIT_ITEMS,
        date_field="published_at",
        via="item",
    )
    report.count(
        section,
        "signoffs",
        _("Review and proofread signatures recorded"),
        SignOff.objects.filter(
            signed_at__gte=_day_start(start),
            signed_at__lt=_day_start(end + datetime.timedelta(days=1)),
            decision=SignOff.Decision.APPROVE,
        ),
        UNIT_ITEMS,
        date_field="signed_at",
        via="item",
    )
    report.count(
        section,
        "physical_updates",
        _("Content changes of boards and screens"),
        countable_queryset("positions.physical_update", start=start, end=end),
        UNIT_TIMES,
        date_field="start_date",
    )
    report.count(
        section,
        "publicity_tasks_done",
        _("Publicity tasks done at key dates"),
        PublicityTask.objects.active().filter(deadline__range=(start, end), status=PublicityTask.Status.DONE),
        UNIT_ITEMS,
        date_field="deadline",
    )


def _sentiment(report: ReportFigures) -> None:
    from sentiment.models import OpinionIncident, RiskItem

    start, end, section = report.start, report.end, SECTION_POSITIONS
    incidents = OpinionIncident.objects.active().filter(
        found_at__gte=_day_start(start), found_at__lt=_day_start(end + datetime.timedelta(days=1))
    )
    rows = list(
        incidents.values_list(
            "pk", "found_at", "reported_at", "handled_at", "report_limit_minutes", "handle_limit_minutes"
        )
    )

    def within(found, done, limit) -> bool:
        return done is not None and (done - found).total_seconds() <= limit * 60

    reported = [pk for pk, found, reported, _h, limit, _l in rows if within(found, reported, limit)]
    handled = [pk for pk, found, _r, handled, _l, limit in rows if within(found, handled, limit)]
    report.add(
        section,
        "incidents",
        _("Opinion incidents found"),
        len(rows),
        UNIT_ITEMS,
        incidents,
        counts=True,
        date_field="found_at",
    )
    report.add(
        section,
        "incidents_reported_in_time",
        _("Incidents reported within the time limit"),
        len(reported),
        UNIT_ITEMS,
        incidents.filter(pk__in=reported),
        counts=True,
        date_field="found_at",
    )
    report.add(
        section,
        "incidents_handled_in_time",
        _("Incidents handled within the time limit"),
        len(handled),
        UNIT_ITEMS,
        incidents.filter(pk__in=handled),
        counts=True,
        date_field="found_at",
    )
    report.count(
        section,
        "duty_shifts",
        _("Duty shifts kept"),
        countable_queryset("sentiment.duty_shift", start=start, end=end),
        UNIT_SHIFTS,
        date_field="start",
    )
    report.count(
        section,
        "information_reports",
        _("Information reports sent"),
        countable_queryset("sentiment.information_report", start=start, end=end),
        UNIT_ITEMS,
        date_field="sent_at",
    )
    reviews = countable_queryset("sentiment.opinion_review", start=start, end=end)
    report.count(
        section,
        "opinion_reviews",
        _("Quarterly opinion reviews held"),
        reviews,
        UNIT_TIMES,
        date_field="held_on",
    )
    report.add(
        section,
        "quarters",
        _("Quarters in the period"),
        (report.until - report.since + 1) * 4,
        UNIT_QUARTERS,
        reviews,
        date_field="held_on",
    )
    risks = RiskItem.objects.active().filter(
        review__voided_at__isnull=True, review__held_on__range=(start, end)
    )
    report.count(
        section,
        "risks_assessed",
        _("Sensitive issues assessed, each with a response plan"),
        risks.exclude(response_plan=""),
        UNIT_ITEMS,
        date_field="review__held_on",
    )


def _inspections(report: ReportFigures) -> None:
    from inspections.models import Mechanism, RectificationTask
    from inspections.selectors import active_tasks

    start, end, section = report.start, report.end, SECTION_POSITIONS
    report.count(
        section,
        "findings",
        _("Inspection findings"),
        countable_queryset("inspections.finding", start=start, end=end),
        UNIT_ITEMS,
        date_field="inspection__date",
    )
    tasks = active_tasks().filter(finding__inspection__date__range=(start, end))
    closed = tasks.filter(state=RectificationTask.State.CLOSED)
    report.count(
        section, "rectification_tasks", _("Rectification tasks"), tasks, UNIT_ITEMS, date_field="deadline"
    )
    report.count(
        section,
        "rectification_tasks_closed",
        _("Rectification tasks closed out"),
        closed,
        UNIT_ITEMS,
        date_field="deadline",
    )
    total, done = report.value("rectification_tasks"), report.value("rectification_tasks_closed")
    report.add(
        section,
        "rectification_rate",
        _("Rectification completion rate"),
        round(100 * done / total, 1) if total else None,
        "%",
        tasks,
        date_field="deadline",
    )
    report.count(
        section,
        "mechanisms",
        _("Long-term mechanisms adopted"),
        Mechanism.objects.active().filter(adopted_on__range=(start, end)),
        UNIT_ITEMS,
        date_field="adopted_on",
    )
