"""The study area's dashboard panels (declared in contract.py): sessions by kind and month, the
first-agenda timeliness and learning points by section, each number linking to the records it
counts (the drill-downs below)."""

from __future__ import annotations

import datetime

from django.db.models import Count, Max, Sum
from django.utils.translation import gettext_lazy as _

from ideology_office.accounts.models import OrgUnit
from ideology_office.common import rollups
from ideology_office.dashboard.selectors import Scope, link, records_link

from .models import PointsEntry, StudySession
from .selectors import first_agenda_timeliness as timeliness_by_year
from .selectors import materials_with_first_study

# The dashboard groups the session kinds the way the seed report speaks of them.
STUDY_GROUPS = [
    ("first_agenda", _("First agenda"), ("first_agenda",)),
    ("central_group", _("Central group"), ("central_group",)),
    ("thematic_discussion", _("Discussions"), ("thematic_discussion",)),
    ("reading_class", _("Reading class days"), ("reading_class",)),
    ("branch", _("三会一课"), ("branch_general", "branch_committee", "party_group", "party_lecture")),
    ("themed_party_day", _("Themed party days"), ("themed_party_day",)),
    ("other", _("Other activities"), ("other",)),
]


def study_by_month(scope: Scope) -> dict:
    """Sessions per month of the year by kind group, as stacked-bar chart data with a link to the
    records behind every bar: one query, over the study summary (``study.sessions``, the same
    sessions as ``study_sessions`` counts)."""
    buckets = rollups.rows("study.sessions", scope.sections).filter(year=scope.year)
    counts = {
        (month, kind): total
        for month, kind, total in buckets.values("month", "kind")
        .annotate(total=Sum("count"))
        .order_by()
        .values_list("month", "kind", "total")
    }
    series, links, totals = [], [], {}
    for key, label, kinds in STUDY_GROUPS:
        values = [sum(counts.get((month, kind), 0) for kind in kinds) for month in range(1, 13)]
        totals[key] = sum(values)
        series.append({"key": key, "name": str(label), "values": values, "total": totals[key]})
        series[-1]["url"] = records_link("study", scope, group=key)
        links.append([records_link("study", scope, group=key, month=month) for month in range(1, 13)])
    return {
        "categories": [f"{month}月" for month in range(1, 13)],
        "series": series,
        "links": links,
        "totals": totals,
        "total": sum(totals.values()),
        "url": records_link("study", scope),
    }


def study_sessions(scope: Scope, group: str = "", month: int | None = None):
    """The sessions the study chart counts: of the year (and month), the sections, the group's kinds."""
    sessions = StudySession.objects.active().filter(date__gte=scope.start, date__lte=scope.end)
    if scope.sections is not None:
        sessions = sessions.filter(section_id__in=scope.sections)
    if group:
        sessions = sessions.filter(kind__in=dict((key, kinds) for key, _label, kinds in STUDY_GROUPS)[group])
    if month:
        sessions = sessions.filter(date__month=month)
    return sessions


def first_agenda_timeliness(scope: Scope) -> dict:
    """Days from issue to first study for the materials issued in the year (one query), with the
    links of the studied and the not-yet-studied materials."""
    return {
        "figures": timeliness_by_year(years=[scope.year], today=scope.today)[0],
        "url": records_link("materials_studied", scope),
        "waiting_url": records_link("materials_waiting", scope),
    }


def study_materials(scope: Scope, studied: bool):
    return (
        materials_with_first_study()
        .active()
        .filter(issued_on__gte=scope.start, issued_on__lte=scope.end, first_studied_on__isnull=not studied)
    )


