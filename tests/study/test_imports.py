"""The spreadsheet import pipeline: every bad row reported at once, nothing written on error,
re-import idempotent, caps before parsing, formulas as values, unsafe XML refused."""

import datetime
import io
import zipfile

import pytest
from django.core.management import CommandError, call_command

from ideology_office.accounts.roles import Role
from ideology_office.common import spreadsheets
from study import imports
from study.models import Attendance, ImportJob, PointsEntry, StudySession
from tests.factories import OrgUnitFactory, UserFactory

from .factories import MaterialFactory, PlatformFactory
from .helpers import STUDY_HEADERS, xlsx_bytes

STUDY = ImportJob.Kind.STUDY_RECORDS
POINTS = ImportJob.Kind.PLATFORM_POINTS


@pytest.fixture
def office(db):
    section = OrgUnitFactory(name="综合股", code="general")
    people = {
        name: UserFactory(username=username, real_name=name, section=section, roles=[Role.STAFF])
        for username, name in [("zhang", "张三"), ("li", "李四"), ("wang", "王五")]
    }
    return section, people


def good_rows():
    return [
        [
            datetime.date(2024, 3, 5),
            "理论学习中心组学习",
            "学习党的二十大精神",
            "综合股",
            "",
            "张三",
            "意识形态、网络安全",
            "张三、李四",
            "王五（出差）",
        ],
        [
            datetime.date(2024, 3, 8),
            "第一议题",
            "学习重要讲话",
            "综合股",
            "室务会",
            "李四",
            "",
            "张三、李四、王五",
            "",
        ],
    ]


def run(kind, data, name="records.xlsx", **kwargs):
    return imports.import_file(kind, data, name, user=None, **kwargs)


def test_a_good_file_imports_sessions_attendance_and_tags(office):
    result = run(STUDY, xlsx_bytes(STUDY_HEADERS, good_rows()))
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    session = StudySession.objects.get(topic="学习党的二十大精神")
    assert sorted(session.tags.values_list("name", flat=True)) == ["意识形态", "网络安全"]
    absent = session.attendances.get(status=Attendance.Status.ABSENT)
    assert (absent.person.real_name, absent.absence_reason) == ("王五", "出差")
    assert StudySession.objects.get(topic="学习重要讲话").first_agenda_venue == "office_meeting"


