"""Property-based: random bytes, random mutations of valid workbooks and random cell values thrown
at the three doors (the service, the command, the page). Never a traceback, never a 500, never a
partial write. Bounded: a few dozen examples per door, no deadline (the database is involved)."""

import datetime
import io
import string
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ideology_office.accounts.roles import Role
from study import imports
from study.models import Attendance, ImportJob, StudySession
from tests.factories import OrgUnitFactory, UserFactory

from .helpers import STUDY_HEADERS, xlsx_bytes

STUDY = ImportJob.Kind.STUDY_RECORDS
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)


@pytest.fixture
def office(db):
    section = OrgUnitFactory(name="综合股", code="general")
    for username, name in [("zhang", "张三"), ("li", "李四")]:
        UserFactory(username=username, real_name=name, section=section, roles=[Role.STAFF])
    return section


GOOD_ROW = [datetime.date(2024, 3, 5), "专题研讨", "网络安全", "综合股", "", "张三", "标签", "张三、李四", ""]


def stored(data: bytes) -> bytes:
    """The workbook with every member stored, not deflated: mutations then reach the XML."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as target:
        for item in source.infolist():
            target.writestr(item.filename, source.read(item.filename))
    return buffer.getvalue()


VALID = xlsx_bytes(STUDY_HEADERS, [GOOD_ROW, [*GOOD_ROW[:2], "第二次", *GOOD_ROW[3:]]])
VALID_STORED = stored(VALID)


@st.composite
def mutated_workbooks(draw):
    data = bytearray(draw(st.sampled_from([VALID, VALID_STORED])))
    for _ in range(draw(st.integers(1, 6))):
        action = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        position = draw(st.integers(0, max(0, len(data) - 1)))
        if action == "flip" and data:
            data[position] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[position:]
        elif action == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=20))
        elif data:
            del data[position : position + draw(st.integers(1, 50))]
    return bytes(data)


cell_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=string.printable + "　２０２５－年月日：#!?\x00\x1b\u3000", max_size=30),
    st.sampled_from(
        [
            "#NAME?",
            "#VALUE!",
            "2024-03-05",
            "２０２４－０３－０５",
            "20240305",
            "1066-01-01",
            "张三",
            "周　海",
        ]
    ),
    st.just(""),
)


@st.composite
def csv_files(draw):
    import csv

    rows = draw(st.lists(st.lists(cell_text, min_size=0, max_size=len(STUDY_HEADERS) + 2), max_size=5))
    headers = draw(st.sampled_from([STUDY_HEADERS, STUDY_HEADERS[:4], [*STUDY_HEADERS[:4], "应到人员"], []]))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if headers:
        writer.writerow(headers)
    for values in rows:
        writer.writerow(values)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
    return buffer.getvalue().encode(encoding, "replace")


any_file = st.one_of(
    st.tuples(st.binary(max_size=3000), st.sampled_from(["f.xlsx", "f.csv"])),
    st.tuples(mutated_workbooks(), st.just("f.xlsx")),
    st.tuples(csv_files(), st.just("f.csv")),
)


def counts():
    return (StudySession.objects.count(), Attendance.objects.count())


@FUZZ
@given(case=any_file)
def test_the_service_never_raises_and_never_writes_half(office, case):
    data, name = case
    before = counts()
    result = imports.import_file(STUDY, data, name, user=None)
    if not result.ok:
        assert counts() == before
        assert all(isinstance(error.message, str) and error.message for error in result.errors)
    else:
        assert result.written


@settings(FUZZ, max_examples=10)
@given(case=any_file)
def test_the_command_never_raises_anything_but_command_error(office, tmp_path_factory, case):
    data, name = case
    path = tmp_path_factory.mktemp("fuzz") / name
    path.write_bytes(data)
    before = counts()
    try:
        call_command("import_study_records", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    except CommandError:
        assert counts() == before


@settings(FUZZ, max_examples=10)
@given(case=any_file)
def test_the_page_never_answers_500(office, client, admin_person, case):
    data, name = case
    client.force_login(admin_person)
    before = counts()
    response = client.post(reverse("study:import"), {"kind": STUDY, "file": SimpleUploadedFile(name, data)})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert counts() == before
