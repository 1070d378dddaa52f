"""The figures page and the Word download: who may see them, bad input, htmx, queries."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ideology_office.reports.models import ReportTemplate
from tests.responsibility.factories import OfficeMeetingFactory

from .helpers import docx_text, template_with

pytestmark = pytest.mark.django_db

FIGURES = reverse("reports:annual_figures")
DOWNLOAD = reverse("reports:annual_report_download")


def test_anonymous_people_are_sent_to_log_in(client):
    for url in (FIGURES, DOWNLOAD, reverse("reports:default_template")):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_staff_and_section_heads_may_not_read_the_report(client, staff, section_head):
    for person in (staff, section_head):
        client.force_login(person)
        assert client.get(FIGURES).status_code == 403
        assert client.get(DOWNLOAD, {"since": 2021, "until": 2023}).status_code == 403


@pytest.mark.parametrize("reader", ["leader", "inspector", "admin_person"])
def test_leaders_inspectors_and_admins_see_the_figures(client, request, reader):
    OfficeMeetingFactory(date=datetime.date(2022, 3, 1), on_ideology=True)
    client.force_login(request.getfixturevalue(reader))
    response = client.get(FIGURES, {"since": 2021, "until": 2023})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="figure-office_meetings_on_ideology">1 ' in page
    assert "/reports/annual/figures/?figure=office_meetings_on_ideology&amp;since=2021&amp;until=2023" in page


def test_the_page_opens_on_the_last_three_years(client, leader):
    client.force_login(leader)
    response = client.get(FIGURES)
    report = response.context["report"]
    assert report.until == timezone.localdate().year
    assert report.since == report.until - 2


def test_bad_years_are_explained_in_chinese_and_nothing_is_counted(client, leader):
    client.force_login(leader)
    response = client.get(FIGURES, {"since": "abc", "until": "2021"})
    assert response.context["report"] is None
    assert "起始年份：输入整数。" in response.content.decode()
    response = client.get(FIGURES, {"since": "2023", "until": "2021"})
    assert "早于" in response.content.decode()
    download = client.get(DOWNLOAD, {"since": "2023", "until": "2021"})
    assert download.status_code == 400
    assert "早于" in download.content.decode()


def test_htmx_gets_only_the_figures(client, leader):
    client.force_login(leader)
    response = client.get(FIGURES, {"since": 2021, "until": 2023}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert "<html" not in page
    assert "figures-table" in page


def test_the_download_is_the_word_report(client, leader):
    OfficeMeetingFactory(date=datetime.date(2022, 3, 1), on_ideology=True)
    client.force_login(leader)
    response = client.get(DOWNLOAD, {"since": 2021, "until": 2023, "focus_tags": "意识形态、网络安全"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    assert "annual-report-2021-2023.docx" in response["Content-Disposition"]
    assert "累计召开 1 次室务会" in docx_text(response.getvalue())


def test_the_figures_page_takes_the_same_queries_for_more_records(client, leader):
    client.force_login(leader)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(FIGURES, {"since": 2021, "until": 2023}).status_code == 200
        return len(captured)

    OfficeMeetingFactory(date=datetime.date(2022, 3, 1), on_ideology=True)
    few = queries()
    for month in range(1, 13):
        OfficeMeetingFactory(date=datetime.date(2023, month, 1), on_ideology=True)
    assert queries() == few


def test_an_admin_uploads_a_template_and_the_report_uses_it(client, admin_person, leader):
    client.force_login(admin_person)
    upload = SimpleUploadedFile(
        "本年度模板.docx", template_with("今年专题室务会 {{ f.office_meetings_on_ideology }} 次。")
    )
    response = client.post(
        reverse("admin:reports_reporttemplate_add"), {"name": "2024 年版", "file": upload, "note": ""}
    )
    assert response.status_code == 302, response.content.decode()
    assert ReportTemplate.objects.get().active
    client.force_login(leader)
    text = docx_text(client.get(DOWNLOAD, {"since": 2021, "until": 2023}).getvalue())
    assert text == "今年专题室务会 0 次。"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("模板.txt", b"plain text", ".docx"),
        ("模板.docx", template_with("{{ f.misspelt_figure }}"), "不存在"),
    ],
)
def test_a_bad_template_upload_is_refused_in_chinese(client, admin_person, name, content, message):
    client.force_login(admin_person)
    response = client.post(
        reverse("admin:reports_reporttemplate_add"),
        {"name": "坏模板", "file": SimpleUploadedFile(name, content), "note": ""},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ReportTemplate.objects.exists()


def test_the_built_in_template_downloads_with_its_tags(client, leader):
    client.force_login(leader)
    response = client.get(reverse("reports:default_template"))
    assert response.status_code == 200
    assert "{{ f.central_group_sessions }}" in docx_text(response.getvalue())


def test_a_template_that_no_longer_renders_is_explained_and_nothing_downloads(client, leader, admin_person):
    from django.core.files.base import ContentFile

    # Stored directly: an older template naming a figure that has since been renamed.
    template = ReportTemplate(name="旧模板", created_by=admin_person)
    template.file.save("old.docx", ContentFile(template_with("{{ f.renamed_figure }}")), save=True)
    client.force_login(leader)
    response = client.get(DOWNLOAD, {"since": 2021, "until": 2023})
    assert response.status_code == 409
    assert "报告模板中引用了不存在的数据项" in response.content.decode()


def test_template_tags_are_the_template_editors_help_not_the_leaders_page(client, leader, admin_person):
    client.force_login(leader)
    page = client.get(reverse("reports:annual_figures")).content.decode()
    assert "office_meetings_on_ideology" in page  # the figure is there…
    assert "{{ f." not in page and "{{ f.office_meetings_on_ideology }}" not in page  # …its tag is not
    client.force_login(admin_person)
    help_page = client.get(reverse("admin:reports_reporttemplate_add")).content.decode()
    assert "{{ f.office_meetings_on_ideology }}" in help_page
    assert "{{ f.central_group_sessions }}" in help_page


def test_the_figures_are_cached_until_the_next_write_and_per_period(client, leader):
    """A second look at the same years reads the cached figures (common/fragments.py); a write
    shows at once, and other years or another focus have figures of their own."""
    client.force_login(leader)

    def look(**params):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(FIGURES, {"since": 2021, "until": 2023, **params})
        assert response.status_code == 200
        return response.content.decode(), len(captured)

    OfficeMeetingFactory(date=datetime.date(2022, 3, 1), on_ideology=True)
    page, counted = look()
    again, cached = look()
    assert 'data-testid="figure-office_meetings_on_ideology">1 ' in again
    assert cached <= counted - 10, (counted, cached)

    OfficeMeetingFactory(date=datetime.date(2023, 5, 1), on_ideology=True)
    assert 'data-testid="figure-office_meetings_on_ideology">2 ' in look()[0]
    assert 'data-testid="figure-office_meetings_on_ideology">1 ' in look(until=2022)[0]
    assert 'data-testid="figure-office_meetings_on_ideology">0 ' in look(since=2024, until=2024)[0]
    focused = client.get(
        FIGURES, {"since": 2021, "until": 2023, "focus_tags": "党的二十大精神"}
    ).content.decode()
    assert "focus_tags=%E5%85%9A%E7%9A%84%E4%BA%8C%E5%8D%81%E5%A4%A7%E7%B2%BE%E7%A5%9E" in focused
