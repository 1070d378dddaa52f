"""Evidence from a phone's camera: the upload forms take a photo from the ``capture`` input in place
of a chosen file, refuse both at once, and write nothing when neither is given."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ideology_office.common.models import Attachment
from inspections.models import RectificationTask
from tests.testapp.models import Dossier

from ..inspections.factories import make_task

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

pytestmark = pytest.mark.django_db


def photo():
    return SimpleUploadedFile("IMG_20250301_0930.png", PNG_BYTES, content_type="image/png")


@pytest.fixture
def dossier(staff):
    return Dossier.objects.create(title="整改佐证", owner=staff, created_by=staff)


def upload_url(record):
    content_type = ContentType.objects.get_for_model(record)
    return reverse("common:attachment_upload", args=[content_type.pk, record.pk])


def test_the_task_page_offers_the_rear_camera_beside_each_file_input(client, inspector, staff):
    task = make_task(user=inspector, person=staff)
    client.force_login(staff)
    html = client.get(task.get_absolute_url()).content.decode()
    # The progress form's photo and the evidence panel's photo, each labelled.
    assert html.count('capture="environment"') == 2
    assert 'for="attachment-photo"' in html
    assert 'for="id_photo"' in html


def test_a_photo_from_the_camera_is_saved_as_evidence(client, staff, dossier):
    client.force_login(staff)
    response = client.post(upload_url(dossier), {"photo": photo(), "description": "现场照片"}, follow=True)
    assert "已保存佐证材料" in response.content.decode()
    attachment = Attachment.objects.get()
    assert attachment.record == dossier
    assert attachment.original_name == "IMG_20250301_0930.png"
    assert attachment.description == "现场照片"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "请选择文件或拍照。"),
        ({"file": SimpleUploadedFile("纪要.pdf", PDF_BYTES), "photo": photo()}, "二者选其一"),
    ],
    ids=["neither", "both"],
)
def test_neither_or_both_is_refused_and_nothing_is_written(client, staff, dossier, files, message):
    client.force_login(staff)
    response = client.post(upload_url(dossier), {"description": "说明", **files}, follow=True)
    assert message in response.content.decode()
    assert not Attachment.objects.exists()


def test_task_progress_takes_a_photo_as_its_evidence(client, inspector, staff):
    task = make_task(user=inspector, person=staff)
    client.force_login(staff)
    client.post(
        reverse("inspections:task_progress", args=[task.pk]), {"note": "已整改，附现场照片", "photo": photo()}
    )
    task.refresh_from_db()
    assert task.state == RectificationTask.State.IN_PROGRESS
    assert "IMG_20250301_0930.png" in client.get(task.get_absolute_url()).content.decode()


def test_task_progress_refuses_a_file_and_a_photo_together(client, inspector, staff):
    task = make_task(user=inspector, person=staff)
    client.force_login(staff)
    response = client.post(
        reverse("inspections:task_progress", args=[task.pk]),
        {"note": "进展", "evidence": SimpleUploadedFile("纪要.pdf", PDF_BYTES), "photo": photo()},
        follow=True,
    )
    assert "二者选其一" in response.content.decode()
    assert not Attachment.objects.exists()
