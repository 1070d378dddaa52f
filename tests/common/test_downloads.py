"""Every download is Django's FileResponse: one way to name a file, Chinese names per RFC 5987."""

import re
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote

from django.http import FileResponse
from django.urls import reverse
from openpyxl import load_workbook

from ideology_office.common.downloads import DOCX_CONTENT_TYPE, download

ROOT = Path(__file__).resolve().parents[2]
# Setting the header on a response (reading it, as common/exports.py does, is fine).
WRITTEN_BY_HAND = re.compile(r"""\[["']Content-Disposition["']\]\s*=""")


def filename_of(response) -> str:
    """The file name a browser reads from Content-Disposition (RFC 6266 with RFC 5987 filename*)."""
    disposition, _, parameter = response["Content-Disposition"].partition("; ")
    assert disposition == "attachment"
    key, _, value = parameter.partition("=")
    if key == "filename*":
        charset, _language, encoded = value.split("'", 2)
        return unquote(encoded, encoding=charset, errors="strict")
    assert key == "filename"
    return value.strip('"')


def test_a_chinese_name_is_encoded_per_rfc_5987_and_read_back_whole():
    response = download(b"PK", "信息发布审核表（2024年，第1号）.docx", DOCX_CONTENT_TYPE)
    assert isinstance(response, FileResponse)
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert filename_of(response) == "信息发布审核表（2024年，第1号）.docx"
    assert response["Content-Type"] == DOCX_CONTENT_TYPE
    assert response["Content-Length"] == "2"
    assert response.getvalue() == b"PK"
    assert "Cache-Control" not in response


def test_an_ascii_name_is_quoted_and_a_private_download_is_never_cached():
    response = download(BytesIO(b"a,b\r\n"), "audit-20240101.csv", "text/csv", private=True)
    assert response["Content-Disposition"] == 'attachment; filename="audit-20240101.csv"'
    assert response["Cache-Control"] == "private, no-store"


def test_no_view_writes_content_disposition_by_hand():
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("ideology_office", "responsibility", "study", "positions", "sentiment", "inspections")
        for path in (ROOT / folder).rglob("*.py")
        if WRITTEN_BY_HAND.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_import_template_downloads_under_its_chinese_name(client, admin_person):
    client.force_login(admin_person)
    response = client.get(reverse("study:import_template", args=["study_records"]))
    assert response.status_code == 200
    assert filename_of(response) == "学习记录模板.xlsx"
    assert load_workbook(BytesIO(response.getvalue())).active.max_row >= 1
