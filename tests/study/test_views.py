import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ideology_office.accounts.roles import Role
from ideology_office.common.voiding import void_url
from study import imports
from study.models import Attendance, ImportJob, PointsBulletin, StudySession
from tests.factories import OrgUnitFactory, UserFactory

from .factories import MaterialFactory, PlatformFactory, SessionFactory, TagFactory
from .helpers import STUDY_HEADERS, xlsx_bytes


@pytest.fixture
def section(db):
    return OrgUnitFactory(name="综合股", code="general")


@pytest.fixture
def clerk(section):
    return UserFactory(username="clerk", real_name="录入员", section=section, roles=[Role.STAFF])


def sessions(count, section):
    tag = TagFactory(name="意识形态")
    for number in range(count):
        session = SessionFactory(
            section=section, date=datetime.date(2024, 1, 1) + datetime.timedelta(days=number), tags=[tag]
        )
        Attendance.objects.create(session=session, person=UserFactory(section=section))


@pytest.mark.parametrize("count", [5, 50])
def test_the_session_list_and_export_use_the_same_queries_for_5_and_50_rows(
    client, leader, section, count, django_assert_max_num_queries
):
    sessions(count, section)
    client.force_login(leader)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("study:session_list"))
    assert response.status_code == 200
    with django_assert_max_num_queries(12):
        response = client.get(reverse("study:session_list"), {"export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.parametrize("count", [5, 50])
def test_detail_and_form_pages_use_a_fixed_number_of_queries(
    client, clerk, section, count, django_assert_max_num_queries
):
    people = [UserFactory(section=section, roles=[Role.STAFF]) for _ in range(count)]
    session = SessionFactory(section=section)
    for person in people:
        Attendance.objects.create(session=session, person=person)
    client.force_login(clerk)
    with django_assert_max_num_queries(20):
        assert client.get(session.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(reverse("study:session_create")).status_code == 200
    # A person select asks, unsorted, whether there are more people than it lists (one query).
    with django_assert_max_num_queries(23):
        assert client.get(reverse("study:session_edit", args=[session.pk])).status_code == 200


def test_thirty_attendees_are_recorded_by_changing_only_the_absent(client, clerk, section):
    people = [UserFactory(section=section, roles=[Role.STAFF]) for _ in range(29)]
    client.force_login(clerk)
    page = client.get(reverse("study:session_create"))
    assert page.content.decode().count('value="present" selected') == 30
    data = {
        "kind": "thematic_discussion",
        "date": "2024-03-05",
        "section": section.pk,
        "topic": "网络安全专题研讨",
        "tag_names": "网络安全、意识形态",
        "attendees": str(section.pk),
        "speech-TOTAL_FORMS": "2",
        "speech-INITIAL_FORMS": "0",
        "speech-0-speaker": str(people[0].pk),
        "speech-0-content": "谈认识",
    }
    for person in [*people, clerk]:
        data[f"status_{person.pk}"] = "present"
    data[f"status_{people[3].pk}"] = "absent"
    response = client.post(reverse("study:session_create"), data)
    assert "缺席原因" in response.content.decode()
    assert StudySession.objects.count() == 0
    data[f"reason_{people[3].pk}"] = "病假"
    response = client.post(reverse("study:session_create"), data)
    session = StudySession.objects.get()
    assert response.url == session.get_absolute_url()
    assert session.attendances.filter(status="present").count() == 29
    assert session.attendances.get(status="absent").person == people[3]
    assert session.speeches.get().content == "谈认识"
    assert sorted(session.tags.values_list("name", flat=True)) == ["意识形态", "网络安全"]


def test_staff_cannot_see_or_change_another_sections_session_by_guessing_its_id(client, clerk):
    other = SessionFactory(section=OrgUnitFactory())
    client.force_login(clerk)
    assert client.get(other.get_absolute_url()).status_code == 404
    assert client.get(reverse("study:session_edit", args=[other.pk])).status_code == 404
    assert client.post(void_url(other), {"reason": "x"}).status_code == 404
    assert client.get(reverse("study:session_detail", args=[999999])).status_code == 404
    assert other.topic not in client.get(reverse("study:session_list")).content.decode()


def test_a_leader_sees_every_session_and_an_inspector_cannot_change_them(client, leader, inspector):
    session = SessionFactory()
    client.force_login(leader)
    assert client.get(session.get_absolute_url()).status_code == 200
    client.force_login(inspector)
    assert client.get(session.get_absolute_url()).status_code == 200
    # Seen but not changeable: 403 with the reason, not 404.
    assert client.get(reverse("study:session_edit", args=[session.pk])).status_code == 403


def test_voiding_needs_a_reason(client, clerk, section):
    session = SessionFactory(section=section)
    client.force_login(clerk)
    assert void_url(session) in client.get(session.get_absolute_url()).content.decode()
    client.post(void_url(session), {"reason": ""})
    session.refresh_from_db()
    assert not session.is_voided
    client.post(void_url(session), {"reason": "录错了"})
    session.refresh_from_db()
    assert session.void_reason == "录错了"


def test_landing_materials_and_points_pages_render(client, leader, section, django_assert_max_num_queries):
    MaterialFactory()
    sessions(3, section)
    client.force_login(leader)
    for name in ("study:index", "study:material_list", "study:points_ranking"):
        with django_assert_max_num_queries(18):
            assert client.get(reverse(name)).status_code == 200


def test_a_small_import_runs_inline_and_shows_every_error(client, clerk, section):
    client.force_login(clerk)
    bad = xlsx_bytes(STUDY_HEADERS, [["下周", "专题研讨", "主题", "综合股", "", "", "", "", ""]])
    response = client.post(
        reverse("study:import"), {"kind": "study_records", "file": SimpleUploadedFile("a.xlsx", bad)}
    )
    content = response.content.decode()
    assert "发现 1 处问题" in content and "“下周”不是日期" in content
    good = xlsx_bytes(
        STUDY_HEADERS, [[datetime.date(2024, 3, 5), "专题研讨", "主题", "综合股", "", "", "", "录入员", ""]]
    )
    response = client.post(
        reverse("study:import"),
        {"kind": "study_records", "file": SimpleUploadedFile("a.xlsx", good)},
        follow=True,
    )
    assert "新建 1" in response.content.decode()
    assert StudySession.objects.get().attendances.get().person == clerk


def test_staff_cannot_choose_points_and_cannot_download_the_points_template(client, clerk):
    client.force_login(clerk)
    assert "platform_points" not in client.get(reverse("study:import")).content.decode()
    assert client.get(reverse("study:import_template", args=["platform_points"])).status_code == 403
    assert client.get(reverse("study:import_template", args=["study_records"])).status_code == 200


def test_a_large_import_becomes_a_job_whose_page_polls_its_progress(
    client, clerk, section, monkeypatch, django_capture_on_commit_callbacks
):
    from study import tasks

    monkeypatch.setattr(imports, "INLINE_MAX_ROWS", 0)
    started = []
    monkeypatch.setattr(tasks.run_import_job, "delay", lambda pk: started.append(pk))
    client.force_login(clerk)
    data = xlsx_bytes(
        STUDY_HEADERS, [[datetime.date(2024, 3, 5), "专题研讨", "主题", "综合股", "", "", "", "", ""]]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("study:import"), {"kind": "study_records", "file": SimpleUploadedFile("a.xlsx", data)}
        )
    job = ImportJob.objects.get()
    assert response.url == job.get_absolute_url()
    assert started == [job.pk]
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 1s"' in page and "progress-bar" in page
    tasks.run_import_job(job.pk)
    fragment = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert "every 1s" not in fragment and "新建 1" in fragment
    other = UserFactory(section=section, roles=[Role.STAFF])
    client.force_login(other)
    assert client.get(job.get_absolute_url()).status_code == 404


def test_a_bulletin_is_prepared_published_and_exported_by_an_admin(client, admin_person, staff):
    platform = PlatformFactory()
    client.force_login(admin_person)
    response = client.post(reverse("study:bulletin_create"), {"month": "2024-03", "platform": platform.pk})
    bulletin = PointsBulletin.objects.get()
    assert response.url == bulletin.get_absolute_url()
    client.force_login(staff)
    assert client.get(bulletin.get_absolute_url()).status_code == 404
    client.force_login(admin_person)
    client.post(reverse("study:bulletin_publish", args=[bulletin.pk]))
    client.force_login(staff)
    assert client.get(bulletin.get_absolute_url()).status_code == 200
    assert client.get(bulletin.get_absolute_url(), {"export": "xlsx"}).status_code == 200
    assert client.get(bulletin.get_absolute_url(), {"export": "docx"})["Content-Type"].endswith("document")
    assert (
        client.post(
            reverse("study:bulletin_create"), {"month": "2024-04", "platform": platform.pk}
        ).status_code
        == 403
    )


def test_the_attendance_scope_lists_the_sections_and_its_swap_does_not_read_them(client, clerk, section):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    other = OrgUnitFactory(name="新闻股", code="news-scope")
    client.force_login(clerk)
    url = reverse("study:session_create")
    page = client.get(url).content.decode()
    scope = page[page.index('<select name="attendees"') :]
    scope = scope[: scope.index("</select>")]
    assert f'<option value="{other.pk}">新闻股</option>' in scope
    assert f'<option value="{section.pk}" selected>' in scope, "one's own section is chosen by default"
    assert 'hx-get="/study/sessions/new/"' in scope and 'id="attendees"' in scope
    with CaptureQueriesContext(connection) as queries:
        swap = client.get(url, {"attendees": str(other.pk)}, HTTP_HX_REQUEST="true")
    assert swap.status_code == 200 and 'name="attendees"' not in swap.content.decode()
    section_list = '"accounts_orgunit"."name" AS "name" FROM "accounts_orgunit"'
    assert not [q for q in queries.captured_queries if section_list in q["sql"]]
