"""The spreadsheet import pipeline (DESIGN.md, "Spreadsheet import") for study records and
learning-platform points. One pipeline behind every door: the staff import page, the Django
admin (django-import-export), the management commands and the background task.

    caps (size, rows, unpacked size) checked before parsing
    → parse (.xlsx with openpyxl read-only, values not formulas, XML through defusedxml; or .csv)
    → validate every row, collecting (sheet row, column, Chinese message)
    → any error: report them all, write nothing
    → else write in one transaction with bulk operations keyed on natural keys
    → created / updated / unchanged counts.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime
import functools
import gc
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from xml.parsers import expat
from xml.sax import xmlreader

from defusedxml import DefusedXmlException
from defusedxml.expatreader import DefusedExpatParser
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601

from ideology_office.accounts.models import OrgUnit, User
from ideology_office.common import policies
from ideology_office.common.audit import summarised_audit
from ideology_office.common.bulk import insert_rows
from ideology_office.common.policies import Action
from ideology_office.common.spreadsheets import Sheet, workbook_bytes

from . import permissions
from .models import (
    Attendance,
    ImportJob,
    LearningPlatform,
    PointsEntry,
    StudyMaterial,
    StudySession,
    Tag,
)

# Limits, refused before any parsing. Settings may lower or raise them.
MAX_BYTES = getattr(settings, "STUDY_IMPORT_MAX_BYTES", 30 * 1024 * 1024)
MAX_ROWS = getattr(settings, "STUDY_IMPORT_MAX_ROWS", 200_000)
# An .xlsx is a zip: its unpacked XML is capped too, so a small "zip bomb" cannot fill memory.
MAX_UNPACKED_BYTES = getattr(settings, "STUDY_IMPORT_MAX_UNPACKED_BYTES", 400 * 1024 * 1024)
# Files with more rows than this run in the background with a progress bar.
INLINE_MAX_ROWS = getattr(settings, "STUDY_IMPORT_INLINE_MAX_ROWS", 2_000)
BATCH_SIZE = 2_000
ACCEPTED_EXTENSIONS = (".xlsx", ".csv")
LIST_SEPARATORS = re.compile(r"[、,，;；\n]+")
ABSENT_ENTRY = re.compile(r"^(?P<name>[^（(]+)[（(](?P<reason>.*)[）)]$")


class ImportRefused(Exception):
    """The whole file is refused (too big, not a spreadsheet, unsafe XML) before reading rows."""


class _Uncalculated:
    """A formula cell that carries no saved value (written by a program, never opened in Excel)."""

    def __repr__(self):
        return "<formula without a value>"


UNCALCULATED = _Uncalculated()


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self):
        if not self.row:
            return self.message
        if self.column:
            return _("Row %(row)s, column “%(column)s”: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


@dataclass
class ImportResult:
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {
            "total_rows": self.total_rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "written": self.written,
            "errors": [[error.row, error.column, error.message] for error in self.errors],
        }

    @classmethod
    def from_dict(cls, data: dict) -> ImportResult:
        return cls(
            total_rows=data.get("total_rows", 0),
            created=data.get("created", 0),
            updated=data.get("updated", 0),
            unchanged=data.get("unchanged", 0),
            written=data.get("written", False),
            errors=[RowError(*item) for item in data.get("errors", [])],
        )


Progress = Callable[[int, int], None]


# Reading ------------------------------------------------------------------------------------


@dataclass
class Table:
    headers: list[str]
    source: Iterator[tuple[int, tuple]]
    estimated_rows: int
    rows_read: int = 0

    @property
    def rows(self) -> Iterator[tuple[int, tuple]]:
        """(sheet row number, values) of every non-empty row after the header, counted as read."""
        for item in self.source:
            self.rows_read += 1
            yield item


def _extension(filename: str) -> str:
    return PurePosixPath(filename or "").suffix.lower()


def check_caps(data: bytes, filename: str) -> int:
    """Refuse a file that is too big, of the wrong type, or unpacks too large; return the number
    of data rows it declares. Nothing is parsed yet."""
    if _extension(filename) not in ACCEPTED_EXTENSIONS:
        raise ImportRefused(_("Only .xlsx and .csv files can be imported."))
    if not data:
        raise ImportRefused(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise ImportRefused(
            _("The file is %(size)s MB; at most %(limit)s MB can be imported at once.")
            % {"size": round(len(data) / 1024 / 1024, 1), "limit": MAX_BYTES // 1024 // 1024}
        )
    if _extension(filename) == ".csv":
        rows = max(0, data.count(b"\n") - 1 + (0 if data.endswith(b"\n") else 1))
    else:
        rows = _xlsx_declared_rows(data)
    if rows > MAX_ROWS:
        raise ImportRefused(
            _("The file has %(rows)s rows; at most %(limit)s rows can be imported at once.")
            % {"rows": rows, "limit": MAX_ROWS}
        )
    return rows


def _xlsx_declared_rows(data: bytes) -> int:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as error:
        raise ImportRefused(_("The file is not a valid .xlsx workbook.")) from error
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportRefused(_("The workbook unpacks to more than the allowed size and is refused."))
    # The sheet's <dimension ref="A1:N100001"> is near the top of its XML: read only that much.
    sheet_names = [name for name in archive.namelist() if re.match(r"xl/worksheets/sheet\d+\.xml$", name)]
    if not sheet_names:
        raise ImportRefused(_("The file is not a valid .xlsx workbook."))
    with archive.open(sorted(sheet_names)[0]) as handle:
        head = handle.read(4096).decode("utf-8", "replace")
    match = re.search(r'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', head)
    if match:
        return max(0, int(match.group(1)) - 1)
    # No <dimension> (some programs omit it): a rough count from the sheet's size decides only
    # whether the import runs in the background; the row cap is then enforced while reading.
    return min(MAX_ROWS, archive.getinfo(sorted(sheet_names)[0]).file_size // 200)


def _defused_expat():
    """A pyexpat parser with defusedxml's guards installed (no DTD, no entities, nothing external).
    Its element handlers are then set directly: the sheet XML of a 100,000-row file is read about
    three times faster than through ElementTree objects."""
    reader = DefusedExpatParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    reader._source = xmlreader.InputSource()
    reader.reset()
    return reader._parser


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


class _SheetReader:
    """Streams the rows of one worksheet's XML as (row number, values): shared strings resolved,
    date-formatted numbers as dates, formulas as their saved value, and a formula without a
    saved value as :data:`UNCALCULATED`.

    The element handlers run some seven million times for 100,000 rows: they are closures over
    local state (cheaper than attributes of ``self``) and test the most frequent elements
    first."""

    def __init__(self, shared_strings, workbook):
        self.shared = shared_strings
        self.date_styles = workbook._date_formats
        self.epoch = workbook.epoch

    def rows(self, source) -> Iterator[tuple[int, tuple]]:
        shared, date_styles, epoch = self.shared, self.date_styles, self.epoch
        local_names = _LOCAL_NAMES
        dates: dict[float, object] = {}  # a ledger's dates repeat: each serial is converted once
        ready: list[tuple[int, tuple]] = []
        row_number = column = style = 0
        values: dict[int, object] = {}
        kind = "n"
        text: list[str] = []
        collecting = in_cell = has_formula = has_value = False

        def start(name, attrs):
            nonlocal row_number, values, column, kind, style, text
            nonlocal collecting, in_cell, has_formula, has_value
            name = local_names.get(name) or _local_name(name)
            if name == "c":
                reference = attrs.get("r")
                column = _column_of(reference) if reference else column + 1
                kind = attrs.get("t", "n")
                number = attrs.get("s")
                style = int(number) if number else 0
                text = []
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
                values = {}
                column = 0

        def end(name):
            nonlocal collecting, in_cell
            name = local_names.get(name) or _local_name(name)
            if name == "c":
                in_cell = False
                value = cell_value()
                if value is not None:
                    values[column] = value
            elif name == "t" or name == "v":
                collecting = False
            elif name == "row" and values:
                width = max(values)
                ready.append((row_number, tuple([values.get(i) for i in range(1, width + 1)])))

        def characters(data):
            if collecting:
                text.append(data)

        def cell_value():
            content = "".join(text)
            if has_formula and not content and kind != "str":
                # Written by a program that cannot calculate: no value was ever saved.
                return UNCALCULATED
            if not has_value:
                return None
            if kind == "s":
                return shared[int(content)]
            if kind == "inlineStr" or kind == "str" or kind == "e":
                return content
            if kind == "b":
                return content == "1"
            if kind == "d":
                return from_ISO8601(content)
            if not content:
                return None
            number = float(content)
            if number.is_integer() and "." not in content and "E" not in content.upper():
                number = int(content)
            if style in date_styles:
                day = dates.get(number)
                if day is None:
                    try:
                        day = dates[number] = from_excel(number, epoch)
                    except (OverflowError, ValueError):
                        return content
                return day
            return number

        parser = _defused_expat()
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


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, tuple]]:
    # openpyxl's reader gives the shared strings, date styles and the first sheet's path; its
    # worksheet objects are skipped because, for a sheet without a <dimension>, opening one
    # parses the whole sheet once more just to size it.
    try:
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        sheets = [
            rel.target
            for _sheet, rel in reader.parser.find_sheets()
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type
        ]
    except DefusedXmlException as error:
        raise ImportRefused(_("The workbook contains unsafe XML and is refused.")) from error
    except Exception as error:
        raise ImportRefused(_("The file is not a valid .xlsx workbook.")) from error
    if not sheets:
        raise ImportRefused(_("The file is not a valid .xlsx workbook."))
    try:
        with reader.archive.open(sheets[0]) as source:
            yield from _SheetReader(reader.shared_strings, reader.wb).rows(source)
    except DefusedXmlException as error:
        raise ImportRefused(_("The workbook contains unsafe XML and is refused.")) from error
    except expat.ExpatError as error:
        raise ImportRefused(_("The file is not a valid .xlsx workbook.")) from error
    finally:
        reader.archive.close()


def _csv_rows(data: bytes) -> Iterator[tuple[int, tuple]]:
    if data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8) :].decode("utf-8", "strict")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            # Excel in Chinese saves CSV in GB18030 (GBK) unless told otherwise.
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError as error:
                raise ImportRefused(_("The CSV file is neither UTF-8 nor GBK text.")) from error
    for number, values in enumerate(csv.reader(io.StringIO(text)), start=1):
        yield number, tuple(value.strip() if value.strip() else None for value in values)


def read_table(data: bytes, filename: str) -> Table:
    estimated = check_caps(data, filename)
    rows = _csv_rows(data) if _extension(filename) == ".csv" else _xlsx_rows(data)
    for _number, values in rows:
        if any(_blank(value) is False for value in values):
            headers = [str(value).strip() if value is not None else "" for value in values]
            break
    else:
        raise ImportRefused(_("The file has no header row."))
    return Table(headers=headers, source=_non_empty(rows), estimated_rows=estimated)


def _non_empty(rows):
    for number, values in rows:
        if number - 1 > MAX_ROWS:
            raise ImportRefused(
                _("The file has more than %(limit)s rows; at most %(limit)s rows can be imported at once.")
                % {"limit": MAX_ROWS}
            )
        if any(not _blank(value) for value in values):
            yield number, values


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# Cell values --------------------------------------------------------------------------------


class CellError(ValueError):
    pass


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _strptime(text: str, pattern: str) -> datetime.datetime:
    # Cells hold calendar days and wall-clock times, not moments: no time zone applies.
    return datetime.datetime.strptime(text, pattern)  # noqa: DTZ007


DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


def parse_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        day = _date_from_text(value.strip())
        if day is not None:
            return day
    raise CellError(_("“%(value)s” is not a date (write it as 2024-03-01).") % {"value": _text(value)})


# A ledger repeats the same few hundred dates and times: each text is parsed once (strptime
# costs as much as all the other checks of a row together).
@functools.lru_cache(maxsize=4096)
def _date_from_text(text: str) -> datetime.date | None:
    for pattern in DATE_FORMATS:
        try:
            return _strptime(text, pattern).date()
        except ValueError:
            continue
    return None


@functools.lru_cache(maxsize=4096)
def _time_from_text(text: str) -> datetime.time | None:
    for pattern in ("%H:%M", "%H:%M:%S"):
        try:
            return _strptime(text, pattern).time()
        except ValueError:
            continue
    return None


def parse_month(value) -> datetime.date:
    if isinstance(value, datetime.date):
        return (value.date() if isinstance(value, datetime.datetime) else value).replace(day=1)
    text = _text(value)
    for pattern in ("%Y-%m", "%Y/%m", "%Y年%m月", "%Y%m", "%Y.%m"):
        try:
            return _strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError(_("“%(value)s” is not a month (write it as 2024-03).") % {"value": text})


def parse_time(value) -> datetime.time:
    if isinstance(value, datetime.datetime):
        return value.time()
    if isinstance(value, datetime.time):
        return value
    text = _text(value).replace("：", ":")
    time = _time_from_text(text)
    if time is None:
        raise CellError(_("“%(value)s” is not a time (write it as 09:30).") % {"value": text})
    return time


def parse_points(value) -> int:
    if isinstance(value, bool):
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": value})
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        text = _text(value)
        if not re.fullmatch(r"\d+", text):
            raise CellError(_("“%(value)s” is not a whole number.") % {"value": text})
        number = int(text)
    if number < 0 or number > 100_000:
        raise CellError(_("Points must be between 0 and 100000."))
    return number


def split_list(value) -> tuple[str, ...]:
    if value is None:
        return ()
    return _split_text(_text(value))


@functools.lru_cache(maxsize=4096)
def _split_text(text: str) -> tuple[str, ...]:
    # Lists of tags and names repeat from row to row: each is split once.
    return tuple(item.strip() for item in LIST_SEPARATORS.split(text) if item.strip())


# Lookups shared by both imports -----------------------------------------------------------------


class People:
    """People by login name or real name; a real name two people share must be given as a login."""

    def __init__(self):
        self.by_username = {}
        self.by_name: dict[str, int | None] = {}
        for pk, username, real_name in User.objects.values_list("pk", "username", "real_name"):
            self.by_username[username.lower()] = pk
            if real_name:
                self.by_name[real_name] = None if real_name in self.by_name else pk
        self.section_of = dict(User.objects.values_list("pk", "section_id"))

    def find(self, text: str) -> int:
        pk = self.by_username.get(text.lower())
        if pk is not None:
            return pk
        if text in self.by_name:
            pk = self.by_name[text]
            if pk is None:
                raise CellError(
                    _("Two or more people are called “%(name)s”; write the login name instead.")
                    % {"name": text}
                )
            return pk
        raise CellError(_("No person called “%(name)s”.") % {"name": text})


def _choice_lookup(choices) -> dict[str, str]:
    """Chinese labels (and the stored values) of a choice list → stored value."""
    lookup = {value: value for value, _label in choices}
    with translation.override("zh-hans"):
        lookup.update({str(label): value for value, label in choices})
    return lookup


# The names the office's own ledgers use for each kind of session (data, in Chinese).
KIND_ALIASES = {
    "第一议题": StudySession.Kind.FIRST_AGENDA,
    "第一议题学习": StudySession.Kind.FIRST_AGENDA,
    "中心组学习": StudySession.Kind.CENTRAL_GROUP,
    "理论学习中心组学习": StudySession.Kind.CENTRAL_GROUP,
    "专题研讨": StudySession.Kind.THEMATIC_DISCUSSION,
    "专题研讨交流": StudySession.Kind.THEMATIC_DISCUSSION,
    "专题读书班": StudySession.Kind.READING_CLASS,
    "读书班": StudySession.Kind.READING_CLASS,
    "支部党员大会": StudySession.Kind.BRANCH_GENERAL,
    "支委会": StudySession.Kind.BRANCH_COMMITTEE,
    "党小组会": StudySession.Kind.PARTY_GROUP,
    "党课": StudySession.Kind.PARTY_LECTURE,
    "主题党日": StudySession.Kind.THEMED_PARTY_DAY,
    "其他活动": StudySession.Kind.OTHER,
}


# Columns ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    example: object = ""


class Spec:
    kind: str
    title: gettext_lazy
    columns: Sequence[Column]

    @functools.cached_property
    def header_of(self) -> dict[str, str]:
        return {column.key: column.header for column in self.columns}

    def header_index(self, headers: list[str], errors: list[RowError]) -> dict[str, int]:
        index = {}
        names = {column.header: column for column in self.columns}
        for position, header in enumerate(headers):
            column = names.get(header)
            if column is None:
                continue
            if column.key in index:
                errors.append(RowError(1, header, _("This column appears twice.")))
            index[column.key] = position
        for column in self.columns:
            if column.required and column.key not in index:
                errors.append(RowError(1, column.header, _("The required column is missing.")))
        return index

    def template(self) -> bytes:
        headers = [column.header for column in self.columns]
        return workbook_bytes([Sheet(title=str(self.title), headers=headers, rows=[self.example_row()])])

    def example_row(self) -> list:
        return [column.example for column in self.columns]


class _RowReader:
    """Reads one row's cells by column key, recording each problem and going on."""

    def __init__(self, spec: Spec, index: dict[str, int], number: int, values: tuple, errors: list[RowError]):
        self.spec = spec
        self.index = index
        self.number = number
        self.values = values
        self.errors = errors
        self.failed = False
        self.headers = spec.header_of

    def raw(self, key: str):
        position = self.index.get(key)
        if position is None or position >= len(self.values):
            return None
        return self.values[position]

    def error(self, key: str, message: str) -> None:
        self.failed = True
        self.errors.append(RowError(self.number, self.headers[key], message))

    def get(self, key: str, parse=None, *, required: bool = False):
        # raw() and _blank() inlined: this runs for every cell of every row.
        position = self.index.get(key)
        values = self.values
        value = values[position] if position is not None and position < len(values) else None
        if value is None or (value.__class__ is str and not value.strip()):
            if required:
                self.error(key, _("This cell is required."))
            return None
        if value is UNCALCULATED:
            self.error(
                key,
                _("The formula has no saved value: open the file in Excel or WPS, save it and import again."),
            )
            return None
        if parse is None:
            return _text(value)
        try:
            return parse(value)
        except CellError as problem:
            self.error(key, str(problem))
            return None


