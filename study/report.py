"""The theoretical study figures of the annual work report, each counted from the queryset its drill-down
list shows (``report.count``) or computed from it (``report.add``). Declared in contract.py."""

from __future__ import annotations

import statistics

from django.db.models import F, Max, Min, Sum
from django.utils.translation import gettext_lazy as _

from ideology_office.common import rollups
from ideology_office.reports.figures import (
    SECTION_STUDY,
    UNIT_DAYS,
    UNIT_ISSUES,
    UNIT_ITEMS,
    UNIT_POINTS,
    UNIT_TIMES,
    ReportFigures,
    whole,
)


def report_figures(report: ReportFigures) -> None:
    from .models import LearningPlatform, PointsBulletin, PointsEntry, ReadingClass, StudySession
    from .selectors import materials_with_first_study

    start, end, section = report.start, report.end, SECTION_STUDY
    Kind = StudySession.Kind
    sessions = StudySession.objects.active().filter(date__range=(start, end))
    # The sessions per kind from the study summary (common.rollups "study.sessions"): one query.
    per_kind = rollups.counts_by_kind("study.sessions", since=report.since, until=report.until)

    def by_kind(key, label, *kinds):
        number = sum(per_kind.get(kind, 0) for kind in kinds)
        records = sessions.filter(kind__in=kinds)
        report.add(section, key, label, number, UNIT_TIMES, records, counts=True, date_field="date")

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
        whole(statistics.median(delays)) if delays else None,
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
    # From the summaries (common.rollups): the office's points per month ("study.points", its
    # first and last month with points and their sum) and the people with points per year
    # ("study.points_people", a bucket per person and year): two queries instead of a scan of
    # every entry of the period (400,000 for 2021–2023 at county scale).
    entries = PointsEntry.objects.filter(date__range=(start, end))
    period = {"year__gte": report.since, "year__lte": report.until, "count__gt": 0}
    points = (
        rollups.rows("study.points")
        .filter(**period)
        .aggregate(
            total=Sum("total"), first=Min(F("year") * 12 + F("month")), last=Max(F("year") * 12 + F("month"))
        )
    )
    points["people"] = (
        rollups.rows("study.points_people", each_section=True)
        .filter(**period)
        .values("section_id")
        .distinct()
        .count()
    )
    months = points["last"] - points["first"] + 1 if points["first"] else 0
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
