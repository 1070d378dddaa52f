"""The spreadsheet import pipeline (DESIGN.md, "Spreadsheet import") for study records and
learning-platform points. One pipeline behind every door: the staff import page, the Django
admin (django-import-export), the management commands and the background task.

    caps (size, rows, unpacked size) checked before parsing
    → parse (ideology_office/common/spreadsheets.py: one sheet of an .xlsx streamed through a
      guarded pyexpat, values not formulas; or .csv)
    → validate every row, collecting (sheet row, column, Chinese message)
    → any error: report them all, write nothing
    → else write in one transaction with bulk operations keyed on natural keys
    → created / updated / unchanged counts.
"""

from __future__ import annotations

import contextlib
import datetime
import difflib
import functools
import gc
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils import get_column_letter

from ideology_office.accounts.models import OrgUnit, User
from ideology_office.common import policies, rollups, spreadsheets
from ideology_office.common.audit import audit_context, current_actor, current_batch, summarised_audit
from ideology_office.common.bulk import insert_rows
from ideology_office.common.policies import Action
from ideology_office.common.spreadsheets import (
    CONTROL_CHARACTERS,
    EXCEL_ERRORS,
    UNCALCULATED,
    ExcelError,
    ImportRefused,
    Sheet,
    Table,
    _broken,
    check_caps,
    check_size,
    workbook_bytes,
)

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

# Files with more rows than this run in the background with a progress bar.
INLINE_MAX_ROWS = getattr(settings, "STUDY_IMPORT_INLINE_MAX_ROWS", 2_000)
# Columns an office's ledger often has that the import reads past without a word.
# The ledger export's own columns (counts and status) are read past too, so that an exported
# ledger, corrected, can be imported again.
IGNORED_HEADERS = ("序号", "备注", "出席人数", "应到人数", "状态")
BATCH_SIZE = 2_000
LIST_SEPARATORS = re.compile(r"[、,，;；\n]+")
ABSENT_ENTRY = re.compile(r"^(?P<name>[^（(]+)[（(](?P<reason>.*)[）)]$")


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
    header_row: int = 1
    sheet: str = ""
    # The visible sheets to choose from, when the workbook has more than one with data.
    sheets: list[str] = field(default_factory=list)
    # What the importer should know though nothing is wrong (a new record beside a near twin).
    notes: list[str] = field(default_factory=list)

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
            "header_row": self.header_row,
            "sheet": self.sheet,
            "sheets": self.sheets,
            "notes": self.notes,
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
            header_row=data.get("header_row", 1),
            sheet=data.get("sheet", ""),
            sheets=data.get("sheets", []),
            notes=data.get("notes", []),
        )


# progress(phase, rows done, rows in all or 0 when not known)
Progress = Callable[[str, int, int], None]


def _known_headers() -> frozenset[str]:
    return frozenset(
        {column.header for spec in SPECS.values() for column in spec.columns} | set(IGNORED_HEADERS)
    )


def read_table(data: bytes, filename: str, sheet: str | None = None) -> Table:
    """The file's sheet through the shared reader, its header found among the import columns."""
    return spreadsheets.read_table(data, filename, sheet, known_headers=_known_headers())


# Cell values --------------------------------------------------------------------------------


class CellError(ValueError):
    pass


def _text(value) -> str:
    if value.__class__ is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _normalised(value) -> str:
    """Full-width digits, letters and punctuation (２０２５－１０－２５, １０：００) as ASCII."""
    return unicodedata.normalize("NFKC", _text(value)).strip()


def _strptime(text: str, pattern: str) -> datetime.datetime:
    # Cells hold calendar days and wall-clock times, not moments: no time zone applies.
    return datetime.datetime.strptime(text, pattern)  # noqa: DTZ007


DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
# Dates an office records: from 2000 to the end of next year (1066, 1900, 9999 are typing slips).
FIRST_YEAR = 2000
# Years before this one are in range whatever the day (the clock is then not asked per row).
_SAFE_LAST_YEAR = datetime.datetime.now(datetime.UTC).year
# Serial numbers Excel may leave as the date of its epoch under a time (1899-12-30 / 1900-01-01).
_EPOCH_DAYS = {datetime.date(1899, 12, 30), datetime.date(1899, 12, 31), datetime.date(1900, 1, 1)}


def _in_range(day: datetime.date) -> datetime.date:
    if FIRST_YEAR < day.year < _SAFE_LAST_YEAR:
        return day  # surely in range: asks no clock (this runs for every date of every row)
    last = timezone.localdate().year + 1
    if not FIRST_YEAR <= day.year <= last:
        raise CellError(
            _("Give a date between the years %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": last}
        )
    return day


