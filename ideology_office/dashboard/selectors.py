"""What the home page shows: the leaders' figures for a year and what needs attention, and each
person's own work. The panels, the lists behind their numbers and the "my work" lists are the work
areas' own (their contracts: ``panels``, ``drilldowns``, ``my_work``); this module gives them the
scope, the links and the loop. Every panel reads its records through a fixed number of queries
(aggregates and short, limited lists), so the page costs the same for a section or a county."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Q
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone

from ideology_office.accounts import roles
from ideology_office.accounts.models import OrgUnit
from ideology_office.common.contracts import contracts

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


def link(name: str, **params) -> str:
    """The URL ``name`` with the non-empty ``params`` as its query string."""
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return _path(name, get_script_prefix(), urlconf) + (f"?{query}" if query else "")


@lru_cache(maxsize=256)
def _path(name: str, prefix: str, urlconf: str) -> str:
    """``reverse(name)`` once per URL name, script prefix and URLconf: the dashboard writes hundreds
    of links (a bar per section and month) to a handful of pages."""
    return reverse(name, urlconf=urlconf)


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
    """The link of a dashboard number: the list of the very records it counts (see drill_records).
    The same string as ``link("dashboard:records", figure=figure, **scope.params(), **params)``;
    the page writes hundreds of them (a bar per section and month), so the path with the figure
    and the scope is built once per figure and scope and only the bar's own parameters are
    encoded per link."""
    scoped = scope.params()
    base = _records_base(
        figure,
        scoped["year"],
        scoped["sections"],
        get_script_prefix(),
        get_urlconf() or settings.ROOT_URLCONF,
    )
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return f"{base}{'&' if '?' in base else '?'}{query}" if query else base


@lru_cache(maxsize=1024)
def _records_base(figure: str, year: int, sections: str | None, prefix: str, urlconf: str) -> str:
    return link("dashboard:records", figure=figure, year=year, sections=sections)


@dataclass(frozen=True)
class DrilledRecords:
    label: object
    queryset: object
    date_field: str
    #: The number shown is the count of ``queryset``; otherwise ``value`` is computed from it.
    counts: bool
    value: object = None


def drill_records(figure: str, scope: Scope, params) -> DrilledRecords | None:
    """The records behind the dashboard number ``figure`` with the link's ``params``, from the work
    area whose contract declares that drill-down; None when the figure or a parameter is unknown."""
    for contract in contracts():
        for drilldown in contract.drilldowns:
            if drilldown.key == figure:
                found = drilldown.records(scope, params)
                return DrilledRecords(*found) if found is not None else None
    return None


def leader_dashboard(scope: Scope) -> dict:
    """{panel key: what the panel shows} for every work area's leaders' panels."""
    return {panel.key: panel.build(scope) for contract in contracts() for panel in contract.panels}


def panel_templates(office: dict) -> list[dict]:
    """The panels that bring their own template, with their data, in the order of the contracts."""
    return [
        {"template": panel.template, "label": panel.label, "data": office.get(panel.key)}
        for contract in contracts()
        for panel in contract.panels
        if panel.template
    ]


# My work --------------------------------------------------------------------------------------


def my_work(user, today: datetime.date | None = None) -> dict:
    """A person's own open work, one short list per work area that lends one (tasks, follow-ups,
    review queue, next shifts): one query each."""
    today = today or timezone.localdate()
    work = {panel.key: panel.build(user, today) for contract in contracts() for panel in contract.my_work}
    work["today"] = today
    return work


def my_work_templates(work: dict) -> list[dict]:
    """The "my work" lists that bring their own template, with their data."""
    return [
        {"template": panel.template, "label": panel.label, "data": work.get(panel.key)}
        for contract in contracts()
        for panel in contract.my_work
        if panel.template
    ]
