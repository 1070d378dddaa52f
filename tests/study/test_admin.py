import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from study.models import StudySession
from tests.factories import OrgUnitFactory

from .helpers import STUDY_HEADERS, xlsx_bytes


def test_the_admin_import_goes_through_the_pipeline(client, admin_person):
    OrgUnitFactory(name="综合股", code="general")
    client.force_login(admin_person)
    url = reverse("admin:study_studysession_import")
    assert client.get(url).status_code == 200
    bad = xlsx_bytes(STUDY_HEADERS, [["=NOW()", "专题研讨", "主题", "综合股", "", "", "", "", ""]])
    response = client.post(
        url, {"format": "0", "import_file": SimpleUploadedFile("a.xlsx", bad), "resource": "0"}
    )
    assert "公式没有保存的计算结果" in response.content.decode()
    assert StudySession.objects.count() == 0
    good = xlsx_bytes(
        STUDY_HEADERS, [[datetime.date(2024, 3, 5), "专题研讨", "主题", "综合股", "", "", "", "", ""]]
    )
    response = client.post(
        url, {"format": "0", "import_file": SimpleUploadedFile("a.xlsx", good), "resource": "0"}
    )
    assert response.status_code == 302
    assert StudySession.objects.get().topic == "主题"


def test_the_admin_import_refuses_unsafe_or_broken_files_with_the_pipeline_message(client, admin_person):
    client.force_login(admin_person)
    url = reverse("admin:study_studysession_import")
    response = client.post(
        url, {"format": "0", "import_file": SimpleUploadedFile("a.xlsx", b"junk"), "resource": "0"}
    )
    assert "文件不是有效的 .xlsx 工作簿。" in response.content.decode()


def test_the_admin_refuses_a_duplicate_session_with_the_service_message(client, admin_person):
    section = OrgUnitFactory()
    StudySession.objects.create(
        kind="central_group", date=datetime.date(2024, 3, 5), topic="学习", section=section
    )
    client.force_login(admin_person)
    data = {
        "kind": "central_group",
        "first_agenda_venue": "",
        "date": "2024-03-05",
        "topic": "学习",
        "section": section.pk,
        "attendances-TOTAL_FORMS": "0",
        "attendances-INITIAL_FORMS": "0",
        "speeches-TOTAL_FORMS": "0",
        "speeches-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("admin:study_studysession_add"), data)
    assert "该日期已有相同类型和主题的学习记录" in response.content.decode()
    assert StudySession.objects.count() == 1
