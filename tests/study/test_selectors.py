import datetime

import pytest

from ideology_office.accounts.roles import Role
from ideology_office.common.counting import count_by_period, countable_queryset
from study import selectors, services
from study.models import PointsEntry, StudySession
from tests.factories import OrgUnitFactory, UserFactory

from .factories import MaterialFactory, PlatformFactory, SessionFactory, TagFactory

START, END = datetime.date(2024, 1, 1), datetime.date(2024, 12, 31)


@pytest.fixture
def tagged(db):
    ideology, network, other = (
        TagFactory(name="意识形态"),
        TagFactory(name="网络安全"),
        TagFactory(name="法治"),
    )
    kind = StudySession.Kind.THEMATIC_DISCUSSION
    SessionFactory(kind=kind, tags=[ideology, network])
    SessionFactory(kind=kind, tags=[network])
    SessionFactory(kind=kind, tags=[other])
    SessionFactory(kind=StudySession.Kind.CENTRAL_GROUP, tags=[ideology])
    voided = SessionFactory(kind=kind, tags=[ideology])
    StudySession.objects.filter(pk=voided.pk).update(
        voided_at=datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC)
    )


def test_a_countable_filtered_by_tags_counts_each_session_once(tagged):
    filters = {"tags__name__in": ["意识形态", "网络安全"]}
    query = countable_queryset("study.thematic_discussion", start=START, end=END, filters=filters)
    assert query.count() == 2
    by_month = count_by_period(
        "study.thematic_discussion", start=START, end=END, period="year", filters=filters
    )
    assert by_month == {datetime.date(2024, 1, 1): 2}


def test_counts_by_kind_and_tag(tagged):
    counts = selectors.session_counts_by_kind(start=START, end=END)
    assert counts["thematic_discussion"] == 3
    assert counts["central_group"] == 1
    assert counts["reading_class_programmes"] == 0
    assert selectors.session_counts_by_tag(start=START, end=END, kinds=["thematic_discussion"]) == {
        "意识形态": 1,
        "网络安全": 2,
        "法治": 1,
    }
    assert selectors.session_count(start=START, end=END, tags_any=["意识形态", "网络安全"]) == 3
    assert selectors.session_counts_by_period(
        kind="thematic_discussion", start=START, end=END, period="month"
    ) == {datetime.date(2024, 3, 1): 3}


def test_first_agenda_timeliness_per_year_and_waiting_materials(db):
    section = OrgUnitFactory()
    quick = MaterialFactory(issued_on=datetime.date(2024, 3, 1))
    slow = MaterialFactory(issued_on=datetime.date(2024, 4, 1))
    middle = MaterialFactory(issued_on=datetime.date(2024, 5, 1))
    waiting = MaterialFactory(issued_on=datetime.date(2024, 6, 1))
    for material, days in ((quick, 2), (slow, 20), (middle, 5)):
        services.session_create(
            user=None,
            kind=StudySession.Kind.FIRST_AGENDA,
            first_agenda_venue="office_meeting",
            date=material.issued_on + datetime.timedelta(days=days),
            topic=f"第一议题{material.pk}",
            section=section,
            materials=[material],
        )
    [row] = selectors.first_agenda_timeliness(years=[2024], today=datetime.date(2024, 6, 11))
    assert (row.studied, row.median_days, row.worst_days, row.worst_material, row.waiting) == (
        3,
        5,
        20,
        slow,
        1,
    )
    [item] = selectors.materials_not_studied(today=datetime.date(2024, 6, 11))
    assert (item.material, item.days_waiting) == (waiting, 10)


def test_points_rankings_and_thresholds_for_a_month(db):
    platform = PlatformFactory()
    first, second = OrgUnitFactory(name="甲股"), OrgUnitFactory(name="乙股")
    leader = UserFactory(username="a-leader", section=first, roles=[Role.LEADER])
    staff = UserFactory(username="b-staff", section=first, roles=[Role.STAFF])
    other = UserFactory(username="c-staff", section=second, roles=[Role.STAFF])
    services.threshold_set(platform=platform, role=Role.LEADER, daily_minimum=10, user=None)
    services.threshold_set(platform=platform, role=Role.STAFF, daily_minimum=5, user=None)
    for person, points in ((leader, 250), (staff, 400), (other, 100)):
        PointsEntry.objects.create(
            platform=platform, person=person, period="month", date=datetime.date(2024, 3, 1), points=points
        )
    people = selectors.points_ranking_people(month=datetime.date(2024, 3, 1), today=datetime.date(2024, 6, 1))
    assert [(row.person, row.rank, row.points, row.threshold) for row in people] == [
        (staff, 1, 400, 155),
        (leader, 2, 250, 310),
        (other, 3, 100, 155),
    ]
    assert [row.person for row in people if row.below_threshold] == [leader, other]
    sections = selectors.points_ranking_sections(
        month=datetime.date(2024, 3, 1), today=datetime.date(2024, 6, 1)
    )
    assert [(row.section, row.average, row.rank) for row in sections] == [
        (first, 325.0, 1),
        (second, 100.0, 2),
    ]
    data = selectors.bulletin_data(
        month=datetime.date(2024, 3, 1), platform=platform, today=datetime.date(2024, 6, 1)
    )
    assert data.average == 250.0


def test_selectors_use_a_fixed_number_of_queries(db, django_assert_max_num_queries):
    platform = PlatformFactory()
    for number in range(20):
        person = UserFactory(roles=[Role.STAFF])
        PointsEntry.objects.create(
            platform=platform, person=person, period="day", date=datetime.date(2024, 3, 2), points=number
        )
        MaterialFactory()
    with django_assert_max_num_queries(10):
        selectors.bulletin_data(month=datetime.date(2024, 3, 1), platform=platform)
    with django_assert_max_num_queries(1):
        selectors.first_agenda_timeliness()