def test_re_importing_the_same_file_creates_nothing_and_a_corrected_file_updates(office):
    data = xlsx_bytes(STUDY_HEADERS, good_rows())
    run(STUDY, data)
    again = run(STUDY, data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert StudySession.objects.count() == 2
    corrected = good_rows()
    corrected[0][8] = ""
    corrected[0][7] = "张三、李四、王五"
    third = run(STUDY, xlsx_bytes(STUDY_HEADERS, corrected))
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    session = StudySession.objects.get(topic="学习党的二十大精神")
    assert session.attendances.filter(status=Attendance.Status.PRESENT).count() == 3
    assert StudySession.objects.count() == 2


def test_in_small_batches_the_same_file_imports_re_imports_and_updates_the_same(office, monkeypatch):
    monkeypatch.setattr(imports, "BATCH_SIZE", 1)
    rows = good_rows() + [
        [datetime.date(2024, 3, 9), "专题研讨", "第三次研讨", "综合股", "", "王五", "意识形态", "王五", ""]
    ]
    assert (run(STUDY, xlsx_bytes(STUDY_HEADERS, rows)).created, StudySession.objects.count()) == (3, 3)
    again = run(STUDY, xlsx_bytes(STUDY_HEADERS, rows))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    rows[2][7] = "王五、张三"
    third = run(STUDY, xlsx_bytes(STUDY_HEADERS, rows))
    assert (third.created, third.updated, third.unchanged) == (0, 1, 2)
    session = StudySession.objects.get(topic="第三次研讨")
    assert sorted(session.attendances.values_list("person__real_name", flat=True)) == ["张三", "王五"]
    assert Attendance.objects.count() == 3 + 3 + 2


def test_a_corrected_file_changes_only_what_it_corrects_and_the_trail_says_what(office, monkeypatch):
    from ideology_office.common.models import AuditEntry

    monkeypatch.setattr(imports, "BATCH_SIZE", 1)
    run(STUDY, xlsx_bytes(STUDY_HEADERS, good_rows()))
    first = StudySession.objects.get(topic="学习党的二十大精神")
    second = StudySession.objects.get(topic="学习重要讲话")
    lines_before = dict(Attendance.objects.values_list("pk", "person__real_name"))
    first_host = first.host_id
    entries_before = AuditEntry.objects.count()
    corrected = good_rows()
    corrected[0][5] = "李四"  # host
    corrected[0][6] = "意识形态"  # 网络安全 taken off
    corrected[0][7] = "张三、李四、王五"  # 王五 was absent, now present
    corrected[0][8] = ""
    corrected[1][7] = "张三、李四"  # 王五 taken off
    corrected[1][6] = "网络安全"  # a tag added
    result = run(STUDY, xlsx_bytes(STUDY_HEADERS, corrected))
    assert (result.created, result.updated, result.unchanged) == (0, 2, 0)

    first.refresh_from_db()
    assert first.host.real_name == "李四"
    assert list(first.tags.values_list("name", flat=True)) == ["意识形态"]
    assert list(second.tags.values_list("name", flat=True)) == ["网络安全"]
    assert {line.person.real_name: line.status for line in first.attendances.all()} == {
        "张三": "present",
        "李四": "present",
        "王五": "present",
    }
    assert sorted(second.attendances.values_list("person__real_name", flat=True)) == ["张三", "李四"]
    # Untouched attendance lines keep their rows; 王五's line in the first session is the same row.
    lines_after = dict(Attendance.objects.values_list("pk", "person__real_name"))
    assert set(lines_after) <= set(lines_before)
    entries = list(AuditEntry.objects.order_by("pk")[entries_before:])
    # Nothing else: no per-row creates, no deletion of lines that stayed.
    assert sorted((entry.content_type.model, entry.action) for entry in entries) == [
        ("attendance", "delete"),
        ("attendance", "update"),
        ("studysession", "update"),
    ]
    update = next(entry for entry in entries if entry.content_type.model == "studysession")
    assert update.changes == {"host_id": [first_host, first.host_id]}
    line_update = next(
        entry for entry in entries if entry.content_type.model == "attendance" and entry.action == "update"
    )
    assert line_update.changes == {"status": ["absent", "present"], "absence_reason": ["出差", ""]}
    deleted = next(entry for entry in entries if entry.action == "delete")
    assert (deleted.changes["session_id"], deleted.changes["status"]) == (second.pk, "present")


def test_an_import_leaves_one_audit_entry_per_batch_naming_the_file_and_the_rows(office, monkeypatch):
    from django.contrib.contenttypes.models import ContentType

    from ideology_office.common.audit import audit_context
    from ideology_office.common.models import AuditEntry
    from study.models import Tag

    monkeypatch.setattr(imports, "BATCH_SIZE", 1)
    with audit_context(label="study_records import"):
        assert run(STUDY, xlsx_bytes(STUDY_HEADERS, good_rows()), name="2024年台账.xlsx").created == 2

    def creates(model):
        return list(
            AuditEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(model), action="create"
            ).order_by("pk")
        )

    sessions = list(StudySession.objects.order_by("pk"))
    session_entries = creates(StudySession)
    # One entry per batch (here one session per batch), none per row.
    assert len(session_entries) == 2
    for entry, session in zip(session_entries, sessions, strict=True):
        assert (entry.is_bulk, entry.object_pk, entry.actor_label) == (True, "", "study_records import")
        assert entry.changes["source"] == "2024年台账.xlsx"
        assert entry.changes["fields"] == ["id", "kind", "date", "topic"]
        assert entry.changes["rows"] == [[session.pk, session.kind, session.date.isoformat(), session.topic]]
        assert "2024年台账.xlsx" in entry.object_repr
    attendance_entries = creates(Attendance)
    assert [entry.changes["count"] for entry in attendance_entries] == [3, 3]
    assert attendance_entries[0].changes["fields"] == ["id", "session_id", "person_id"]
    listed = {row[0] for entry in attendance_entries for row in entry.changes["rows"]}
    assert listed == set(Attendance.objects.values_list("pk", flat=True))
    # The two new tags were created in one bulk write: one entry naming both.
    [tags] = creates(Tag)
    assert sorted(row[1] for row in tags.changes["rows"]) == ["意识形态", "网络安全"]


def test_an_imports_summarising_entries_are_chained_with_valid_macs(office):
    """The summarising entries' listings (dates, Chinese topics, kinds) are built as the database
    gives JSON back, and their content MAC is computed without re-encoding them: read back from
    the database, every MAC must still hold, or the entry would be left out of the chain."""
    from ideology_office.common.audit import audit_context
    from ideology_office.common.audit_chain import seal_pending, verify_audit_chain
    from ideology_office.common.models import AuditEntry

    with audit_context(label="study_records import"):
        assert run(STUDY, xlsx_bytes(STUDY_HEADERS, good_rows()), name="2024年台账.xlsx").created == 2
    seal_pending()
    assert AuditEntry.objects.filter(is_bulk=True).exists()
    assert not AuditEntry.objects.filter(sequence__isnull=True).exists()
    assert verify_audit_chain().problems == []


