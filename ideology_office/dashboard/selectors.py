"""What the home page shows: the leaders' figures for a year and what needs attention, and each
person's own work. Every panel reads the work areas' records through a fixed number of queries
(aggregates and short, limited lists), so the page costs the same for a section or a county."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ideology_office.accounts import roles
from ideology_office.accounts.models import OrgUnit

ATTENTION_LIMIT = 8
DUE_SOON_DAYS = 14


def section_headcounts() -> list[dict]:
    """Active people per section of the office, in the office's own order: one query."""
    return list(
        OrgUnit.objects.filter(kind=OrgUnit.Kind.SECTION, is_active=True)
        .annotate(headcount=Count("members", filter=Q(members__is_active=True)))
        .order_by("sort_order", "name")
        .values("name", "headcount")
    )


def section_choices() -> list[tuple[int, str]]:
    return list(
        OrgUnit.objects.filter(kind=OrgUnit.Kind.SECTION, is_active=True)
        .order_by("sort_order", "name")
        .values_list("pk", "name")
    )


def sections_in_charge(user, year: int) -> list[int]:
    """The sections a leadership member is in charge of in ``year`` (一岗双责): one query."""
    return sorted(roles.led_section_ids(user, year))


def _link(name: str, **params) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


@dataclass
class Scope:
    """The year and the sections the figures cover (None: the whole office)."""

    year: int
    sections: list[int] | None = None
    today: datetime.date = field(default_factory=timezone.localdate)

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 1, 1)

    @property
    def end(self) -> datetime.date:
        return datetime.date(self.year, 12, 31)

    @property
    def single_section(self) -> int | None:
        return self.sections[0] if self.sections and len(self.sections) == 1 else None

    def params(self) -> dict:
        """The scope in a drill-down link: the year and, when narrowed, the sections."""
        sections = ",".join(str(pk) for pk in self.sections) if self.sections is not None else None
        return {"year": self.year, "sections": sections}


def records_link(figure: str, scope: Scope, **params) -> str:
    """The link of a dashboard number: the list of the very records it counts (see drill_records)."""
    return _link("dashboard:records", figure=figure, **scope.params(), **params)


