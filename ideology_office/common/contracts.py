"""Work-area contracts: what each work-area app lends to the shared floor.

Each work-area app has one module, ``<app>/contract.py``, with a module-level ``contract`` (a
:class:`WorkAreaContract`). The first call of :func:`contracts` imports that module of every
installed app, in the order of INSTALLED_APPS (in the spirit of Django admin's ``admin.py`` and
Wagtail's ``wagtail_hooks.py``), and registers what it declares:

* its record policies and countable records in common's registries (so a lookup by model or key
  finds them), at once;
* everything else (report figures, ledgers, dashboard panels and drill-downs, "my work" lists,
  reminder sources and their default rules, navigation entry, demo and scale data) is read from
  the contracts by the shared floor when it needs it: the dashboard, the report, the ledgers,
  the reminder engine, the navigation bar and ``seed_demo`` loop over :func:`contracts` and
  import no work-area module themselves (``tests/test_contracts.py`` reads their imports).

A new work area is added by writing its app and its contract; nothing in ``ideology_office/``
changes. The shared floor's types named below (``ReportFigures``, ``Ledger``, ``Scope``,
``ReminderSource``, ``CountableRecord``) live with the part that uses them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.utils.functional import Promise
from django.utils.module_loading import import_string, module_has_submodule

CONTRACT_MODULE = "contract"


@dataclass(frozen=True)
class WorkArea:
    """The navigation entry of a work area and its card on the home page."""

    key: str
    label: str | Promise
    url_name: str
    icon: str
    summary: str | Promise
    parts: tuple[str | Promise, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Panel:
    """A dashboard panel: ``build(scope)`` (leaders' panels, a ``dashboard.selectors.Scope``) or
    ``build(user, today)`` ("my work" lists) returns what the page shows under ``key``.

    ``template`` (optional) is included by the home page in its loop over panels, with the data as
    ``panel``; the five first work areas' panels are laid out by the home page itself (empty
    ``template``). A panel's queries are fixed in number, however many records there are."""

    key: str
    build: Callable[..., Any]
    template: str = ""
    label: str | Promise = ""


@dataclass(frozen=True)
class DrillDown:
    """The records behind a dashboard number: ``records(scope, params)`` returns ``(label,
    queryset, date field, counts)`` for the link ``dashboard:records?figure=<key>&…``, or None when
    a parameter is unknown. ``counts``: the number shown is the count of this queryset."""

    key: str
    records: Callable[[Any, Mapping[str, str]], tuple | None]


@dataclass(frozen=True)
class DefaultRule:
    """The reminder rule the engine creates for a source when none exists for its key (editable
    afterwards, never overwritten): offsets such as ``"-7d,-1d"``, repeats and escalation in days."""

    key: str
    name: str
    offsets: str
    overdue_every_days: int | None = None
    escalate_after_days: int | None = None
    channels: str = "inbox"
    urgent: bool = False


@dataclass(frozen=True)
class WorkAreaContract:
    """What one work-area app lends to the shared floor (every part optional)."""

    #: The app's label (``"study"``); ``seed_demo --only`` and error messages use it.
    label: str
    #: The navigation entry and home-page card.
    work_area: WorkArea | None = None
    #: Countable records (``common.counting.CountableRecord``): the assessment's automatic rules
    #: and the report count through them by key.
    countables: Sequence[Any] = ()
    #: Registers the app's record policies (``common.policies.register_policy``): called once.
    policies: Callable[[], None] | None = None
    #: ``report_figures(report)`` adds the app's figures to a ``reports.figures.ReportFigures``,
    #: each with the queryset its drill-down list shows (``report.count`` / ``report.add``).
    report_figures: Callable[[Any], None] | None = None
    #: The app's ledger sheets (``reports.ledgers.Ledger``), in the inspectors' columns.
    ledgers: Callable[[], Sequence[Any]] | None = None
    #: Leaders' dashboard panels (``build(scope)``), and the lists behind their numbers.
    panels: Sequence[Panel] = ()
    drilldowns: Sequence[DrillDown] = ()
    #: "My work" lists on everyone's home page (``build(user, today)``).
    my_work: Sequence[Panel] = ()
    #: Reminder sources (``notifications.sources.ReminderSource``) and their default rules.
    reminder_sources: Callable[[], Sequence[Any]] | None = None
    default_rules: Sequence[DefaultRule] = ()
    #: ``demo(*, password, log)``: the app's part of ``seed_demo`` (people exist already).
    demo: Callable[..., Any] | None = None
    #: The app's part of ``seed_demo --scale N`` (``common.scale.ScaleGenerator``).
    scale: Any = None
    #: The app's URLconf (``"study.urls"``), mounted at ``<label>/`` by the project's URLconf.
    urls: str = ""
    #: Who each of the app's URLs is for (``common.url_access``): the access matrix walks them all.
    url_access: Mapping[str, Any] = field(default_factory=dict)
    #: Summary tables (``common.rollups.RollupSpec``) the app's panels and figures read, kept
    #: current by every write of the records they count.
    rollups: Sequence[Any] = ()


def lazy(path: str) -> Callable[..., Any]:
    """The function at the dotted ``path``, imported on its first call: a contract names its
    report, ledger, dashboard and demo code without loading it when the contracts are discovered."""

    def call(*args, **kwargs):
        return import_string(path)(*args, **kwargs)

    call.__name__ = call.__qualname__ = path.rpartition(".")[2]
    call.__doc__ = f"Calls {path}."
    return call


_contracts: dict[str, WorkAreaContract] | None = None


def _register(contract: WorkAreaContract) -> None:
    from .counting import register_countable

    if contract.policies is not None:
        contract.policies()
    for countable in contract.countables:
        register_countable(countable)


def autodiscover() -> dict[str, WorkAreaContract]:
    """Import ``contract`` of every installed app (INSTALLED_APPS order) and register it."""
    global _contracts
    found: dict[str, WorkAreaContract] = {}
    for app_config in apps.get_app_configs():
        if not module_has_submodule(app_config.module, CONTRACT_MODULE):
            continue
        module = importlib.import_module(f"{app_config.name}.{CONTRACT_MODULE}")
        contract = getattr(module, "contract", None)
        if not isinstance(contract, WorkAreaContract):
            raise TypeError(
                f"{app_config.name}.{CONTRACT_MODULE} defines no WorkAreaContract named `contract`."
            )
        found[contract.label] = contract
    _contracts = found
    for contract in found.values():
        _register(contract)
    return found


def contracts() -> list[WorkAreaContract]:
    """Every work area's contract, in the order of INSTALLED_APPS."""
    return list((_contracts if _contracts is not None else autodiscover()).values())


def contract_for(label: str) -> WorkAreaContract | None:
    return {contract.label: contract for contract in contracts()}.get(label)


@contextmanager
def extra_contract(contract: WorkAreaContract) -> Iterator[WorkAreaContract]:
    """Add ``contract`` after the discovered ones for the block, as an installed app's would be
    (tests: a work area that is not installed for the rest of the suite)."""
    from .counting import unregister_countable

    contracts()
    registry = _contracts if _contracts is not None else autodiscover()
    registry[contract.label] = contract
    _register(contract)
    try:
        yield contract
    finally:
        registry.pop(contract.label, None)
        for countable in contract.countables:
            unregister_countable(countable.key)


def work_areas() -> list[WorkArea]:
    return [contract.work_area for contract in contracts() if contract.work_area is not None]


def work_area(key: str) -> WorkArea | None:
    return next((area for area in work_areas() if area.key == key), None)
