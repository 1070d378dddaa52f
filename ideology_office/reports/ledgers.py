"""The ledgers (台账) inspectors ask for, each one Excel sheet over a period, and all of them at once.

Each work area declares its ledgers in its contract (``<app>/ledgers.py``); :func:`ledgers` lists
those of every area in page order. Each :class:`Ledger` names its records in a period (``queryset``) and turns them into rows in the
columns inspectors expect (``rows``, 序号 first). Rows are streamed with ``select_related`` /
``prefetch_related`` and ``.iterator(chunk_size=CHUNK_SIZE)``, so a ledger costs a fixed number of
queries (one per related list, per chunk of records) whatever the number of records.

Voided records (作废) are **kept and marked**, never left out: every ledger of voidable records
ends with a column 作废说明 saying when, by whom and why, and the ledgers page counts them
separately. Evidence files that were voided are listed the same way in the evidence index.
"""

from __future__ import annotations

import datetime
import io
import itertools
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import CharField, Count, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from ideology_office.common.contracts import contracts
from ideology_office.common.models import Attachment
from ideology_office.common.spreadsheets import Sheet, write_workbook

CHUNK_SIZE = 1000
VOID_HEADER = "作废说明"
VOID_WIDTH = 30
VOIDED = Q(voided_at__isnull=False)
EVIDENCE_INDEX_TITLE = "佐证材料索引"
EVIDENCE_HEADERS = (
    "序号",
    "台账",
    "记录",
    "文件名",
    "文件类型",
    "大小（字节）",
    "SHA-256",
    "上传时间",
    "上传人",
    "下载地址",
    VOID_HEADER,
)
EVIDENCE_WIDTHS = (6, 24, 36, 30, 18, 12, 66, 18, 10, 50, VOID_WIDTH)

Row = Sequence[object]


@dataclass(frozen=True)
class Ledger:
    """One ledger: its records in a period and the rows inspectors read.

    ``voided`` is the condition under which a record counts as voided (None: the records cannot
    be voided). ``evidence`` gives the records whose evidence files the index lists (None: the
    records carry none); it is often the ledger's own ``queryset``.
    """

    key: str
    title: str
    #: The place on the ledgers page and in the archive (ledgers of all areas sorted by it).
    order: int
    headers: Sequence[str]
    widths: Sequence[int]
    queryset: Callable[[datetime.date, datetime.date], QuerySet]
    rows: Callable[[QuerySet], Iterable[Row]]
    voided: Q | None = VOIDED
    evidence: Callable[[datetime.date, datetime.date], QuerySet] | None = None

    def sheet(self, start: datetime.date, end: datetime.date) -> Sheet:
        return Sheet(
            title=self.title,
            headers=list(self.headers),
            rows=(cells(row) for row in self.rows(self.queryset(start, end))),
            column_widths=list(self.widths),
        )

    def filename(self, start: datetime.date, end: datetime.date) -> str:
        return f"{self.title}（{period_text(start, end)}）.xlsx"

    def counts(self, start: datetime.date, end: datetime.date) -> dict[str, int]:
        """{"total": records in the period, "voided": of which voided}: one query."""
        aggregates = {"total": Count("pk")}
        if self.voided is not None:
            aggregates["voided"] = Count("pk", filter=self.voided)
        counts = self.queryset(start, end).order_by().aggregate(**aggregates)
        counts.setdefault("voided", 0)
        return counts


def period_text(start: datetime.date, end: datetime.date) -> str:
    return f"{start:%Y%m%d}-{end:%Y%m%d}"


# Cell helpers ---------------------------------------------------------------------------------

CELL_TYPES = (str, int, float, Decimal, datetime.date, datetime.time)


def cells(row: Row) -> list:
    """The row as spreadsheet values: people, units and other records as their names."""
    return [value if value is None or isinstance(value, CELL_TYPES) else str(value) for value in row]


def yes_no(value) -> str:
    return "是" if value else "否"


def names(people: Iterable) -> str:
    return "、".join(str(person) for person in people)


def day_text(value: datetime.datetime | None) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d}" if value else ""


def void_note(record) -> str:
    """Who voided the record, when and why; "" for a record in force. ``voided_by`` must have
    been fetched with the record (select_related), or this costs a query."""
    if record.voided_at is None:
        return ""
    return _("Voided on %(date)s by %(person)s: %(reason)s") % {
        "date": day_text(record.voided_at),
        "person": record.voided_by or "—",
        "reason": record.void_reason,
    }


def attendance_cells(attendances: Sequence, present: str, absent: str, observer: str) -> list:
    """应到人数, 实到人数, 出席人员, 缺席人员及原因, 列席人员."""
    here = [row.person for row in attendances if row.status == present]
    away = [row for row in attendances if row.status == absent]
    guests = [row.person for row in attendances if row.status == observer]
    return [
        len(here) + len(away),
        len(here),
        names(here),
        "、".join(f"{row.person}（{row.absence_reason}）" for row in away),
        names(guests),
    ]


