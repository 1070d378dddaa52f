import datetime

import pytest
from django.core.exceptions import ValidationError

from ideology_office.accounts.roles import Role
from ideology_office.common.services import record_void
from study import services
from study.models import Attendance, ReadingClass, StudySession
from tests.factories import OrgUnitFactory, UserFactory

from .factories import MaterialFactory


@pytest.fixture
def section(db):
    return OrgUnitFactory()


def create(section, **kwargs):
    values = {
        "user": None,
        "kind": StudySession.Kind.CENTRAL_GROUP,
        "date": datetime.date(2024, 3, 5),
        "topic": "学习",
        "section": section,
    }
    return services.session_create(**{**values, **kwargs})


def test_an_absence_needs_a_reason_and_nothing_is_written(section):
    person = UserFactory(section=section)
    with pytest.raises(ValidationError) as error:
        create(section, attendances=[services.AttendanceLine(person=person, status="absent")])
    assert "缺席原因" in str(error.value)
    assert StudySession.objects.count() == 0


def test_the_same_session_cannot_be_recorded_twice_but_can_after_voiding(section):
    first = create(section)
    with pytest.raises(ValidationError, match="已有相同类型和主题"):
        create(section)
    record_void(record=first, user=None, reason="重复录入")
    assert create(section).pk != first.pk


def test_a_first_agenda_study_needs_its_meeting(section):
    with pytest.raises(ValidationError, match="所在的会议"):
        create(section, kind=StudySession.Kind.FIRST_AGENDA)
    session = create(section, kind=StudySession.Kind.FIRST_AGENDA, first_agenda_venue="party_branch")
    assert session.get_first_agenda_venue_display() == "党支部会议"


def test_staff_record_only_for_their_own_section(section):
    staff = UserFactory(section=section, roles=[Role.STAFF])
    with pytest.raises(ValidationError, match="本股室"):
        create(OrgUnitFactory(), user=staff)
    assert create(section, user=staff).created_by == staff


def test_a_reading_class_has_a_session_per_day(section):
    people = [UserFactory(section=section) for _ in range(3)]
    reading_class = services.reading_class_create(
        user=None,
        title="主题教育读书班",
        section=section,
        start_date=datetime.date(2023, 4, 17),
        end_date=datetime.date(2023, 4, 23),
        attendances=[services.AttendanceLine(person=person) for person in people],
    )
    assert reading_class.sessions.count() == 7
    assert Attendance.objects.filter(session__reading_class=reading_class).count() == 21
    assert ReadingClass.objects.count() == 1


def test_updating_replaces_attendance_and_keeps_the_natural_key_unique(section):
    person = UserFactory(section=section)
    session = create(section, attendances=[services.AttendanceLine(person=person)])
    services.session_update(
        session=session,
        user=None,
        attendances=[services.AttendanceLine(person=person, status="absent", absence_reason="病假")],
        materials=[MaterialFactory()],
        place="会议室",
    )
    session.refresh_from_db()
    assert session.place == "会议室"
    assert session.attendances.get().absence_reason == "病假"


def test_a_material_is_unique_by_title_and_issue_date(db):
    services.material_create(user=None, title="讲话", kind="speech", issued_on=datetime.date(2024, 1, 1))
    with pytest.raises(ValidationError, match="已按此发布日期录入"):
        services.material_create(user=None, title="讲话", kind="speech", issued_on=datetime.date(2024, 1, 1))
