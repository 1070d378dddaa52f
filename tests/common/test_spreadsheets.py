import datetime
from io import BytesIO

from openpyxl import load_workbook

from ideology_office.common.spreadsheets import Sheet, neutralise, xlsx_response


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
