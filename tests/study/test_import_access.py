"""The import updates only sessions the importer may change, through every door: the service, the
import page, the admin's resource and the command. A row whose natural key (kind, date, topic)
names another section's session is a row error, and then nothing at all is written."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from tablib import Dataset

from ideology_office.accounts.roles import Role
from ideology_office.common.models import AuditEntry
from study import imports
from study.models import Attendance, ImportJob, StudySession
from study.resources import StudyRecordsResource
from tests.factories import OrgUnitFactory, UserFactory

from .factories import SessionFactory
from .helpers import xlsx_bytes

STUDY = ImportJob.Kind.STUDY_RECORDS
HEADERS = ["日期", "类型", "主题", "组织股室", "地点", "出席人员", "会议记录"]
DAY = datetime.date(2024, 3, 5)
TOPIC = "学习党的二十大精神"
REFUSED = "第 2 行：该学习记录属于综合股，您无权修改。"


@pytest.fixture
def general(db):
    return OrgUnitFactory(name="综合股", code="general")


@pytest.fixture
def secretariat(db):
    return OrgUnitFactory(name="秘书股", code="secretariat")


@pytest.fixture
def general_session(general):
    session = SessionFactory(
        kind=StudySession.Kind.CENTRAL_GROUP,
        date=DAY,
        topic=TOPIC,
        section=general,
        place="三楼会议室",
        minutes="原会议记录",
    )
    people = [
        UserFactory(username=f"general{n}", real_name=f"综合{n}", section=general, roles=[Role.STAFF])
        for n in range(11)
    ]
    Attendance.objects.bulk_create(
        [Attendance(session=session, person=person, status=Attendance.Status.PRESENT) for person in people]
    )
    return session


@pytest.fixture
def secretary(secretariat):
    return UserFactory(username="mishu", real_name="秘书甲", section=secretariat, roles=[Role.STAFF])


def own_row(section_name="秘书股", person="秘书甲"):
    """A row with the 综合股 session's natural key, as the 秘书股 staff would write it."""
    return [DAY, "理论学习中心组学习", TOPIC, section_name, "秘书股办公室", person, "改过的记录"]


def snapshot(session):
    session.refresh_from_db()
    return (
        session.section.name,
        session.place,
        session.minutes,
        session.attendances.count(),
        session.is_voided,
    )


UNCHANGED = ("综合股", "三楼会议室", "原会议记录", 11, False)


def test_the_exact_scenario_is_a_row_error_and_nothing_is_written(general_session, secretary):
    audit_before = AuditEntry.objects.count()
    result = imports.import_file(STUDY, xlsx_bytes(HEADERS, [own_row()]), "台账.xlsx", user=secretary)
    assert [str(error) for error in result.errors] == [REFUSED]
    assert not result.written and (result.created, result.updated) == (0, 0)
    assert snapshot(general_session) == UNCHANGED
    assert StudySession.objects.count() == 1
    assert AuditEntry.objects.count() == audit_before


def test_a_dry_run_reports_the_refusal_too(general_session, secretary):
    result = imports.import_file(
        STUDY, xlsx_bytes(HEADERS, [own_row()]), "台账.xlsx", user=secretary, dry_run=True
    )
    assert [str(error) for error in result.errors] == [REFUSED]


def test_one_refused_row_stops_the_good_rows_too(general_session, secretary):
    audit_before = AuditEntry.objects.count()
    new_row = [DAY, "专题研讨", "秘书股自己的学习", "秘书股", "", "秘书甲", ""]
    result = imports.import_file(
        STUDY, xlsx_bytes(HEADERS, [new_row, own_row()]), "台账.xlsx", user=secretary
    )
    assert [str(error) for error in result.errors] == ["第 3 行：该学习记录属于综合股，您无权修改。"]
    assert not StudySession.objects.filter(topic="秘书股自己的学习").exists()
    assert snapshot(general_session) == UNCHANGED
    assert AuditEntry.objects.count() == audit_before


