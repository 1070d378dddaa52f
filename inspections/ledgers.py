"""The inspections ledgers (台账) of the inspectors' ledgers page, declared in contract.py: each names
its records in a period and turns them into rows in the columns inspectors expect (see
ideology_office.reports.ledgers for the shared parts: streaming, 序号, 作废说明)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from ideology_office.reports.ledgers import (
    CHUNK_SIZE,
    VOID_HEADER,
    VOID_WIDTH,
    VOIDED,
    Ledger,
    numbered,
    void_note,
)

from .models import RectificationTask
from .selectors import TASK_RELATED
from .views import LEDGER_HEADERS as RECTIFICATION_HEADERS
from .views import LEDGER_WIDTHS as RECTIFICATION_WIDTHS
from .views import ledger_row

# 整改台账 ---------------------------------------------------------------------------------------


def _tasks(start, end) -> QuerySet:
    return (
        RectificationTask.objects.filter(finding__inspection__date__range=(start, end))
        .select_related(*TASK_RELATED, "voided_by")
        .order_by("finding__inspection__date", "finding__inspection_id", "finding__number", "pk")
    )


def _task_void_note(task: RectificationTask) -> str:
    if task.voided_at:
        return void_note(task)
    if task.finding.voided_at:
        return _("The finding was voided: %(reason)s") % {"reason": task.finding.void_reason}
    if task.finding.inspection.voided_at:
        return _("The inspection was voided: %(reason)s") % {"reason": task.finding.inspection.void_reason}
    return ""


def _task_rows(tasks: QuerySet) -> Iterable[list]:
    # The columns of inspections' own rectification ledger, with the 作废说明 after them.
    return numbered(
        [*ledger_row(task), _task_void_note(task)] for task in tasks.iterator(chunk_size=CHUNK_SIZE)
    )


def ledgers() -> tuple[Ledger, ...]:
    """This area's ledger sheets, in the inspectors' columns (``order``: place in the ledgers page)."""
    return (
        Ledger(
            order=170,
            key="rectification",
            title="整改台账",
            headers=(*RECTIFICATION_HEADERS, VOID_HEADER),
            widths=(*RECTIFICATION_WIDTHS, VOID_WIDTH),
            queryset=_tasks,
            rows=_task_rows,
            voided=VOIDED
            | Q(finding__voided_at__isnull=False)
            | Q(finding__inspection__voided_at__isnull=False),
            evidence=_tasks,
        ),
    )
