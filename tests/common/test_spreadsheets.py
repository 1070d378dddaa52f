import datetime
import zipfile
from decimal import Decimal
from io import BytesIO
from xml.etree.ElementTree import canonicalize

import pytest
from openpyxl import load_workbook

from ideology_office.common.spreadsheets import Sheet, neutralise, workbook_bytes, xlsx_response


def test_cells_that_would_run_as_formulas_are_neutralised():
    for dangerous in ["=1+1", "+86 139", "-2", "@SUM(A1)", "\tx", "\rx"]:
        assert neutralise(dangerous) == "'" + dangerous
    assert neutralise("正常文本") == "正常文本"
    assert neutralise(3) == 3


def test_xlsx_response_has_headers_neutral_cells_and_local_times():
    moment = datetime.datetime(2023, 5, 1, 1, 30, tzinfo=datetime.UTC)
    response = xlsx_response(
        "整改台账.xlsx",
        [Sheet("台账", ["序号", "问题", "时间"], [[1, '=HYPERLINK("x")', moment], [2, "正常", None]])],
    )
    assert (
        response["Content-Disposition"]
        == "attachment; filename*=utf-8''%E6%95%B4%E6%94%B9%E5%8F%B0%E8%B4%A6.xlsx"
    )
    sheet = load_workbook(BytesIO(response.getvalue())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("序号", "问题", "时间")
    assert rows[1][1] == '\'=HYPERLINK("x")'
    assert rows[1][2].isoformat() == "2023-05-01T09:30:00"
    assert sheet.freeze_panes == "A2"


def openpyxl_own_writer(sheets) -> bytes:
    """The writer before rows were serialised in one piece: openpyxl's write-only path, cell by
    cell (kept here to compare the two)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(title=sheet.title[:31])
        worksheet.freeze_panes = "A2"
        widths = sheet.column_widths or [max(10, min(40, len(str(h)) * 2 + 4)) for h in sheet.headers]
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


def workbook_cells(content: bytes) -> list:
    """Every sheet's title, column widths, frozen pane and every cell: value, type, number format,
    bold."""
    workbook = load_workbook(BytesIO(content))
    return [
        (
            sheet.title,
            sheet.freeze_panes,
            {key: dimension.width for key, dimension in sheet.column_dimensions.items()},
            [
                [(cell.value, cell.data_type, cell.number_format, cell.font.b) for cell in row]
                for row in sheet.iter_rows()
            ],
        )
        for sheet in workbook.worksheets
    ]


def test_the_streamed_rows_read_back_exactly_as_openpyxls_own_cells():
    moment = datetime.datetime(2023, 5, 1, 1, 30, tzinfo=datetime.UTC)
    rows = [
        [1, "正常文本", " 前后空格 ", "", None, Decimal("12.50"), 3.25, -7, 10**15],
        [2, "=SUM(A1)", "#N/A", "换行\n文本", "回车\r文本", True, False, moment, datetime.date(2024, 2, 29)],
        [
            3,
            datetime.time(9, 30),
            datetime.datetime(2024, 1, 1, 8, 0),  # noqa: DTZ001 - naive, as neutralise() leaves them
            "x" * 40_000,
            "a & b < c > d",
            '"引号"',
        ],
        # Text the inline path must leave to the careful one: formula triggers, error-code-like
        # text, leading or trailing (full-width) space, a tab inside, text at Excel's limit.
        [
            4,
            "\u3000全角空格开头",
            "末尾全角空格\u3000",
            "#标签",
            "+86",
            "-5",
            "@某人",
            "甲\t乙",
            "y" * 32_767,
        ],
        [5, "\t制表开头", "\n换行开头", "末尾换行\n", "<b>", "'引号开头", "普通", None, "#DIV/0!"],
    ]
    sheets = lambda: [  # noqa: E731 - the rows are consumed once per writer
        Sheet(
            "台账", ["序号", "甲", "乙", "丙", "丁", "戊", "己", "庚", "辛"], [list(r) for r in rows], [6, 20]
        ),
        Sheet("第二张表", ["序号"], [[n] for n in range(3)]),
    ]
    assert workbook_cells(workbook_bytes(sheets())) == workbook_cells(openpyxl_own_writer(sheets()))


def test_a_control_character_is_refused_as_by_openpyxl():
    from openpyxl.utils.exceptions import IllegalCharacterError

    with pytest.raises(IllegalCharacterError):
        workbook_bytes([Sheet("台账", ["甲"], [["响铃\x07"]])])


def test_the_streamed_rows_are_the_xml_openpyxl_writes_itself():
    """Not only read back alike: the same worksheet XML once canonicalised (openpyxl writes other
    characters than ASCII as references), so that what another reader sees, such as a preserved
    trailing space, is the same too."""
    rows = [
        [1, "正常文本", "末尾空格 ", "末尾全角空格\u3000", " 开头空格", "a & b", "#标签", "+86", None, 2.5],
        [
            2,
            "\u3000开头",
            "甲\t乙",
            "换行\n文本",
            "=1+1",
            "#N/A",
            "",
            "y" * 40_000,
            datetime.date(2024, 2, 29),
        ],
    ]

    def sheet_xml(content: bytes) -> str:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            return canonicalize(archive.read("xl/worksheets/sheet1.xml").decode())

    sheets = lambda: [Sheet("台账", ["甲"] * 10, [list(r) for r in rows])]  # noqa: E731 - consumed once
    assert sheet_xml(workbook_bytes(sheets())) == sheet_xml(openpyxl_own_writer(sheets()))
