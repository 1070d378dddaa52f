"""The ledgers for inspectors: every ledger as Excel in the inspectors' columns, only the records of
the period, voided records kept and marked, safe cells, who may download, the .zip with the index
of evidence files, and a number of queries that does not grow with the data."""

import datetime
import io
import zipfile
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from ideology_office.accounts.models import OrgUnit
from ideology_office.accounts.roles import Role
from ideology_office.common.models import Attachment
from ideology_office.common.services import attachment_add, record_void
from ideology_office.common.spreadsheets import XLSX_CONTENT_TYPE
from ideology_office.reports.ledgers import EVIDENCE_HEADERS, EVIDENCE_INDEX_TITLE, ledgers
from inspections.views import LEDGER_HEADERS as INSPECTIONS_LEDGER_HEADERS
from positions import services as positions_services
from responsibility import services as responsibility_services
from responsibility.models import Assessment, LeadingGroupMembership, MeetingAttendance
from sentiment import services as sentiment_services
from study import services as study_services
from study.models import PointsEntry, StudySession
from study.services import AttendanceLine, SpeechLine
from tests.factories import OrgUnitFactory, UserFactory
from tests.inspections.factories import make_finding, make_inspection, make_task
from tests.positions.factories import Desk, PhysicalPlatformFactory, photo
from tests.responsibility.factories import leader_user, scheme_with_items
from tests.sentiment.factories import at, incident, published_roster, shift_on, staff_people
from tests.study.factories import MaterialFactory, TagFactory
from tests.study.factories import PlatformFactory as LearningPlatformFactory

# Every work area's ledgers as their contracts declare them, in page order.
LEDGERS = tuple(ledgers())
LEDGERS_BY_KEY = {ledger.key: ledger for ledger in LEDGERS}

pytestmark = pytest.mark.django_db

Kind = StudySession.Kind
PAGE = reverse("reports:ledger_list")
CREATE = reverse("reports:ledger_export_create")
PERIOD = {"start": "2024-01-01", "end": "2024-12-31"}
BEFORE, INSIDE, AFTER = datetime.date(2023, 12, 31), datetime.date(2024, 3, 11), datetime.date(2025, 1, 1)
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def download_url(key):
    return reverse("reports:ledger_download", args=[key])