def points_by_section(scope: Scope) -> dict:
    """Sections ranked by average learning points per person over the latest month of the year
    that has points: two queries over the points summary (``study.points``: per month and
    section of the person, the points summed and the people who earned them), whatever the
    number of entries, and one for the sections' names."""
    office = rollups.rows("study.points").filter(year=scope.year, count__gt=0)
    latest = office.aggregate(month=Max("month"))["month"]
    if latest is None:
        return {"month": None, "categories": [], "values": [], "rows": []}
    month = datetime.date(scope.year, latest, 1)
    totals = {
        section_id: (total, people)
        for section_id, total, people in rollups.rows("study.points", each_section=True)
        .filter(year=scope.year, month=latest, count__gt=0)
        .values_list("section_id", "total", "uniques")
    }
    sections = OrgUnit.objects.filter(pk__in=totals, kind=OrgUnit.Kind.SECTION).values_list("pk", "name")
    by_section = {
        section_id: {
            "person__section_id": section_id,
            "person__section__name": name,
            "total": totals[section_id][0],
            "people": totals[section_id][1],
        }
        for section_id, name in sections
    }
    rows = list(by_section.values())
    # The link of each bar (records_link with section and month), the common part encoded once (a bar per section: 300 in a county).
    scoped = records_link("points", scope)
    month_text = month.strftime("%Y-%m")
    for row in rows:
        row["average"] = round(row["total"] / row["people"]) if row["people"] else 0
        row["url"] = f"{scoped}&section={row['person__section_id']}&month={month_text}"
    rows.sort(key=lambda row: (-row["average"], row["person__section__name"]))
    highlight = set(scope.sections or [])
    chart = {
        "categories": [row["person__section__name"] for row in rows],
        "values": [row["average"] for row in rows],
        "highlight": [row["person__section_id"] in highlight for row in rows],
        # Each bar opens the section's points entries of the month, from which it is averaged
        # (the hbar chart draws the best section on top, so its links run in reverse).
        "links": [[row["url"] for row in reversed(rows)]],
    }
    return {
        "month": month,
        **chart,
        # What the chart draws, and nothing else: the page embeds it as JSON (without the rows,
        # which the page lists as links anyway and which would double its weight).
        "chart": chart,
        "rows": rows,
        "url": records_link("points", scope, month=month.strftime("%Y-%m")),
        "ranking_url": link("study:points_ranking", month=month.strftime("%Y-%m")),
    }


def points_entries(scope: Scope, section_id: int | None, month: datetime.date):
    """The entries a bar of the points chart is averaged from: the month's entries of the people of
    the section (all sections when None), as ``points_by_section`` sums them."""
    next_month = (month + datetime.timedelta(days=32)).replace(day=1)
    start, end = max(month, scope.start), min(next_month - datetime.timedelta(days=1), scope.end)
    entries = PointsEntry.objects.filter(
        date__gte=start, date__lte=end, person__section__kind=OrgUnit.Kind.SECTION
    )
    return entries.filter(person__section_id=section_id) if section_id else entries


def points_average(entries) -> int:
    """Points per person of ``entries``, rounded as the chart rounds them (one query)."""
    totals = entries.aggregate(total=Sum("points"), people=Count("person_id", distinct=True))
    return round(totals["total"] / totals["people"]) if totals["people"] else 0


def _integer(params, name: str, low: int, high: int) -> int | None:
    try:
        value = int(params.get(name) or 0)
    except ValueError:
        return None
    return value if low <= value <= high else None


def _month(params, scope: Scope) -> datetime.date | None:
    year, _sep, number = params.get("month", "").partition("-")
    try:
        month = datetime.date(int(year), int(number), 1)
    except ValueError:
        return None
    return month if month.year == scope.year else None


def drill_study(scope: Scope, params):
    groups = {key: label for key, label, _kinds in STUDY_GROUPS}
    group, month = params.get("group", ""), _integer(params, "month", 0, 12)
    if (group and group not in groups) or month is None:
        return None
    label = _("Study sessions") if not group else groups[group]
    return label, study_sessions(scope, group, month), "date", True


def drill_materials_studied(scope: Scope, params):
    return _("Materials issued and studied"), study_materials(scope, True), "issued_on", False


def drill_materials_waiting(scope: Scope, params):
    return _("Materials issued and not yet studied"), study_materials(scope, False), "issued_on", True


def drill_points(scope: Scope, params):
    """A bar of the points chart: the entries it is averaged from, and that average (not a count)."""
    month = _month(params, scope)
    section = _integer(params, "section", 0, 2**31 - 1)
    if month is None or section is None:
        return None
    entries = points_entries(scope, section or None, month)
    return _("Learning points per person"), entries, "date", False, points_average(entries)
