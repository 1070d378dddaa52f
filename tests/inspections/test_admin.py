"""The Django admin goes through the same services: the rules hold there too."""

import pytest
from django.urls import reverse

from ideology_office.accounts.roles import Role
from inspections.models import Extension, Finding, RectificationTask

from ..factories import UserFactory
from .factories import carry_to_acceptance, category, make_finding, make_inspection, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_inspector(db):
    # The admin pages need staff status; the rules need the inspector role.
    return UserFactory(is_staff=True, is_superuser=True, roles=[Role.ADMIN, Role.INSPECTOR])


def test_adding_a_task_in_the_admin_grants_the_responsible_person(client, admin_inspector, staff, leader):
    finding = make_finding(user=admin_inspector)
    client.force_login(admin_inspector)
    response = client.post(
        reverse("admin:inspections_rectificationtask_add"),
        {
            "finding": finding.pk,
            "measure": "修订制度",
            "responsible_leader": leader.pk,
            "responsible_unit": staff.section.pk,
            "responsible_person": staff.pk,
            "deadline": "2024-06-30",
            "kind": "by_deadline",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
            "extensions-TOTAL_FORMS": "0",
            "extensions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    task = RectificationTask.objects.get()
    assert staff.has_perm("inspections.update_progress", task)
    assert task.events.get().kind == "assigned"


def test_a_task_deadline_before_the_inspection_is_refused_in_the_admin(
    client, admin_inspector, staff, leader
):
    finding = make_finding(user=admin_inspector)
    client.force_login(admin_inspector)
    response = client.post(
        reverse("admin:inspections_rectificationtask_add"),
        {
            "finding": finding.pk,
            "measure": "修订制度",
            "responsible_leader": leader.pk,
            "responsible_unit": staff.section.pk,
            "responsible_person": staff.pk,
            "deadline": "2020-01-01",
            "kind": "by_deadline",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
            "extensions-TOTAL_FORMS": "0",
            "extensions-INITIAL_FORMS": "0",
        },
        follow=True,
    )
    assert "完成时限不能早于督查日期" in response.content.decode()
    assert not RectificationTask.objects.exists()


def test_the_admin_cannot_change_a_task_state(client, admin_inspector):
    task = make_task(user=admin_inspector)
    carry_to_acceptance(task)
    client.force_login(admin_inspector)
    client.post(
        reverse("admin:inspections_rectificationtask_change", args=[task.pk]),
        {
            "measure": task.measure,
            "responsible_leader": task.responsible_leader_id,
            "responsible_unit": task.responsible_unit_id,
            "responsible_person": task.responsible_person_id,
            "kind": task.kind,
            "state": "closed",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
            "extensions-TOTAL_FORMS": "0",
            "extensions-INITIAL_FORMS": "0",
        },
    )
    task.refresh_from_db()
    assert task.state == RectificationTask.State.AWAITING_ACCEPTANCE


def test_reassigning_in_the_admin_moves_the_grant(client, admin_inspector, staff):
    task = make_task(user=admin_inspector)
    previous = task.responsible_person
    client.force_login(admin_inspector)
    client.post(
        reverse("admin:inspections_rectificationtask_change", args=[task.pk]),
        {
            "measure": task.measure,
            "responsible_leader": task.responsible_leader_id,
            "responsible_unit": task.responsible_unit_id,
            "responsible_person": staff.pk,
            "kind": task.kind,
            "events-TOTAL_FORMS": "1",
            "events-INITIAL_FORMS": "1",
            "events-0-id": task.events.get().pk,
            "events-0-task": task.pk,
            "extensions-TOTAL_FORMS": "0",
            "extensions-INITIAL_FORMS": "0",
        },
    )
    task.refresh_from_db()
    assert task.responsible_person == staff
    assert staff.has_perm("inspections.update_progress", task)
    assert not type(previous).objects.get(pk=previous.pk).has_perm("inspections.update_progress", task)


def test_closing_a_finding_with_an_open_task_is_refused_by_the_admin_action(client, admin_inspector):
    task = make_task(user=admin_inspector)
    client.force_login(admin_inspector)
    response = client.post(
        reverse("admin:inspections_finding_changelist"),
        {"action": "close_findings", "_selected_action": [task.finding_id]},
        follow=True,
    )
    assert "未销号" in response.content.decode()
    assert Finding.objects.get().status == Finding.Status.OPEN


def test_a_finding_added_in_the_admin_is_numbered_by_the_service(client, admin_inspector):
    inspection = make_inspection(user=admin_inspector)
    make_finding(user=admin_inspector, inspection=inspection)
    client.force_login(admin_inspector)
    client.post(
        reverse("admin:inspections_finding_add"),
        {"inspection": inspection.pk, "category": category().pk, "description": "第二个问题"},
    )
    assert list(Finding.objects.order_by("number").values_list("number", flat=True)) == [1, 2]


def test_nothing_is_deleted_in_the_admin(client, admin_inspector):
    task = make_task(user=admin_inspector)
    client.force_login(admin_inspector)
    response = client.get(reverse("admin:inspections_rectificationtask_delete", args=[task.pk]))
    assert response.status_code == 403


def test_an_admin_who_is_no_leader_cannot_approve_extensions(client, admin_inspector):
    import datetime

    from inspections import services

    task = make_task(user=admin_inspector)
    extension = services.extension_request(
        task=task,
        user=task.responsible_person,
        requested_deadline=task.deadline + datetime.timedelta(days=5),
        reason="理由",
    )
    client.force_login(admin_inspector)
    client.post(
        reverse("admin:inspections_extension_changelist"),
        {"action": "approve", "_selected_action": [extension.pk]},
    )
    assert Extension.objects.get().status == Extension.Status.PENDING