def test_a_plain_model_resource_can_import_study_sessions(office):
    """A default django-import-export ModelResource (the benchmark's comparison) must not trip
    over the session's __str__ while the session has no date or pk yet."""
    from import_export import resources
    from tablib import Dataset

    section, people = office
    assert str(StudySession()) == "："
    resource = resources.modelresource_factory(model=StudySession)()
    dataset = Dataset(headers=["id", "kind", "date", "topic", "section", "start_time", "end_time", "host"])
    dataset.append(
        ["", "central_group", "2024-03-05", "中心组学习", section.pk, "09:00", "11:00", people["张三"].pk]
    )
    result = resource.import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert StudySession.objects.get().topic == "中心组学习"


def test_every_bad_row_is_reported_with_row_and_column_and_nothing_is_written(office):
    rows = good_rows() + [
        ["不是日期", "专题研讨", "主题甲", "综合股", "", "", "", "", ""],
        [datetime.date(2024, 3, 9), "专题研讨", "主题乙", "综合股", "", "赵六", "", "", ""],
        [datetime.date(2024, 3, 5), "理论学习中心组学习", "学习党的二十大精神", "综合股", "", "", "", "", ""],
        [datetime.date(2024, 3, 10), "第一议题", "主题丙", "综合股", "", "", "", "", ""],
        [datetime.date(2024, 3, 11), "专题研讨", "主题丁", "财务股", "", "", "", "", "李四"],
        ["=TODAY()", "专题研讨", "主题戊", "综合股", "", "", "", "", ""],
        [datetime.date(2024, 3, 12), "", "", "综合股", "", "", "", "", ""],
    ]
    result = run(STUDY, xlsx_bytes(STUDY_HEADERS, rows))
    found = {(error.row, error.column) for error in result.errors}
    assert found == {
        (4, "日期"),
        (5, "主持人"),
        (6, "主题"),
        (7, "第一议题会议"),
        (8, "组织股室"),
        (8, "缺席人员"),
        (9, "日期"),
        (10, "类型"),
        (10, "主题"),
    }
    messages = {(error.row, error.column): error.message for error in result.errors}
    assert "不是日期" in messages[(4, "日期")]
    assert "赵六" in messages[(5, "主持人")]
    assert "第 2 行" in str(result.errors[2]) or "第 2 行" in messages[(6, "主题")]
    assert "公式" in messages[(9, "日期")]
    assert StudySession.objects.count() == 0
    assert Attendance.objects.count() == 0


def test_a_missing_required_column_is_reported_before_any_row(office):
    headers = [header for header in STUDY_HEADERS if header != "主题"]
    result = run(STUDY, xlsx_bytes(headers, [[datetime.date(2024, 3, 5), "专题研讨", "综合股"]]))
    assert [(error.row, error.column, error.message) for error in result.errors] == [
        (1, "主题", "缺少必填列。")
    ]