# Study records ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionRow:
    number: int
    kind: str
    date: datetime.date
    topic: str
    section_id: int
    venue: str
    start_time: datetime.time | None
    end_time: datetime.time | None
    place: str
    host_id: int | None
    recorder_id: int | None
    minutes: str
    tag_names: tuple[str, ...]
    material_ids: tuple[int, ...]
    attendance: tuple[tuple[int, str, str], ...]

    @property
    def key(self):
        return (self.kind, self.date, self.topic)


SESSION_SCALARS = (
    "first_agenda_venue",
    "start_time",
    "end_time",
    "place",
    "section_id",
    "host_id",
    "recorder_id",
    "minutes",
)
# What a new session's row gives, in this order (StudyRecordsSpec.write).
SESSION_INSERT_FIELDS = (
    "kind",
    "first_agenda_venue",
    "date",
    "topic",
    "section_id",
    "start_time",
    "end_time",
    "place",
    "host_id",
    "recorder_id",
    "minutes",
    "created_by_id",
)


class StudyRecordsSpec(Spec):
    kind = ImportJob.Kind.STUDY_RECORDS
    title = gettext_lazy("Study records")
    columns = (
        Column("date", "日期", True, datetime.date(2024, 3, 5)),
        Column("kind", "类型", True, "理论学习中心组学习"),
        Column("topic", "主题", True, "学习习近平总书记关于意识形态工作的重要论述"),
        Column("section", "组织股室", True, "综合股"),
        Column("venue", "第一议题会议", False, ""),
        Column("start_time", "开始时间", False, "09:00"),
        Column("end_time", "结束时间", False, "11:30"),
        Column("place", "地点", False, "三楼会议室"),
        Column("host", "主持人", False, "陈立华"),
        Column("recorder", "记录人", False, "何芸"),
        Column("tags", "标签", False, "意识形态、网络安全"),
        Column("materials", "学习材料", False, ""),
        Column("present", "出席人员", False, "陈立华、王建国、刘敏"),
        Column("absent", "缺席人员", False, "赵志强（公务出差）"),
        Column("observers", "列席人员", False, ""),
        Column("minutes", "会议记录", False, ""),
    )

    def validate(
        self, table: Table, *, user, errors: list[RowError], progress: Progress | None
    ) -> list[SessionRow]:
        index = self.header_index(table.headers, errors)
        if errors:
            return []
        kinds = {**_choice_lookup(StudySession.Kind.choices), **KIND_ALIASES}
        venues = _choice_lookup(StudySession.Venue.choices)
        venues.update({"室务会": "office_meeting", "中心组": "central_group", "党支部": "party_branch"})
        sections = {}
        for pk, name, short_name, code in OrgUnit.objects.values_list("pk", "name", "short_name", "code"):
            for label in (name, short_name, code):
                if label:
                    sections[label] = pk
        people = People()
        materials: dict[str, int | None] = {}
        for pk, title in StudyMaterial.objects.active().values_list("pk", "title"):
            materials[title] = None if title in materials else pk
        seen: dict[tuple, int] = {}
        rows = []
        for count, (number, values) in enumerate(table.rows, start=1):
            reader = _RowReader(self, index, number, values, errors)
            date = reader.get("date", parse_date, required=True)
            kind_text = reader.get("kind", required=True)
            kind = kinds.get(kind_text) if kind_text else None
            if kind_text and kind is None:
                reader.error("kind", _("Unknown kind “%(value)s”.") % {"value": kind_text})
            elif kind == StudySession.Kind.READING_CLASS:
                reader.error("kind", _("Reading classes are recorded on their own page, not imported."))
                kind = None
            topic = reader.get("topic", required=True) or ""
            if len(topic) > 200:
                reader.error("topic", _("At most 200 characters."))
            section_text = reader.get("section", required=True)
            section_id = sections.get(section_text) if section_text else None
            if section_text and section_id is None:
                reader.error("section", _("No section called “%(value)s”.") % {"value": section_text})
            elif (
                section_id is not None
                and user is not None
                and not permissions.can_record_for_section(user, section_id)
            ):
                reader.error("section", _("You may record sessions of your own section only."))
            venue_text = reader.get("venue")
            venue = ""
            if kind == StudySession.Kind.FIRST_AGENDA:
                venue = venues.get(venue_text or "", "")
                if not venue:
                    reader.error(
                        "venue", _("Give the meeting of the first agenda item: 室务会, 中心组 or 党支部.")
                    )
            start_time = reader.get("start_time", parse_time)
            end_time = reader.get("end_time", parse_time)
            if start_time and end_time and end_time <= start_time:
                reader.error("end_time", _("The end time must be after the start time."))
            place = reader.get("place") or ""
            host_id = self._person(reader, people, "host")
            recorder_id = self._person(reader, people, "recorder")
            tag_names = tuple(dict.fromkeys(split_list(reader.raw("tags"))))
            for name in tag_names:
                if len(name) > 30:
                    reader.error("tags", _("A tag may have at most 30 characters: %(name)s") % {"name": name})
            material_ids = []
            for title in split_list(reader.raw("materials")):
                if title not in materials:
                    reader.error("materials", _("No study material titled “%(title)s”.") % {"title": title})
                elif materials[title] is None:
                    reader.error(
                        "materials",
                        _("Two materials are titled “%(title)s”; record this one on the page.")
                        % {"title": title},
                    )
                else:
                    material_ids.append(materials[title])
            attendance = self._attendance(reader, people)
            minutes = reader.get("minutes") or ""
            if not reader.failed and date and kind:
                key = (kind, date, topic)
                if key in seen:
                    reader.error(
                        "topic",
                        _("The same session (kind, date and topic) is already in row %(row)s.")
                        % {"row": seen[key]},
                    )
                else:
                    seen[key] = number
            if not reader.failed:
                rows.append(
                    SessionRow(
                        number=number,
                        kind=kind,
                        date=date,
                        topic=topic,
                        section_id=section_id,
                        venue=venue,
                        start_time=start_time,
                        end_time=end_time,
                        place=place[:100],
                        host_id=host_id,
                        recorder_id=recorder_id,
                        minutes=minutes,
                        tag_names=tag_names,
                        material_ids=tuple(dict.fromkeys(material_ids)),
                        attendance=attendance,
                    )
                )
            if progress and count % BATCH_SIZE == 0:
                progress(count, 0)
        if user is not None:
            self._check_may_change(rows, user, errors)
        return rows

    def _check_may_change(self, rows: list[SessionRow], user, errors: list[RowError]) -> None:
        """A row whose natural key names a session already in the ledger updates that session:
        the importer must be allowed to change it (the session policy, asked of the existing
        record, not of the row). Checked here, with the other rows, so that a refused update
        is a row error like any other and nothing at all is written (a dry run reports it too)."""
        if not rows:
            return
        first, last = min(row.date for row in rows), max(row.date for row in rows)
        active = StudySession.objects.active()
        if not active.filter(date__gte=first, date__lte=last).exists():
            return
        for batch in _batches(rows):
            wanted = {row.key: row for row in batch}
            found = (
                active.filter(date__in={row.date for row in batch}, topic__in={row.topic for row in batch})
                .select_related("section")
                .only("pk", "kind", "date", "topic", "section", "voided_at", "section__name")
                .order_by()
            )
            refused = []
            for session in found:
                row = wanted.get((session.kind, session.date, session.topic))
                if row is not None and not policies.can(user, Action.CHANGE, session):
                    refused.append((row.number, session))
            for number, session in sorted(refused, key=lambda item: item[0]):
                errors.append(
                    RowError(
                        number,
                        "",
                        _("This study record belongs to %(section)s; you may not change it.")
                        % {"section": session.section.name if session.section_id else "—"},
                    )
                )

    def _person(self, reader: _RowReader, people: People, key: str) -> int | None:
        text = reader.get(key)
        if not text:
            return None
        try:
            return people.find(text)
        except CellError as problem:
            reader.error(key, str(problem))
            return None

    def _attendance(self, reader: _RowReader, people: People) -> tuple:
        lines: dict[int, tuple[int, str, str]] = {}

        def add(key, name, status, reason=""):
            try:
                pk = people.find(name)
            except CellError as problem:
                reader.error(key, str(problem))
                return
            if pk in lines:
                reader.error(key, _("%(name)s is listed twice.") % {"name": name})
                return
            lines[pk] = (pk, status, reason)

        for name in split_list(reader.raw("present")):
            add("present", name, Attendance.Status.PRESENT)
        for entry in split_list(reader.raw("absent")):
            match = ABSENT_ENTRY.match(entry)
            if not match or not match.group("reason").strip():
                reader.error("absent", _("Write an absence as 姓名（原因）: “%(entry)s”.") % {"entry": entry})
                continue
            add(
                "absent",
                match.group("name").strip(),
                Attendance.Status.ABSENT,
                match.group("reason").strip()[:100],
            )
        for name in split_list(reader.raw("observers")):
            add("observers", name, Attendance.Status.OBSERVER)
        return tuple(lines.values())

    def write(self, rows: list[SessionRow], *, user, result: ImportResult, progress: Progress | None) -> None:
        """Batch by batch, look the rows' natural keys up (one query, plus one per kind of child
        for the sessions found) and update the changed sessions at once; then insert the new
        sessions with their attendance, tags and materials (COPY on PostgreSQL), batch by batch.
        All in the caller's transaction. The file's natural keys are distinct, so what one batch
        writes is never what another looks up."""
        tag_ids = self._tag_ids(rows, user)
        user_id = user.pk if user is not None else None
        # A file of a period the ledger has no sessions in yet (the usual first import of a
        # year) has nothing to look up: one query says so.
        known_period = (
            bool(rows)
            and StudySession.objects.active()
            .filter(date__gte=min(row.date for row in rows), date__lte=max(row.date for row in rows))
            .exists()
        )
        new_rows = []
        for batch in _batches(rows):
            existing = self._existing(batch) if known_period else {}
            changed = []
            for row in batch:
                current = existing.get(row.key)
                if current is None:
                    new_rows.append(row)
                elif self._differs(current, row, tag_ids):
                    changed.append((current, row))
                else:
                    result.unchanged += 1
            if changed:
                # Updated right away: only one batch of what the ledger holds is kept in memory.
                self._update(changed, tag_ids, user)
                result.updated += len(changed)
            if progress and known_period:
                progress(result.updated + result.unchanged, len(rows))
        done = result.updated + result.unchanged
        for batch in _batches(new_rows):
            pks = insert_rows(
                StudySession,
                SESSION_INSERT_FIELDS,
                [
                    (
                        row.kind,
                        row.venue,
                        row.date,
                        row.topic,
                        row.section_id,
                        row.start_time,
                        row.end_time,
                        row.place,
                        row.host_id,
                        row.recorder_id,
                        row.minutes,
                        user_id,
                    )
                    for row in batch
                ],
                return_pks=True,
            )
            self._write_children(list(zip(pks, batch, strict=True)), tag_ids, user_id)
            result.created += len(batch)
            done += len(batch)
            if progress:
                progress(done, len(rows))

    def _update(self, changed: list[tuple[dict, SessionRow]], tag_ids: dict[str, int], user) -> None:
        """Change only what differs, so that the audit trail shows what the corrected file
        corrected: the session's fields and an attendance line's status or reason as per-row
        changes, a person or link taken off as a deletion, one added as part of a batch."""
        user_id = user.pk if user is not None else None
        sessions: dict[tuple[str, ...], list[StudySession]] = {}
        stale_links, stale_attendance, changed_attendance = {}, [], []
        new_links, new_attendance = {}, []
        tag_through = StudySession.tags.through
        material_through = StudySession.materials.through
        for current, row in changed:
            pk = current["pk"]
            fields = self._changed_scalars(current, row)
            if fields:
                session = self._session(row, user)
                session.pk = pk
                sessions.setdefault(fields, []).append(session)
            for through, have, want in (
                (tag_through, current["tags"], {tag_ids[name] for name in row.tag_names}),
                (material_through, current["materials"], set(row.material_ids)),
            ):
                stale_links.setdefault(through, []).extend(have[other] for other in have.keys() - want)
                new_links.setdefault(through, []).extend((pk, other) for other in want - have.keys())
            have = current["attendance"]
            want = {person: (status, reason) for person, status, reason in row.attendance}
            for person, (line_pk, status, reason) in have.items():
                if person not in want:
                    stale_attendance.append(line_pk)
                elif want[person] != (status, reason):
                    line = Attendance(pk=line_pk, status=want[person][0], absence_reason=want[person][1])
                    changed_attendance.append(line)
            new_attendance.extend(
                (pk, person, status, reason, user_id)
                for person, (status, reason) in want.items()
                if person not in have
            )
        # Changes and deletions keep their row-by-row audit entries, with the values. Sessions
        # are updated grouped by the fields that changed: bulk_update() builds a CASE per field
        # and row, so a correction of one field should not rewrite all eight.
        for fields, group in sessions.items():
            StudySession.objects.bulk_update(group, [name.removesuffix("_id") for name in fields])
        for through, pks in stale_links.items():
            if pks:
                through.objects.filter(pk__in=pks).delete()
        if stale_attendance:
            Attendance.objects.filter(pk__in=stale_attendance).delete()
        if changed_attendance:
            Attendance.objects.bulk_update(changed_attendance, ["status", "absence_reason"])
        insert_rows(tag_through, ("studysession_id", "tag_id"), new_links.get(tag_through, []))
        insert_rows(
            material_through, ("studysession_id", "studymaterial_id"), new_links.get(material_through, [])
        )
        insert_rows(
            Attendance,
            ("session_id", "person_id", "status", "absence_reason", "created_by_id"),
            new_attendance,
        )

    def _session(self, row: SessionRow, user) -> StudySession:
        return StudySession(
            kind=row.kind,
            first_agenda_venue=row.venue,
            date=row.date,
            topic=row.topic,
            section_id=row.section_id,
            start_time=row.start_time,
            end_time=row.end_time,
            place=row.place,
            host_id=row.host_id,
            recorder_id=row.recorder_id,
            minutes=row.minutes,
            created_by=user,
        )

    def _write_children(self, pairs: list[tuple[int, SessionRow]], tag_ids: dict[str, int], user_id) -> None:
        insert_rows(
            StudySession.tags.through,
            ("studysession_id", "tag_id"),
            [(pk, tag_ids[name]) for pk, row in pairs for name in row.tag_names],
        )
        insert_rows(
            StudySession.materials.through,
            ("studysession_id", "studymaterial_id"),
            [(pk, material) for pk, row in pairs for material in row.material_ids],
        )
        insert_rows(
            Attendance,
            ("session_id", "person_id", "status", "absence_reason", "created_by_id"),
            [
                (pk, person, status, reason, user_id)
                for pk, row in pairs
                for person, status, reason in row.attendance
            ],
        )

    def _tag_ids(self, rows: list[SessionRow], user) -> dict[str, int]:
        names = sorted({name for row in rows for name in row.tag_names})
        existing = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
        missing = [Tag(name=name, created_by=user) for name in names if name not in existing]
        if missing:
            Tag.objects.bulk_create(missing)
            existing = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
        return existing

    def _existing(self, rows: list[SessionRow]) -> dict[tuple, dict]:
        """The non-voided sessions with the natural keys of ``rows`` (one batch), with what an
        update compares: one query for the sessions, one per kind of child of those found.
        Children come as {tag or material id: link id} and {person id: (line id, status, reason)}."""
        if not rows:
            return {}
        wanted = {row.key for row in rows}
        found = {}
        query = StudySession.objects.active().filter(
            date__in={row.date for row in rows}, topic__in={row.topic for row in rows}
        )
        for values in query.order_by().values("pk", "kind", "date", "topic", *SESSION_SCALARS):
            key = (values["kind"], values["date"], values["topic"])
            if key in wanted:
                values.update(tags={}, materials={}, attendance={})
                found[key] = values
        if not found:
            return found
        by_pk = {values["pk"]: values for values in found.values()}
        for link, session_id, tag_id in StudySession.tags.through.objects.filter(
            studysession_id__in=by_pk
        ).values_list("pk", "studysession_id", "tag_id"):
            by_pk[session_id]["tags"][tag_id] = link
        for link, session_id, material_id in StudySession.materials.through.objects.filter(
            studysession_id__in=by_pk
        ).values_list("pk", "studysession_id", "studymaterial_id"):
            by_pk[session_id]["materials"][material_id] = link
        # No ordering: Attendance's default one would join the sessions only to sort.
        for line, session_id, person, status, reason in (
            Attendance.objects.filter(session_id__in=by_pk)
            .order_by()
            .values_list("pk", "session_id", "person_id", "status", "absence_reason")
        ):
            by_pk[session_id]["attendance"][person] = (line, status, reason)
        return found

    def _changed_scalars(self, current: dict, row: SessionRow) -> tuple[str, ...]:
        wanted = (
            row.venue,
            row.start_time,
            row.end_time,
            row.place,
            row.section_id,
            row.host_id,
            row.recorder_id,
            row.minutes,
        )
        return tuple(
            name for name, value in zip(SESSION_SCALARS, wanted, strict=True) if current[name] != value
        )

    def _differs(self, current: dict, row: SessionRow, tag_ids: dict[str, int]) -> bool:
        return (
            bool(self._changed_scalars(current, row))
            or current["tags"].keys() != {tag_ids[name] for name in row.tag_names}
            or current["materials"].keys() != set(row.material_ids)
            or {person: (status, reason) for person, (_line, status, reason) in current["attendance"].items()}
            != {person: (status, reason) for person, status, reason in row.attendance}
        )


