"""What offices really produce, and what is wrong (issue #19): damaged files never crash any door,
strict where silence would change data, generous where offices differ, corrections by 编号."""

import datetime
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import DataError
from django.urls import reverse
from openpyxl import Workbook

from ideology_office.accounts.roles import Role
from ideology_office.common import spreadsheets
from study import imports
from study.models import Attendance, ImportJob, PointsEntry, StudySession
from tests.factories import OrgUnitFactory, UserFactory

from .factories import PlatformFactory, SessionFactory
from .helpers import STUDY_HEADERS, xlsx_bytes

STUDY = ImportJob.Kind.STUDY_RECORDS
POINTS = ImportJob.Kind.PLATFORM_POINTS
DAY = datetime.date(2024, 3, 5)


@pytest.fixture
def office(db):
    section = OrgUnitFactory(name="综合股", code="general")
    people = {
        name: UserFactory(username=username, real_name=name, section=section, roles=[Role.STAFF])
        for username, name in [("zhang", "张三"), ("li", "李四"), ("wang", "王五"), ("zhou", "周海")]
    }
    return section, people


def row(**overrides):
    values = dict(
        zip(
            STUDY_HEADERS,
            [DAY, "专题研讨", "网络安全专题研讨", "综合股", "", "张三", "", "张三、李四", ""],
            strict=True,
        )
    )
    values.update(overrides)
    return [values[header] for header in STUDY_HEADERS]


def run(data, name="records.xlsx", kind=STUDY, **kwargs):
    return imports.import_file(kind, data, name, user=None, **kwargs)


def messages(result):
    return [str(error) for error in result.errors]


def rewrite(data: bytes, change) -> bytes:
    """The workbook with each member's bytes passed through change(name, content)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, change(item.filename, source.read(item.filename)))
    return buffer.getvalue()


def bad_crc(data: bytes) -> bytes:
    """A workbook whose sheet member fails its CRC check (one byte of the stored data flipped)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as target:
        for item in source.infolist():
            target.writestr(item.filename, source.read(item.filename))
    damaged = bytearray(buffer.getvalue())
    info = zipfile.ZipFile(io.BytesIO(bytes(damaged))).getinfo("xl/worksheets/sheet1.xml")
    offset = info.header_offset + 30 + len(info.filename) + len(info.extra) + 200
    damaged[offset] = ord("Q") if damaged[offset] != ord("Q") else ord("R")
    return bytes(damaged)


def shared_strings_xlsx(rows, *, extra_shared=()) -> bytes:
    """A minimal workbook as Excel writes it: every text a shared string (openpyxl writes inline)."""
    shared = list(dict.fromkeys([value for values in rows for value in values] + list(extra_shared)))
    cells = []
    for number, values in enumerate(rows, start=1):
        row_cells = "".join(
            f'<c r="{chr(65 + column)}{number}" t="s"><v>{shared.index(value)}</v></c>'
            for column, value in enumerate(values)
        )
        cells.append(f'<row r="{number}">{row_cells}</row>')
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="r1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets><sheet name="台账" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>",
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            f'<worksheet xmlns="{main}"><sheetData>{"".join(cells)}</sheetData></worksheet>',
        )
        items = "".join(f"<si><t>{value}</t></si>" for value in shared)
        archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="{main}">{items}</sst>')
    return buffer.getvalue()


# 1. No crash, ever -------------------------------------------------------------------------------


def test_a_damaged_zip_member_is_a_file_error_at_every_door(office, tmp_path, client, admin_person):
    data = bad_crc(xlsx_bytes(STUDY_HEADERS, [row()]))
    result = run(data)
    assert not result.ok and result.errors[0].row == 0
    assert "损坏" in result.errors[0].message
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(data)
    with pytest.raises(CommandError, match="未写入任何数据"):
        call_command("import_study_records", str(path))
    client.force_login(admin_person)
    response = client.post(
        reverse("study:import"), {"kind": STUDY, "file": SimpleUploadedFile("d.xlsx", data)}
    )
    assert response.status_code == 200
    assert "损坏" in response.content.decode()
    assert StudySession.objects.count() == 0


