"""The summary tables (``common.rollups``) equal a recount of the records after every kind of write:
create, edit moving the date, section or kind, void, delete, bulk insert, bulk update, a queryset
update, a person moving to another section, a voided finding, a submitted item; and the upkeep
holds under two concurrent writers (PostgreSQL). ``tests/conftest.py`` also compares them after
every test of the suite that uses the database (the services', the views', the admin's and the
import's tests)."""

import datetime
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from ideology_office.common import rollups
from ideology_office.common.audit import summarised_audit
from ideology_office.common.bulk import insert_rows
from ideology_office.common.models import Rollup
from ideology_office.common.services import record_void
from inspections.models import RectificationTask
from positions.models import ContentItem
from study import services as study_services
from study.models import PointsEntry, StudySession
from tests.factories import OrgUnitFactory, UserFactory
from tests.inspections.factories import make_task
from tests.positions.factories import Desk
from tests.study.factories import PlatformFactory

pytestmark = pytest.mark.django_db
Kind = StudySession.Kind


def count(metric, year=0, month=0, section=0, kind=""):
    """The stored count of one bucket (0 when there is no row)."""
    row = (
        Rollup.objects.filter(metric=metric, year=year, month=month, section_id=section, kind=kind)
        .values_list("count", flat=True)
        .first()
    )
    return row or 0


def assert_matches():
    assert rollups.mismatches() == {}


def test_a_session_created_edited_voided_and_deleted_moves_between_buckets(admin_person):
    one, two = OrgUnitFactory(), OrgUnitFactory()
    session = study_services.session_create(
        user=None, kind=Kind.CENTRAL_GROUP, date=datetime.date(2024, 3, 10), topic="学习", section=one
    )
    assert count("study.sessions", 2024, 3, one.pk, Kind.CENTRAL_GROUP) == 1
    assert_matches()
    # An edit moving the date (to another year), the section and the kind at once.
    session = study_services.session_update(
        session=session, user=None, date=datetime.date(2023, 12, 1), section=two, kind=Kind.THEMED_PARTY_DAY
    )
    assert count("study.sessions", 2024, 3, one.pk, Kind.CENTRAL_GROUP) == 0
    assert count("study.sessions", 2023, 12, two.pk, Kind.THEMED_PARTY_DAY) == 1
    assert_matches()
    # An edit of a field the summary does not read leaves it alone (and right).
    study_services.session_update(session=session, user=None, topic="另一个主题")
    assert_matches()
    record_void(record=session, user=admin_person, reason="重复录入")
    assert count("study.sessions", 2023, 12, two.pk, Kind.THEMED_PARTY_DAY) == 0
    assert_matches()
    other = study_services.session_create(
        user=None, kind=Kind.OTHER, date=datetime.date(2024, 1, 5), topic="观影", section=one
    )
    assert count("study.sessions", 2024, 1, one.pk, Kind.OTHER) == 1
    StudySession.objects.filter(pk=other.pk).delete()
    assert count("study.sessions", 2024, 1, one.pk, Kind.OTHER) == 0
    assert_matches()


def test_bulk_inserts_bulk_updates_and_queryset_updates_refresh_their_buckets(staff):
    section = OrgUnitFactory()
    fields = ("kind", "date", "topic", "section_id")
    rows = [
        (Kind.BRANCH_COMMITTEE, datetime.date(2024, month, 2), f"支委会{number}", section.pk)
        for number, month in enumerate((1, 2, 2))
    ]
    with summarised_audit(source="test"):
        pks = insert_rows(StudySession, fields, rows, return_pks=True)
    assert count("study.sessions", 2024, 2, section.pk, Kind.BRANCH_COMMITTEE) == 2
    assert_matches()
    sessions = list(StudySession.objects.filter(pk__in=pks))
    for session in sessions:
        session.date = datetime.date(2024, 5, 1)
    StudySession.objects.bulk_update(sessions, ["date"])
    assert count("study.sessions", 2024, 5, section.pk, Kind.BRANCH_COMMITTEE) == 3
    assert_matches()
    StudySession.objects.filter(pk=pks[0]).update(kind=Kind.PARTY_LECTURE)
    assert count("study.sessions", 2024, 5, section.pk, Kind.PARTY_LECTURE) == 1
    assert_matches()
    with summarised_audit(source="test"):
        StudySession.objects.bulk_create(
            [StudySession(kind=Kind.OTHER, date=datetime.date(2024, 6, 1), topic="观影", section=section)]
        )
    assert count("study.sessions", 2024, 6, section.pk, Kind.OTHER) == 1
    assert_matches()


