"""The positions ledgers (台账) of the inspectors' ledgers page, declared in contract.py: each names
its records in a period and turns them into rows in the columns inspectors expect (see
ideology_office.reports.ledgers for the shared parts: streaming, 序号, 作废说明)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from ideology_office.reports.ledgers import CHUNK_SIZE, VOID_HEADER, VOID_WIDTH, Ledger, numbered, void_note

from .models import ContentItem, PhysicalUpdate
from .selectors import review_ledger, review_ledger_rows

# 三审三校 ---------------------------------------------------------------------------------------


def _signoffs(start, end) -> QuerySet:
    return review_ledger(start=start, end=end)


def _signoff_rows(signoffs: QuerySet) -> Iterable[list]:
    # The ledger numbers its rows itself; the chain's sequence number is not one of its columns.
    return numbered(row[1:] for row in review_ledger_rows(signoffs))


def _reviewed_items(start, end) -> QuerySet:
    return ContentItem.objects.filter(pk__in=_signoffs(start, end).order_by().values("item_id"))


# 实体阵地 ---------------------------------------------------------------------------------------


def _physical_updates(start, end) -> QuerySet:
    return (
        PhysicalUpdate.objects.filter(start_date__range=(start, end))
        .select_related("platform", "approved_by", "created_by", "voided_by")
        .order_by("start_date", "pk")
    )


def _physical_update_rows(updates: QuerySet) -> Iterable[list]:
    return numbered(
        [
            update.platform.name,
            update.platform.get_kind_display(),
            update.platform.location,
            update.content,
            update.start_date,
            update.end_date,
            update.approved_by,
            update.created_by or "",
            update.created_at,
            update.note,
            void_note(update),
        ]
        for update in updates.iterator(chunk_size=CHUNK_SIZE)
    )


def ledgers() -> tuple[Ledger, ...]:
    """This area's ledger sheets, in the inspectors' columns (``order``: place in the ledgers page)."""
    return (
        Ledger(
            order=120,
            key="content_reviews",
            title="信息发布“三审三校”台账",
            headers=(
                "序号",
                "发布平台",
                "稿件标题",
                "审校环节",
                "签批结果",
                "签批人",
                "签批人职务",
                "签批时间",
                "签批意见",
                "稿件版本",
                "稿件SHA-256",
                "链哈希",
            ),
            widths=(6, 14, 36, 12, 10, 10, 12, 18, 30, 8, 66, 66),
            queryset=_signoffs,
            rows=_signoff_rows,
            voided=None,
            evidence=_reviewed_items,
        ),
        Ledger(
            order=130,
            key="physical_updates",
            title="实体阵地内容更新台账",
            headers=(
                "序号",
                "阵地名称",
                "阵地类型",
                "位置",
                "更新内容",
                "展示起始日期",
                "展示截止日期",
                "审批人",
                "登记人",
                "登记时间",
                "备注",
                VOID_HEADER,
            ),
            widths=(6, 16, 12, 16, 40, 12, 12, 10, 10, 18, 20, VOID_WIDTH),
            queryset=_physical_updates,
            rows=_physical_update_rows,
            evidence=_physical_updates,
        ),
    )
