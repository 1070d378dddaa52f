"""The Word report: the seed's structure, every figure from the records, replaceable wording."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ideology_office.reports.document import ReportTemplateError, chinese_numeral, render_report
from ideology_office.reports.figures import annual_figures
from ideology_office.reports.selectors import annual_report_bytes
from tests.factories import OrgUnitFactory
from tests.responsibility.factories import OfficeMeetingFactory

from .helpers import docx_text, template_with

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (0, "零"),
        (7, "七"),
        (10, "十"),
        (12, "十二"),
        (25, "二十五"),
        (100, "一百"),
        (105, "一百零五"),
        (2023, "二千零二十三"),
    ],
)
def test_chinese_numerals(number, text):
    assert chinese_numeral(number) == text


def test_the_report_has_the_seeds_structure_and_a_changed_record_changes_its_figure():
    OrgUnitFactory(name="测试县委办公室", kind="office")
    for month in (3, 6):
        OfficeMeetingFactory(date=datetime.date(2022, month, 1), on_ideology=True)

    text = docx_text(annual_report_bytes(since=2021, until=2023))

    assert text.startswith("测试县委办公室关于2021 年以来意识形态工作责任制落实情况的汇报")
    for heading in ("一、", "（一）", "（二）", "（三）", "一是", "二是", "三是", "现将有关情况汇报如下"):
        assert heading in text
    assert "累计召开 2 次室务会专题研究意识形态工作" in text

    OfficeMeetingFactory(date=datetime.date(2023, 9, 1), on_ideology=True)
    assert "累计召开 3 次室务会专题研究意识形态工作" in docx_text(annual_report_bytes(since=2021, until=2023))
    one_year = docx_text(annual_report_bytes(since=2022, until=2022))
    assert "关于2022 年意识形态工作" in one_year
    assert "累计召开 2 次室务会" in one_year


def test_an_uploaded_template_words_the_report_and_escapes_names():
    OrgUnitFactory(name="A&B <办公室>", kind="office")
    OfficeMeetingFactory(date=datetime.date(2022, 3, 1), on_ideology=True)
    template = template_with("{{ office_name }}：专题室务会{{ f.office_meetings_on_ideology|cn }}次。")
    text = docx_text(render_report(annual_figures(since=2022, until=2022), template))
    assert text == "A&B <办公室>：专题室务会一次。"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (template_with("{{ f.no_such_figure }}"), "不存在"),
        (template_with("{% if f.incidents %}未闭合"), "标签"),
        (b"not a word file", "Word"),
    ],
)
def test_a_broken_template_gives_a_clear_chinese_error(template, message):
    with pytest.raises(ReportTemplateError) as caught:
        render_report(annual_figures(since=2022, until=2022), template)
    assert message in str(caught.value)


def test_the_command_writes_the_report(tmp_path):
    OfficeMeetingFactory(date=datetime.date(2022, 3, 1), on_ideology=True)
    output = tmp_path / "report.docx"
    stdout = StringIO()
    call_command("annual_report", since="2021", until="2023", output=str(output), stdout=stdout)
    assert "累计召开 1 次室务会" in docx_text(output.read_bytes())
    assert str(output) in stdout.getvalue()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"since": "二〇二一", "until": "2023"}, "整数"),
        ({"since": "2023", "until": "2021"}, "早于"),
        ({"since": "1999", "until": "2021"}, "2000"),
        ({"since": "2021", "until": "2023", "output": "report.pdf"}, ".docx"),
        ({"since": "2021", "until": "2023", "output": "/no/such/folder/report.docx"}, "不存在"),
    ],
)
def test_the_command_refuses_bad_input_in_chinese_and_writes_nothing(tmp_path, arguments, message):
    arguments.setdefault("output", str(tmp_path / "report.docx"))
    with pytest.raises(CommandError) as caught:
        call_command("annual_report", **arguments)
    assert message in str(caught.value)
    assert list(tmp_path.iterdir()) == []
