"""Spreadsheets in and out.

Out: Excel exports shared by every ledger (safe cells, Chinese headers, one response helper).
In: a streaming reader of one sheet of an .xlsx (or a .csv) for the imports, with every cap
enforced while reading, so a hostile file is refused before it can fill memory.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime
import io
import itertools
import os
import posixpath
import re
import shutil
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO
from pathlib import PurePosixPath
from xml.parsers import expat
from xml.sax.saxutils import escape as xml_escape

from django.conf import settings
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml.etree import Comment as lxml_comment
from lxml.etree import xmlfile as lxml_xmlfile
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.compat import safe_string
from openpyxl.styles import Alignment, Font
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel, from_ISO8601, to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import create_temporary_file
from openpyxl.writer.excel import ExcelWriter

from .downloads import XLSX_CONTENT_TYPE, download

# A cell that starts with one of these is read as a formula by Excel and WPS (formula injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """The value as a spreadsheet cell that can never run as a formula."""
    kind = type(value)
    if kind is str:  # the most frequent cells first: a ledger has millions
        return "'" + value if value.startswith(FORMULA_TRIGGERS) else value
    if kind is int or value is None:
        return value
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


class _StreamedRows(WriteOnlyWorksheet):
    """openpyxl's write-only worksheet, with the data rows written as text.

    openpyxl's own write-only path builds a cell object and several XML elements per value, some
    ten microseconds a cell: a county year's review ledger (1.8 million cells) spent most of its
    time there. Here each row of plain values (text, numbers, dates and times) is written as its
    XML text straight into a temporary file, and that file is spliced into the worksheet openpyxl
    wrote (in place of a marker inside ``sheetData``) when the sheet is closed. Everything else
    is openpyxl's: the sheet's head and tail, the styles (a date format is registered with the
    workbook by one openpyxl cell), the workbook. A row holding anything else (a styled
    ``WriteOnlyCell`` such as the header, a boolean, a text Excel would take for a formula or an
    error code, a carriage return) is written by openpyxl's own row writer, in its place. The
    cells read back exactly as openpyxl's would (``tests/common/test_spreadsheets.py``).
    """

    _rows_file = None

    def _write_rows(self):
        try:
            stream = self._writer.xf.send(True)
        except StopIteration:
            self._already_saved()
        date_styles: dict[type, str] = {}
        self._rows_file = rows_file = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        pending: list[str] = []
        with stream.element("sheetData"):
            stream.write(lxml_comment(_SPLICE_MARK))
            row_number = 1
            try:
                while True:
                    values = yield
                    text = self._row_text(values, row_number, date_styles)
                    if text is None:
                        text = self._openpyxl_row_text(values, row_number)
                    pending.append(text)
                    if len(pending) >= _ROWS_PER_WRITE:
                        rows_file.write("".join(pending).encode())
                        pending.clear()
                    row_number += 1
            except GeneratorExit:
                rows_file.write("".join(pending).encode())
        self._writer.xf.send(None)

    def close(self):
        super().close()
        if self._rows_file is None:
            return
        # openpyxl's worksheet, with the rows put where the marker is.
        marker = f"<!--{_SPLICE_MARK}-->".encode()
        with open(self._writer.out, "rb") as source:
            head, tail = source.read().split(marker, 1)
        spliced = create_temporary_file()
        with open(spliced, "wb") as target, self._rows_file as rows:
            target.write(head)
            rows.seek(0)
            shutil.copyfileobj(rows, target, _COPY_BUFFER)
            target.write(tail)
        os.remove(self._writer.out)
        self._writer.out = spliced
        self._rows_file = None

    def _openpyxl_row_text(self, values, row_number: int) -> str:
        buffer = BytesIO()
        with lxml_xmlfile(buffer, encoding="utf-8") as stream:
            neutralised = [neutralise(value) for value in values]
            self._writer.write_row(stream, self._values_to_row(neutralised, row_number), row_number)
        return buffer.getvalue().decode()

    def _date_style(self, date_styles: dict, kind: type, value) -> str:
        style = date_styles.get(kind)
        if style is None:
            # A cell made once by openpyxl registers the date format with the workbook.
            style = date_styles[kind] = str(WriteOnlyCell(self, value=value).style_id)
        return style

    def _row_text(self, values, row_number: int, date_styles: dict) -> str | None:
        """The row's XML as openpyxl would write it, or None if a value needs openpyxl. The values
        are neutralised here. Plain text, the most frequent cell by far, is written inline: a
        county year's review ledger has 1.4 million such cells."""
        if len(values) > len(_COLUMN_LETTERS):
            return None
        number = str(row_number)
        parts = [f'<row r="{number}">']
        append = parts.append
        for letter, value in zip(_COLUMN_LETTERS, values, strict=False):
            if value is None:
                continue
            if (
                type(value) is str
                and value
                and value[0] not in _CAREFUL_FIRST
                and not value[-1].isspace()
                and len(value) <= MAX_CELL_CHARS
                and not _CAREFUL_TEXT.search(value)
            ):
                append(f'<c r="{letter}{number}" t="inlineStr"><is><t>{value}</t></is></c>')
                continue
            cell = self._cell_text(letter + number, value, date_styles)
            if cell is None:
                return None
            append(cell)
        append("</row>")
        return "".join(parts)

    def _cell_text(self, reference: str, value, date_styles: dict) -> str | None:
        """One cell's XML as openpyxl would write it (the value neutralised first), or None if the
        value needs openpyxl."""
        kind = type(value)
        if kind is str:
            return _text_cell(reference, neutralise(value))
        if kind is int or kind is float or kind is Decimal:
            return f'<c r="{reference}" t="n"><v>{safe_string(value)}</v></c>'
        if kind in _DATE_KINDS:
            if kind is not datetime.date and value.tzinfo is not None:
                if kind is not datetime.datetime:
                    return None  # openpyxl refuses time zones
                # As neutralise(): the local wall-clock time (the zone looked up once a sheet).
                value = value.astimezone(self._local_zone()).replace(tzinfo=None)
            style = self._date_style(date_styles, kind, value)
            excel = safe_string(to_excel(value, self.parent.epoch))
            return f'<c r="{reference}" t="n" s="{style}"><v>{excel}</v></c>'
        return None

    _zone = None

    def _local_zone(self):
        if self._zone is None:
            self._zone = timezone.get_current_timezone()
        return self._zone


