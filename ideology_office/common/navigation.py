"""The navigation bar: one list, filtered per person, so every page and test agree on it.

The work areas' entries come from their contracts (``<app>/contract.py``, see
:mod:`ideology_office.common.contracts`), in the order of INSTALLED_APPS."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ideology_office.accounts import roles

from .contracts import WorkArea, work_area, work_areas

__all__ = ["GATED_NAMESPACES", "WORK_AREAS_BY_KEY", "NavItem", "WorkArea", "nav_items", "navigation_for"]


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url_name: str
    icon: str
    visible: Callable[[object], bool]


class _WorkAreasByKey(Mapping[str, WorkArea]):
    """{key: WorkArea} of the contracts, read when asked (the contracts load after the apps)."""

    def __getitem__(self, key: str) -> WorkArea:
        area = work_area(key)
        if area is None:
            raise KeyError(key)
        return area

    def __iter__(self) -> Iterator[str]:
        return iter([area.key for area in work_areas()])

    def __len__(self) -> int:
        return len(work_areas())


WORK_AREAS_BY_KEY: Mapping[str, WorkArea] = _WorkAreasByKey()


class _GatedNamespaces:
    """URL namespaces behind the one gate (common.middleware.WorkAreaGateMiddleware): the work
    areas, the report and ledgers, and the evidence files that belong to their records."""

    ALWAYS = frozenset({"reports", "common"})

    def __contains__(self, namespace: object) -> bool:
        return namespace in self.ALWAYS or (isinstance(namespace, str) and work_area(namespace) is not None)


GATED_NAMESPACES = _GatedNamespaces()


def nav_items() -> list[NavItem]:
    return [
        NavItem("dashboard", _("Dashboard"), "dashboard:home", "bi-speedometer2", lambda user: True),
        *(
            NavItem(area.key, area.label, area.url_name, area.icon, roles.has_any_role)
            for area in work_areas()
        ),
        NavItem(
            "reports",
            _("Annual work report"),
            "reports:annual_figures",
            "bi-file-earmark-text",
            roles.sees_office_wide,
        ),
        NavItem("admin", _("Administration"), "admin:index", "bi-gear", roles.may_use_admin),
    ]


def navigation_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    return [item for item in nav_items() if item.visible(user)]