def test_a_truncated_workbook_and_random_bytes_are_refused(office):
    data = xlsx_bytes(STUDY_HEADERS, [row()])
    for broken in (data[: len(data) // 2], data[:-30], b"PK\x03\x04" + b"\x00" * 100):
        result = run(broken)
        assert not result.ok and result.errors[0].row == 0
    assert StudySession.objects.count() == 0


def test_a_nul_or_an_ansi_escape_in_a_csv_cell_is_a_row_error(office):
    text = "日期,类型,主题,组织股室\n2024-03-05,专题研讨,网络\x00安全,综合股\n2024-03-06,专题研讨,\x1b[31m红色\x1b[0m,综合股\n"
    result = run(text.encode(), "r.csv")
    assert [(error.row, error.column) for error in result.errors] == [(2, "主题"), (3, "主题")]
    assert "C2" in result.errors[0].message and "控制字符" in result.errors[0].message
    assert StudySession.objects.count() == 0


def test_a_csv_cell_longer_than_the_field_limit_is_refused(office):
    text = "日期,类型,主题,组织股室\n2024-03-05,专题研讨," + "长" * 200_000 + ",综合股\n"
    result = run(text.encode(), "r.csv")
    assert not result.ok and "32767" in result.errors[0].message


def test_a_database_error_while_writing_is_a_file_error_and_nothing_is_written(office, monkeypatch):
    spec = imports.SPECS[STUDY]
    original = spec._write_children

    def failing(*args, **kwargs):
        original(*args, **kwargs)
        raise DataError("value too long for type character varying(100)")

    monkeypatch.setattr(spec, "_write_children", failing)
    result = run(xlsx_bytes(STUDY_HEADERS, [row()]))
    assert not result.ok and not result.written
    assert "value too long" in result.errors[0].message
    assert (StudySession.objects.count(), Attendance.objects.count()) == (0, 0)


# 2. Strict where silence would change data -------------------------------------------------------


def workbook(*sheets, hidden=()):
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for values in rows:
            sheet.append(values)
        if title in hidden:
            sheet.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_hidden_sheet_is_never_read(office):
    data = workbook(
        ("旧数据", [STUDY_HEADERS, row(主题="隐藏表中的主题")]),
        ("台账", [STUDY_HEADERS, row(主题="可见表中的主题")]),
        hidden=("旧数据",),
    )
    result = run(data)
    assert result.ok, result.errors
    assert list(StudySession.objects.values_list("topic", flat=True)) == ["可见表中的主题"]


def test_two_sheets_with_data_are_refused_until_one_is_chosen(office, tmp_path, client, admin_person):
    data = workbook(("一月", [STUDY_HEADERS, row(主题="一月")]), ("二月", [STUDY_HEADERS, row(主题="二月")]))
    result = run(data)
    assert not result.ok and result.sheets == ["一月", "二月"]
    assert "一月、二月" in result.errors[0].message
    assert StudySession.objects.count() == 0
    path = tmp_path / "two.xlsx"
    path.write_bytes(data)
    with pytest.raises(CommandError):
        call_command("import_study_records", str(path))
    call_command("import_study_records", str(path), "--sheet", "二月")
    assert list(StudySession.objects.values_list("topic", flat=True)) == ["二月"]
    client.force_login(admin_person)
    response = client.post(
        reverse("study:import"), {"kind": STUDY, "file": SimpleUploadedFile("t.xlsx", data)}
    )
    content = response.content.decode()
    assert 'data-testid="import-sheet-choice"' in content and '<option value="一月"' in content
    response = client.post(
        reverse("study:import"), {"kind": STUDY, "sheet": "一月", "file": SimpleUploadedFile("t.xlsx", data)}
    )
    assert response.status_code == 302
    assert sorted(StudySession.objects.values_list("topic", flat=True)) == ["一月", "二月"]


def test_an_empty_second_sheet_is_no_choice(office):
    data = workbook(("台账", [STUDY_HEADERS, row()]), ("Sheet2", []), ("Sheet3", []))
    assert run(data).ok


def test_an_empty_or_header_only_file_is_refused(office):
    for data, name in [
        (xlsx_bytes(STUDY_HEADERS, []), "h.xlsx"),
        (workbook(("空", [])), "e.xlsx"),
        (("\ufeff" + ",".join(STUDY_HEADERS) + "\n").encode(), "h.csv"),
        (b"\n\n", "e.csv"),
    ]:
        result = run(data, name)
        assert not result.ok, name
        assert result.errors[0].row == 0


def test_an_unknown_column_is_refused_with_the_nearest_header(office):
    headers = ["序号", *STUDY_HEADERS[:7], "应到人员", "缺席人员", "备注"]
    rows = [[1, *row()[:7], "张三", "", "无"]]
    result = run(xlsx_bytes(headers, rows))
    assert [(error.row, error.column) for error in result.errors] == [(1, "应到人员")]
    assert result.errors[0].message == "“应到人员”不是模板中的列，是否应为“出席人员”？"
    assert StudySession.objects.count() == 0
    headers[8] = "出席人员"
    assert run(xlsx_bytes(headers, rows)).ok


def test_excel_error_values_are_refused_naming_the_cell(office):
    rows = [row(主题="#NAME?"), row(主题="正常", 主持人="#VALUE!")]
    result = run(xlsx_bytes(STUDY_HEADERS, rows))
    assert [(error.row, error.column) for error in result.errors] == [(2, "主题"), (3, "主持人")]
    assert "C2" in result.errors[0].message and "#NAME?" in result.errors[0].message
    csv_text = "日期,类型,主题,组织股室,地点\n2024-03-05,专题研讨,主题,综合股,#N/A\n"
    assert [(error.row, error.column) for error in run(csv_text.encode(), "r.csv").errors] == [(2, "地点")]


def test_over_long_place_and_absence_reason_are_refused_naming_the_limit(office):
    headers = [*STUDY_HEADERS, "地点"]
    rows = [row(缺席人员="王五（" + "因" * 101 + "）") + ["会" * 101]]
    result = run(xlsx_bytes(headers, rows))
    assert {(error.row, error.column) for error in result.errors} == {(2, "缺席人员"), (2, "地点")}
    assert all("100" in error.message for error in result.errors)


@pytest.mark.parametrize("year", [1066, 1900, 1999, 2999, 9999])
def test_dates_outside_2000_to_next_year_are_refused(office, year):
    result = run(xlsx_bytes(STUDY_HEADERS, [row(日期=f"{year}-03-05")]))
    assert [(error.row, error.column) for error in result.errors] == [(2, "日期")]


def test_a_date_in_a_time_column_is_refused(office):
    headers = [*STUDY_HEADERS, "开始时间", "结束时间"]
    midnight = datetime.datetime.combine(DAY, datetime.time(0))
    result = run(xlsx_bytes(headers, [row() + [midnight, "2024-03-05"]]))
    assert [(error.row, error.column) for error in result.errors] == [(2, "开始时间"), (2, "结束时间")]
    good = run(xlsx_bytes(headers, [row() + [datetime.time(9, 0), "2024-03-05 11:30"]]))
    assert good.ok, good.errors
    session = StudySession.objects.get()
    assert (session.start_time, session.end_time) == (datetime.time(9, 0), datetime.time(11, 30))


def test_points_with_both_day_and_month_must_agree(office):
    PlatformFactory()
    headers = ["平台", "姓名", "日期", "月份", "积分"]
    bad = run(xlsx_bytes(headers, [["学习强国", "张三", "2024-03-05", "2024-04", 10]]), kind=POINTS)
    assert [(error.row, error.column) for error in bad.errors] == [(2, "月份")]
    good = run(xlsx_bytes(headers, [["学习强国", "张三", "2024-03-05", "2024-03", 10]]), kind=POINTS)
    assert good.ok
    assert PointsEntry.objects.get().period == PointsEntry.Period.DAY


# 3. Generous where offices differ ----------------------------------------------------------------


def test_full_width_digits_and_padded_names_are_read(office):
    headers = [*STUDY_HEADERS, "开始时间"]
    rows = [
        row(日期="２０２４－０３－０５", 主持人="周　海", 出席人员="周 海、张三") + ["１０：００"],
        row(日期="２０２４年３月７日", 主题="第二次") + ["１０:００"],
    ]
    result = run(xlsx_bytes(headers, rows))
    assert result.ok, result.errors
    first = StudySession.objects.get(topic="网络安全专题研讨")
    assert (first.date, first.start_time, first.host.real_name) == (DAY, datetime.time(10), "周海")
    assert StudySession.objects.get(topic="第二次").date == datetime.date(2024, 3, 7)


def test_text_date_times_and_eight_digit_numbers_are_dates(office):
    rows = [
        row(日期="2024-03-05 09:00"),
        row(日期=20240306, 主题="二"),
        row(日期="2024/3/7 9:00:00", 主题="三"),
    ]
    result = run(xlsx_bytes(STUDY_HEADERS, rows))
    assert result.ok, result.errors
    assert sorted(StudySession.objects.values_list("date", flat=True)) == [
        datetime.date(2024, 3, 5),
        datetime.date(2024, 3, 6),
        datetime.date(2024, 3, 7),
    ]


@pytest.mark.parametrize("format_id", [14, 27, 31, 57, 58])
def test_cjk_built_in_date_formats_are_dates(office, format_id):
    """Chinese Excel and WPS store 2024年3月5日 as numFmtId 31 with no format code in the file."""
    book = Workbook()
    sheet = book.active
    sheet.append(STUDY_HEADERS)
    sheet.append(row())
    sheet["A2"].number_format = 'yyyy"年"m"月"d"日"'
    buffer = io.BytesIO()
    book.save(buffer)

    def change(name, content):
        if name == "xl/styles.xml":
            text = content.decode()
            text = re.sub(r"<numFmts.*?</numFmts>", "", text)
            text = text.replace('numFmtId="164"', f'numFmtId="{format_id}"')
            text = text.replace('numFmtId="165"', f'numFmtId="{format_id}"')
            return text.encode()
        return content

    result = run(rewrite(buffer.getvalue(), change))
    assert result.ok, result.errors
    expected = DAY.replace(day=1) if format_id == 57 else DAY  # 57 shows a month, stores the day
    assert StudySession.objects.get().date in (DAY, expected)


def test_a_title_row_above_the_headers_is_skipped_and_reported(office):
    data = workbook(("台账", [["2024年理论学习台账"], [], STUDY_HEADERS, row()]))
    result = run(data)
    assert result.ok, result.errors
    assert result.header_row == 3
    bad = run(workbook(("台账", [["2024年理论学习台账"], STUDY_HEADERS, row(日期="昨天")])))
    assert [(error.row, error.column) for error in bad.errors] == [(3, "日期")]


def test_the_command_says_which_row_held_the_headers(office, tmp_path, capsys):
    path = tmp_path / "t.xlsx"
    path.write_bytes(workbook(("台账", [["2024年理论学习台账"], STUDY_HEADERS, row()])))
    call_command("import_study_records", str(path))
    assert "表头在第 2 行" in capsys.readouterr().out


# 4. Bounded memory: caps while streaming ---------------------------------------------------------


def test_a_cell_longer_than_excel_allows_is_refused_while_streaming(office):
    result = run(xlsx_bytes(STUDY_HEADERS, [row(主题="长" * 40_000)]))
    assert not result.ok and "32767" in result.errors[0].message


def test_shared_strings_are_read_and_capped_while_streaming(office, monkeypatch):
    rows = [["日期", "类型", "主题", "组织股室"], ["2024-03-05", "专题研讨", "题" * 90, "综合股"]]
    assert run(shared_strings_xlsx(rows)).ok
    StudySession.objects.all().delete()
    monkeypatch.setattr(spreadsheets, "MAX_SHARED_CHARS", 100)
    result = run(shared_strings_xlsx(rows + [["2024-03-06", "专题研讨", "目" * 90, "综合股"]]))
    assert not result.ok and "100" in result.errors[0].message


def test_the_csv_size_is_checked_before_the_file_is_read(office, monkeypatch, tmp_path, client, admin_person):
    monkeypatch.setattr(spreadsheets, "MAX_BYTES", 1000)
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * 2000)
    read = []
    monkeypatch.setattr(type(path), "read_bytes", lambda self: read.append(self) or b"")
    with pytest.raises(CommandError, match="MB"):
        call_command("import_study_records", str(path))
    assert read == []
    client.force_login(admin_person)
    response = client.post(
        reverse("study:import"), {"kind": STUDY, "file": SimpleUploadedFile("b.csv", b"x" * 2000)}
    )
    assert response.status_code == 200 and "MB" in response.content.decode()


def test_too_many_columns_are_refused(office):
    headers = [*STUDY_HEADERS, *[f"列{n}" for n in range(200)]]
    result = run(xlsx_bytes(headers, [row()]))
    assert not result.ok


# 6. Corrections by 编号 ---------------------------------------------------------------------------


def test_a_row_with_the_record_number_corrects_the_topic_in_place(office):
    section, people = office
    session = SessionFactory(date=DAY, topic="网络安全专题研计", kind="thematic_discussion", section=section)
    Attendance.objects.create(session=session, person=people["王五"], status=Attendance.Status.PRESENT)
    headers = ["编号", "日期", "类型", "主题", "组织股室", "出席人数", "状态"]
    result = run(xlsx_bytes(headers, [[session.pk, DAY, "专题研讨", "网络安全专题研讨", "综合股", 1, ""]]))
    assert result.ok, result.errors
    assert (result.created, result.updated) == (0, 1)
    session.refresh_from_db()
    assert session.topic == "网络安全专题研讨"
    # Columns the file does not have (出席人员 here) are left as they were.
    assert list(session.attendances.values_list("person__real_name", flat=True)) == ["王五"]
    assert StudySession.objects.count() == 1


def test_an_unknown_record_number_is_a_row_error(office):
    headers = ["编号", "日期", "类型", "主题", "组织股室"]
    result = run(xlsx_bytes(headers, [[99999, DAY, "专题研讨", "主题", "综合股"]]))
    assert [(error.row, error.column) for error in result.errors] == [(2, "编号")]


def test_another_sections_record_cannot_be_corrected_by_number(office):
    other = OrgUnitFactory(name="秘书股", code="secretariat")
    session = SessionFactory(date=DAY, topic="原主题", section=other)
    clerk = office[1]["张三"]
    headers = ["编号", "日期", "类型", "主题", "组织股室"]
    data = xlsx_bytes(headers, [[session.pk, DAY, "专题研讨", "新主题", "综合股"]])
    result = imports.import_file(STUDY, data, "a.xlsx", user=clerk)
    assert [str(error) for error in result.errors] == ["第 2 行：该学习记录属于秘书股，您无权修改。"]
    session.refresh_from_db()
    assert session.topic == "原主题"


def test_without_a_number_the_report_notes_the_near_identical_record(office):
    section, _people = office
    session = SessionFactory(date=DAY, topic="网络安全专题研计", kind="thematic_discussion", section=section)
    result = run(xlsx_bytes(STUDY_HEADERS, [row()]))
    assert result.ok and result.created == 1
    assert len(result.notes) == 1 and str(session.pk) in result.notes[0] and "编号" in result.notes[0]


# 5. True progress ----------------------------------------------------------------------------------


def test_progress_is_published_outside_the_transaction_for_both_phases(office, admin_person, monkeypatch):
    from django.db import connection

    seen = []
    publish = imports.publish_progress

    def spy(job_id, phase, done, total):
        publish(job_id, phase, done, total)
        stored = imports.progress_store().get(imports._progress_key(job_id))
        seen.append((phase, done, total, connection.in_atomic_block, stored["done"]))

    monkeypatch.setattr(imports, "publish_progress", spy)
    monkeypatch.setattr(imports, "BATCH_SIZE", 1)
    rows = [row(主题=f"主题{n}") for n in range(3)]
    upload = SimpleUploadedFile("big.xlsx", xlsx_bytes(STUDY_HEADERS, rows))
    job = imports.import_job_create(kind=STUDY, uploaded_file=upload, user=admin_person)
    imports.import_job_run(job.pk)
    phases = [item[0] for item in seen]
    assert imports.CHECKING in phases and imports.WRITING in phases
    writing = [item for item in seen if item[0] == imports.WRITING]
    assert writing[-1][1:3] == (3, 3)
    # What was published is readable at once, whatever the import's transaction holds.
    assert all(item[4] == item[1] for item in seen)


def test_a_file_without_a_dimension_shows_rows_done_not_a_percentage(office, admin_person, client):
    upload = SimpleUploadedFile("big.xlsx", xlsx_bytes(STUDY_HEADERS, [row()]))
    job = imports.import_job_create(kind=STUDY, uploaded_file=upload, user=admin_person)
    ImportJob._base_manager.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
    imports.publish_progress(job.pk, imports.CHECKING, 1200, 0)
    job.refresh_from_db()
    assert imports.job_progress(job)["percent"] is None
    client.force_login(admin_person)
    content = client.get(job.get_absolute_url()).content.decode()
    assert 'data-testid="job-rows-done"' in content and "1200" in content
    imports.publish_progress(job.pk, imports.WRITING, 50, 100)
    assert imports.job_progress(job)["percent"] == 75


def test_update_audit_entries_name_the_file_and_the_record(office):
    from ideology_office.common.audit import audit_context
    from ideology_office.common.models import AuditEntry

    section, people = office
    session = SessionFactory(date=DAY, topic="原主题", kind="thematic_discussion", section=section)
    headers = ["编号", "日期", "类型", "主题", "组织股室"]
    data = xlsx_bytes(headers, [[session.pk, DAY, "专题研讨", "新主题", "综合股"]])
    with audit_context(user=people["张三"]):
        result = imports.import_file(STUDY, data, "更正.xlsx", user=people["张三"])
    assert result.ok, result.errors
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE, object_pk=str(session.pk)).latest("pk")
    assert entry.changes["topic"] == ["原主题", "新主题"]
    assert "更正.xlsx" in entry.actor_label and entry.actor_id == people["张三"].pk
    # The record is named by its natural key (kind, date, topic as it now is).
    assert "新主题" in entry.object_repr and str(DAY) in entry.object_repr


def test_the_template_has_the_record_number_column(office):
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(imports.SPECS[STUDY].template()))
    headers = [cell.value for cell in next(workbook.active.iter_rows(max_row=1))]
    assert headers[-1] == "编号"


def test_a_background_job_reads_the_chosen_sheet(office, admin_person):
    data = workbook(("一月", [STUDY_HEADERS, row(主题="一月")]), ("二月", [STUDY_HEADERS, row(主题="二月")]))
    job = imports.import_job_create(
        kind=STUDY, uploaded_file=SimpleUploadedFile("two.xlsx", data), user=admin_person, sheet="二月"
    )
    job = imports.import_job_run(job.pk)
    assert job.status == ImportJob.Status.SUCCEEDED, job.result
    assert list(StudySession.objects.values_list("topic", flat=True)) == ["二月"]
    assert imports.job_progress(job)["percent"] == 100