def test_bulk_inserted_rows_name_their_buckets_without_asking_the_database(staff):
    """An import's batch: the buckets come from the rows' own values (a voided row's too, which
    the recount finds empty), not from a query by the new keys; a metric whose section is read
    through a relation, or rows without one of its columns, still ask the database."""
    section, other = OrgUnitFactory(), OrgUnitFactory()
    fields = ("kind", "date", "topic", "section_id", "voided_at", "void_reason")
    voided = datetime.datetime(2024, 5, 3, 9, 0, tzinfo=datetime.UTC)
    rows = [
        (Kind.CENTRAL_GROUP, datetime.date(2024, 4, 30), "中心组学习", section.pk, None, ""),
        (Kind.CENTRAL_GROUP, datetime.date(2024, 5, 1), "中心组学习", other.pk, None, ""),
        (Kind.THEMED_PARTY_DAY, datetime.date(2024, 5, 2), "主题党日", section.pk, voided, "重复录入"),
    ]
    with CaptureQueriesContext(connection) as queries, summarised_audit(source="test"):
        pks = insert_rows(StudySession, fields, rows, return_pks=True)
    asked = [query["sql"] for query in queries.captured_queries if "SELECT DISTINCT" in query["sql"]]
    assert asked == []
    sessions = rollups.spec("study.sessions")
    assert rollups._buckets_of_rows(sessions, fields, rows) == rollups._buckets_of_pks(
        sessions, pks, "default"
    ) | {(2024, 5, section.pk, Kind.THEMED_PARTY_DAY)}
    assert count("study.sessions", 2024, 4, section.pk, Kind.CENTRAL_GROUP) == 1
    assert count("study.sessions", 2024, 5, other.pk, Kind.CENTRAL_GROUP) == 1
    assert count("study.sessions", 2024, 5, section.pk, Kind.THEMED_PARTY_DAY) == 0
    assert_matches()

    # A moment counts in its local month: 17:00 UTC on 31 January is 1 February in the office.
    published = rollups.spec("positions.publications")
    evening = datetime.datetime(2024, 1, 31, 17, 0, tzinfo=datetime.UTC)
    assert rollups._buckets_of_rows(published, ("published_at",), [(evening,)]) == {(2024, 2, 0, "")}
    assert rollups._buckets_of_rows(published, ("published_at",), [(evening.replace(tzinfo=None),)]) is None
    # An item not approved yet has no date to count it by, and no bucket.
    approved = rollups.spec("positions.items_reviewed")
    assert rollups._buckets_of_rows(approved, ("final_approved_at",), [(None,), (evening,)]) == {
        (2024, 2, 0, "")
    }
    # Read through a relation (a person's section), or not among the rows' columns: ask the database.
    assert rollups._buckets_of_rows(rollups.spec("study.points"), ("person_id", "date"), []) is None
    assert rollups._buckets_of_rows(sessions, ("kind", "date", "topic"), rows) is None


def test_collected_writes_refresh_their_buckets_once_at_the_end_of_the_block(
    staff, django_assert_max_num_queries
):
    """An import's batches: the buckets are recounted once, after the last batch, in the same
    transaction; a failing block refreshes nothing and leaves nothing."""
    section = OrgUnitFactory()
    fields = ("kind", "date", "topic", "section_id")

    def batch(number):
        return [
            (Kind.PARTY_GROUP, datetime.date(2024, 3, 4), f"党小组会{number}-{row}", section.pk)
            for row in range(3)
        ]

    with transaction.atomic(), summarised_audit(source="test"), rollups.collected():
        insert_rows(StudySession, fields, batch(1))
        insert_rows(StudySession, fields, batch(2))
        assert count("study.sessions", 2024, 3, section.pk, Kind.PARTY_GROUP) == 0  # not yet
    assert count("study.sessions", 2024, 3, section.pk, Kind.PARTY_GROUP) == 6
    assert_matches()

    with (
        pytest.raises(RuntimeError),
        transaction.atomic(),
        summarised_audit(source="test"),
        rollups.collected(),
    ):
        insert_rows(StudySession, fields, batch(3))
        raise RuntimeError("the import failed")
    assert count("study.sessions", 2024, 3, section.pk, Kind.PARTY_GROUP) == 6
    assert_matches()