@pytest.fixture
def jobs_run_at_once(monkeypatch, django_capture_on_commit_callbacks):
    """Ledger downloads asked for are written at once, in this process, when the request commits
    (a worker's part; tests/reports/test_ledger_exports.py runs a real one)."""
    from ideology_office.reports import services

    monkeypatch.setattr(services, "_enqueue", services.ledger_export_run)

    def ask(client, params, ledger="all"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(CREATE, {**params, "ledger": ledger})
        assert response.status_code == 302, response.content.decode()[:500]
        job = response["Location"]
        return client.get(job + "download/")

    return ask


def read_xlsx(content: bytes) -> list[list]:
    workbook = load_workbook(io.BytesIO(content))
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def ledger_table(client, key, params=PERIOD) -> list[list]:
    response = client.get(download_url(key), params)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    return read_xlsx(response.getvalue())


def cells(rows) -> str:
    return "\n".join(str(cell) for row in rows for cell in row if cell is not None)


class Office:
    """People and places of a small office, and one builder per ledger: each writes a record
    dated ``day`` through the app's services, with ``mark`` in the text the ledger shows."""

    def __init__(self, *, leader, inspector, admin):
        self.leader, self.inspector, self.admin = leader, inspector, admin
        self.section = OrgUnitFactory(name="信息股", code="ledger-info", kind=OrgUnit.Kind.SECTION)
        self.staff = UserFactory(real_name="科员乙", section=self.section, roles=[Role.STAFF])
        self.absentee = UserFactory(real_name="科员丙", section=self.section, roles=[Role.STAFF])
        self._desk = None
        self._board = None
        self._officers = None
        self._schemes = {}
        self._units = 0

    def membership(self, day, mark):
        return responsibility_services.membership_create(
            person=UserFactory(real_name=mark, roles=[Role.STAFF]),
            role=LeadingGroupMembership.Role.MEMBER,
            start_date=day,
            end_date=day,
            start_reason=f"{mark}加入",
            end_reason="工作调整",
            user=self.admin,
        )

    def assignment(self, day, mark):
        return responsibility_services.assignment_save(
            year=day.year,
            leader=leader_user(real_name=mark),
            is_principal=False,
            sections=[self.section],
            fields_in_charge="宣传",
            duties="抓好学习\n管好阵地",
            letter_signed_on=None,
            user=self.admin,
        )

    def meeting(self, day, mark):
        meeting = responsibility_services.meeting_create(
            date=day,
            title=mark,
            place="三楼会议室",
            chair=self.leader,
            section=self.section,
            on_ideology=True,
            decisions="同意工作方案",
            present=[self.staff],
            user=self.leader,
            first_topic="学习重要讲话精神",
            first_topic_material="讲话原文",
            agenda=["研究宣传工作"],
        )
        responsibility_services.attendance_set(
            meeting=meeting,
            person=self.absentee,
            status=MeetingAttendance.Status.ABSENT,
            absence_reason="出差",
            user=self.leader,
        )
        responsibility_services.follow_up_create(
            meeting=meeting,
            description="修订学习制度",
            owner=self.staff,
            deadline=day + datetime.timedelta(days=30),
            user=self.leader,
        )
        return meeting

    def session(self, kind, day, mark):
        if kind == Kind.READING_CLASS:
            reading_class = study_services.reading_class_create(
                user=None,
                title=f"{mark}读书班",
                section=self.section,
                start_date=day,
                end_date=day,
                daily_topics=[mark],
                attendances=[AttendanceLine(self.leader)],
            )
            return reading_class.sessions.get()
        return study_services.session_create(
            user=None,
            kind=kind,
            date=day,
            topic=mark,
            section=self.section,
            first_agenda_venue="office_meeting" if kind == Kind.FIRST_AGENDA else "",
            start_time=datetime.time(9),
            end_time=datetime.time(11),
            place="三楼会议室",
            host=self.leader,
            recorder=self.staff,
            minutes="会议记录",
            materials=[MaterialFactory(issued_on=day)],
            tags=[TagFactory(name="意识形态")],
            attendances=[
                AttendanceLine(self.leader),
                AttendanceLine(self.absentee, status="absent", absence_reason="病假"),
            ],
            speeches=[SpeechLine(self.leader, "谈认识、讲体会")],
        )

    def bulletin(self, day, mark):
        return study_services.bulletin_create(
            user=None, month=day, platform=LearningPlatformFactory(), note=mark
        )

    def signoffs(self, day, mark):
        """An item through 初审, 复审 and 终审 on ``day`` (call in date order: the chain is)."""
        if self._desk is None:
            self._desk = Desk()
        desk, moment = self._desk, at(day, 9)
        item = positions_services.content_item_create(
            platform=desk.platform, title=mark, body="正文。", author=desk.author, at=moment
        )
        positions_services.content_item_submit(item=item, user=desk.author, at=moment)
        for minutes, step in enumerate(item.required_steps, start=1):
            item.refresh_from_db()
            positions_services.content_item_sign(
                item=item,
                user=desk.reviewers()[step],
                decision="approve",
                opinion="同意。",
                at=moment + datetime.timedelta(minutes=minutes),
            )
        return item

    def physical_update(self, day, mark):
        if self._board is None:
            self._board = PhysicalPlatformFactory(name="一楼宣传栏")
        return positions_services.physical_update_record(
            platform=self._board,
            user=self._board.responsible_person,
            content=mark,
            start_date=day,
            approved_by=self.leader,
            photo=photo(),
        )

    def incident(self, day, mark):
        return incident(
            user=self.leader, found_at=at(day, 10), report_after=20, handle_after=100000, summary=mark
        )

    def shift(self, day, mark):
        if self._officers is None:
            self._officers = staff_people(2, prefix="ledgerduty")
        published_roster(
            month=day.replace(day=1), leader=self.leader, officers=self._officers, leaders=[self.leader]
        )
        shift = shift_on(day)
        sentiment_services.duty_log_add(
            shift=shift, user=shift.officer, at=shift.start + datetime.timedelta(hours=1), content=mark
        )
        sentiment_services.information_report_add(
            shift=shift,
            user=shift.officer,
            sent_at=shift.start + datetime.timedelta(hours=2),
            recipient="县委网信办",
            content="网络舆情动态",
        )
        sentiment_services.handover_write(shift=shift, user=shift.officer, open_items="无")
        return shift

    def review(self, day, mark):
        review = sentiment_services.review_create(
            user=self.leader,
            held_on=day,
            reviewed=mark,
            conclusions="总体平稳",
            attendees=[self.leader, self.staff],
            carry_over=False,
        )
        sentiment_services.risk_create(
            review=review,
            user=self.leader,
            issue=f"{mark}风险",
            field="stability",
            likelihood=2,
            impact=2,
            owner=self.staff,
            response_plan=f"{mark}应对预案",
            measures="加强监测",
        )
        return review

    def task(self, day, mark):
        inspection = make_inspection(user=self.inspector, date=day)
        finding = make_finding(user=self.inspector, inspection=inspection, description=mark)
        return make_task(
            user=self.inspector,
            finding=finding,
            measure="修订学习制度",
            leader=self.leader,
            unit=self.section,
            person=self.staff,
        )

    def assessment(self, day, mark):
        if day.year not in self._schemes:
            self._schemes[day.year] = scheme_with_items(year=day.year, admin=self.admin)
        self._units += 1
        unit = OrgUnitFactory(name=mark, code=f"ledger-assessed-{self._units}", kind=OrgUnit.Kind.SECTION)
        return responsibility_services.assessment_create(
            scheme=self._schemes[day.year],
            target_kind=Assessment.TargetKind.SECTION,
            assessor=self.inspector,
            target_unit=unit,
            user=self.inspector,
        )


def _study(kind):
    return lambda office, day, mark: office.session(kind, day, mark)


BUILDERS = {
    "leading_group": Office.membership,
    "duty_assignments": Office.assignment,
    "office_meetings": Office.meeting,
    "first_agenda": _study(Kind.FIRST_AGENDA),
    "central_group": _study(Kind.CENTRAL_GROUP),
    "thematic_discussions": _study(Kind.THEMATIC_DISCUSSION),
    "reading_classes": _study(Kind.READING_CLASS),
    "branch_meetings": _study(Kind.PARTY_LECTURE),
    "themed_party_days": _study(Kind.THEMED_PARTY_DAY),
    "other_activities": _study(Kind.OTHER),
    "points_bulletins": Office.bulletin,
    "content_reviews": Office.signoffs,
    "physical_updates": Office.physical_update,
    "incidents": Office.incident,
    "duty_logs": Office.shift,
    "opinion_reviews": Office.review,
    "rectification": Office.task,
    "assessments": Office.assessment,
}


@pytest.fixture
def office(leader, inspector, admin_person):
    return Office(leader=leader, inspector=inspector, admin=admin_person)


def test_every_ledger_has_a_builder_here():
    assert set(BUILDERS) == set(LEDGERS_BY_KEY)


# What each ledger holds ----------------------------------------------------------------------


@pytest.mark.parametrize("key", list(BUILDERS))
def test_each_ledger_lists_the_records_of_the_period_and_none_outside(client, office, inspector, key):
    build = BUILDERS[key]
    build(office, BEFORE, "期前记录")
    build(office, INSIDE, "期内记录")
    build(office, AFTER, "期后记录")
    client.force_login(inspector)

    rows = ledger_table(client, key)

    ledger = LEDGERS_BY_KEY[key]
    assert rows[0] == list(ledger.headers)
    assert rows[0][0] == "序号"
    body = rows[1:]
    assert [row[0] for row in body] == list(range(1, len(body) + 1))
    # One row per record; the content review ledger has a row per signature (三审 and 三校).
    assert sum("期内记录" in cells([row]) for row in body) == (6 if key == "content_reviews" else 1)
    assert "期前记录" not in cells(body)
    assert "期后记录" not in cells(body)


def test_a_ledger_outside_any_record_is_just_its_header(client, office, inspector):
    office.meeting(BEFORE, "期前记录")
    client.force_login(inspector)
    rows = ledger_table(client, "office_meetings")
    assert rows == [list(LEDGERS_BY_KEY["office_meetings"].headers)]


def test_the_meeting_ledger_shows_agenda_decisions_attendance_and_follow_ups(client, office, leader):
    office.meeting(INSIDE, "研究意识形态工作")
    client.force_login(leader)
    header, row = ledger_table(client, "office_meetings")
    record = dict(zip(header, row, strict=True))
    assert record["会议日期"].date() == INSIDE
    assert record["是否专题研究意识形态工作"] == "是"
    assert record["第一议题学习内容"] == "学习重要讲话精神（讲话原文）"
    assert record["其他议题"] == "2. 研究宣传工作"
    assert record["决定事项"] == "同意工作方案"
    assert (record["应到人数"], record["实到人数"]) == (3, 2)
    assert record["出席人员"] == "领导甲、科员乙"
    assert record["缺席人员及原因"] == "科员丙（出差）"
    assert "修订学习制度（科员乙，2024-04-10，" in record["落实事项（责任人、时限、状态）"]
    assert record["作废说明"] is None


def test_study_ledgers_are_one_per_kind_with_attendance_and_speeches(client, office, inspector):
    office.session(Kind.CENTRAL_GROUP, INSIDE, "中心组专题学习")
    office.session(Kind.THEMATIC_DISCUSSION, INSIDE, "网络安全专题研讨")
    office.session(Kind.BRANCH_GENERAL, INSIDE, "支部党员大会")
    office.session(Kind.PARTY_LECTURE, INSIDE, "专题党课")
    office.session(Kind.FIRST_AGENDA, INSIDE, "第一议题学习")
    client.force_login(inspector)

    central = ledger_table(client, "central_group")
    assert cells(central[1:]).count("中心组") == 1 and "网络安全专题研讨" not in cells(central)
    record = dict(zip(central[0], central[1], strict=True))
    assert record["时间"] == "09:00-11:00"
    assert record["主持人"] == "领导甲"
    assert (record["应到人数"], record["实到人数"]) == (2, 1)
    assert record["缺席人员及原因"] == "科员丙（病假）"
    assert record["发言情况"] == "领导甲：谈认识、讲体会"
    assert record["主题标签"] == "意识形态"

    branch = ledger_table(client, "branch_meetings")
    assert [dict(zip(branch[0], row, strict=True))["会议类型"] for row in branch[1:]] == [
        "支部党员大会",
        "党课",
    ]
    first = ledger_table(client, "first_agenda")
    assert dict(zip(first[0], first[1], strict=True))["学习场合"] == "室务会"


def test_the_incident_ledger_says_whether_each_step_was_in_time(client, office, inspector):
    office.incident(INSIDE, "网帖炒作")
    client.force_login(inspector)
    header, row = ledger_table(client, "incidents")
    record = dict(zip(header, row, strict=True))
    # Local wall-clock time: a spreadsheet has no time zones.
    assert f"{record['发现时间']:%Y-%m-%d %H:%M}" == "2024-03-11 10:30"
    assert record["报告用时（分钟）"] == 20
    assert record["是否按时报告"] == "是"
    assert record["是否按时处置"] == "否"


def test_the_duty_ledger_has_every_shift_of_the_period_with_its_log_and_handover(client, office, inspector):
    office.shift(INSIDE, "巡查网络平台")
    client.force_login(inspector)
    rows = ledger_table(client, "duty_logs")
    assert len(rows) - 1 == 31  # March 2024, one 24-hour shift a day
    logged = [dict(zip(rows[0], row, strict=True)) for row in rows[1:] if "巡查网络平台" in cells([row])]
    assert len(logged) == 1
    assert logged[0]["值班日志"] == "03-11 09:30 巡查网络平台"
    assert logged[0]["信息报送"] == "03-11 10:30 → 县委网信办：网络舆情动态"
    assert logged[0]["交接事项"] == "无"
    assert logged[0]["带班领导"] == "领导甲"


def test_the_review_ledger_gives_each_risk_its_response_plan(client, office, inspector):
    office.review(INSIDE, "一季度研判")
    client.force_login(inspector)
    header, row = ledger_table(client, "opinion_reviews")
    record = dict(zip(header, row, strict=True))
    assert (record["年度"], record["季度"]) == (2024, 1)
    assert record["风险事项"] == "一季度研判风险"
    assert record["应对预案"] == "一季度研判应对预案"
    assert record["参会人员"]


def test_the_rectification_ledger_uses_the_inspections_columns(client, office, inspector):
    office.task(INSIDE, "第一议题学习不及时")
    client.force_login(inspector)
    header, row = ledger_table(client, "rectification")
    assert header[: len(INSPECTIONS_LEDGER_HEADERS)] == INSPECTIONS_LEDGER_HEADERS
    assert header[len(INSPECTIONS_LEDGER_HEADERS) :] == ["作废说明"]
    assert row[:5] == [1, "第一议题学习不及时", "修订学习制度", "领导甲", "信息股"]
    assert row[5].date() == datetime.date(2024, 5, 10)
    assert row[6:8] == ["未启动", "否"]


def test_the_bulletin_ledger_names_who_fell_below_the_threshold(client, office, inspector):
    platform = LearningPlatformFactory()
    study_services.threshold_set(platform=platform, role=Role.STAFF, daily_minimum=1, user=None)
    office.bulletin(INSIDE, "三月通报")
    PointsEntry.objects.create(
        platform=platform, person=office.staff, period="month", date=datetime.date(2024, 3, 1), points=40
    )
    PointsEntry.objects.create(
        platform=platform, person=office.absentee, period="month", date=datetime.date(2024, 3, 1), points=5
    )
    client.force_login(inspector)
    header, row = ledger_table(client, "points_bulletins")
    record = dict(zip(header, row, strict=True))
    assert record["通报月份"] == "2024年03月"
    assert record["是否已发布"] == "否"
    assert "科员丙（5）" in record["未达标人员（积分）"]
    assert "科员乙" not in record["未达标人员（积分）"]


def test_the_content_review_ledger_has_every_signature_of_the_period(client, office, inspector):
    office.signoffs(INSIDE, "县委办公室召开专题会")
    client.force_login(inspector)
    rows = ledger_table(client, "content_reviews")
    steps = [dict(zip(rows[0], row, strict=True))["审校环节"] for row in rows[1:]]
    assert {"初审", "复审", "终审", "一校", "二校", "三校"} == set(steps)
    assert all(len(dict(zip(rows[0], row, strict=True))["稿件SHA-256"]) == 64 for row in rows[1:])


# Voided records and unsafe text ------------------------------------------------------------


def test_voided_records_stay_in_the_ledger_marked_and_counted_apart(client, office, leader, admin_person):
    office.meeting(INSIDE, "正常会议")
    voided = office.meeting(INSIDE + datetime.timedelta(days=1), "重复录入的会议")
    record_void(record=voided, user=admin_person, reason="重复录入")
    client.force_login(leader)

    rows = ledger_table(client, "office_meetings")
    marks = {row[2]: row[-1] for row in rows[1:]}
    assert marks["正常会议"] is None
    assert "重复录入" in marks["重复录入的会议"]
    assert "管理员甲" in marks["重复录入的会议"]
    assert "作废" in marks["重复录入的会议"]

    page = client.get(PAGE, PERIOD)
    row = next(row for row in page.context["rows"] if row["ledger"].key == "office_meetings")
    assert (row["total"], row["voided"]) == (2, 1)


def test_a_task_of_a_voided_finding_is_marked_in_the_rectification_ledger(client, office, inspector):
    task = office.task(INSIDE, "误录的问题")
    record_void(record=task.finding, user=inspector, reason="反馈材料中无此问题")
    client.force_login(inspector)
    rows = ledger_table(client, "rectification")
    assert "反馈材料中无此问题" in rows[1][-1]


def test_formula_like_text_is_written_as_plain_text(client, office, leader):
    office.meeting(INSIDE, '=HYPERLINK("http://evil.example","点击")')
    client.force_login(leader)
    response = client.get(download_url("office_meetings"), PERIOD)
    sheet = load_workbook(io.BytesIO(response.getvalue())).worksheets[0]
    cell = sheet.cell(row=2, column=3)
    assert cell.value == '\'=HYPERLINK("http://evil.example","点击")'
    assert cell.data_type == "s"


# Access and bad input ------------------------------------------------------------------------


def test_anonymous_people_are_sent_to_log_in(client):
    for url in (PAGE, download_url("office_meetings")):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    response = client.post(CREATE, {**PERIOD, "ledger": "all"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_staff_and_section_heads_may_not_read_the_ledgers(client, staff, section_head):
    for person in (staff, section_head):
        client.force_login(person)
        assert client.get(PAGE).status_code == 403
        assert client.get(download_url("office_meetings"), PERIOD).status_code == 403
        assert client.post(CREATE, {**PERIOD, "ledger": "all"}).status_code == 403


@pytest.mark.parametrize("reader", ["leader", "inspector", "admin_person"])
def test_leaders_inspectors_and_admins_see_every_ledger(client, request, reader):
    client.force_login(request.getfixturevalue(reader))
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    for ledger in LEDGERS:
        assert ledger.title in page
        assert f'href="{download_url(ledger.key)}?start=' in page
    assert f'action="{CREATE}"' in page
    assert 'data-testid="download-all"' in page


def test_the_page_opens_on_this_calendar_year(client, leader):
    client.force_login(leader)
    form = client.get(PAGE).context["form"]
    year = timezone.localdate().year
    assert form.cleaned_data == {"start": datetime.date(year, 1, 1), "end": datetime.date(year, 12, 31)}


def test_an_unknown_ledger_is_not_found(client, inspector):
    client.force_login(inspector)
    assert client.get(download_url("no_such_ledger"), PERIOD).status_code == 404


def test_the_annual_figures_page_links_to_the_ledgers_of_its_years(client, leader):
    client.force_login(leader)
    page = client.get(reverse("reports:annual_figures"), {"since": 2021, "until": 2023}).content.decode()
    assert f'href="{PAGE}?start=2021-01-01&amp;end=2023-12-31"' in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2024-12-31", "end": "2024-01-01"}, "结束日期早于起始日期"),
        ({"start": "2024-13-01", "end": "2024-12-31"}, "输入一个有效的日期"),
        ({"start": "", "end": "2024-12-31"}, "这个字段是必填项"),
    ],
)
def test_a_bad_period_is_explained_in_chinese(client, leader, params, message):
    client.force_login(leader)
    page = client.get(PAGE, params)
    assert page.status_code == 200
    assert message in page.content.decode()
    assert page.context["rows"] == []
    response = client.get(download_url("office_meetings"), params)
    assert response.status_code == 400
    assert message in response.content.decode()
    response = client.post(CREATE, {**params, "ledger": "all"})
    assert response.status_code == 400
    assert message in response.content.decode()


# Everything at once --------------------------------------------------------------------------


def test_the_archive_holds_every_ledger_and_the_index_of_evidence(
    client, office, inspector, jobs_run_at_once
):
    meeting = office.meeting(INSIDE, "研究意识形态工作")
    outside = office.meeting(BEFORE, "去年的会议")
    attachment = attachment_add(
        record=meeting,
        uploaded_file=SimpleUploadedFile("会议签到表.png", PNG_BYTES, content_type="image/png"),
        user=office.leader,
    )
    attachment_add(
        record=outside,
        uploaded_file=SimpleUploadedFile("去年签到表.png", PNG_BYTES, content_type="image/png"),
        user=office.leader,
    )
    client.force_login(inspector)

    response = jobs_run_at_once(client, PERIOD)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert (
        unquote(response["Content-Disposition"].split("''", 1)[1])
        == "意识形态工作台账（20240101-20241231）.zip"
    )
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert len(names) == len(LEDGERS) + 1
    for number, ledger in enumerate(LEDGERS, start=1):
        rows = read_xlsx(archive.read(f"{number:02d}-{ledger.title}.xlsx"))
        assert rows[0] == list(ledger.headers)
    assert "研究意识形态工作" in cells(read_xlsx(archive.read(f"03-{LEDGERS[2].title}.xlsx")))

    workbook = load_workbook(io.BytesIO(archive.read(f"{EVIDENCE_INDEX_TITLE}.xlsx")))
    assert workbook.sheetnames == [EVIDENCE_INDEX_TITLE]
    index = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    assert index[0] == list(EVIDENCE_HEADERS)
    assert len(index) == 2  # the file of last year's meeting is not in the period
    entry = dict(zip(index[0], index[1], strict=True))
    assert entry["台账"] == "室务会台账"
    assert entry["记录"] == str(meeting)
    assert entry["文件名"] == "会议签到表.png"
    assert entry["文件类型"] == "image/png"
    assert entry["大小（字节）"] == len(PNG_BYTES)
    assert entry["SHA-256"] == attachment.sha256
    assert entry["上传人"] == "领导甲"
    assert isinstance(entry["上传时间"], datetime.datetime)
    download = reverse("common:attachment_download", args=[attachment.pk])
    assert entry["下载地址"] == f"http://testserver{download}"
    assert Attachment.objects.count() == 2


def test_one_ledger_downloads_under_its_chinese_name_with_the_period(client, inspector):
    client.force_login(inspector)
    response = client.get(download_url("rectification"), {"start": "2024-01-01", "end": "2024-06-30"})
    disposition = unquote(response["Content-Disposition"].split("''", 1)[1])
    assert disposition == "整改台账（20240101-20240630）.xlsx"


# Queries -------------------------------------------------------------------------------------

# The query-count test uses a longer period so that a dozen quarterly reviews and monthly
# bulletins fit in it.
LONG_PERIOD = {"start": "2021-01-01", "end": "2024-12-31"}


def _populate(office, days, tag):
    for key, build in BUILDERS.items():
        if key == "duty_logs":
            continue
        for number, day in enumerate(days):
            build(office, day, f"{tag}{key}{number}")


def _queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(context.captured_queries)


def _job_queries(client) -> int:
    """The queries of writing every ledger in the background (the worker's part)."""
    from ideology_office.reports.services import ledger_export_request, ledger_export_run

    user = client.session and client.get(PAGE).wsgi_request.user
    job = ledger_export_request(
        user=user, ledger_key="all", start=datetime.date(2021, 1, 1), end=datetime.date(2024, 12, 31)
    )
    with CaptureQueriesContext(connection) as context:
        ledger_export_run(job.pk)
    return len(context.captured_queries)


def _measure(client) -> dict[str, int]:
    counts = {"page": _queries(client, PAGE, LONG_PERIOD), "all": _job_queries(client)}
    for ledger in LEDGERS:
        counts[ledger.key] = _queries(client, download_url(ledger.key), LONG_PERIOD)
    return counts


def test_the_number_of_queries_does_not_grow_with_the_records(client, office, inspector):
    # One record per quarter, in date order (the sign-off chain is), from 2021: 2, then 12.
    quarters = [datetime.date(2021 + number // 4, 3 * (number % 4) + 1, 10) for number in range(12)]
    _populate(office, quarters[:2], "少")
    office.shift(datetime.date(2021, 2, 10), "少量值班")
    client.force_login(inspector)
    few = _measure(client)

    _populate(office, quarters[2:], "多")
    office.shift(datetime.date(2021, 7, 10), "更多值班")
    many = _measure(client)

    assert many == few
    counts = client.get(PAGE, LONG_PERIOD).context["rows"]
    assert {row["ledger"].key: row["total"] for row in counts}["office_meetings"] == 12


def test_every_ledger_reads_back_as_openpyxls_own_writer_wrote_it(office):
    """The rows serialised in one piece (common/spreadsheets.py) against openpyxl's cell-by-cell
    write-only path, on every ledger and the evidence index: the same values, types, formats."""
    from ideology_office.common.spreadsheets import workbook_bytes
    from ideology_office.reports.ledgers import evidence_index_sheet
    from tests.common.test_spreadsheets import openpyxl_own_writer, workbook_cells

    quarters = [datetime.date(2021 + number // 4, 3 * (number % 4) + 1, 10) for number in range(4)]
    _populate(office, quarters, "比")
    office.shift(datetime.date(2021, 2, 10), "比对值班")
    meeting = office.meeting(datetime.date(2021, 5, 5), "带附件的会议")
    attachment_add(
        record=meeting,
        uploaded_file=SimpleUploadedFile("签到表.png", PNG_BYTES, content_type="image/png"),
        user=office.leader,
    )
    start, end = datetime.date(2021, 1, 1), datetime.date(2024, 12, 31)
    sheets = [lambda ledger=ledger: ledger.sheet(start, end) for ledger in LEDGERS]
    sheets.append(lambda: evidence_index_sheet(start, end, absolute_url=lambda path: f"http://x{path}"))
    written = 0
    for sheet in sheets:
        streamed = workbook_cells(workbook_bytes([sheet()]))
        assert streamed == workbook_cells(openpyxl_own_writer([sheet()]))
        written += len(streamed[0][3]) - 1
    assert written > len(LEDGERS)