ATTENDANCE_HEADERS = ("应到人数", "实到人数", "出席人员", "缺席人员及原因", "列席人员")
ATTENDANCE_WIDTHS = (8, 8, 30, 24, 16)


def in_chunks(items: Iterable, size: int) -> Iterator[list]:
    """The items in lists of ``size`` (the last may be shorter): a ledger reads the related rows
    of each chunk of records as plain values, in one query per chunk."""
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def numbered(rows: Iterable[Row]) -> Iterable[list]:
    for number, row in enumerate(rows, start=1):
        yield [number, *row]


def ledgers() -> list[Ledger]:
    """Every work area's ledgers, in the order of the page (``Ledger.order``)."""
    found = [
        ledger for contract in contracts() if contract.ledgers is not None for ledger in contract.ledgers()
    ]
    return sorted(found, key=lambda ledger: ledger.order)


def ledger_for(key: str) -> Ledger | None:
    return next((ledger for ledger in ledgers() if ledger.key == key), None)


# Evidence index and the archive of every ledger -------------------------------------------


def _evidence_rows(
    start: datetime.date, end: datetime.date, absolute_url: Callable[[str], str]
) -> Iterable[list]:
    """Every evidence file of every ledger's records in the period (the files themselves stay
    behind the access-checked download view). Two queries per ledger: the files, then the
    names of the records that carry any."""
    number = 0
    for ledger in ledgers():
        if ledger.evidence is None:
            continue
        records = ledger.evidence(start, end)
        meta = records.model._meta
        attachments = list(
            Attachment.objects.filter(
                content_type__app_label=meta.app_label,
                content_type__model=meta.model_name,
                object_id__in=records.order_by().values(text=Cast("pk", output_field=CharField())),
            )
            .select_related("created_by", "voided_by")
            .order_by("created_at", "pk")
        )
        if not attachments:
            continue
        labels = {
            str(record.pk): str(record)
            for record in records.filter(pk__in={attachment.object_id for attachment in attachments})
        }
        for attachment in attachments:
            number += 1
            yield [
                number,
                ledger.title,
                labels.get(attachment.object_id, attachment.object_id),
                attachment.original_name,
                attachment.mime_type,
                attachment.size,
                attachment.sha256,
                attachment.created_at,
                attachment.created_by or "",
                absolute_url(attachment.get_absolute_url()),
                void_note(attachment),
            ]


def evidence_index_sheet(
    start: datetime.date, end: datetime.date, *, absolute_url: Callable[[str], str] = str
) -> Sheet:
    return Sheet(
        title=EVIDENCE_INDEX_TITLE,
        headers=list(EVIDENCE_HEADERS),
        rows=(cells(row) for row in _evidence_rows(start, end, absolute_url)),
        column_widths=list(EVIDENCE_WIDTHS),
    )


def archive_filename(start: datetime.date, end: datetime.date) -> str:
    return f"意识形态工作台账（{period_text(start, end)}）.zip"


def counting_rows(rows: Iterable, progress: Callable[[int], None] | None) -> Iterable:
    """The rows as they are, telling ``progress`` how many were written (each row once)."""
    if progress is None:
        yield from rows
        return
    for row in rows:
        yield row
        progress(1)


def write_ledgers_zip(
    target,
    start: datetime.date,
    end: datetime.date,
    *,
    absolute_url: Callable[[str], str] = str,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write into ``target`` (a path or a binary file) a .zip with one .xlsx per ledger, numbered
    in the page's order, and the evidence index; ``progress(n)`` hears of every n rows written.
    The workbooks are already compressed: they are stored, not deflated a second time."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for number, ledger in enumerate(ledgers(), start=1):
            sheet = ledger.sheet(start, end)
            sheet.rows = counting_rows(sheet.rows, progress)
            with archive.open(f"{number:02d}-{ledger.title}.xlsx", "w", force_zip64=True) as member:
                write_workbook(member, [sheet])
        index = evidence_index_sheet(start, end, absolute_url=absolute_url)
        with archive.open(f"{EVIDENCE_INDEX_TITLE}.xlsx", "w", force_zip64=True) as member:
            write_workbook(member, [index])


def ledgers_zip(
    start: datetime.date, end: datetime.date, *, absolute_url: Callable[[str], str] = str
) -> bytes:
    """:func:`write_ledgers_zip` in memory (tests and small periods)."""
    buffer = io.BytesIO()
    write_ledgers_zip(buffer, start, end, absolute_url=absolute_url)
    return buffer.getvalue()
