"""Editing a study session: attendance rows are updated in place, and the trail shows what changed,
many-to-many fields (tags, materials) included."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType

from ideology_office.common.audit import audit_context
from ideology_office.common.models import AuditEntry
from study import services
from study.models import Attendance, StudySession
from tests.factories import OrgUnitFactory, UserFactory
from tests.study.factories import MaterialFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def section(db):
    return OrgUnitFactory()


def entries_for(model, pk=None):
    entries = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(model))
    if pk is not None:
        entries = entries.filter(object_pk=str(pk))
    return entries.order_by("pk")


def make_session(section, people, **kwargs):
    values = {
        "user": None,
        "kind": StudySession.Kind.CENTRAL_GROUP,
        "date": datetime.date(2024, 3, 5),
        "topic": "学习",
        "section": section,
        "attendances": [services.AttendanceLine(person=person) for person in people],
    }
    return services.session_create(**{**values, **kwargs})


def test_an_edit_keeps_the_attendance_rows_of_people_who_stay(section):
    stays, changes, leaves, joins = (UserFactory(section=section) for _ in range(4))
    session = make_session(section, [stays, changes, leaves])
    before = dict(session.attendances.values_list("person_id", "pk"))
    last_pk = max(before.values())

    services.session_update(
        session=session,
        user=None,
        attendances=[
            services.AttendanceLine(person=stays),
            services.AttendanceLine(person=changes, status="absent", absence_reason=" 病假 "),
            services.AttendanceLine(person=joins, status="observer"),
        ],
    )

    after = {row.person_id: row for row in session.attendances.all()}
    assert set(after) == {stays.pk, changes.pk, joins.pk}
    assert after[stays.pk].pk == before[stays.pk]
    assert after[changes.pk].pk == before[changes.pk]
    assert (after[changes.pk].status, after[changes.pk].absence_reason) == ("absent", "病假")
    assert after[joins.pk].pk > last_pk and after[joins.pk].status == "observer"
    assert not Attendance.objects.filter(pk=before[leaves.pk]).exists()

    # The trail: one change for the absence, one delete, one create; nothing for the one who stayed.
    kept = entries_for(Attendance, before[stays.pk])
    assert [entry.action for entry in kept] == ["create"]
    changed = entries_for(Attendance, before[changes.pk]).last()
    assert changed.action == "update"
    assert changed.changes == {"status": ["present", "absent"], "absence_reason": ["", "病假"]}
    assert entries_for(Attendance, before[leaves.pk]).last().action == "delete"


def test_an_edit_with_the_same_attendance_writes_nothing(section):
    people = [UserFactory(section=section) for _ in range(2)]
    session = make_session(section, people)
    pks = list(session.attendances.values_list("pk", flat=True))
    count = AuditEntry.objects.count()
    services.session_update(
        session=session, user=None, attendances=[services.AttendanceLine(person=p) for p in people]
    )
    assert list(session.attendances.values_list("pk", flat=True)) == pks
    assert AuditEntry.objects.count() == count


def test_an_absence_changed_back_to_present_clears_its_reason(section):
    person = UserFactory(section=section)
    session = make_session(section, [person])
    services.session_update(
        session=session,
        user=None,
        attendances=[services.AttendanceLine(person=person, status="absent", absence_reason="出差")],
    )
    services.session_update(session=session, user=None, attendances=[services.AttendanceLine(person=person)])
    row = session.attendances.get()
    assert (row.status, row.absence_reason) == ("present", "")


def test_tag_and_material_changes_on_a_session_are_in_the_trail(section, admin_person):
    first, second = TagFactory(name="理论"), TagFactory(name="党史")
    material = MaterialFactory()
    session = make_session(section, [], tags=[first])
    with audit_context(user=admin_person):
        services.session_update(session=session, user=None, tags=[second], materials=[material])

    m2m = [
        entry for entry in entries_for(StudySession, session.pk) if set(entry.changes) & {"tags", "materials"}
    ]
    assert all(entry.action == "update" for entry in m2m)
    assert len([entry for entry in m2m if entry.actor == admin_person]) == 3
    # At creation: tags [] → [first]; then the edit's set(): remove first, add second; materials added.
    assert {"tags": [[], [first.pk]]} in [entry.changes for entry in m2m]
    assert {"tags": [[first.pk], []]} in [entry.changes for entry in m2m]
    assert {"tags": [[], [second.pk]]} in [entry.changes for entry in m2m]
    assert {"materials": [[], [material.pk]]} in [entry.changes for entry in m2m]


def test_a_change_made_from_the_other_side_is_recorded_on_the_session(section):
    tag = TagFactory(name="廉政")
    sessions = [make_session(section, [], topic=f"学习{n}") for n in range(2)]
    tag.sessions.add(*sessions)
    tag.sessions.clear()
    for session in sessions:
        changes = [
            entry.changes for entry in entries_for(StudySession, session.pk) if "tags" in entry.changes
        ]
        assert changes == [{"tags": [[], [tag.pk]]}, {"tags": [[tag.pk], []]}]
