"""The shared import reader (common/spreadsheets.py) streams the .xlsx XML itself and leans on
openpyxl only for a few public helpers. This pins what it relies on, so an openpyxl upgrade that
changes one of them fails here with a clear message rather than as wrong dates in an import."""

import datetime
import io

import openpyxl
import pytest
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel, from_ISO8601

from ideology_office.common import spreadsheets
from ideology_office.common.spreadsheets import ImportRefused, read_table

# Excel values carry no time zone: the reader hands on naive date-times.
naive = datetime.datetime.fromisoformat

UPGRADE = f"openpyxl {openpyxl.__version__} changed a helper the import reader relies on: "


def test_the_openpyxl_helpers_behave_as_the_reader_expects():
    assert from_excel(45366, WINDOWS_EPOCH) == naive("2024-03-15T00:00"), UPGRADE + "from_excel"
    assert from_excel(43904, MAC_EPOCH) == naive("2024-03-15T00:00"), UPGRADE + "MAC_EPOCH"
    assert from_excel(45366.375, WINDOWS_EPOCH) == naive("2024-03-15T09:00"), UPGRADE + "from_excel"
    assert from_ISO8601("2024-03-15T09:30:00") == naive("2024-03-15T09:30"), UPGRADE + "from_ISO8601"
    assert is_date_format('yyyy"年"m"月"d"日"'), UPGRADE + "is_date_format"
    assert is_date_format("h:mm"), UPGRADE + "is_date_format"
    assert not is_date_format("0.00"), UPGRADE + "is_date_format"
    assert column_index_from_string("AB") == 28 and get_column_letter(28) == "AB", UPGRADE + "column letters"


def xlsx(rows, *, title_row=None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title_row:
        sheet.append([title_row])
    for row in rows:
        sheet.append(row)
    sheet["A3"].number_format = 'yyyy"年"m"月"d"日"'
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_reader_finds_the_header_under_a_title_and_streams_typed_values():
    data = xlsx(
        [["日期", "主题", "人数"], [datetime.date(2024, 3, 15), "学习，研讨", 12], [None, None, None]],
        title_row="2024年学习台账",
    )
    table = read_table(data, "台账.xlsx", known_headers=frozenset({"日期", "主题"}))
    assert (table.header_row, table.headers) == (2, ["日期", "主题", "人数"])
    assert list(table.rows) == [(3, (naive("2024-03-15T00:00"), "学习，研讨", 12))]


def test_the_caps_are_the_module_s_own(monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 1)
    with pytest.raises(ImportRefused, match="一次最多导入 1 行"):
        read_table(b"a,b\n1,2\n3,4\n", "x.csv")