def _text_cell(reference: str, value: str) -> str | None:
    """A text cell's XML as openpyxl writes it, or None for text openpyxl must write itself (a
    formula-like text, an error code, a carriage return, characters XML cannot hold)."""
    if not value:
        return f'<c r="{reference}" t="inlineStr"/>'  # as openpyxl: no value
    value = value[:MAX_CELL_CHARS]
    if (
        (value[0] == "=" and len(value) > 1)
        or value in ERROR_CODES
        or "\r" in value  # written as &#13; by openpyxl
        or ILLEGAL_CHARACTERS_RE.search(value)
    ):
        return None
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f'<c r="{reference}" t="inlineStr"><is><t{space}>{xml_escape(value)}</t></is></c>'


# Text that _row_text writes inline only when none of these is in it: the first characters that
# need care (a formula trigger to neutralise, an error code, leading space to preserve), and
# anywhere: characters to escape, a carriage return, characters XML cannot hold.
_CAREFUL_FIRST = frozenset("=+-@#").union(c for c in map(chr, range(0x3001)) if c.isspace())
_CAREFUL_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\r&<>]")
_SPLICE_MARK = "rows-of-this-sheet"
_ROWS_PER_WRITE = 1000
_COPY_BUFFER = 1 << 20
_COLUMN_LETTERS = [get_column_letter(index) for index in range(1, 257)]
_DATE_KINDS = (datetime.datetime, datetime.date, datetime.time)


def write_workbook(target, sheets: Sequence[Sheet]) -> None:
    """Write an .xlsx to ``target`` (a path or a binary file): one worksheet per sheet, bold
    frozen headers, every cell neutralised. The one writer of every export: openpyxl's write-only
    (streaming) mode, rows taken one at a time from ``sheet.rows``, so memory stays flat for the
    largest ledger."""
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        worksheet = _StreamedRows(parent=workbook, title=sheet.title[:31])
        workbook._add_sheet(worksheet)
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
            worksheet.append(row)  # neutralised by _StreamedRows, cell by cell
    _save(workbook, target)


def _save(workbook: Workbook, target) -> None:
    """openpyxl's ``save_workbook``, deflating at level 1: about three times faster than the
    default level on a ledger's XML, for a file about a fifth larger (bench/README-ledgers.md)."""
    archive = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=1)
    workbook.properties.modified = timezone.now().astimezone(datetime.UTC).replace(tzinfo=None)
    ExcelWriter(workbook, archive).save()


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    """:func:`write_workbook` into memory (a download small enough to be served directly)."""
    buffer = BytesIO()
    write_workbook(buffer, sheets)
    return buffer.getvalue()