def parse_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return _in_range(value.date())
    if isinstance(value, datetime.date):
        return _in_range(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        # 20250207 typed as a number: eight digits are unambiguous.
        if float(value).is_integer() and 19000101 <= value <= 29991231:
            day = _date_from_text(str(int(value)))
            if day is not None:
                return _in_range(day)
    elif isinstance(value, str):
        day = _date_from_text(unicodedata.normalize("NFKC", value).strip())
        if day is not None:
            return _in_range(day)
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
    # A text date-time ("2025-02-07 09:00", "2025-02-07T09:00:00"): the day, if the rest is a time.
    head, _sep, tail = text.replace("T", " ", 1).partition(" ")
    if tail and _time_from_text(tail.strip()) is not None:
        for pattern in DATE_FORMATS[:4]:
            try:
                return _strptime(head, pattern).date()
            except ValueError:
                continue
    return None


@functools.lru_cache(maxsize=4096)
def _time_from_text(text: str) -> datetime.time | None:
    for pattern in ("%H:%M", "%H:%M:%S", "%H时%M分", "%H点%M分", "%H时", "%H点"):
        try:
            return _strptime(text, pattern).time()
        except ValueError:
            continue
    return None


def parse_month(value) -> datetime.date:
    if isinstance(value, datetime.date):
        return _in_range((value.date() if isinstance(value, datetime.datetime) else value).replace(day=1))
    text = _normalised(value)
    for pattern in ("%Y-%m", "%Y/%m", "%Y年%m月", "%Y%m", "%Y.%m"):
        try:
            return _in_range(_strptime(text, pattern).date())
        except ValueError:
            continue
    raise CellError(_("“%(value)s” is not a month (write it as 2024-03).") % {"value": text})


def _not_a_time(value) -> CellError:
    return CellError(
        _("“%(value)s” is a date, not a time (write the time as 09:30).") % {"value": _text(value)}
    )


def _time_after_date(text: str) -> datetime.time | None:
    """The time of a date-and-time text ("2024-03-05 09:30"); a date alone is refused."""
    head, _sep, tail = text.replace("T", " ", 1).partition(" ")
    if tail and _date_from_text(head) is not None:
        return _time_from_text(tail.strip())
    if _date_from_text(text) is not None:
        raise _not_a_time(text)
    return None


def parse_time(value) -> datetime.time:
    return _parse_time(value)


# A ledger's times repeat from row to row: each distinct cell value is parsed once (a refused
# value raises each time, never cached; typed: 1 and True and 1.0 are different cells).
@functools.lru_cache(maxsize=4096, typed=True)
def _parse_time(value) -> datetime.time:
    if isinstance(value, datetime.datetime):
        # A date typed into a time column reads as midnight: refused, never stored as 00:00.
        if value.time() == datetime.time(0) and value.date() not in _EPOCH_DAYS:
            raise _not_a_time(value.date())
        return value.time()
    if isinstance(value, datetime.time):
        return value
    if isinstance(value, datetime.date):
        raise _not_a_time(value)
    text = _normalised(value)
    time = _time_from_text(text)
    if time is None:
        time = _time_after_date(text)
    if time is None:
        raise CellError(_("“%(value)s” is not a time (write it as 09:30).") % {"value": text})
    return time


def parse_record_number(value) -> int:
    text = _normalised(value).lstrip("#")
    if not re.fullmatch(r"\d{1,12}", text) or int(text) == 0:
        raise CellError(_("“%(value)s” is not a record number.") % {"value": _text(value)})
    return int(text)


def parse_points(value) -> int:
    if isinstance(value, bool):
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": value})
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        text = _normalised(value)
        if not re.fullmatch(r"\d{1,9}", text):
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


@functools.lru_cache(maxsize=4096, typed=True)
def _tag_list(value) -> tuple[str, ...]:
    """The distinct tags of a cell, in their order (a ledger repeats its lists of tags)."""
    return tuple(dict.fromkeys(split_list(value)))


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
        # The people found by each text so far (a ledger names the same people row after row).
        self.found: dict[str, int] = {}

    def find(self, text: str) -> int:
        pk = self.found.get(text)
        if pk is not None:
            return pk
        pk = self._find(text)
        self.found[text] = pk
        return pk

    def _find(self, text: str) -> int:
        pk = self.by_username.get(text.lower())
        if pk is not None:
            return pk
        if text not in self.by_name:
            text = self._generous(text)
            pk = self.by_username.get(text)
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

    @functools.lru_cache(maxsize=4096)  # noqa: B019 (one People per import)
    def _generous(self, text: str) -> str:
        """Full-width letters as ASCII, and a two-character name padded with spaces (周　海, 周 海)
        as the name, when that is exactly one person."""
        text = unicodedata.normalize("NFKC", text).strip()
        if text.lower() in self.by_username:
            return text.lower()
        compact = re.sub(r"\s+", "", text)
        if compact != text and len(compact) == 2 and self.by_name.get(compact) is not None:
            return compact
        return text


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

    def header_index(self, headers: list[str], errors: list[RowError], header_row: int = 1) -> dict[str, int]:
        """Column positions by key. A header that is not the template's (nor an ignored column
        such as 序号 or 备注) is refused, with the nearest template header suggested: a misspelt
        optional column would otherwise be dropped without a word."""
        index = {}
        names = {column.header: column for column in self.columns}
        missing = [column.header for column in self.columns if column.header not in headers]
        for position, header in enumerate(headers):
            column = names.get(header)
            if column is None:
                if header and header not in IGNORED_HEADERS:
                    errors.append(RowError(header_row, header, self._unknown_header(header, missing)))
            else:
                self._place(index, column, position, errors, header_row)
        errors.extend(self._missing_required(index, header_row))
        return index

    def _missing_required(self, index: dict[str, int], header_row: int) -> list[RowError]:
        return [
            RowError(header_row, column.header, _("The required column is missing."))
            for column in self.columns
            if column.required and column.key not in index
        ]

    @staticmethod
    def _place(
        index: dict[str, int], column: Column, position: int, errors: list[RowError], header_row: int
    ) -> None:
        if column.key in index:
            errors.append(RowError(header_row, column.header, _("This column appears twice.")))
        index[column.key] = position

    def _unknown_header(self, header: str, missing: list[str]) -> str:
        known = [column.header for column in self.columns]
        # The template's columns the file lacks are the likelier meaning of a misspelt header.
        close = _closest(header, missing) or _closest(header, known)
        if close:
            return _("“%(header)s” is not a column of the template; did you mean “%(suggestion)s”?") % {
                "header": header,
                "suggestion": close[0],
            }
        return _(
            "“%(header)s” is not a column of the template (its columns are: %(columns)s; 序号 and 备注 are ignored)."
        ) % {"header": header, "columns": "、".join(known)}

    def template(self) -> bytes:
        headers = [column.header for column in self.columns]
        return workbook_bytes([Sheet(title=str(self.title), headers=headers, rows=[self.example_row()])])

    def example_row(self) -> list:
        return [column.example for column in self.columns]


def _closest(header: str, candidates: list[str]) -> list[str]:
    """The most similar candidate (difflib's ratio, at least 0.4); ties go to the template's order."""
    best, best_score = [], 0.4
    for candidate in candidates:
        score = difflib.SequenceMatcher(None, header, candidate).ratio()
        if score > best_score or (score == best_score and not best):
            best, best_score = [candidate], score
    return best


def _cell_name(position: int, row: int) -> str:
    return f"{get_column_letter(position + 1)}{row}"


class _RowReader:
    """Reads one row's cells by column key, recording each problem and going on. A cell holding
    an Excel error value or a control character is refused once, naming the cell."""

    def __init__(self, spec: Spec, index: dict[str, int], number: int, values: tuple, errors: list[RowError]):
        self.spec = spec
        self.index = index
        self.number = number
        self.values = values
        self.errors = errors
        self.failed = False
        self.headers = spec.header_of
        # One search over the row's texts; the cells are looked at one by one only on a hit.
        joined = "\n".join([value for value in values if isinstance(value, str)])
        if joined and ("#" in joined or CONTROL_CHARACTERS.search(joined)):
            self._refuse_bad_cells()

    def _refuse_bad_cells(self) -> None:
        values = list(self.values)
        for key, position in self.index.items():
            value = values[position] if position < len(values) else None
            if not isinstance(value, str):
                continue
            if value.__class__ is ExcelError or value.strip() in EXCEL_ERRORS:
                message = _(
                    "“%(value)s” in cell %(cell)s is an Excel error value, not data: correct the formula or the cell."
                ) % {"value": value.strip(), "cell": _cell_name(position, self.number)}
            elif CONTROL_CHARACTERS.search(value):
                message = _(
                    "Cell %(cell)s holds a control character (such as NUL or an escape code): remove it."
                ) % {"cell": _cell_name(position, self.number)}
            else:
                continue
            self.error(key, message)
            values[position] = None
            self.bad = getattr(self, "bad", set()) | {key}
        self.values = tuple(values)

    def raw(self, key: str):
        position = self.index.get(key)
        if position is None or position >= len(self.values):
            return None
        return self.values[position]

    def error(self, key: str, message: str) -> None:
        self.failed = True
        self.errors.append(RowError(self.number, self.headers[key], message))

    def too_long(self, key: str, text: str, limit: int) -> bool:
        if len(text) <= limit:
            return False
        self.error(
            key,
            _("At most %(limit)s characters; this cell has %(length)s.")
            % {"limit": limit, "length": len(text)},
        )
        return True

    def _missing(self, key: str) -> None:
        if key not in getattr(self, "bad", ()):
            self.error(key, _("This cell is required."))

    def get(self, key: str, parse=None, *, required: bool = False, limit: int | None = None):
        # raw() and _blank() inlined: this runs for every cell of every row.
        position = self.index.get(key)
        values = self.values
        value = values[position] if position is not None and position < len(values) else None
        if value is None or (value.__class__ is str and not value.strip()):
            return self._missing(key) if required else None
        if value is UNCALCULATED:
            self.error(
                key,
                _("The formula has no saved value: open the file in Excel or WPS, save it and import again."),
            )
            return None
        if parse is None:
            text = value.strip() if value.__class__ is str else _text(value)
            if limit is not None and self.too_long(key, text, limit):
                return None
            return text
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
    # The record's number (编号) when the row names the record it corrects.
    pk: int | None = None
    # The column keys the file has (one set shared by every row): an update changes only what
    # the file gives, so a file without 会议记录 or 出席人员 (the ledger export) leaves them as they are.
    given: frozenset = frozenset()

    @property
    def key(self):
        return (self.kind, self.date, self.topic)


# The lengths of the columns the text goes to: longer text is refused, never cut.
TOPIC_LIMIT = StudySession._meta.get_field("topic").max_length
PLACE_LIMIT = StudySession._meta.get_field("place").max_length
REASON_LIMIT = Attendance._meta.get_field("absence_reason").max_length

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
# What an update compares: a row with a record number may correct the natural key too.
COMPARED_FIELDS = ("kind", "date", "topic", *SESSION_SCALARS)
# The column that gives each compared field.
FIELD_COLUMNS = {
    "kind": "kind",
    "date": "date",
    "topic": "topic",
    "first_agenda_venue": "venue",
    "start_time": "start_time",
    "end_time": "end_time",
    "place": "place",
    "section_id": "section",
    "host_id": "host",
    "recorder_id": "recorder",
    "minutes": "minutes",
}
ATTENDANCE_COLUMNS = frozenset({"present", "absent", "observers"})
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


def _keys_taken(active, batch: list[SessionRow]) -> dict[tuple, int]:
    """{(kind, date, topic): pk} of the sessions that share a date and a topic with the batch."""
    return {
        (kind, date, topic): pk
        for pk, kind, date, topic in active.filter(
            date__in={row.date for row in batch}, topic__in={row.topic for row in batch}
        ).values_list("pk", "kind", "date", "topic")
    }


def _not_yours(number: int, session: StudySession) -> RowError:
    return RowError(
        number,
        "",
        _("This study record belongs to %(section)s; you may not change it.")
        % {"section": session.section.name if session.section_id else "—"},
    )


@dataclass
class _StudyLookups:
    """What a study-records row is checked against, read once per file."""

    kinds: dict[str, str]
    venues: dict[str, str]
    sections: dict[str, int]
    people: People
    materials: dict[str, int | None]  # None: two materials share the title
    # Attendance lines read without a problem, by the values of the three attendance cells.
    attendance: dict[tuple, tuple] = field(default_factory=dict)

    @classmethod
    def load(cls) -> _StudyLookups:
        venues = _choice_lookup(StudySession.Venue.choices)
        venues.update({"室务会": "office_meeting", "中心组": "central_group", "党支部": "party_branch"})
        sections = {}
        for pk, name, short_name, code in OrgUnit.objects.values_list("pk", "name", "short_name", "code"):
            for label in (name, short_name, code):
                if label:
                    sections[label] = pk
        materials: dict[str, int | None] = {}
        for pk, title in StudyMaterial.objects.active().values_list("pk", "title"):
            materials[title] = None if title in materials else pk
        return cls(
            kinds={**_choice_lookup(StudySession.Kind.choices), **KIND_ALIASES},
            venues=venues,
            sections=sections,
            people=People(),
            materials=materials,
        )


@dataclass
class _SeenRows:
    """The rows read so far of one file: no session twice, no record corrected twice."""

    sessions: dict[tuple, int] = field(default_factory=dict)
    numbered: dict[int, int] = field(default_factory=dict)

    def record_number(self, reader: _RowReader) -> int | None:
        record = reader.get("record", parse_record_number)
        if record is None:
            return None
        if record in self.numbered:
            reader.error(
                "record",
                _("Record %(number)s is already corrected by row %(row)s.")
                % {"number": record, "row": self.numbered[record]},
            )
        else:
            self.numbered[record] = reader.number
        return record

    def session(self, reader: _RowReader, key: tuple) -> None:
        if key in self.sessions:
            reader.error(
                "topic",
                _("The same session (kind, date and topic) is already in row %(row)s.")
                % {"row": self.sessions[key]},
            )
        else:
            self.sessions[key] = reader.number


@dataclass
class _Changes:
    """What the corrected rows of one batch change, gathered first and then written kind by kind."""

    user_id: int | None
    sessions: dict[tuple[str, ...], list[StudySession]] = field(default_factory=dict)
    stale_links: dict = field(default_factory=dict)
    new_links: dict = field(default_factory=dict)
    stale_attendance: list[int] = field(default_factory=list)
    changed_attendance: list[Attendance] = field(default_factory=list)
    new_attendance: list[tuple] = field(default_factory=list)

    def links(self, current: dict, row: SessionRow, tag_ids: dict[str, int]) -> None:
        pk = current["pk"]
        for column, through, have, want in (
            ("tags", StudySession.tags.through, current["tags"], {tag_ids[name] for name in row.tag_names}),
            ("materials", StudySession.materials.through, current["materials"], set(row.material_ids)),
        ):
            if column not in row.given:
                continue
            self.stale_links.setdefault(through, []).extend(have[other] for other in have.keys() - want)
            self.new_links.setdefault(through, []).extend((pk, other) for other in want - have.keys())

    def attendance(self, current: dict, row: SessionRow) -> None:
        have = current["attendance"]
        want = {person: (status, reason) for person, status, reason in row.attendance}
        for person, (line_pk, status, reason) in have.items():
            if person not in want:
                self.stale_attendance.append(line_pk)
            elif want[person] != (status, reason):
                line = Attendance(pk=line_pk, status=want[person][0], absence_reason=want[person][1])
                self.changed_attendance.append(line)
        self.new_attendance.extend(
            (current["pk"], person, status, reason, self.user_id)
            for person, (status, reason) in want.items()
            if person not in have
        )

    def apply(self) -> None:
        # Changes and deletions keep their row-by-row audit entries, with the values. Sessions
        # are updated grouped by the fields that changed: bulk_update() builds a CASE per field
        # and row, so a correction of one field should not rewrite all eight.
        for fields, group in self.sessions.items():
            StudySession.objects.bulk_update(group, [name.removesuffix("_id") for name in fields])
        for through, pks in self.stale_links.items():
            if pks:
                through.objects.filter(pk__in=pks).delete()
        if self.stale_attendance:
            Attendance.objects.filter(pk__in=self.stale_attendance).delete()
        if self.changed_attendance:
            Attendance.objects.bulk_update(self.changed_attendance, ["status", "absence_reason"])
        tag_through, material_through = StudySession.tags.through, StudySession.materials.through
        insert_rows(tag_through, ("studysession_id", "tag_id"), self.new_links.get(tag_through, []))
        insert_rows(
            material_through,
            ("studysession_id", "studymaterial_id"),
            self.new_links.get(material_through, []),
        )
        insert_rows(
            Attendance,
            ("session_id", "person_id", "status", "absence_reason", "created_by_id"),
            self.new_attendance,
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
        # The record's number, as the ledger export gives it: a row carrying it corrects that
        # record, its date, kind and topic included; a row without it is matched on those three.
        Column("record", "编号", False, ""),
    )

    def validate(
        self, table: Table, *, user, errors: list[RowError], progress: Progress | None
    ) -> list[SessionRow]:
        index = self.header_index(table.headers, errors, table.header_row)
        if errors:
            return []
        lookups = _StudyLookups.load()
        seen = _SeenRows()
        given = frozenset(index)
        rows = []
        for count, (number, values) in enumerate(table.rows, start=1):
            reader = _RowReader(self, index, number, values, errors)
            row = self._session_row(reader, lookups, seen, user=user, given=given)
            if row is not None:
                rows.append(row)
            if progress and count % BATCH_SIZE == 0:
                progress(CHECKING, count, table.estimated_rows)
        self._check_records(rows, user, errors)
        if user is not None:
            self._check_may_change([row for row in rows if row.pk is None], user, errors)
        errors.sort(key=lambda error: error.row)
        return rows

    def _session_row(
        self, reader: _RowReader, lookups: _StudyLookups, seen: _SeenRows, *, user, given: frozenset
    ) -> SessionRow | None:
        """One row read column by column, in the columns' order (so are its errors); None if any
        cell of it is wrong."""
        date = reader.get("date", parse_date, required=True)
        kind = self._kind(reader, lookups)
        topic = reader.get("topic", required=True, limit=TOPIC_LIMIT) or ""
        section_id = self._section(reader, lookups, user)
        venue = self._venue(reader, lookups, kind)
        start_time, end_time = self._times(reader)
        place = reader.get("place", limit=PLACE_LIMIT) or ""
        host_id = self._person(reader, lookups.people, "host")
        recorder_id = self._person(reader, lookups.people, "recorder")
        tag_names = self._tag_names(reader)
        material_ids = self._materials(reader, lookups)
        attendance = self._attendance_lines(reader, lookups)
        minutes = reader.get("minutes") or ""
        record = seen.record_number(reader)
        if not reader.failed and date and kind:
            seen.session(reader, (kind, date, topic))
        if reader.failed:
            return None
        return SessionRow(
            number=reader.number,
            kind=kind,
            date=date,
            topic=topic,
            section_id=section_id,
            venue=venue,
            start_time=start_time,
            end_time=end_time,
            place=place,
            host_id=host_id,
            recorder_id=recorder_id,
            minutes=minutes,
            tag_names=tag_names,
            material_ids=material_ids,
            attendance=attendance,
            pk=record,
            given=given,
        )

    @staticmethod
    def _kind(reader: _RowReader, lookups: _StudyLookups) -> str | None:
        kind_text = reader.get("kind", required=True)
        kind = lookups.kinds.get(kind_text) if kind_text else None
        if kind_text and kind is None:
            reader.error("kind", _("Unknown kind “%(value)s”.") % {"value": kind_text})
        elif kind == StudySession.Kind.READING_CLASS:
            reader.error("kind", _("Reading classes are recorded on their own page, not imported."))
            kind = None
        return kind

    @staticmethod
    def _section(reader: _RowReader, lookups: _StudyLookups, user) -> int | None:
        section_text = reader.get("section", required=True)
        section_id = lookups.sections.get(section_text) if section_text else None
        if section_text and section_id is None:
            reader.error("section", _("No section called “%(value)s”.") % {"value": section_text})
        elif (
            section_id is not None
            and user is not None
            and not permissions.can_record_for_section(user, section_id)
        ):
            reader.error("section", _("You may record sessions of your own section only."))
        return section_id

    @staticmethod
    def _venue(reader: _RowReader, lookups: _StudyLookups, kind: str | None) -> str:
        venue_text = reader.get("venue")
        if kind != StudySession.Kind.FIRST_AGENDA:
            return ""
        venue = lookups.venues.get(venue_text or "", "")
        if not venue:
            reader.error("venue", _("Give the meeting of the first agenda item: 室务会, 中心组 or 党支部."))
        return venue

    @staticmethod
    def _times(reader: _RowReader) -> tuple:
        start_time = reader.get("start_time", parse_time)
        end_time = reader.get("end_time", parse_time)
        if start_time and end_time and end_time <= start_time:
            reader.error("end_time", _("The end time must be after the start time."))
        return start_time, end_time

    @staticmethod
    def _tag_names(reader: _RowReader) -> tuple[str, ...]:
        tag_names = _tag_list(reader.raw("tags"))
        for name in tag_names:
            if len(name) > 30:
                reader.error("tags", _("A tag may have at most 30 characters: %(name)s") % {"name": name})
        return tag_names

    @staticmethod
    def _materials(reader: _RowReader, lookups: _StudyLookups) -> tuple[int, ...]:
        material_ids = []
        for title in split_list(reader.raw("materials")):
            if title not in lookups.materials:
                reader.error("materials", _("No study material titled “%(title)s”.") % {"title": title})
            elif lookups.materials[title] is None:
                reader.error(
                    "materials",
                    _("Two materials are titled “%(title)s”; record this one on the page.")
                    % {"title": title},
                )
            else:
                material_ids.append(lookups.materials[title])
        return tuple(dict.fromkeys(material_ids))

    def _check_records(self, rows: list[SessionRow], user, errors: list[RowError]) -> None:
        """Rows carrying a record number: the record must exist and not be voided, the importer
        must be allowed to change it, and its corrected date, kind and topic must not be those of
        another record."""
        numbered = [row for row in rows if row.pk is not None]
        if not numbered:
            return
        active = StudySession.objects.active()
        header = self.header_of["record"]
        for batch in _batches(numbered):
            sessions = active.select_related("section").in_bulk([row.pk for row in batch])
            others = _keys_taken(active, batch)
            for row in batch:
                problem = self._record_problem(row, sessions.get(row.pk), others, user, header)
                if problem is not None:
                    errors.append(problem)

    @staticmethod
    def _record_problem(
        row: SessionRow, session, others: dict[tuple, int], user, header: str
    ) -> RowError | None:
        if session is None:
            return RowError(
                row.number,
                header,
                _("There is no study record numbered %(number)s (or it has been voided).")
                % {"number": row.pk},
            )
        if user is not None and not policies.can(user, Action.CHANGE, session):
            return _not_yours(row.number, session)
        if others.get(row.key, row.pk) != row.pk:
            return RowError(
                row.number,
                header,
                _("Record %(other)s already has this kind, date and topic.") % {"other": others[row.key]},
            )
        return None

    def notes(self, new_rows: list[SessionRow]) -> list[str]:
        """A row that makes a new record beside an existing one of the same date, section and
        kind (only the topic differs) may have meant to correct it: the report says so, naming
        the record's number. Asked of the new rows only, before they are written."""
        notes = []
        active = StudySession.objects.active()
        for batch in _batches(new_rows):
            existing = set()
            near: dict[tuple, tuple[int, str]] = {}
            for pk, kind, date, section_id, topic in active.filter(
                date__in={row.date for row in batch}
            ).values_list("pk", "kind", "date", "section_id", "topic"):
                existing.add((kind, date, topic))
                near.setdefault((kind, date, section_id), (pk, topic))
            for row in batch:
                twin = near.get((row.kind, row.date, row.section_id))
                if twin and row.key not in existing:
                    notes.append(
                        _(
                            "Row %(row)s: a new record was made beside record %(number)s “%(topic)s” "
                            "(same date, section and kind). If the row corrects it, add the column 编号 "
                            "with %(number)s and import again."
                        )
                        % {"row": row.number, "number": twin[0], "topic": twin[1]}
                    )
        return notes

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
            for number, session in self._refused_updates(batch, active, user):
                errors.append(_not_yours(number, session))

    @staticmethod
    def _refused_updates(batch: list[SessionRow], active, user) -> list[tuple[int, StudySession]]:
        """(row number, session) of the rows naming a session the importer may not change."""
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
        return sorted(refused, key=lambda item: item[0])

    def _person(self, reader: _RowReader, people: People, key: str) -> int | None:
        text = reader.get(key)
        if not text:
            return None
        try:
            return people.find(text)
        except CellError as problem:
            reader.error(key, str(problem))
            return None

    def _attendance_lines(self, reader: _RowReader, lookups: _StudyLookups) -> tuple:
        """The row's attendance; the same three cells read the same way, so lines read
        without a problem are kept by the cells' values (a ledger repeats its attendance lists)."""
        cells = (reader.raw("present"), reader.raw("absent"), reader.raw("observers"))
        lines = lookups.attendance.get(cells)
        if lines is None:
            problems = len(reader.errors)
            lines = self._attendance(reader, lookups.people)
            if len(reader.errors) == problems:
                lookups.attendance[cells] = lines
        return lines

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
            reason = match.group("reason").strip()
            if reader.too_long("absent", reason, REASON_LIMIT):
                continue
            add("absent", match.group("name").strip(), Attendance.Status.ABSENT, reason)
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
        known_period = self._known_period(rows)
        new_rows = self._update_known(rows, tag_ids, user, result, progress) if known_period else list(rows)
        if known_period and new_rows:
            result.notes.extend(self.notes(new_rows))
        done = result.updated + result.unchanged
        for batch in _batches(new_rows):
            pks = insert_rows(
                StudySession,
                SESSION_INSERT_FIELDS,
                [self._insert_values(row, user_id) for row in batch],
                return_pks=True,
            )
            self._write_children(list(zip(pks, batch, strict=True)), tag_ids, user_id)
            result.created += len(batch)
            done += len(batch)
            if progress:
                progress(WRITING, done, len(rows))

    def _update_known(
        self,
        rows: list[SessionRow],
        tag_ids: dict[str, int],
        user,
        result: ImportResult,
        progress: Progress | None,
    ) -> list[SessionRow]:
        """Update the rows' sessions the ledger already has, batch by batch; return the new rows."""
        new_rows: list[SessionRow] = []
        for batch in _batches(rows):
            changed = self._sort_batch(batch, self._existing(batch), tag_ids, result, new_rows)
            if changed:
                # Updated right away: only one batch of what the ledger holds is kept in memory.
                with _naming_the_file(user):
                    self._update(changed, tag_ids, user)
                result.updated += len(changed)
            if progress:
                progress(WRITING, result.updated + result.unchanged, len(rows))
        return new_rows

    @staticmethod
    def _known_period(rows: list[SessionRow]) -> bool:
        """Whether anything can be looked up: a file of a period the ledger has no sessions in
        yet (the usual first import of a year) has nothing to look up, and one query says so."""
        return (
            bool(rows)
            and StudySession.objects.active()
            .filter(date__gte=min(row.date for row in rows), date__lte=max(row.date for row in rows))
            .exists()
        ) or any(row.pk is not None for row in rows)

    def _sort_batch(
        self,
        batch: list[SessionRow],
        existing: dict[tuple, dict],
        tag_ids: dict[str, int],
        result: ImportResult,
        new_rows: list[SessionRow],
    ) -> list[tuple[dict, SessionRow]]:
        """New rows go to ``new_rows``, unchanged ones are counted; the changed ones are returned."""
        changed = []
        for row in batch:
            current = existing.get(("pk", row.pk) if row.pk is not None else row.key)
            if current is None:
                new_rows.append(row)
            elif self._differs(current, row, tag_ids):
                changed.append((current, row))
            else:
                result.unchanged += 1
        return changed

    @staticmethod
    def _insert_values(row: SessionRow, user_id) -> tuple:
        return (
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

    def _update(self, changed: list[tuple[dict, SessionRow]], tag_ids: dict[str, int], user) -> None:
        """Change only what differs, so that the audit trail shows what the corrected file
        corrected: the session's fields and an attendance line's status or reason as per-row
        changes, a person or link taken off as a deletion, one added as part of a batch."""
        changes = _Changes(user_id=user.pk if user is not None else None)
        for current, row in changed:
            fields = self._changed_scalars(current, row)
            if fields:
                session = self._session(row, user)
                session.pk = current["pk"]
                changes.sessions.setdefault(fields, []).append(session)
            changes.links(current, row, tag_ids)
            if not row.given.isdisjoint(ATTENDANCE_COLUMNS):
                changes.attendance(current, row)
        changes.apply()

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
        found = self._found_by_key(rows)
        if found:
            self._add_children({values["pk"]: values for values in found.values()})
        return found

    def _found_by_key(self, rows: list[SessionRow]) -> dict[tuple, dict]:
        """The sessions found, by natural key, or by ("pk", number) for a row carrying one."""
        wanted = {row.key for row in rows if row.pk is None}
        numbers = {row.pk for row in rows if row.pk is not None}
        found: dict[tuple, dict] = {}
        for values in self._sessions_like(rows, numbers):
            key = (values["kind"], values["date"], values["topic"])
            values.update(tags={}, materials={}, attendance={})
            if key in wanted:
                found[key] = values
            if values["pk"] in numbers:
                found[("pk", values["pk"])] = values
        return found

    @staticmethod
    def _sessions_like(rows: list[SessionRow], numbers: set[int]):
        """The non-voided sessions of the rows' dates and topics, or with their numbers."""
        query = StudySession.objects.active().filter(
            Q(date__in={row.date for row in rows}, topic__in={row.topic for row in rows}) | Q(pk__in=numbers)
        )
        return query.order_by().values("pk", "kind", "date", "topic", *SESSION_SCALARS)

    @staticmethod
    def _add_children(by_pk: dict[int, dict]) -> None:
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

    def _changed_scalars(self, current: dict, row: SessionRow) -> tuple[str, ...]:
        wanted = (
            row.kind,
            row.date,
            row.topic,
            row.venue,
            row.start_time,
            row.end_time,
            row.place,
            row.section_id,
            row.host_id,
            row.recorder_id,
            row.minutes,
        )
        given = row.given
        return tuple(
            name
            for name, value in zip(COMPARED_FIELDS, wanted, strict=True)
            if current[name] != value and FIELD_COLUMNS[name] in given
        )

    def _differs(self, current: dict, row: SessionRow, tag_ids: dict[str, int]) -> bool:
        given = row.given
        return (
            bool(self._changed_scalars(current, row))
            or ("tags" in given and current["tags"].keys() != {tag_ids[name] for name in row.tag_names})
            or ("materials" in given and current["materials"].keys() != set(row.material_ids))
            or (
                not given.isdisjoint(ATTENDANCE_COLUMNS)
                and {
                    person: (status, reason)
                    for person, (_line, status, reason) in current["attendance"].items()
                }
                != {person: (status, reason) for person, status, reason in row.attendance}
            )
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
        index = self.header_index(table.headers, errors, table.header_row)
        if "date" not in index and "month" not in index and not errors:
            errors.append(
                RowError(table.header_row, "日期", _("Give a 日期 (day) or a 月份 (month) column."))
            )
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
            row = self._points_row(reader, platforms, people, today=today, has_date="date" in index)
            if row is not None:
                self._unless_seen(reader, row, seen, rows)
            if progress and count % BATCH_SIZE == 0:
                progress(CHECKING, count, table.estimated_rows)
        return rows

    def _points_row(self, reader: _RowReader, platforms: dict, people: People, *, today, has_date: bool):
        platform_text = reader.get("platform", required=True)
        platform_id = platforms.get(platform_text) if platform_text else None
        if platform_text and platform_id is None:
            reader.error("platform", _("No platform called “%(value)s”.") % {"value": platform_text})
        person_id = self._points_person(reader, people)
        period, date = self._period(reader, has_date)
        if date and date > today:
            reader.error(
                "date" if period == PointsEntry.Period.DAY else "month", _("The date is in the future.")
            )
        points = reader.get("points", parse_points, required=True)
        if reader.failed:
            return None
        return PointsRow(reader.number, platform_id, person_id, period, date, points)

    @staticmethod
    def _points_person(reader: _RowReader, people: People) -> int | None:
        person_text = reader.get("person", required=True)
        if not person_text:
            return None
        try:
            return people.find(person_text)
        except CellError as problem:
            reader.error("person", str(problem))
            return None

    @staticmethod
    def _period(reader: _RowReader, has_date: bool) -> tuple:
        """(period, date): a day, or a month; both given must agree (the day is kept)."""
        day = reader.get("date", parse_date)
        month = reader.get("month", parse_month)
        if day and month:
            # Both given: they must agree, or the month would be silently ignored.
            if day.replace(day=1) != month:
                reader.error(
                    "month",
                    _("The month %(month)s does not agree with the date %(date)s; give one of them.")
                    % {"month": month.strftime("%Y-%m"), "date": day.isoformat()},
                )
            month = None
        if day is None and month is None and not reader.failed:
            reader.error("date" if has_date else "month", _("Give the day or the month of the points."))
        return (PointsEntry.Period.DAY, day) if day else (PointsEntry.Period.MONTH, month)

    @staticmethod
    def _unless_seen(
        reader: _RowReader, row: PointsRow, seen: dict[tuple, int], rows: list[PointsRow]
    ) -> None:
        if row.key in seen:
            reader.error(
                "person",
                _("The same person, platform and date are already in row %(row)s.") % {"row": seen[row.key]},
            )
        else:
            seen[row.key] = row.number
            rows.append(row)

    @staticmethod
    def _existing_points(rows: list[PointsRow]) -> dict[tuple, tuple[int, int]]:
        """(pk, points) of the entries already kept for the rows' period, by natural key."""
        if not rows:
            return {}
        first = min(row.date for row in rows)
        last = max(row.date for row in rows)
        return {
            (platform_id, person_id, period, date): (pk, points)
            for pk, platform_id, person_id, period, date, points in (
                PointsEntry.objects.filter(date__gte=first, date__lte=last)
                .values_list("pk", "platform_id", "person_id", "period", "date", "points")
                .iterator(chunk_size=BATCH_SIZE)
            )
        }

    def write(self, rows: list[PointsRow], *, user, result: ImportResult, progress: Progress | None) -> None:
        # Updates existing entries too: only administrators import points (import_table asks
        # may_import), and points entries have no section: an administrator may change every one.
        existing = self._existing_points(rows)
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
                progress(WRITING, result.created + result.unchanged, len(rows))
        for batch in _batches(changed):
            with _naming_the_file(user):
                PointsEntry.objects.bulk_update(batch, ["points"])
            result.updated += len(batch)
            if progress:
                progress(WRITING, result.created + result.updated + result.unchanged, len(rows))


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
    ``source`` (the file's name) is what the audit trail's summarising entries name. Never
    raises for what a file holds: reading, decoding and database failures come back as errors,
    with nothing written."""
    spec = SPECS[kind]
    result = ImportResult(header_row=table.header_row, sheet=table.sheet)
    # Every door (the page, the admin, the commands, the background job) comes through here.
    if user is not None and not may_import(user, kind):
        result.errors.append(RowError(0, "", _("You may not import this kind of file.")))
        return result
    with _without_cyclic_gc():
        try:
            rows = spec.validate(table, user=user, errors=result.errors, progress=progress)
        except ImportRefused as refused:
            result.errors.insert(0, RowError(0, "", str(refused)))
            result.sheets = list(getattr(refused, "sheets", []))
            return result
        result.total_rows = table.rows_read
        if not result.errors and not table.rows_read:
            result.errors.append(
                RowError(
                    0,
                    "",
                    _("The file has no data rows below its header row (row %(row)s); nothing to import.")
                    % {"row": table.header_row},
                )
            )
        if result.errors or dry_run:
            return result
        if progress:
            progress(WRITING, 0, len(rows))
        _write(spec, rows, user=user, result=result, progress=progress, source=source)
    return result


def _write(
    spec: Spec, rows: list, *, user, result: ImportResult, progress: Progress | None, source: str
) -> None:
    """One transaction; each batch of created rows leaves one summarising audit entry naming the
    file and every row's id and natural key (README, "审计日志"). A database refusal undoes it all
    and becomes the file's error."""
    try:
        # The summary tables are refreshed once, after the last batch, in the same transaction.
        with transaction.atomic(), summarised_audit(source=source), rollups.collected():
            spec.write(rows, user=user, result=result, progress=progress)
    except DatabaseError as error:
        result.created = result.updated = result.unchanged = 0
        result.notes.clear()
        reason = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
        result.errors.append(
            RowError(
                0,
                "",
                _("The database refused the data (%(reason)s); nothing was written.") % {"reason": reason},
            )
        )
        return
    result.written = True


@contextlib.contextmanager
def _naming_the_file(user):
    """Around updates and deletions: their row-by-row audit entries name the file, their actor
    label reading “zhang（导入“台账.xlsx”）” (created rows are named in their summarising entry)."""
    actor = current_actor()
    batch = current_batch()
    source = batch.source if batch is not None else ""
    if not source:
        yield
        return
    label = (_("%(actor)s (import of “%(source)s”)") % {"actor": actor.label, "source": source})[:150]
    if actor.user_id is None:
        with audit_context(label=label, remote_addr=actor.remote_addr):
            yield
    elif user is not None and user.pk == actor.user_id:
        with audit_context(user=user, label=label, remote_addr=actor.remote_addr):
            yield
    else:
        yield


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
    kind: str,
    data: bytes,
    filename: str,
    *,
    user,
    dry_run: bool = False,
    progress: Progress | None = None,
    sheet: str | None = None,
) -> ImportResult:
    """The whole pipeline for one uploaded file: caps, parsing, validation, writing. ``sheet``
    names the worksheet to read when the workbook has more than one."""
    if user is not None and not may_import(user, kind):
        return ImportResult(errors=[RowError(0, "", _("You may not import this kind of file."))])
    try:
        table = read_table(data, filename, sheet=sheet or None)
    except ImportRefused as refused:
        return ImportResult(
            errors=[RowError(0, "", str(refused))], sheets=list(getattr(refused, "sheets", []))
        )
    except Exception as error:  # a reader failure not foreseen: still the file's fault, never a 500
        return ImportResult(errors=[RowError(0, "", str(_broken(error)))])
    name = PurePosixPath(filename or "").name
    return import_table(kind, table, user=user, dry_run=dry_run, progress=progress, source=name)


def should_run_in_background(data: bytes, filename: str, sheet: str | None = None) -> bool:
    """Large files go to the worker. Raises ImportRefused for a file refused outright."""
    return check_caps(data, filename, sheet or None) > INLINE_MAX_ROWS


# Progress ----------------------------------------------------------------------------------------
#
# A background import publishes its progress where the page that polls it can see it at once,
# never in the import's own transaction (whose writes nobody sees before the commit): in the
# Django cache when the cache is shared between processes (Redis: CI and production), otherwise in
# a file-based cache under var/ (the web server and the worker of `make run` share the disk, not a
# local-memory cache; a second database connection would wait behind SQLite's write lock).

CHECKING, WRITING = "checking", "writing"
PROGRESS_TIMEOUT = 24 * 60 * 60


def progress_store():
    from django.core.cache import caches
    from django.core.cache.backends.dummy import DummyCache
    from django.core.cache.backends.locmem import LocMemCache

    cache = caches["default"]
    if isinstance(cache, LocMemCache | DummyCache):
        return _file_progress_store()
    return cache


@functools.cache
def _file_progress_store():
    from django.core.cache.backends.filebased import FileBasedCache

    location = PurePosixPath(str(settings.VAR_DIR)) / "import-progress"
    return FileBasedCache(str(location), {"TIMEOUT": PROGRESS_TIMEOUT})


def _progress_key(job_id: int) -> str:
    return f"study-import-progress:{job_id}"


def publish_progress(job_id: int, phase: str, done: int, total: int) -> None:
    progress_store().set(
        _progress_key(job_id), {"phase": phase, "done": done, "total": total}, PROGRESS_TIMEOUT
    )


def job_progress(job: ImportJob) -> dict:
    """What a job's page shows: the phase, rows done, the total if known (a stated dimension,
    or after checking) and a percentage only then: checking is the first half, writing the
    second."""
    if job.is_finished:
        return {"phase": "", "done": job.processed_rows, "total": job.total_rows, "percent": 100}
    stored = progress_store().get(_progress_key(job.pk)) or {}
    phase = stored.get("phase", "")
    done = stored.get("done", 0)
    total = stored.get("total", 0)
    percent = None
    if total:
        share = min(100, done * 100 // total)
        percent = share // 2 if phase == CHECKING else 50 + share // 2 if phase == WRITING else 0
    return {"phase": phase, "done": done, "total": total, "percent": percent}


# Background jobs ---------------------------------------------------------------------------------


@transaction.atomic
def import_job_create(*, kind: str, uploaded_file, user, sheet: str = "") -> ImportJob:
    job = ImportJob(kind=kind, original_name=PurePosixPath(uploaded_file.name).name[:255], created_by=user)
    # The chosen sheet travels in the result until the job runs (it is then replaced).
    job.result = {"sheet": sheet} if sheet else {}
    job.file.save(job.original_name, uploaded_file, save=False)
    job.save()
    return job


def import_job_run(job_id: int) -> ImportJob:
    """Run a waiting job (called by the Celery task). Progress is published as it goes."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != ImportJob.Status.PENDING:
        return job
    sheet = (job.result or {}).get("sheet") or None
    base = ImportJob._base_manager.filter(pk=job.pk)
    # Status changes say nothing about the record: they bypass the audit trail on purpose.
    base.update(status=ImportJob.Status.RUNNING, started_at=timezone.now())
    publish_progress(job.pk, CHECKING, 0, 0)
    try:
        check_size(job.file.size)
        with job.file.open("rb") as handle:
            data = handle.read()
    except ImportRefused as refused:
        result = ImportResult(errors=[RowError(0, "", str(refused))])
    except OSError:
        result = ImportResult(errors=[RowError(0, "", _("The uploaded file could not be read."))])
    else:

        def progress(phase: str, done: int, total: int) -> None:
            publish_progress(job.pk, phase, done, total)

        result = import_file(
            job.kind, data, job.original_name, user=job.created_by, progress=progress, sheet=sheet
        )
    job.refresh_from_db()
    job.status = ImportJob.Status.SUCCEEDED if result.ok else ImportJob.Status.FAILED
    job.result = result.as_dict()
    job.processed_rows = result.total_rows
    job.total_rows = result.total_rows
    job.finished_at = timezone.now()
    # The uploaded file is not evidence: it is dropped once imported (the rows are the record).
    job.file.delete(save=False)
    job.save()
    progress_store().delete(_progress_key(job.pk))
    return job