# Study ---------------------------------------------------------------------------------------

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
    records behind every bar: one query."""
    sessions = study_sessions(scope)
    counts = {
        (row["month"], row["kind"]): row["total"]
        for row in sessions.annotate(month=ExtractMonth("date"))
        .values("month", "kind")
        .annotate(total=Count("pk"))
        .order_by()
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
    from study.models import StudySession

    sessions = StudySession.objects.active().filter(date__gte=scope.start, date__lte=scope.end)
    if scope.sections is not None:
        sessions = sessions.filter(section_id__in=scope.sections)
    if group:
        sessions = sessions.filter(kind__in=dict((key, kinds) for key, _label, kinds in STUDY_GROUPS)[group])
    if month:
        sessions = sessions.filter(date__month=month)
    return sessions


def first_agenda_timeliness(scope: Scope):
    """Days from issue to first study for the materials issued in the year (one query)."""
    from study.selectors import first_agenda_timeliness as by_year

    return by_year(years=[scope.year], today=scope.today)[0]


def study_materials(scope: Scope, studied: bool):
    from study.selectors import materials_with_first_study

    return (
        materials_with_first_study()
        .active()
        .filter(issued_on__gte=scope.start, issued_on__lte=scope.end, first_studied_on__isnull=not studied)
    )


def points_by_section(scope: Scope) -> dict:
    """Sections ranked by average learning points per person over the latest month of the year
    that has points: three queries (the month, each person's total, the people's sections).

    Each person's total is summed first and the sections are added up here: joining every entry
    of the month to its person and section and counting distinct people per section sorted a
    month's entries (260,000 at county scale: 160 ms of the dashboard's 330 ms, see
    bench/README-dashboard.md); the totals are one row per person."""
    from ideology_office.accounts.models import User
    from study.models import PointsEntry

    entries = PointsEntry.objects.filter(date__gte=scope.start, date__lte=scope.end)
    latest = entries.order_by("-date").values_list("date", flat=True).first()
    if latest is None:
        return {"month": None, "categories": [], "values": [], "rows": []}
    month = latest.replace(day=1)
    next_month = (month + datetime.timedelta(days=32)).replace(day=1)
    totals = dict(
        entries.filter(date__gte=month, date__lt=next_month)
        .values("person_id")
        .annotate(total=Sum("points"))
        .order_by()
        .values_list("person_id", "total")
    )
    by_section: dict[int, dict] = {}
    people = User.objects.filter(section__kind=OrgUnit.Kind.SECTION).values_list(
        "pk", "section_id", "section__name"
    )
    for person_id, section_id, section_name in people.order_by():
        total = totals.get(person_id)
        if total is None:
            continue
        row = by_section.setdefault(
            section_id,
            {
                "person__section_id": section_id,
                "person__section__name": section_name,
                "total": 0,
                "people": 0,
            },
        )
        row["total"] += total
        row["people"] += 1
    rows = list(by_section.values())
    for row in rows:
        row["average"] = round(row["total"] / row["people"]) if row["people"] else 0
    rows.sort(key=lambda row: (-row["average"], row["person__section__name"]))
    highlight = set(scope.sections or [])
    return {
        "month": month,
        "categories": [row["person__section__name"] for row in rows],
        "values": [row["average"] for row in rows],
        "highlight": [row["person__section_id"] in highlight for row in rows],
        "rows": rows,
        "url": _link("study:points_ranking", month=month.strftime("%Y-%m")),
    }


# Positions -----------------------------------------------------------------------------------


def review_waiting(scope: Scope) -> list[dict]:
    """Content waiting at each review step now (zeros included): one query."""
    from positions.models import ContentItem, SignOff

    items = ContentItem.objects.filter(status=ContentItem.Status.IN_REVIEW)
    if scope.sections is not None:
        items = items.filter(author__section_id__in=scope.sections)
    counts = dict(items.values_list("current_step").annotate(total=Count("pk")).order_by())
    return [
        {
            "step": step,
            "label": step.label,
            "count": counts.get(step.value, 0),
            "url": records_link("waiting", scope, step=step.value),
        }
        for step in SignOff.REVIEW_STEPS
    ]


def items_waiting(scope: Scope, step: str):
    from positions.models import ContentItem

    items = ContentItem.objects.filter(status=ContentItem.Status.IN_REVIEW, current_step=step)
    if scope.sections is not None:
        items = items.filter(author__section_id__in=scope.sections)
    return items


# Inspections ---------------------------------------------------------------------------------


def rectification(scope: Scope) -> dict:
    """Completion of the tasks due in the year, and the overdue and due-soon tasks now: three
    queries (one aggregate, two short lists)."""
    from inspections.models import RectificationTask
    from inspections.selectors import TASK_RELATED, active_tasks

    State = RectificationTask.State
    tasks = active_tasks()
    if scope.sections is not None:
        tasks = tasks.filter(responsible_unit_id__in=scope.sections)
    counts = tasks.filter(deadline__gte=scope.start, deadline__lte=scope.end).aggregate(
        total=Count("pk"),
        closed=Count("pk", filter=Q(state=State.CLOSED)),
        overdue=Count("pk", filter=~Q(state=State.CLOSED) & Q(deadline__lt=scope.today)),
    )
    counts["overdue_now"] = rectification_tasks(scope, "overdue_now").count()
    open_tasks = tasks.exclude(state=State.CLOSED).select_related(*TASK_RELATED)
    overdue = list(open_tasks.filter(deadline__lt=scope.today).order_by("deadline", "pk")[:ATTENTION_LIMIT])
    due_soon = list(
        open_tasks.filter(
            deadline__gte=scope.today, deadline__lte=scope.today + datetime.timedelta(days=DUE_SOON_DAYS)
        ).order_by("deadline", "pk")[:ATTENTION_LIMIT]
    )
    section = scope.single_section or ""
    return {
        **counts,
        "rate": round(100 * counts["closed"] / counts["total"], 1) if counts["total"] else None,
        "overdue_tasks": overdue,
        "due_soon_tasks": due_soon,
        "url": records_link("tasks", scope),
        "closed_url": records_link("tasks", scope, which="closed"),
        "overdue_url": records_link("tasks", scope, which="overdue_now"),
        "list_url": _link("inspections:task_list", responsible_unit=section),
    }


def rectification_tasks(scope: Scope, which: str = ""):
    """The tasks the rectification figures count: due in the year (all, or closed), or open and
    past their deadline now whatever the year ("overdue_now")."""
    from inspections.models import RectificationTask
    from inspections.selectors import active_tasks

    State = RectificationTask.State
    tasks = active_tasks()
    if scope.sections is not None:
        tasks = tasks.filter(responsible_unit_id__in=scope.sections)
    if which == "overdue_now":
        return tasks.exclude(state=State.CLOSED).filter(deadline__lt=scope.today)
    tasks = tasks.filter(deadline__gte=scope.start, deadline__lte=scope.end)
    return tasks.filter(state=State.CLOSED) if which == "closed" else tasks


# Sentiment -----------------------------------------------------------------------------------


def opinion_quarter(scope: Scope) -> dict:
    """This quarter's review (held or not, days left) and its risk heat map: one to three queries."""
    from sentiment.selectors import current_quarter_review_status, risk_heatmap

    status = current_quarter_review_status(scope.today)
    return {"status": status, "heatmap": risk_heatmap(status.review) if status.review else None}


