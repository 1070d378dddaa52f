"""The demo tells the seed report's story: the generated report states the seed's figures because
the records are there (tests/reports/test_document.py shows they follow the records)."""

import pytest
from django.core.management import call_command

from ideology_office.reports.selectors import annual_report_bytes

from .helpers import docx_text


@pytest.mark.django_db
def test_the_report_on_the_demo_data_states_the_seeds_figures(tmp_path):
    call_command(
        "seed_demo",
        password="demo-password-0123",
        logins_file=str(tmp_path / "logins.txt"),
        only="responsibility,study",
    )
    text = docx_text(annual_report_bytes(since=2021, until=2023))
    assert "自 2021 年以来，累计召开 12 次室务会专题研究意识形态工作" in text
    assert "累计组织开展理论学习中心组学习 48 次，专题研讨交流 25 次" in text
    assert "围绕意识形态、网络安全等主题进行专题研讨 8 次" in text
    assert "举办为期七天的" in text