def counted(sheets: Sequence[Sheet]) -> tuple[list[Sheet], list[int]]:
    """The sheets with their rows counted while written: the count is in the returned list's
    only item once the workbook is written (the audit of downloads records it)."""
    count = [0]

    def counting(rows):
        for row in rows:
            count[0] += 1
            yield row

    return [Sheet(s.title, s.headers, counting(s.rows), s.column_widths) for s in sheets], count


def xlsx_response(filename: str, sheets: Sequence[Sheet]) -> FileResponse:
    """Download an .xlsx; ``filename`` may be Chinese (RFC 5987 encoding). The response carries
    its number of data rows for the audit of downloads (``common/exports.py``)."""
    sheets, count = counted(sheets)
    response = download(workbook_bytes(sheets), filename, XLSX_CONTENT_TYPE)
    response.export_rows = count[0]
    return response


# ---------------------------------------------------------------------------------------------
# Reading an import file
# ---------------------------------------------------------------------------------------------

# Limits, refused before any parsing. Settings may lower or raise them.
MAX_BYTES = getattr(settings, "SPREADSHEET_IMPORT_MAX_BYTES", 30 * 1024 * 1024)
MAX_ROWS = getattr(settings, "SPREADSHEET_IMPORT_MAX_ROWS", 200_000)
# An .xlsx is a zip: its unpacked XML is capped too, so a small "zip bomb" cannot fill memory.
MAX_UNPACKED_BYTES = getattr(settings, "SPREADSHEET_IMPORT_MAX_UNPACKED_BYTES", 400 * 1024 * 1024)
# Caps enforced while streaming, before anything large is held: one cell (Excel's own limit), all
# shared strings together (a 1 MB zip can unpack to hundreds of MB of them), the columns.
MAX_CELL_CHARS = 32_767
MAX_SHARED_CHARS = getattr(settings, "SPREADSHEET_IMPORT_MAX_SHARED_CHARS", 40_000_000)
MAX_SHARED_STRINGS = getattr(settings, "SPREADSHEET_IMPORT_MAX_SHARED_STRINGS", 1_000_000)
MAX_COLUMNS = 100
# The header row is looked for among the first rows (a title row may stand above it).
HEADER_SEARCH_ROWS = 10
ACCEPTED_EXTENSIONS = (".xlsx", ".csv")


class ImportRefused(Exception):
    """The whole file is refused (too big, not a spreadsheet, unsafe XML) before reading rows."""


class _Uncalculated:
    """A formula cell that carries no saved value (written by a program, never opened in Excel)."""

    def __repr__(self):
        return "<formula without a value>"


UNCALCULATED = _Uncalculated()


# Reading ------------------------------------------------------------------------------------
#
# An .xlsx is read part by part with pyexpat, guarded like defusedxml (no DTD, no entity, nothing
# external): the package's relationships, the workbook (sheet names, hidden or not, the 1904
# epoch), the styles (which cell styles are dates, with the zh-CN built-in date formats that
# openpyxl does not know), the shared strings and one worksheet. Every part is streamed and every
# cap (characters of one cell, of all shared strings, rows, columns) is enforced while reading,
# before anything large is held. Only openpyxl's public helpers are used (from_excel,
# from_ISO8601, is_date_format, column letters).


@dataclass
class Table:
    headers: list[str]
    source: Iterator[tuple[int, tuple]]
    estimated_rows: int
    rows_read: int = 0
    header_row: int = 1
    sheet: str = ""

    @property
    def rows(self) -> Iterator[tuple[int, tuple]]:
        """(sheet row number, values) of every non-empty row after the header, counted as read."""
        for item in self.source:
            self.rows_read += 1
            yield item


class ExcelError(str):
    """An Excel error value (#NAME?, #VALUE!, ...) saved in a cell: never data."""

    __slots__ = ()


# The error values Excel and WPS write (also as text, in a CSV saved from a sheet with errors).
EXCEL_ERRORS = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
    }
)
# Control characters (C0 but tab, line feed and carriage return; DEL; C1), which include NUL and
# the ESC of ANSI escape sequences. A cell holding one is refused, never stored.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Built-in number formats that are dates or times: the international ones and the ones Chinese,
# Japanese and Korean Excel and WPS write without a format code (27–36 and 50–58: 31 is
# yyyy"年"m"月"d"日", 57 is yyyy"年"m"月", 58 is m"月"d"日", 32–35 and 55–56 are times).
DATE_FORMAT_IDS = frozenset(range(14, 23)) | frozenset(range(27, 37)) | frozenset(range(45, 48))
DATE_FORMAT_IDS |= frozenset(range(50, 59))
XML_PART_MAX_BYTES = 16 * 1024 * 1024  # workbook, relationships, styles
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _extension(filename: str) -> str:
    return PurePosixPath(filename or "").suffix.lower()