# Platform points --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PointsRow:
    number: int
    platform_id: int
    person_id: int
    period: str
    date: datetime.date
    points: int

    @property
    def key(self):
        return (self.platform_id, self.person_id, self.period, self.date)


class PlatformPointsSpec(Spec):
    kind = ImportJob.Kind.PLATFORM_POINTS
    title = gettext_lazy("Platform points")
    columns = (
        Column("platform", "平台", True, "学习强国"),
        Column("person", "姓名", True, "陈立华"),
        Column("date", "日期", False, datetime.date(2024, 3, 5)),
        Column("month", "月份", False, ""),
        Column("points", "积分", True, 45),
    )

    def validate(
        self, table: Table, *, user, errors: list[RowError], progress: Progress | None
    ) -> list[PointsRow]:
        index = self.header_index(table.headers, errors)
        if "date" not in index and "month" not in index and not errors:
            errors.append(RowError(1, "日期", _("Give a 日期 (day) or a 月份 (month) column.")))
        if errors:
            return []
        platforms = {}
        for pk, name, code in LearningPlatform.objects.values_list("pk", "name", "code"):
            platforms[name] = pk
            platforms[code] = pk
        people = People()
        today = timezone.localdate()
        seen: dict[tuple, int] = {}
        rows = []
        for count, (number, values) in enumerate(table.rows, start=1):
            reader = _RowReader(self, index, number, values, errors)
            platform_text = reader.get("platform", required=True)
            platform_id = platforms.get(platform_text) if platform_text else None
            if platform_text and platform_id is None:
                reader.error("platform", _("No platform called “%(value)s”.") % {"value": platform_text})
            person_id = None
            person_text = reader.get("person", required=True)
            if person_text:
                try:
                    person_id = people.find(person_text)
                except CellError as problem:
                    reader.error("person", str(problem))
            day = reader.get("date", parse_date)
            month = reader.get("month", parse_month)
            if day is None and month is None and not reader.failed:
                reader.error(
                    "date" if "date" in index else "month", _("Give the day or the month of the points.")
                )
            period, date = (PointsEntry.Period.DAY, day) if day else (PointsEntry.Period.MONTH, month)
            if date and date > today:
                reader.error("date" if day else "month", _("The date is in the future."))
            points = reader.get("points", parse_points, required=True)
            if not reader.failed:
                row = PointsRow(number, platform_id, person_id, period, date, points)
                if row.key in seen:
                    reader.error(
                        "person",
                        _("The same person, platform and date are already in row %(row)s.")
                        % {"row": seen[row.key]},
                    )
                else:
                    seen[row.key] = number
                    rows.append(row)
            if progress and count % BATCH_SIZE == 0:
                progress(count, 0)
        return rows

    def write(self, rows: list[PointsRow], *, user, result: ImportResult, progress: Progress | None) -> None:
        # Updates existing entries too: only administrators import points (import_table asks
        # may_import), and points entries have no section: an administrator may change every one.
        existing = {}
        if rows:
            first = min(row.date for row in rows)
            last = max(row.date for row in rows)
            for pk, platform_id, person_id, period, date, points in (
                PointsEntry.objects.filter(date__gte=first, date__lte=last)
                .values_list("pk", "platform_id", "person_id", "period", "date", "points")
                .iterator(chunk_size=BATCH_SIZE)
            ):
                existing[(platform_id, person_id, period, date)] = (pk, points)
        new, changed = [], []
        for row in rows:
            current = existing.get(row.key)
            if current is None:
                new.append(
                    PointsEntry(
                        platform_id=row.platform_id,
                        person_id=row.person_id,
                        period=row.period,
                        date=row.date,
                        points=row.points,
                        created_by=user,
                    )
                )
            elif current[1] != row.points:
                changed.append(PointsEntry(pk=current[0], points=row.points))
            else:
                result.unchanged += 1
        for batch in _batches(new):
            PointsEntry.objects.bulk_create(batch)
            result.created += len(batch)
            if progress:
                progress(result.created + result.unchanged, len(rows))
        for batch in _batches(changed):
            PointsEntry.objects.bulk_update(batch, ["points"])
            result.updated += len(batch)
            if progress:
                progress(result.created + result.updated + result.unchanged, len(rows))


