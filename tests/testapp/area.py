"""A sixth work area for tests: everything it lends to the shared floor is declared below and
nothing in ideology_office/ names it. It lives in ``area.py`` rather than ``contract.py`` so that
the rest of the suite does not see it; tests/test_contracts.py adds it with ``extra_contract``,
which is what discovery does for an installed app's ``contract.py``."""

from __future__ import annotations

from ideology_office.common.contracts import DefaultRule, DrillDown, Panel, WorkArea, WorkAreaContract
from ideology_office.common.counting import CountableRecord, countable_queryset
from ideology_office.notifications.sources import ReminderSource
from ideology_office.reports.figures import ReportFigures
from ideology_office.reports.ledgers import Ledger, numbered, void_note

from .models import Dossier

REMINDER_KEY = "testapp.dossier_overdue"


def _dossiers_of_year(scope):
    return countable_queryset("testapp.dossier_in_force", start=scope.start, end=scope.end)


def report_figures(report: ReportFigures) -> None:
    report.count(
        "测试领域",
        "dossiers",
        "测试记录",
        countable_queryset("testapp.dossier_in_force", start=report.start, end=report.end),
        date_field="created_at",
    )


def panel(scope) -> dict:
    from ideology_office.dashboard.selectors import records_link

    return {"count": _dossiers_of_year(scope).count(), "url": records_link("dossiers", scope)}


def drill(scope, params):
    return "测试记录", _dossiers_of_year(scope), "created_at", True


def ledgers() -> tuple[Ledger, ...]:
    return (
        Ledger(
            key="dossiers",
            title="测试记录台账",
            order=1000,
            headers=("序号", "标题", "作废说明"),
            widths=(6, 30, 30),
            queryset=lambda start, end: Dossier.objects.filter(
                created_at__date__range=(start, end)
            ).select_related("voided_by"),
            rows=lambda records: numbered([record.title, void_note(record)] for record in records),
        ),
    )


def reminder_sources() -> list[ReminderSource]:
    return [
        ReminderSource(
            key=REMINDER_KEY,
            label="测试记录逾期",
            open_items=lambda **kwargs: [],
            done_ids=lambda object_ids: set(),
        )
    ]


contract = WorkAreaContract(
    label="testapp",
    work_area=WorkArea("testapp", "测试领域", "dashboard:home", "bi-folder", "测试用的工作领域。"),
    countables=(
        CountableRecord(
            key="testapp.dossier_in_force",
            label="测试记录",
            queryset=lambda: Dossier.objects.active(),
            date_field="created_at",
        ),
    ),
    report_figures=report_figures,
    ledgers=ledgers,
    panels=(Panel("dossiers", panel, template="testapp/dossier_panel.html", label="测试记录"),),
    drilldowns=(DrillDown("dossiers", drill),),
    reminder_sources=reminder_sources,
    default_rules=(DefaultRule(REMINDER_KEY, "测试记录逾期提醒", "0d"),),
)
