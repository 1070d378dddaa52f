"""Excel exports shared by every ledger: safe cells, Chinese headers, one response helper."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from io import BytesIO

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .downloads import XLSX_CONTENT_TYPE, download

# A cell that starts with one of these is read as a formula by Excel and WPS (formula injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """The value as a spreadsheet cell that can never run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    if isinstance(value, datetime.datetime):
        # openpyxl cannot store time zones: write the local wall-clock time.
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    return value


@dataclass
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence] = field(default_factory=list)
    column_widths: Sequence[int] | None = None


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    """An .xlsx with one worksheet per sheet, bold frozen headers, every cell neutralised.
    Rows are streamed through openpyxl's write-only mode, so memory stays flat for big ledgers."""
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(title=sheet.title[:31])
        worksheet.freeze_panes = "A2"
        widths = sheet.column_widths or [
            max(10, min(40, len(str(header)) * 2 + 4)) for header in sheet.headers
        ]
        for index, width in enumerate(widths, start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = width
        header_cells = []
        for header in sheet.headers:
            cell = WriteOnlyCell(worksheet, value=str(header))
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            header_cells.append(cell)
        worksheet.append(header_cells)
        for row in sheet.rows:
            worksheet.append([neutralise(value) for value in row])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, sheets: Sequence[Sheet]) -> FileResponse:
    """Download an .xlsx; ``filename`` may be Chinese (RFC 5987 encoding)."""
    return download(workbook_bytes(sheets), filename, XLSX_CONTENT_TYPE)