SPECS: dict[str, Spec] = {
    ImportJob.Kind.STUDY_RECORDS: StudyRecordsSpec(),
    ImportJob.Kind.PLATFORM_POINTS: PlatformPointsSpec(),
}


def _batches(items: list, size: int | None = None):
    size = size or BATCH_SIZE  # read at call time, so that tests can make batches small
    for start in range(0, len(items), size):
        yield items[start : start + size]


# The pipeline -----------------------------------------------------------------------------------


def may_import(user, kind: str) -> bool:
    if kind == ImportJob.Kind.PLATFORM_POINTS:
        return permissions.can_import_points(user)
    return permissions.can_import_study_records(user)


def import_table(
    kind: str,
    table: Table,
    *,
    user,
    dry_run: bool = False,
    progress: Progress | None = None,
    source: str = "",
) -> ImportResult:
    """Validate every row of ``table``; write them only if none is wrong (and not ``dry_run``).
    ``source`` (the file's name) is what the audit trail's summarising entries name."""
    spec = SPECS[kind]
    result = ImportResult()
    # Every door (the page, the admin, the commands, the background job) comes through here.
    if user is not None and not may_import(user, kind):
        result.errors.append(RowError(0, "", _("You may not import this kind of file.")))
        return result
    with _without_cyclic_gc():
        try:
            rows = spec.validate(table, user=user, errors=result.errors, progress=progress)
        except ImportRefused as refused:
            result.errors.insert(0, RowError(0, "", str(refused)))
            return result
        result.total_rows = table.rows_read
        if result.errors or dry_run:
            return result
        # One transaction; each batch of created rows leaves one summarising audit entry naming
        # the file and every row's id and natural key (README, "审计日志").
        with transaction.atomic(), summarised_audit(source=source):
            spec.write(rows, user=user, result=result, progress=progress)
    result.written = True
    return result


