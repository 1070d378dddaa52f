import datetime

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from guardian.shortcuts import assign_perm

from ideology_office.accounts.roles import Role
from ideology_office.common.counting import count_by_period, countable, countable_queryset
from ideology_office.common.policies import visible_to
from ideology_office.common.services import record_void
from inspections import selectors, services
from inspections.models import RectificationTask
from inspections.permissions import PROGRESS_PERMISSION, access_task

from ..factories import OrgUnitFactory, UserFactory
from .factories import close_out, make_finding, make_inspection, make_task

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2024, 6, 15)
FEEDBACK = datetime.date(2024, 1, 10)


@pytest.fixture
def scene(inspector):
    """Two sections, two inspections: tasks closed, open, overdue and due soon around TODAY."""
    secretariat, information = OrgUnitFactory(name="秘书股"), OrgUnitFactory(name="信息股")
    tour = make_inspection(user=inspector, title="巡视", date=FEEDBACK)
    supervision = make_inspection(user=inspector, title="督查", date=FEEDBACK)
    finding = make_finding(user=inspector, inspection=tour)
    person = UserFactory(roles=[Role.STAFF], section=secretariat)
    tasks = {
        "closed": make_task(user=inspector, finding=finding, unit=secretariat, person=person, deadline=TODAY),
        "overdue": make_task(
            user=inspector,
            finding=finding,
            unit=secretariat,
            person=person,
            deadline=TODAY - datetime.timedelta(days=1),
        ),
        "due_soon": make_task(
            user=inspector, finding=finding, unit=information, deadline=TODAY + datetime.timedelta(days=7)
        ),
        "later": make_task(
            user=inspector,
            finding=make_finding(user=inspector, inspection=supervision),
            unit=information,
            deadline=TODAY + datetime.timedelta(days=8),
        ),
    }
    close_out(tasks["closed"], verifier=inspector)
    return {
        "tour": tour,
        "supervision": supervision,
        "secretariat": secretariat,
        "information": information,
        **tasks,
    }


def test_completion_per_inspection(scene):
    rows = {row.label: row for row in selectors.completion_by_inspection(today=TODAY)}
    assert (rows["巡视"].total, rows["巡视"].closed, rows["巡视"].overdue, rows["巡视"].rate) == (
        3,
        1,
        1,
        33.3,
    )
    assert (rows["督查"].total, rows["督查"].closed, rows["督查"].rate) == (1, 0, 0.0)


def test_completion_per_section_for_one_inspection_or_all(scene):
    everything = {row.label: row for row in selectors.completion_by_section(today=TODAY)}
    assert (everything["秘书股"].total, everything["秘书股"].closed, everything["秘书股"].rate) == (
        2,
        1,
        50.0,
    )
    assert (everything["信息股"].total, everything["信息股"].closed) == (2, 0)
    tour_only = {
        row.label: row.total for row in selectors.completion_by_section(inspection=scene["tour"], today=TODAY)
    }
    assert tour_only == {"秘书股": 2, "信息股": 1}


def test_overdue_tasks_are_open_tasks_past_their_deadline(scene):
    assert list(selectors.overdue_tasks(today=TODAY)) == [scene["overdue"]]


def test_tasks_due_in_the_next_7_days_include_the_seventh_day(scene):
    assert list(selectors.tasks_due_soon(today=TODAY)) == [scene["due_soon"]]


def test_voided_tasks_and_findings_count_nowhere(scene, inspector):
    record_void(record=scene["overdue"], user=inspector, reason="重复")
    record_void(record=scene["later"].finding, user=inspector, reason="误录")
    assert list(selectors.overdue_tasks(today=TODAY)) == []
    rows = {row.label: row.total for row in selectors.completion_by_inspection(today=TODAY)}
    assert rows == {"巡视": 2}


def test_the_figures_are_one_query_each(scene, django_assert_num_queries):
    with django_assert_num_queries(1):
        selectors.completion_by_inspection(today=TODAY)
    with django_assert_num_queries(1):
        selectors.completion_by_section(today=TODAY)
    with django_assert_num_queries(1):
        list(selectors.overdue_tasks(today=TODAY))


def test_the_awaiting_list_leaves_out_the_verifiers_own_tasks(inspector):
    from .factories import carry_to_acceptance

    own = make_task(user=inspector, person=inspector)
    other = make_task(user=inspector)
    carry_to_acceptance(own)
    carry_to_acceptance(other)
    assert list(selectors.tasks_awaiting_acceptance(user=inspector)) == [other]