def test_points_follow_their_person_to_another_section(admin_person):
    one, two = OrgUnitFactory(), OrgUnitFactory()
    person = UserFactory(section=one)
    platform = PlatformFactory()
    entry = study_services.points_entry_save(
        entry=None,
        user=admin_person,
        platform=platform,
        person=person,
        period="day",
        date=datetime.date(2024, 4, 3),
        points=30,
    )
    study_services.points_entry_save(
        entry=None,
        user=admin_person,
        platform=platform,
        person=person,
        period="day",
        date=datetime.date(2024, 4, 4),
        points=12,
    )
    bucket = Rollup.objects.get(metric="study.points", year=2024, month=4, section_id=one.pk)
    assert (bucket.count, bucket.total, bucket.uniques) == (2, 42, 1)
    study_services.points_entry_save(entry=entry, user=admin_person, points=40)
    assert Rollup.objects.get(metric="study.points", year=2024, month=4, section_id=one.pk).total == 52
    person.section = two
    person.save()
    assert count("study.points", 2024, 4, one.pk) == 0
    assert count("study.points", 2024, 4, two.pk) == 2
    assert_matches()
    # Saving only another field (a login) costs no recount and changes nothing.
    person.save(update_fields=["last_login"])
    assert_matches()
    PointsEntry.objects.filter(person=person).delete()
    assert count("study.points", 2024, 4, two.pk) == 0
    assert_matches()


def test_tasks_follow_their_deadline_state_and_a_voided_finding(inspector, admin_person):
    task = make_task(user=inspector, deadline=datetime.date(2024, 5, 20))
    unit = task.responsible_unit_id
    assert count("inspections.tasks", 2024, 5, unit, task.state) == 1
    assert_matches()
    RectificationTask.objects.filter(pk=task.pk).update(deadline=datetime.date(2024, 7, 1))
    assert count("inspections.tasks", 2024, 7, unit, task.state) == 1
    assert_matches()
    record_void(record=task.finding, user=admin_person, reason="误录")
    assert count("inspections.tasks", 2024, 7, unit, task.state) == 0
    assert_matches()
    task = make_task(user=inspector, deadline=datetime.date(2024, 5, 20))
    record_void(record=task.finding.inspection, user=admin_person, reason="误录")
    assert_matches()
    assert not Rollup.objects.filter(metric="inspections.tasks", count__gt=0).exists()


def test_items_waiting_follow_the_review_and_their_author(db):
    desk = Desk()
    item = desk.submitted()
    section = desk.author.section_id or 0
    assert count("positions.review_waiting", section=section, kind=item.current_step) == 1
    assert_matches()
    desk.author.section = OrgUnitFactory()
    desk.author.save()
    assert count("positions.review_waiting", section=desk.author.section_id, kind=item.current_step) == 1
    assert_matches()
    ContentItem.objects.filter(pk=item.pk).update(status=ContentItem.Status.DRAFT, current_step="")
    assert_matches()


@pytest.mark.rollups_unchecked
def test_a_write_behind_the_services_back_is_found_and_the_command_repairs_it():
    session = StudySession.objects.create(
        kind=Kind.CENTRAL_GROUP, date=datetime.date(2024, 3, 10), topic="学习", section=OrgUnitFactory()
    )
    # The base manager writes without the upkeep, like raw SQL would.
    StudySession._base_manager.filter(pk=session.pk).update(date=datetime.date(2022, 1, 1))
    assert set(rollups.mismatches()) == {"study.sessions"}
    with pytest.raises(Exception, match="不一致"):
        call_command("rebuild_rollups", "--check")
    call_command("rebuild_rollups", "--year", "2022")
    call_command("rebuild_rollups", "--year", "2024")
    assert_matches()
    call_command("rebuild_rollups")
    assert count("study.sessions", 2022, 1, session.section_id, Kind.CENTRAL_GROUP) == 1
    assert_matches()


def test_the_demo_seed_leaves_the_summaries_equal_to_its_records():
    call_command("seed_demo", "--only", "study,inspections,positions", "--password", "Demo-pass-123")
    assert Rollup.objects.filter(metric="study.sessions", count__gt=0).exists()
    assert_matches()


@pytest.mark.django_db(transaction=True)
def test_two_writers_of_one_bucket_at_once_lose_no_update(migration_data):
    """The second writer waits on the bucket's lock and recounts after the first commits."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    section = OrgUnitFactory()
    first_saved, errors = threading.Event(), []

    def write(wait_before_commit: bool):
        try:
            with transaction.atomic():
                study_services.session_create(
                    user=None,
                    kind=Kind.CENTRAL_GROUP,
                    date=datetime.date(2024, 3, 10),
                    topic=f"并发{int(wait_before_commit)}",
                    section=section,
                )
                if wait_before_commit:
                    first_saved.set()
                    # Hold the bucket while the other writer counts.
                    threading.Event().wait(0.5)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    first = threading.Thread(target=write, args=(True,))
    first.start()
    first_saved.wait(5)
    second = threading.Thread(target=write, args=(False,))
    second.start()
    first.join(10)
    second.join(10)
    assert errors == []
    assert count("study.sessions", 2024, 3, section.pk, Kind.CENTRAL_GROUP) == 2
    assert_matches()