@contextlib.contextmanager
def _without_cyclic_gc():
    """A large file becomes millions of small objects and no reference cycles; the cyclic
    collector would walk them all over and over (some 5–10 % of a 100,000-row import). It is
    paused for the import and resumed after, when anything left over is collected as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def import_file(
    kind: str, data: bytes, filename: str, *, user, dry_run: bool = False, progress: Progress | None = None
) -> ImportResult:
    """The whole pipeline for one uploaded file: caps, parsing, validation, writing."""
    if user is not None and not may_import(user, kind):
        return ImportResult(errors=[RowError(0, "", _("You may not import this kind of file."))])
    try:
        table = read_table(data, filename)
    except ImportRefused as refused:
        return ImportResult(errors=[RowError(0, "", str(refused))])
    name = PurePosixPath(filename or "").name
    return import_table(kind, table, user=user, dry_run=dry_run, progress=progress, source=name)


def should_run_in_background(data: bytes, filename: str) -> bool:
    """Large files go to the worker; call after :func:`check_caps` has accepted the file."""
    return check_caps(data, filename) > INLINE_MAX_ROWS


# Background jobs ---------------------------------------------------------------------------------


@transaction.atomic
def import_job_create(*, kind: str, uploaded_file, user) -> ImportJob:
    job = ImportJob(kind=kind, original_name=PurePosixPath(uploaded_file.name).name[:255], created_by=user)
    job.file.save(job.original_name, uploaded_file, save=False)
    job.save()
    return job


def import_job_run(job_id: int) -> ImportJob:
    """Run a waiting job (called by the Celery task). Progress is written as it goes."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != ImportJob.Status.PENDING:
        return job
    base = ImportJob._base_manager.filter(pk=job.pk)
    # Progress ticks say nothing about the record: they bypass the audit trail on purpose.
    base.update(status=ImportJob.Status.RUNNING, started_at=timezone.now())
    with job.file.open("rb") as handle:
        data = handle.read()
    try:
        estimated = check_caps(data, job.original_name)
    except ImportRefused:
        estimated = 0
    base.update(total_rows=estimated)

    def progress(done: int, total: int) -> None:
        base.update(processed_rows=done, **({"total_rows": total} if total else {}))

    result = import_file(job.kind, data, job.original_name, user=job.created_by, progress=progress)
    job.refresh_from_db()
    job.status = ImportJob.Status.SUCCEEDED if result.ok else ImportJob.Status.FAILED
    job.result = result.as_dict()
    job.processed_rows = result.total_rows if result.ok else job.processed_rows
    job.total_rows = result.total_rows or job.total_rows
    job.finished_at = timezone.now()
    # The uploaded file is not evidence: it is dropped once imported (the rows are the record).
    job.file.delete(save=False)
    job.save()
    return job
