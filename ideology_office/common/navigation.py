"""The navigation bar: one list, filtered per person, so every page and test agree on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ideology_office.accounts import roles


@dataclass(frozen=True)
class WorkArea:
    key: str
    label: Promise
    url_name: str
    icon: str
    summary: Promise
    parts: tuple[Promise, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class NavItem:
    key: str
    label: Promise
    url_name: str
    icon: str
    visible: Callable[[object], bool]


WORK_AREAS = (
    WorkArea(
        "responsibility",
        _("Responsibility"),
        "responsibility:index",
        "bi-diagram-3",
        _(
            "Leading group, dual-duty assignments, office meetings, work priorities and the annual assessment."
        ),
        (_("Leading group"), _("Dual-duty assignments"), _("Office meetings"), _("Assessment")),
    ),
    WorkArea(
        "study",
        _("Study"),
        "study:index",
        "bi-book",
        _(
            "First-agenda study, central group sessions, reading classes, branch meetings and learning points."
        ),
        (_("Study materials"), _("Study sessions"), _("Learning points"), _("Spreadsheet import")),
    ),
    WorkArea(
        "positions",
        _("Positions"),
        "positions:index",
        "bi-broadcast",
        _(
            "Website, WeChat account, boards and screens; every item passes three reviews and three proofreads."
        ),
        (_("Platforms"), _("Content review"), _("Physical positions"), _("Key dates")),
    ),
    WorkArea(
        "sentiment",
        _("Public opinion"),
        "sentiment:index",
        "bi-activity",
        _("Opinion incidents handled at once, the 24-hour duty roster and log, quarterly risk reviews."),
        (_("Opinion incidents"), _("Duty roster"), _("Duty log"), _("Quarterly reviews")),
    ),
    WorkArea(
        "inspections",
        _("Inspections"),
        "inspections:index",
        "bi-clipboard-check",
        _("Inspection findings, rectification to close-out, long-term mechanisms and self-inspection."),
        (_("Findings"), _("Rectification tasks"), _("Long-term mechanisms"), _("Self-inspection")),
    ),
)

WORK_AREAS_BY_KEY = {area.key: area for area in WORK_AREAS}

# URL namespaces behind the one gate (common.middleware.WorkAreaGateMiddleware): the work areas,
# the report and ledgers, and the evidence files that belong to their records.
GATED_NAMESPACES = frozenset({*WORK_AREAS_BY_KEY, "reports", "common"})

NAV_ITEMS = (
    NavItem("dashboard", _("Dashboard"), "dashboard:home", "bi-speedometer2", lambda user: True),
    *(NavItem(area.key, area.label, area.url_name, area.icon, roles.has_any_role) for area in WORK_AREAS),
    NavItem(
        "reports",
        _("Annual work report"),
        "reports:annual_figures",
        "bi-file-earmark-text",
        roles.sees_office_wide,
    ),
    NavItem("admin", _("Administration"), "admin:index", "bi-gear", roles.may_use_admin),
)


def navigation_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    return [item for item in NAV_ITEMS if item.visible(user)]
