import hashlib

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ideology_office.common.models import Attachment
from ideology_office.common.services import attachment_add, record_void
from tests.testapp.models import Dossier

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def upload_url(record):
    content_type = ContentType.objects.get_for_model(record)
    return reverse("common:attachment_upload", args=[content_type.pk, record.pk])


def stored_files() -> list[str]:
    storage = storages["evidence"]
    found = []

    def walk(path):
        if not storage.exists(path):
            return
        folders, files = storage.listdir(path)
        found.extend(f"{path}/{name}" for name in files)
        for folder in folders:
            walk(f"{path}/{folder}" if path else folder)

    walk("")
    return found


@pytest.fixture
def dossier(staff):
    return Dossier.objects.create(title="整改佐证", owner=staff, created_by=staff)


@pytest.fixture
def other_dossier(section_head):
    return Dossier.objects.create(title="他人的记录", owner=section_head, created_by=section_head)


@pytest.mark.django_db
def test_owner_uploads_and_downloads_evidence_with_its_hash(client, staff, dossier):
    client.force_login(staff)
    response = client.post(
        upload_url(dossier),
        {"file": SimpleUploadedFile("会议纪要.pdf", PDF_BYTES), "description": "室务会纪要"},
        follow=True,
    )
    assert "已保存佐证材料" in response.content.decode()
    attachment = Attachment.objects.get()
    assert attachment.record == dossier
    assert attachment.original_name == "会议纪要.pdf"
    assert attachment.mime_type == "application/pdf"
    assert attachment.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert attachment.created_by == staff

    download = client.get(reverse("common:attachment_download", args=[attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert "attachment;" in download["Content-Disposition"]
    assert download["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_a_program_renamed_to_pdf_is_refused_and_nothing_is_written(client, staff, dossier):
    files_before = stored_files()
    client.force_login(staff)
    response = client.post(
        upload_url(dossier), {"file": SimpleUploadedFile("报告.pdf", WINDOWS_EXE)}, follow=True
    )
    content = response.content.decode()
    assert "文件未保存" in content
    assert "不接受此类文件" in content
    assert Attachment.objects.count() == 0
    assert stored_files() == files_before


@pytest.mark.django_db
def test_a_name_that_lies_about_the_content_is_refused(staff, dossier):
    with pytest.raises(ValidationError) as error:
        attachment_add(record=dossier, uploaded_file=SimpleUploadedFile("照片.pdf", PNG_BYTES), user=staff)
    assert error.value.code == "extension_mismatch"
    assert ".png" in error.value.messages[0]
    assert Attachment.objects.count() == 0


@pytest.mark.django_db
def test_empty_and_oversized_files_are_refused(settings, staff, dossier):
    files_before = stored_files()
    with pytest.raises(ValidationError) as empty:
        attachment_add(record=dossier, uploaded_file=SimpleUploadedFile("空.pdf", b""), user=staff)
    assert empty.value.code == "empty"
    settings.ATTACHMENT_MAX_BYTES = 50
    with pytest.raises(ValidationError) as too_large:
        attachment_add(record=dossier, uploaded_file=SimpleUploadedFile("大.pdf", PDF_BYTES), user=staff)
    assert too_large.value.code == "too_large"
    assert Attachment.objects.count() == 0
    assert stored_files() == files_before


@pytest.mark.django_db
def test_office_documents_are_recognised_by_content(staff, dossier):
    import io

    from docx import Document
    from openpyxl import Workbook

    word = io.BytesIO()
    Document().save(word)
    excel = io.BytesIO()
    Workbook().save(excel)
    first = attachment_add(
        record=dossier, uploaded_file=SimpleUploadedFile("方案.docx", word.getvalue()), user=staff
    )
    second = attachment_add(
        record=dossier, uploaded_file=SimpleUploadedFile("台账.xlsx", excel.getvalue()), user=staff
    )
    assert first.mime_type.endswith("wordprocessingml.document")
    assert second.mime_type.endswith("spreadsheetml.sheet")
    with pytest.raises(ValidationError) as swapped:
        attachment_add(
            record=dossier, uploaded_file=SimpleUploadedFile("台账.docx", excel.getvalue()), user=staff
        )
    assert swapped.value.code == "extension_mismatch"


@pytest.mark.django_db
def test_evidence_of_another_record_is_not_downloadable(client, staff, other_dossier, section_head):
    attachment = attachment_add(
        record=other_dossier, uploaded_file=SimpleUploadedFile("a.pdf", PDF_BYTES), user=section_head
    )
    client.force_login(staff)
    assert client.get(reverse("common:attachment_download", args=[attachment.pk])).status_code == 404
    # A guessed id that does not exist looks the same.
    assert client.get(reverse("common:attachment_download", args=[attachment.pk + 1000])).status_code == 404
    # Nor can the person add files to, or void files of, a record they cannot change.
    assert (
        client.post(upload_url(other_dossier), {"file": SimpleUploadedFile("b.pdf", PDF_BYTES)}).status_code
        == 404
    )
    void = client.post(reverse("common:attachment_void", args=[attachment.pk]), {"reason": "x"})
    assert void.status_code == 404
    attachment.refresh_from_db()
    assert not attachment.is_voided


@pytest.mark.django_db
def test_evidence_has_no_public_url(client, staff, dossier):
    attachment = attachment_add(
        record=dossier, uploaded_file=SimpleUploadedFile("a.pdf", PDF_BYTES), user=staff
    )
    client.force_login(staff)
    assert client.get(f"/media/evidence/{attachment.file.name}").status_code == 404
    assert client.get(f"/static/{attachment.file.name}").status_code == 404


@pytest.mark.django_db
def test_voiding_needs_a_reason_and_keeps_the_file(client, staff, dossier):
    attachment = attachment_add(
        record=dossier, uploaded_file=SimpleUploadedFile("a.pdf", PDF_BYTES), user=staff
    )
    client.force_login(staff)
    url = reverse("common:attachment_void", args=[attachment.pk])

    response = client.post(url, {"reason": "  "}, follow=True)
    assert "请填写作废原因" in response.content.decode()
    attachment.refresh_from_db()
    assert not attachment.is_voided

    client.post(url, {"reason": "上传错了文件"})
    attachment.refresh_from_db()
    assert attachment.is_voided
    assert attachment.void_reason == "上传错了文件"
    assert attachment.voided_by == staff
    assert Attachment.objects.active().count() == 0
    assert Attachment.objects.count() == 1
    assert client.get(reverse("common:attachment_download", args=[attachment.pk])).status_code == 200

    with pytest.raises(ValidationError) as again:
        record_void(record=attachment, user=staff, reason="再次作废")
    assert again.value.code == "already_voided"


@pytest.mark.django_db
def test_the_attachments_panel_lists_files_with_one_query_per_list(
    client, staff, dossier, django_assert_max_num_queries
):
    from django.template import Context, Template
    from django.test import RequestFactory

    for number in range(5):
        attachment_add(
            record=dossier, uploaded_file=SimpleUploadedFile(f"{number}.pdf", PDF_BYTES), user=staff
        )
    request = RequestFactory().get("/")
    request.user = staff
    template = Template("{% load evidence %}{% attachments_panel record %}")
    with django_assert_max_num_queries(2):
        html = template.render(Context({"request": request, "record": dossier}))
    assert html.count("/download/") == 5
    assert "作废原因" in html