def test_an_oversized_file_is_refused_before_parsing(office, monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_BYTES", 1000)
    result = run(STUDY, b"PK" + b"x" * 2000)
    assert len(result.errors) == 1
    assert "MB" in result.errors[0].message
    assert StudySession.objects.count() == 0


def test_too_many_rows_are_refused_from_the_declared_dimension(office, monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 1)
    result = run(STUDY, xlsx_bytes(STUDY_HEADERS, good_rows()))
    assert "最多导入 1 行" in result.errors[0].message


def test_a_workbook_with_an_entity_declaration_is_refused(office):
    original = xlsx_bytes(STUDY_HEADERS, good_rows())
    source = zipfile.ZipFile(io.BytesIO(original))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = content.decode("utf-8")
                body = body.split("?>", 1)[1] if body.startswith("<?xml") else body
                bomb = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
                content = (bomb + body.replace("<sheetData>", "<sheetData><!-- &lol2; -->")).encode()
            target.writestr(item, content)
    result = run(STUDY, buffer.getvalue())
    assert [error.message for error in result.errors] == ["工作簿含有不安全的 XML 内容，已拒绝导入。"]
    assert StudySession.objects.count() == 0


def test_a_file_that_is_not_a_workbook_is_refused(office):
    result = run(STUDY, b"not a zip file at all")
    assert result.errors[0].message == "文件不是有效的 .xlsx 工作簿。"


def test_a_gbk_csv_from_chinese_excel_imports(office):
    text = "日期,类型,主题,组织股室,出席人员\n2024-03-05,专题研讨,网络安全专题研讨,综合股,张三、李四\n"
    result = run(STUDY, text.encode("gb18030"), name="records.csv")
    assert result.ok, result.errors
    assert StudySession.objects.get().topic == "网络安全专题研讨"


def test_materials_are_linked_by_title(office):
    material = MaterialFactory(title="关于意识形态工作的重要讲话")
    headers = ["日期", "类型", "主题", "组织股室", "第一议题会议", "学习材料"]
    rows = [[datetime.date(2024, 3, 5), "第一议题", "学习讲话", "综合股", "中心组", material.title]]
    assert run(STUDY, xlsx_bytes(headers, rows)).ok
    assert list(StudySession.objects.get().materials.all()) == [material]


def test_staff_may_import_rows_of_their_own_section_only(office):
    section, people = office
    OrgUnitFactory(name="信息股", code="information")
    rows = [[datetime.date(2024, 3, 5), "专题研讨", "主题", "信息股", "", "", "", "", ""]]
    result = imports.import_file(STUDY, xlsx_bytes(STUDY_HEADERS, rows), "a.xlsx", user=people["张三"])
    assert [error.message for error in result.errors] == ["只能录入本股室的学习记录。"]


def test_points_import_validates_and_is_idempotent(office):
    PlatformFactory()
    headers = ["平台", "姓名", "日期", "积分"]
    rows = [["学习强国", "张三", datetime.date(2024, 3, 5), 45], ["学习强国", "li", "2024-03-05", "38"]]
    first = run(POINTS, xlsx_bytes(headers, rows))
    assert (first.created, first.unchanged) == (2, 0)
    assert run(POINTS, xlsx_bytes(headers, rows)).unchanged == 2
    rows[0][3] = 50
    assert run(POINTS, xlsx_bytes(headers, rows)).updated == 1
    bad = [
        ["学习强国", "张三", datetime.date(2024, 3, 6), "很多"],
        ["抖音", "张三", datetime.date(2024, 3, 6), 1],
    ]
    result = run(POINTS, xlsx_bytes(headers, bad + [["学习强国", "张三", datetime.date(2024, 3, 6), 2]]))
    assert {(error.row, error.column) for error in result.errors} == {(2, "积分"), (3, "平台")}
    assert PointsEntry.objects.count() == 2


def test_only_admins_import_points(office):
    _section, people = office
    result = imports.import_file(POINTS, b"", "p.xlsx", user=people["张三"])
    assert result.errors[0].message == "您无权导入此类文件。"


def test_the_command_lists_every_error_in_chinese_and_exits_non_zero(office, tmp_path, capsys):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(
        xlsx_bytes(
            STUDY_HEADERS,
            [
                ["昨天", "专题研讨", "主题", "综合股", "", "", "", "", ""],
                [datetime.date(2024, 1, 1), "茶话会", "主题", "综合股", "", "", "", "", ""],
            ],
        )
    )
    with pytest.raises(CommandError, match="共 2 处错误"):
        call_command("import_study_records", str(path))
    err = capsys.readouterr().err
    assert "第 2 行，“日期”列：“昨天”不是日期" in err
    assert "第 3 行，“类型”列：未知的类型“茶话会”。" in err
    assert StudySession.objects.count() == 0


def test_the_commands_import_good_files(office, tmp_path, capsys):
    path = tmp_path / "good.xlsx"
    path.write_bytes(xlsx_bytes(STUDY_HEADERS, good_rows()))
    call_command("import_study_records", str(path))
    assert "新建 2" in capsys.readouterr().out
    PlatformFactory()
    points = tmp_path / "points.csv"
    points.write_text("平台,姓名,月份,积分\n学习强国,张三,2024-03,900\n", encoding="utf-8-sig")
    call_command("import_platform_points", str(points))
    entry = PointsEntry.objects.get()
    assert (entry.period, entry.date, entry.points) == ("month", datetime.date(2024, 3, 1), 900)


def test_templates_have_the_chinese_headers(office):
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(imports.SPECS[STUDY].template()))
    headers = [cell.value for cell in next(workbook.active.iter_rows(max_row=1))]
    assert headers[:4] == ["日期", "类型", "主题", "组织股室"]


def test_a_background_job_runs_the_pipeline_and_records_progress(office, admin_person):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from study.tasks import run_import_job

    upload = SimpleUploadedFile("big.xlsx", xlsx_bytes(STUDY_HEADERS, good_rows()))
    job = imports.import_job_create(kind=STUDY, uploaded_file=upload, user=admin_person)
    assert run_import_job(job.pk) == ImportJob.Status.SUCCEEDED
    job.refresh_from_db()
    assert job.result["created"] == 2
    assert job.percent == 100
    assert not job.file