# Countable records ---------------------------------------------------------------------------


def test_the_countable_keys_are_registered_with_their_dates():
    assert countable("inspections.finding").date_field == "inspection__date"
    assert countable("inspections.task").date_field == "deadline"
    assert countable("inspections.task_closed").date_field == "closed_at"
    overdue = countable("inspections.overdue_task")
    assert (overdue.date_field, overdue.unit_field, overdue.person_field) == (
        "deadline",
        "responsible_unit",
        "responsible_person",
    )


def test_counting_findings_and_tasks_by_year(scene):
    year = {"start": datetime.date(2024, 1, 1), "end": datetime.date(2024, 12, 31)}
    assert countable_queryset("inspections.finding", **year).count() == 2
    assert countable_queryset("inspections.task", **year).count() == 4
    assert countable_queryset("inspections.task", unit=scene["information"], **year).count() == 2
    today = timezone.localdate()
    closed = countable_queryset("inspections.task_closed", start=today, end=today)
    assert list(closed) == [scene["closed"]]


def test_overdue_counts_tasks_closed_late_and_tasks_still_open_past_the_deadline(inspector):
    today = timezone.localdate()
    finding = make_finding(
        user=inspector, inspection=make_inspection(user=inspector, date=today - datetime.timedelta(days=100))
    )
    person = UserFactory(roles=[Role.STAFF])
    late = make_task(
        user=inspector, finding=finding, person=person, deadline=today - datetime.timedelta(days=10)
    )
    close_out(late, verifier=inspector)
    on_time = make_task(user=inspector, finding=finding, deadline=today)
    close_out(on_time, verifier=inspector)
    still_open = make_task(user=inspector, finding=finding, deadline=today - datetime.timedelta(days=2))
    make_task(user=inspector, finding=finding, deadline=today + datetime.timedelta(days=2))
    window = {"start": today - datetime.timedelta(days=365), "end": today + datetime.timedelta(days=365)}
    assert set(countable_queryset("inspections.overdue_task", **window)) == {late, still_open}
    assert list(countable_queryset("inspections.overdue_task", person=person, **window)) == [late]
    by_year = count_by_period("inspections.overdue_task", period="year", **window)
    assert sum(by_year.values()) == 2


def test_a_task_list_for_a_responsible_leader_shows_what_they_lead(inspector):
    leader = UserFactory(roles=[Role.LEADER])
    task = make_task(user=inspector, leader=leader)
    assert task in selectors.task_list_for_user(leader)
    staff_leader = UserFactory(roles=[Role.STAFF])
    led = make_task(user=inspector, leader=staff_leader)
    assert list(selectors.task_list_for_user(staff_leader)) == [led]


def test_the_task_policy_shows_a_task_through_the_persons_own_progress_grant_only(inspector):
    holder, outsider = UserFactory(roles=[Role.STAFF]), UserFactory(roles=[Role.STAFF])
    granted, other = make_task(user=inspector), make_task(user=inspector)
    assign_perm(PROGRESS_PERMISSION, holder, granted)
    # A grant to a group is nobody's own: can_view_task does not count it, and neither does the list.
    group = Group.objects.create(name="整改协办")
    outsider.groups.add(group)
    assign_perm(PROGRESS_PERMISSION, group, other)
    with CaptureQueriesContext(connection) as queries:
        assert list(visible_to(holder, RectificationTask)) == [granted]
    # The grants are read as integer keys, not every task's key compared as text.
    assert not any("::varchar" in query["sql"] or "AS TEXT" in query["sql"] for query in queries)
    assert access_task(holder, granted.pk) == granted
    assert list(visible_to(outsider, RectificationTask)) == []
    with pytest.raises(Http404):
        access_task(outsider, other.pk)


def test_ledger_rows_follow_the_inspection_and_finding_order(inspector):
    inspection = make_inspection(user=inspector)
    second = make_finding(user=inspector, inspection=inspection, description="二")
    first_task = make_task(user=inspector, finding=second)
    services.finding_create(inspection=inspection, category=second.category, description="三", user=inspector)
    later = make_task(user=inspector, finding=inspection.findings.get(number=2))
    assert list(selectors.ledger_tasks(inspection=inspection)) == [first_task, later]
    assert RectificationTask.objects.count() == 2