def check_size(size: int) -> None:
    """Refuse a file by its size alone: call before reading it (upload size, file size)."""
    if size > MAX_BYTES:
        raise ImportRefused(
            _("The file is %(size)s MB; at most %(limit)s MB can be imported at once.")
            % {"size": round(size / 1024 / 1024, 1), "limit": MAX_BYTES // 1024 // 1024}
        )


def check_caps(data: bytes, filename: str, sheet: str | None = None) -> int:
    """Refuse a file that is too big, of the wrong type, damaged, unpacks too large or has too
    many rows; return roughly how many data rows it has (to choose the background). Only the
    workbook's small parts are parsed."""
    if _extension(filename) not in ACCEPTED_EXTENSIONS:
        raise ImportRefused(_("Only .xlsx and .csv files can be imported."))
    if not data:
        raise ImportRefused(_("The file is empty."))
    check_size(len(data))
    if _extension(filename) == ".csv":
        rows = _csv_line_count(data)
    else:
        with _Workbook(data, sheet) as workbook:
            rows = workbook.declared_rows
            if rows is None:
                rows = min(MAX_ROWS, workbook.sheet_size // 200)
    if rows > MAX_ROWS:
        raise ImportRefused(
            _("The file has %(rows)s rows; at most %(limit)s rows can be imported at once.")
            % {"rows": rows, "limit": MAX_ROWS}
        )
    return rows


def _csv_line_count(data: bytes) -> int:
    return max(0, data.count(b"\n") - 1 + (0 if data.endswith(b"\n") else 1))


def _refuse_unsafe(*_args):
    raise ImportRefused(_("The workbook contains unsafe XML and is refused."))


def _guarded_expat():
    """A pyexpat parser that refuses any DTD, entity declaration or external reference (the
    guards of defusedxml, set through pyexpat's own handlers)."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_unsafe
    parser.EntityDeclHandler = _refuse_unsafe
    parser.UnparsedEntityDeclHandler = _refuse_unsafe
    parser.ExternalEntityRefHandler = _refuse_unsafe
    return parser


def _parse(handle, start=None, end=None, characters=None) -> None:
    parser = _guarded_expat()
    if start:
        parser.StartElementHandler = start
    if end:
        parser.EndElementHandler = end
    if characters:
        parser.CharacterDataHandler = characters
        parser.buffer_text = True
    while True:
        chunk = handle.read(1 << 16)
        parser.Parse(chunk, not chunk)
        if not chunk:
            return


_COLUMN_CACHE: dict[str, int] = {}


def _column_of(reference: str) -> int:
    letters = reference.rstrip("0123456789")
    column = _COLUMN_CACHE.get(letters)
    if column is None:
        column = column_index_from_string(letters)
        _COLUMN_CACHE[letters] = column
    return column


# Element names without their namespace prefix ("x:c" → "c"), worked out once per name.
_LOCAL_NAMES: dict[str, str] = {}


def _local_name(name: str) -> str:
    local = _LOCAL_NAMES.get(name)
    if local is None:
        local = _LOCAL_NAMES[name] = name.rpartition(":")[2]
    return local


def _unescape(text: str) -> str:
    # OOXML writes characters XML cannot hold as _xHHHH_ (a control character is then refused).
    return _ESCAPED.sub(lambda match: chr(int(match.group(1), 16)), text) if "_x" in text else text


def _too_long_cell(where: str = "") -> ImportRefused:
    return ImportRefused(
        _("A cell%(where)s holds more than %(limit)s characters (Excel's own limit); the file is refused.")
        % {"where": where, "limit": MAX_CELL_CHARS}
    )


class _Found(Exception):
    pass


def _target_of(relationships: dict[str, tuple[str, str]], kind: str) -> str | None:
    """The first related part of this kind (a relationship type ends with it)."""
    return next((target for rel_kind, target in relationships.values() if rel_kind.endswith(kind)), None)


class _Workbook:
    """The parts of one .xlsx needed to read one visible worksheet, found through the package's
    relationships. Refuses damaged, unsafe or ambiguous workbooks (ImportRefused)."""

    def __init__(self, data: bytes, sheet: str | None = None):
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
        except Exception as error:
            raise ImportRefused(_("The file is not a valid .xlsx workbook.")) from error
        try:
            self._open(sheet)
        except BaseException as error:
            self.archive.close()
            if isinstance(error, Exception) and not isinstance(error, ImportRefused):
                raise _broken(error) from error
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.archive.close()

    def close(self):
        self.archive.close()

    def _open(self, sheet: str | None) -> None:
        try:
            visible = self._visible_sheets()
        except ImportRefused:
            raise
        except Exception as error:
            raise ImportRefused(_("The file is not a valid .xlsx workbook.")) from error
        if not visible:
            raise ImportRefused(_("The workbook has no visible worksheet."))
        self.sheet_names = [name for name, _target in visible]
        chosen = self._named_sheet(visible, sheet) if sheet else self._only_sheet_with_data(visible)
        self.sheet_name, self.sheet_path = chosen
        self.sheet_size = self.archive.getinfo(self.sheet_path).file_size
        self.declared_rows = self._declared_rows()

    def _visible_sheets(self) -> list[tuple[str, str]]:
        """(name, part) of every visible worksheet, found through the package's relationships;
        the shared strings, styles and date epoch are noted on the way."""
        infos = self.archive.infolist()
        self.names = {info.filename for info in infos}
        if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
            raise ImportRefused(_("The workbook unpacks to more than the allowed size and is refused."))
        package = self._relationships("")
        workbook_path = _target_of(package, "/officeDocument") or "xl/workbook.xml"
        sheets, self.epoch = self._sheets(workbook_path)
        parts = self._relationships(workbook_path)
        self.shared_path = _target_of(parts, "/sharedStrings")
        self.styles_path = _target_of(parts, "/styles")
        visible = []
        for name, state, rid in sheets:
            kind, target = parts.get(rid, ("", ""))
            if kind.endswith("/worksheet") and target in self.names and state in ("", "visible"):
                visible.append((name, target))
        return visible

    def _named_sheet(self, visible: list[tuple[str, str]], sheet: str) -> tuple[str, str]:
        chosen = [(name, target) for name, target in visible if name == sheet]
        if not chosen:
            raise SheetChoiceNeeded(
                _("The workbook has no visible sheet called “%(sheet)s”; its sheets are: %(names)s.")
                % {"sheet": sheet, "names": "、".join(self.sheet_names)},
                self.sheet_names,
            )
        return chosen[0]

    def _only_sheet_with_data(self, visible: list[tuple[str, str]]) -> tuple[str, str]:
        chosen = visible if len(visible) == 1 else [item for item in visible if self._has_values(item[1])]
        if len(chosen) > 1:
            raise SheetChoiceNeeded(
                _("The workbook has %(count)s sheets with data (%(names)s); choose the sheet to import.")
                % {"count": len(chosen), "names": "、".join(name for name, _target in chosen)},
                self.sheet_names,
            )
        return (chosen or visible)[0]

    def _read_part(self, path: str) -> bytes:
        info = self.archive.getinfo(path)
        if info.file_size > XML_PART_MAX_BYTES:
            raise ImportRefused(_("The file is not a valid .xlsx workbook."))
        return self.archive.read(path)

    def _relationships(self, part: str) -> dict[str, tuple[str, str]]:
        folder, _slash, name = part.rpartition("/")
        path = f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"
        if path not in self.names:
            return {}
        found = {}

        def start(tag, attrs):
            if _local_name(tag) == "Relationship" and attrs.get("TargetMode") != "External":
                target = attrs.get("Target", "")
                if target.startswith("/"):
                    target = target[1:]
                else:
                    target = posixpath.normpath(posixpath.join(folder, target))
                found[attrs.get("Id", "")] = (attrs.get("Type", ""), target)

        _parse(io.BytesIO(self._read_part(path)), start)
        return found

    def _sheets(self, path: str):
        sheets, epoch = [], WINDOWS_EPOCH

        def start(tag, attrs):
            nonlocal epoch
            local = _local_name(tag)
            if local == "sheet":
                rid = next((value for key, value in attrs.items() if key.endswith(":id")), "")
                sheets.append((attrs.get("name", ""), attrs.get("state", ""), rid))
            elif local == "workbookPr" and attrs.get("date1904") in ("1", "true"):
                epoch = MAC_EPOCH

        _parse(io.BytesIO(self._read_part(path)), start)
        return sheets, epoch

    def _has_values(self, path: str) -> bool:
        """Whether a sheet holds any value: read up to its first value only."""

        def start(tag, _attrs):
            if _local_name(tag) in ("v", "is"):
                raise _Found

        try:
            with self.archive.open(path) as handle:
                _parse(handle, start)
        except _Found:
            return True
        return False

    def _declared_rows(self) -> int | None:
        # The sheet's <dimension ref="A1:N100001"> is near the top of its XML: read only that much.
        with self.archive.open(self.sheet_path) as handle:
            head = handle.read(4096).decode("utf-8", "replace")
        match = re.search(r'<(?:\w+:)?dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', head)
        return max(0, int(match.group(1)) - 1) if match else None

    def date_styles(self) -> set[int]:
        """Indexes of the cell styles (cellXfs) whose number format is a date or a time."""
        if not self.styles_path or self.styles_path not in self.names:
            return set()
        custom: dict[int, str] = {}
        formats: list[int] = []
        depth = {"cellXfs": False}

        def start(tag, attrs):
            local = _local_name(tag)
            if local == "numFmt":
                with contextlib.suppress(ValueError):
                    custom[int(attrs.get("numFmtId", ""))] = attrs.get("formatCode", "")
            elif local == "cellXfs":
                depth["cellXfs"] = True
            elif local == "xf" and depth["cellXfs"]:
                try:
                    formats.append(int(attrs.get("numFmtId", "0")))
                except ValueError:
                    formats.append(0)

        def end(tag):
            if _local_name(tag) == "cellXfs":
                depth["cellXfs"] = False

        _parse(io.BytesIO(self._read_part(self.styles_path)), start, end)
        return {
            index
            for index, number in enumerate(formats)
            if (number in custom and is_date_format(custom[number]))
            or (number not in custom and number in DATE_FORMAT_IDS)
        }

    def shared_strings(self) -> list[str]:
        """The shared strings, streamed: refused as soon as one is longer than a cell may be or
        all together pass MAX_SHARED_CHARS (a small zip can hold hundreds of megabytes of them)."""
        if not self.shared_path or self.shared_path not in self.names:
            return []
        strings: list[str] = []
        text: list[str] = []
        state = {"size": 0, "total": 0, "collect": False, "phonetic": 0}

        def start(tag, _attrs):
            local = _local_name(tag)
            if local == "t":
                state["collect"] = not state["phonetic"]
            elif local == "si":
                text.clear()
                state["size"] = 0
            elif local == "rPh":
                state["phonetic"] += 1

        def end(tag):
            local = _local_name(tag)
            if local == "t":
                state["collect"] = False
            elif local == "si":
                strings.append(_unescape("".join(text)))
                if len(strings) > MAX_SHARED_STRINGS:
                    raise ImportRefused(
                        _("The workbook holds more than %(limit)s different texts; the file is refused.")
                        % {"limit": MAX_SHARED_STRINGS}
                    )
            elif local == "rPh":
                state["phonetic"] -= 1

        def characters(data):
            if state["collect"]:
                state["size"] += len(data)
                state["total"] += len(data)
                if state["size"] > MAX_CELL_CHARS:
                    raise _too_long_cell()
                if state["total"] > MAX_SHARED_CHARS:
                    raise ImportRefused(
                        _("The workbook's texts come to more than %(limit)s characters; the file is refused.")
                        % {"limit": MAX_SHARED_CHARS}
                    )
                text.append(data)

        with self.archive.open(self.shared_path) as handle:
            _parse(handle, start, end, characters)
        return strings


class SheetChoiceNeeded(ImportRefused):
    """The workbook has more than one sheet that could be meant: the importer must choose."""

    def __init__(self, message: str, sheets: list[str]):
        super().__init__(message)
        self.sheets = sheets


class _SheetReader:
    """Streams the rows of one worksheet's XML as (row number, values): shared strings resolved,
    date-formatted numbers as dates, formulas as their saved value, a formula without a saved
    value as :data:`UNCALCULATED`, an error value as :class:`ExcelError`.

    The element handlers run some seven million times for 100,000 rows: they are closures over
    local state (cheaper than attributes of ``self``) and test the most frequent elements
    first."""

    def __init__(self, shared_strings, date_styles, epoch):
        self.shared = shared_strings
        self.date_styles = date_styles
        self.epoch = epoch

    def rows(self, source) -> Iterator[tuple[int, tuple]]:
        shared, date_styles, epoch = self.shared, self.date_styles, self.epoch
        local_names = _LOCAL_NAMES
        max_columns, max_cell = MAX_COLUMNS, MAX_CELL_CHARS
        dates: dict[float, object] = {}  # a ledger's dates repeat: each serial is converted once
        ready: list[tuple[int, tuple]] = []
        row_number = column = style = size = 0
        values: dict[int, object] = {}
        kind = "n"
        text: list[str] = []
        collecting = in_cell = has_formula = has_value = False

        def start(name, attrs):
            nonlocal row_number, values, column, kind, style, text, size
            nonlocal collecting, in_cell, has_formula, has_value
            name = local_names.get(name) or _local_name(name)
            if name == "c":
                reference = attrs.get("r")
                column = _column_of(reference) if reference else column + 1
                kind = attrs.get("t", "n")
                number = attrs.get("s")
                style = int(number) if number else 0
                text = []
                size = 0
                in_cell = True
                has_formula = has_value = False
            elif name == "t":
                if in_cell:
                    collecting = has_value = True
            elif name == "v":
                collecting = has_value = True
            elif name == "f":
                has_formula = True
            elif name == "row":
                number = attrs.get("r")
                row_number = int(number) if number else row_number + 1
                if row_number - 1 > MAX_ROWS:
                    raise _too_many_rows()
                values = {}
                column = 0
            elif name == "rPh":
                collecting = False

        def end(name):
            nonlocal collecting, in_cell
            name = local_names.get(name) or _local_name(name)
            if name == "c":
                in_cell = False
                value = cell_value()
                if value is not None:
                    if column > max_columns:
                        raise _too_many_columns()
                    values[column] = value
            elif name == "t" or name == "v":
                collecting = False
            elif name == "row" and values:
                width = max(values)
                ready.append((row_number, tuple([values.get(i) for i in range(1, width + 1)])))

        def characters(data):
            nonlocal size
            if collecting:
                size += len(data)
                if size > max_cell:
                    raise _too_long_cell(_(" (row %(row)s)") % {"row": row_number})
                text.append(data)

        def cell_value():
            content = "".join(text)
            if has_formula and not content and kind != "str":
                # Written by a program that cannot calculate: no value was ever saved.
                return UNCALCULATED
            if not has_value:
                return None
            if kind in _TYPED_KINDS:
                return _typed_cell(kind, content, shared)
            return _number_cell(content, style in date_styles, dates, epoch)

        parser = _guarded_expat()
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = characters
        parser.buffer_text = True
        while True:
            chunk = source.read(1 << 16)
            parser.Parse(chunk, not chunk)
            yield from ready
            ready.clear()
            if not chunk:
                return


def _too_many_rows() -> ImportRefused:
    return ImportRefused(
        _("The file has more than %(limit)s rows; at most %(limit)s rows can be imported at once.")
        % {"limit": MAX_ROWS}
    )


def _too_many_columns() -> ImportRefused:
    return ImportRefused(
        _("The file has data beyond column %(limit)s; the template has far fewer columns.")
        % {"limit": MAX_COLUMNS}
    )


def _broken(error: BaseException) -> ImportRefused:
    """Any failure while unpacking or parsing (a damaged zip member, a bad CRC, truncated XML,
    a bad shared-string index, ...) is the file's fault: the whole file is refused."""
    if isinstance(error, ImportRefused):
        return error
    if isinstance(error, MemoryError):
        return ImportRefused(_("The file is too large to be read."))
    return ImportRefused(
        _("The file is damaged or not a valid .xlsx workbook (%(reason)s).") % {"reason": _reason(error)}
    )


def _reason(error: BaseException) -> str:
    if isinstance(error, zipfile.BadZipFile | zlib.error | EOFError):
        return _("the zip archive is damaged")
    if isinstance(error, expat.ExpatError):
        return _("the XML is malformed")
    return _("unreadable content")


def _xlsx_rows(workbook: _Workbook) -> Iterator[tuple[int, tuple]]:
    try:
        shared = workbook.shared_strings()
        date_styles = workbook.date_styles()
        with workbook.archive.open(workbook.sheet_path) as source:
            yield from _SheetReader(shared, date_styles, workbook.epoch).rows(source)
    except Exception as error:
        raise _broken(error) from error
    finally:
        workbook.close()


def _csv_encoding(data: bytes) -> str:
    """UTF-8 (with or without a BOM), else GB18030 (Chinese Excel saves CSV as GBK): checked in
    pieces, so that no second copy of the file is made to find out."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = ("utf-8-sig",)
    else:
        candidates = ("utf-8", "gb18030")
    view = memoryview(data)
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(view), 1 << 20):
                decoder.decode(view[start : start + (1 << 20)])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ImportRefused(_("The CSV file is neither UTF-8 nor GBK text."))


def _csv_rows(data: bytes) -> Iterator[tuple[int, tuple]]:
    encoding = _csv_encoding(data)
    handle = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    try:
        for number, values in enumerate(csv.reader(handle), start=1):
            _check_csv_row(number, values)
            yield number, tuple(value.strip() if value.strip() else None for value in values)
    except ImportRefused:
        raise
    except (csv.Error, UnicodeError, ValueError) as error:
        if "field larger than field limit" in str(error):
            raise _too_long_cell() from error
        raise ImportRefused(_("The CSV file cannot be read: %(reason)s.") % {"reason": error}) from error


def _check_csv_row(number: int, values: list[str]) -> None:
    if number - 1 > MAX_ROWS:
        raise _too_many_rows()
    if len(values) > MAX_COLUMNS and any(value.strip() for value in values[MAX_COLUMNS:]):
        raise _too_many_columns()
    for value in values:
        if len(value) > MAX_CELL_CHARS:
            raise _too_long_cell(_(" (row %(row)s)") % {"row": number})


def _header_text(value) -> str:
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"\s+", "", CONTROL_CHARACTERS.sub("", text))


def read_table(
    data: bytes, filename: str, sheet: str | None = None, *, known_headers: frozenset[str] = frozenset()
) -> Table:
    """The header and the streamed rows of one sheet of an .xlsx or of a .csv. The header row is the
    first of the first rows holding two or more of ``known_headers`` (a title row above it is
    skipped), otherwise the first non-empty row."""
    estimated = check_caps(data, filename, sheet)
    sheet_name = ""
    if _extension(filename) == ".csv":
        rows = _csv_rows(data)
    else:
        workbook = _Workbook(data, sheet)
        sheet_name = workbook.sheet_name
        # Only a stated dimension is a true count for the progress bar; otherwise rows are counted.
        estimated = workbook.declared_rows or 0
        rows = _xlsx_rows(workbook)
    looked, header_at = _header_search(rows, known_headers)
    header_row, values = looked[header_at]
    headers = [_header_text(value) for value in values]
    source = itertools.chain(looked[header_at + 1 :], rows)
    estimated = max(0, estimated - (header_row - 1))
    return Table(
        headers=headers,
        source=_non_empty(source),
        estimated_rows=estimated,
        header_row=header_row,
        sheet=sheet_name,
    )


def _header_search(rows: Iterator[tuple[int, tuple]], known: frozenset[str]) -> tuple[list, int]:
    """The first non-empty rows read (at most HEADER_SEARCH_ROWS) and the index among them of the
    header: the first holding two or more known column headers — a title row above it
    ("2025年学习台账") is skipped — otherwise the first."""
    looked: list[tuple[int, tuple]] = []
    for number, values in rows:
        if not any(not _blank(value) for value in values):
            continue
        looked.append((number, values))
        if sum(1 for value in values if _header_text(value) in known) >= 2:
            return looked, len(looked) - 1
        if len(looked) >= HEADER_SEARCH_ROWS:
            break
    if not looked:
        raise ImportRefused(_("The file is empty: it has no header row and no data."))
    return looked, 0


def _non_empty(rows):
    for number, values in rows:
        if any(not _blank(value) for value in values):
            yield number, values


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# Cell types that say what their text is (shared or inline string, error, boolean, ISO date); the rest are numbers.
_TYPED_KINDS = frozenset({"s", "inlineStr", "str", "e", "b", "d"})


def _typed_cell(kind: str, content: str, shared):
    if kind == "s":
        return shared[int(content)]
    if kind in ("inlineStr", "str"):
        return _unescape(content)
    if kind == "e":
        return ExcelError(content)
    if kind == "b":
        return content == "1"
    try:
        return from_ISO8601(content)
    except ValueError:
        return content


def _number_cell(content: str, is_date: bool, dates: dict, epoch):
    """A number cell: an int when written as one, a date when its style is a date format (cached per
    serial number: a sheet repeats its dates), the text itself when it is no number at all."""
    if not content:
        return None
    try:
        number = float(content)
    except ValueError:
        return content
    if number.is_integer() and "." not in content and "E" not in content.upper():
        number = int(content)
    if not is_date:
        return number
    day = dates.get(number)
    if day is None:
        try:
            day = dates[number] = from_excel(number, epoch)
        except (OverflowError, ValueError, TypeError):
            return number
    return day