def incidents_by_quarter(scope: Scope) -> list[dict]:
    """Per quarter of the year: incidents found, and how many were reported and handled within
    their limits. One query; the comparison with each incident's own limits is done here."""

    rows = incidents_of(scope)
    quarters: list[dict[str, Any]] = [
        {"quarter": number, "found": 0, "reported_in_time": 0, "handled_in_time": 0, "open": 0}
        for number in range(1, 5)
    ]
    for found, reported, handled, report_limit, handle_limit in rows.values_list(
        "found_at", "reported_at", "handled_at", "report_limit_minutes", "handle_limit_minutes"
    ):
        quarter = quarters[(timezone.localtime(found).month - 1) // 3]
        quarter["found"] += 1
        if reported and (reported - found).total_seconds() <= report_limit * 60:
            quarter["reported_in_time"] += 1
        if handled and (handled - found).total_seconds() <= handle_limit * 60:
            quarter["handled_in_time"] += 1
        if handled is None:
            quarter["open"] += 1
    for quarter in quarters:
        for which in ("found", "reported_in_time", "handled_in_time"):
            quarter[f"{which}_url"] = records_link(
                "incidents", scope, quarter=quarter["quarter"], which=which
            )
        quarter["url"] = quarter["found_url"]
    return quarters


def _quarter_start(year: int, quarter: int) -> datetime.datetime:
    day = datetime.date(year + 1, 1, 1) if quarter > 4 else datetime.date(year, quarter * 3 - 2, 1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def incidents_of(scope: Scope, quarter: int | None = None, which: str = "found"):
    """The incidents the quarter table counts (found in the year or quarter, local time), and of
    them those reported or handled within their limits."""
    from sentiment.models import OpinionIncident

    first, after = (quarter, quarter + 1) if quarter else (1, 5)
    rows = OpinionIncident.objects.active().filter(
        found_at__gte=_quarter_start(scope.year, first), found_at__lt=_quarter_start(scope.year, after)
    )
    if which == "found":
        return rows
    done, limit = (
        ("reported_at", "report_limit_minutes")
        if which == "reported_in_time"
        else ("handled_at", "handle_limit_minutes")
    )
    within = [
        pk
        for pk, found, done_at, minutes in rows.values_list("pk", "found_at", done, limit)
        if done_at is not None and (done_at - found).total_seconds() <= minutes * 60
    ]
    return rows.filter(pk__in=within)


def duty_today(scope: Scope, now: datetime.datetime | None = None) -> dict:
    """Who is on duty now and the day's shifts: two queries."""
    from sentiment.selectors import on_duty_now, shifts_for_day

    now = now or timezone.now()
    return {"now": on_duty_now(now), "today": shifts_for_day(timezone.localdate(now))}


# Responsibility -------------------------------------------------------------------------------


def responsibility_attention() -> dict:
    from responsibility.selectors import assessments_in_progress, leading_group_needs_adjustment

    return {
        "group_needs_adjustment": leading_group_needs_adjustment(),
        "assessments": list(assessments_in_progress()[:ATTENTION_LIMIT]),
    }


def key_dates_ahead(scope: Scope) -> list:
    from positions.selectors import upcoming_key_dates

    return upcoming_key_dates(scope.today, days=30)[:ATTENTION_LIMIT]


def drill_records(figure: str, scope: Scope, params) -> tuple | None:
    """(label, queryset, date field, counts) behind the dashboard number ``figure`` with the
    link's ``params``; None when the figure or a parameter is unknown."""
    from positions.models import SignOff

    def integer(name, low, high):
        try:
            value = int(params.get(name) or 0)
        except ValueError:
            return None
        return value if low <= value <= high else None

    groups = {key: label for key, label, _kinds in STUDY_GROUPS}
    if figure == "study":
        group, month = params.get("group", ""), integer("month", 0, 12)
        if (group and group not in groups) or month is None:
            return None
        label = _("Study sessions") if not group else groups[group]
        return label, study_sessions(scope, group, month), "date", True
    if figure in ("materials_studied", "materials_waiting"):
        studied = figure == "materials_studied"
        label = _("Materials issued and studied") if studied else _("Materials issued and not yet studied")
        return label, study_materials(scope, studied), "issued_on", not studied
    if figure == "waiting":
        steps = {step.value: step.label for step in SignOff.REVIEW_STEPS}
        step = params.get("step", "")
        return (steps[step], items_waiting(scope, step), "step_entered_at", True) if step in steps else None
    if figure == "tasks":
        which = params.get("which", "")
        labels = {
            "": _("Rectification tasks due in the year"),
            "closed": _("Rectification tasks due in the year and closed out"),
            "overdue_now": _("Overdue tasks"),
        }
        return (
            (labels[which], rectification_tasks(scope, which), "deadline", True) if which in labels else None
        )
    if figure == "incidents":
        which, quarter = params.get("which", "found"), integer("quarter", 1, 4)
        labels = {
            "found": _("Opinion incidents found"),
            "reported_in_time": _("Incidents reported within the time limit"),
            "handled_in_time": _("Incidents handled within the time limit"),
        }
        if which not in labels or quarter is None:
            return None
        return labels[which], incidents_of(scope, quarter, which), "found_at", True
    return None


def leader_dashboard(scope: Scope) -> dict:
    return {
        "study": study_by_month(scope),
        "timeliness": first_agenda_timeliness(scope),
        "timeliness_url": records_link("materials_studied", scope),
        "timeliness_waiting_url": records_link("materials_waiting", scope),
        "points": points_by_section(scope),
        "review_waiting": review_waiting(scope),
        "rectification": rectification(scope),
        "opinion": opinion_quarter(scope),
        "incidents": incidents_by_quarter(scope),
        "duty": duty_today(scope),
        "key_dates": key_dates_ahead(scope),
        **responsibility_attention(),
    }


# My work --------------------------------------------------------------------------------------


def my_work(user, today: datetime.date | None = None) -> dict:
    """A person's own open work: tasks, follow-ups, review queue, next shifts. Four queries."""
    from inspections.models import RectificationTask
    from inspections.selectors import TASK_RELATED, active_tasks
    from positions.selectors import review_queue_for_user
    from responsibility.selectors import follow_up_actions_for_user
    from sentiment.selectors import shifts_for_person

    today = today or timezone.localdate()
    return {
        "tasks": list(
            active_tasks()
            .filter(responsible_person=user)
            .exclude(state=RectificationTask.State.CLOSED)
            .select_related(*TASK_RELATED)
            .order_by("deadline", "pk")[:ATTENTION_LIMIT]
        ),
        "follow_ups": list(follow_up_actions_for_user(user)[:ATTENTION_LIMIT]),
        "reviews": list(review_queue_for_user(user=user)[:ATTENTION_LIMIT]),
        "shifts": list(shifts_for_person(person=user, since=timezone.now())[:3]),
        "today": today,
    }