def test_the_import_page_shows_the_refusal_and_writes_nothing(client, general_session, secretary):
    client.force_login(secretary)
    # Counted after signing in: the sign-in itself may leave an entry.
    audit_before = AuditEntry.objects.count()
    response = client.post(
        reverse("study:import"),
        {"kind": STUDY, "file": SimpleUploadedFile("台账.xlsx", xlsx_bytes(HEADERS, [own_row()]))},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "发现 1 处问题" in content
    assert "该学习记录属于综合股，您无权修改。" in content
    assert snapshot(general_session) == UNCHANGED
    assert AuditEntry.objects.count() == audit_before


def test_the_admin_resource_refuses_the_row(general_session, secretary):
    dataset = Dataset(headers=HEADERS)
    dataset.append(own_row())
    result = StudyRecordsResource().import_data(dataset, dry_run=False, user=secretary, file_name="a.xlsx")
    assert result.has_validation_errors()
    [invalid] = result.invalid_rows
    assert invalid.number == 2
    assert invalid.error_dict == {"__all__": ["该学习记录属于综合股，您无权修改。"]}
    assert snapshot(general_session) == UNCHANGED


def test_the_command_as_the_secretary_refuses_the_row(general_session, secretary, tmp_path, capsys):
    audit_before = AuditEntry.objects.count()
    path = tmp_path / "台账.xlsx"
    path.write_bytes(xlsx_bytes(HEADERS, [own_row()]))
    with pytest.raises(CommandError, match="共 1 处错误"):
        call_command("import_study_records", str(path), "--user", "mishu")
    assert REFUSED in capsys.readouterr().err
    assert snapshot(general_session) == UNCHANGED
    assert AuditEntry.objects.count() == audit_before


def test_the_command_refuses_an_unknown_login(general_session, tmp_path):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(xlsx_bytes(HEADERS, [own_row()]))
    with pytest.raises(CommandError, match="找不到登录名"):
        call_command("import_study_records", str(path), "--user", "nobody")
    assert snapshot(general_session) == UNCHANGED


def test_a_leader_may_update_any_sections_session(general_session, leader, secretary):
    result = imports.import_file(STUDY, xlsx_bytes(HEADERS, [own_row()]), "台账.xlsx", user=leader)
    assert result.ok, result.errors
    assert (result.created, result.updated) == (0, 1)
    assert snapshot(general_session) == ("秘书股", "秘书股办公室", "改过的记录", 1, False)


def test_the_command_as_a_leader_updates(general_session, leader, secretary, tmp_path, capsys):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(xlsx_bytes(HEADERS, [own_row()]))
    call_command("import_study_records", str(path), "--user", leader.username)
    assert "更新 1" in capsys.readouterr().out
    assert snapshot(general_session)[:3] == ("秘书股", "秘书股办公室", "改过的记录")
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).latest("pk")
    assert entry.actor_id == leader.pk


def test_a_staff_member_may_update_their_own_sections_session(general_session, general):
    clerk = UserFactory(username="zonghe", real_name="综合录入员", section=general, roles=[Role.STAFF])
    row = [DAY, "理论学习中心组学习", TOPIC, "综合股", "二楼会议室", "综合录入员", "补充的记录"]
    result = imports.import_file(STUDY, xlsx_bytes(HEADERS, [row]), "台账.xlsx", user=clerk)
    assert result.ok, result.errors
    assert result.updated == 1
    assert snapshot(general_session) == ("综合股", "二楼会议室", "补充的记录", 1, False)


@pytest.mark.rollups_unchecked  # voids behind the services' back (base manager), as a shortcut
def test_a_voided_session_is_never_updated(general_session, leader, secretary):
    StudySession._base_manager.filter(pk=general_session.pk).update(
        voided_at=datetime.datetime(2024, 4, 1, tzinfo=datetime.UTC), void_reason="重复录入"
    )
    result = imports.import_file(STUDY, xlsx_bytes(HEADERS, [own_row()]), "台账.xlsx", user=leader)
    assert result.ok, result.errors
    assert (result.created, result.updated) == (1, 0)
    assert snapshot(general_session) == ("综合股", "三楼会议室", "原会议记录", 11, True)
