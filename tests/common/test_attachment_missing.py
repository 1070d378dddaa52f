"""An evidence file the store has lost answers a Chinese page (404) and logs which one, not 500."""

import logging

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ideology_office.common.services import attachment_add
from tests.testapp.models import Dossier

from .test_attachments import PDF_BYTES


@pytest.fixture
def dossier(staff):
    return Dossier.objects.create(title="整改佐证", owner=staff, created_by=staff)


@pytest.mark.django_db
def test_a_missing_file_answers_404_with_a_chinese_page_and_a_log_line(client, staff, dossier, caplog):
    attachment = attachment_add(
        record=dossier, uploaded_file=SimpleUploadedFile("会议纪要.pdf", PDF_BYTES), user=staff
    )
    storages["evidence"].delete(attachment.file.name)
    client.force_login(staff)
    with caplog.at_level(logging.WARNING, logger="ideology_office.common.views"):
        response = client.get(reverse("common:attachment_download", args=[attachment.pk]))
    assert response.status_code == 404
    content = response.content.decode()
    assert "佐证材料文件缺失" in content
    assert "佐证材料“会议纪要.pdf”的文件已不在文件存储中" in content
    [record] = [r for r in caplog.records if r.name == "ideology_office.common.views"]
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert f"attachment {attachment.pk} " in message and "会议纪要.pdf" in message
    assert attachment.file.name in message


@pytest.mark.django_db
def test_someone_who_may_not_see_the_record_still_gets_the_plain_404(client, section_head, dossier, staff):
    attachment = attachment_add(
        record=dossier, uploaded_file=SimpleUploadedFile("会议纪要.pdf", PDF_BYTES), user=staff
    )
    storages["evidence"].delete(attachment.file.name)
    client.force_login(section_head)
    response = client.get(reverse("common:attachment_download", args=[attachment.pk]))
    assert response.status_code == 404
    assert "佐证材料文件缺失" not in response.content.decode()
