import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from study.models import ReadingClass, StudySession
from tests.factories import OrgUnitFactory, UserFactory

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


def test_the_admin_refuses_a_reading_class_longer_than_31_days_and_writes_nothing(client, admin_person):
    # The 31-day rule lives in the service: the admin, which once saved directly, now meets it too.
    section = OrgUnitFactory()
    client.force_login(admin_person)
    data = {
        "title": "读书班",
        "theme": "",
        "section": section.pk,
        "start_date": "2024-03-01",
        "end_date": "2024-04-01",
    }
    response = client.post(reverse("admin:study_readingclass_add"), data)
    assert response.status_code == 200
    assert "读书班最长 31 天" in response.content.decode()
    assert not ReadingClass.objects.exists()
    assert not StudySession.objects.exists()
    # Within the limit, the admin writes through the same service: one session per day.
    response = client.post(reverse("admin:study_readingclass_add"), {**data, "end_date": "2024-03-31"})
    assert response.status_code == 302
    assert ReadingClass.objects.get().sessions.count() == 31


def test_the_admin_writes_attendance_and_speeches_through_the_session_service(client, admin_person):
    section = OrgUnitFactory()
    person = UserFactory(section=section)
    client.force_login(admin_person)
    data = {
        "kind": "central_group",
        "first_agenda_venue": "",
        "date": "2024-03-05",
        "topic": "学习",
        "section": section.pk,
        "attendances-TOTAL_FORMS": "2",
        "attendances-INITIAL_FORMS": "0",
        "attendances-0-person": person.pk,
        "attendances-0-status": "present",
        "attendances-1-person": person.pk,
        "attendances-1-status": "present",
        "speeches-TOTAL_FORMS": "0",
        "speeches-INITIAL_FORMS": "0",
    }
    # The same person twice: the service's attendance rule refuses, and nothing is written.
    response = client.post(reverse("admin:study_studysession_add"), data)
    assert response.status_code == 200
    assert not StudySession.objects.exists()
    data.update({"attendances-TOTAL_FORMS": "1", "speeches-TOTAL_FORMS": "1"})
    data.update({"speeches-0-order": "1", "speeches-0-speaker": person.pk, "speeches-0-content": "发言"})
    response = client.post(reverse("admin:study_studysession_add"), data)
    assert response.status_code == 302
    session = StudySession.objects.get()
    assert [row.person for row in session.attendances.all()] == [person]
    assert [row.content for row in session.speeches.all()] == ["发言"]


def test_import_row_errors_show_in_the_row_and_empty_cells_stay_empty(client, admin_person):
    OrgUnitFactory(name="综合股", code="general")
    client.force_login(admin_person)
    url = reverse("admin:study_studysession_import")
    rows = [
        [datetime.date(2024, 3, 5), "专题研讨", "主题一", "综合股", "", "", "", "", ""],
        ["2024-13-45", "专题研讨", "主题二", "没有这个股室", "", "", "", "", ""],
    ]
    response = client.post(
        url,
        {
            "format": "0",
            "import_file": SimpleUploadedFile("a.xlsx", xlsx_bytes(STUDY_HEADERS, rows)),
            "resource": "0",
        },
    )
    page = response.content.decode()
    table = page[page.index('data-testid="import-errors"') :]
    errors_cell = table[
        table.index('class="import-row-errors"') : table.index("</td>", table.index("import-row-errors"))
    ]
    assert "<li>" in errors_cell and "股室" in errors_cell  # the reason is in the row, not behind a hover
    assert "validation-error-container" not in table
    assert "None" not in table
    assert "css/admin-import.css" in page
    assert StudySession.objects.count() == 0
