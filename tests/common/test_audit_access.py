"""Who may do what is in the trail: role (group) changes, model permissions, and django-guardian
grants and revokes on single records, made one at a time or in bulk."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from guardian.shortcuts import assign_perm, remove_perm

from ideology_office.accounts.models import User
from ideology_office.accounts.roles import Role
from ideology_office.common.audit import audit_context
from ideology_office.common.models import AuditEntry
from inspections import services
from tests.accounts.test_admin_escalation import form_data
from tests.factories import UserFactory
from tests.inspections.factories import make_task
from tests.testapp.models import Dossier

pytestmark = pytest.mark.django_db


def entries_on(record, key=None):
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(record)), object_pk=str(record.pk)
    ).order_by("pk")
    return [entry for entry in entries if key is None or key in entry.changes]


def group_id(role):
    return Group.objects.get(name=role).pk


def test_a_role_change_is_recorded_with_the_old_and_new_roles(staff, admin_person):
    staff_id, head_id = group_id(Role.STAFF), group_id(Role.SECTION_HEAD)
    with audit_context(user=admin_person):
        staff.groups.add(Group.objects.get(name=Role.SECTION_HEAD))
        staff.groups.remove(Group.objects.get(name=Role.STAFF))
        staff.groups.clear()
    entries = entries_on(staff, "groups")[-3:]
    assert [entry.changes["groups"] for entry in entries] == [
        [[staff_id], sorted([staff_id, head_id])],
        [sorted([staff_id, head_id]), [head_id]],
        [[head_id], []],
    ]
    assert all(entry.action == "update" and entry.actor == admin_person for entry in entries)


def test_a_role_given_from_the_group_side_is_recorded_on_each_person(staff, leader):
    inspectors = Group.objects.get(name=Role.INSPECTOR)
    inspectors.user_set.add(staff, leader)
    for person in (staff, leader):
        [entry] = [e for e in entries_on(person, "groups") if inspectors.pk in e.changes["groups"][1]]
        old, new = entry.changes["groups"]
        assert inspectors.pk not in old and inspectors.pk in new
    inspectors.user_set.clear()
    assert entries_on(staff, "groups")[-1].changes["groups"][0] == sorted(
        [group_id(Role.STAFF), inspectors.pk]
    )


def test_a_role_change_in_the_admin_names_the_admin(client, staff):
    # Roles are given by the 安全管理员 (三员分立).
    security = UserFactory(username="sec1", is_staff=True, roles=[Role.SECURITY_ADMIN])
    client.force_login(security)
    data = form_data(client.get(f"/admin/accounts/user/{staff.pk}/change/"))
    data["groups"] = [str(group_id(Role.SECTION_HEAD))]
    assert client.post(f"/admin/accounts/user/{staff.pk}/change/", data).status_code == 302
    changes = [entry for entry in entries_on(staff, "groups") if entry.actor == security]
    assert [entry.changes["groups"] for entry in changes] == [
        [[group_id(Role.STAFF)], []],
        [[], [group_id(Role.SECTION_HEAD)]],
    ]


def test_model_permissions_of_a_person_and_of_a_role_are_recorded(staff):
    permission = Permission.objects.get(codename="delete_user")
    staff.user_permissions.add(permission)
    assert entries_on(staff, "user_permissions")[-1].changes == {"user_permissions": [[], [permission.pk]]}
    admins = Group.objects.get(name=Role.ADMIN)
    before = sorted(admins.permissions.values_list("pk", flat=True))
    extra = Permission.objects.get(codename="add_group")
    admins.permissions.add(extra)
    assert entries_on(admins, "permissions")[-1].changes == {
        "permissions": [before, sorted([*before, extra.pk])]
    }


def test_a_grant_and_a_revoke_are_recorded_on_the_record(staff, admin_person):
    dossier = Dossier.objects.create(title="卷宗", owner=admin_person)
    with audit_context(user=admin_person):
        assign_perm("testapp.change_dossier", staff, dossier)
        assign_perm("testapp.change_dossier", staff, dossier)  # already held: nothing new
        remove_perm("testapp.change_dossier", staff, dossier)
    grant, revoke = entries_on(dossier, "grant") + entries_on(dossier, "revoke")
    assert grant.changes == {"grant": [None, "staff1:change_dossier"]}
    assert revoke.changes == {"revoke": ["staff1:change_dossier", None]}
    assert grant.action == revoke.action == "update"
    assert grant.actor == admin_person and grant.object_repr == "卷宗"
    assert len(entries_on(dossier, "grant")) == 1


def test_a_group_grant_names_the_group(admin_person):
    dossier = Dossier.objects.create(title="卷宗", owner=admin_person)
    admins = Group.objects.get(name=Role.ADMIN)
    assign_perm("change_dossier", admins, dossier)
    remove_perm("change_dossier", admins, dossier)
    assert [entry.changes for entry in entries_on(dossier, "grant") + entries_on(dossier, "revoke")] == [
        {"grant": [None, "group:管理员:change_dossier"]},
        {"revoke": ["group:管理员:change_dossier", None]},
    ]


def test_grants_and_revokes_in_bulk_are_recorded_row_by_row(staff, leader, admin_person):
    dossiers = [Dossier.objects.create(title=f"卷宗{n}", owner=admin_person) for n in range(3)]
    assign_perm("testapp.view_dossier", staff, dossiers[0])
    # Several records for one person (bulk_assign_perm): the one already held is not granted again.
    assign_perm("testapp.view_dossier", staff, Dossier.objects.filter(pk__in=[d.pk for d in dossiers]))
    for dossier in dossiers:
        [grant] = entries_on(dossier, "grant")
        assert grant.changes == {"grant": [None, "staff1:view_dossier"]}
    assert entries_on(dossiers[1], "grant")[0].is_bulk
    # Several people on one record (assign_perm_to_many, which ignores conflicts).
    assign_perm("testapp.view_dossier", User.objects.filter(pk__in=[staff.pk, leader.pk]), dossiers[0])
    assert [entry.changes["grant"][1] for entry in entries_on(dossiers[0], "grant")] == [
        "staff1:view_dossier",
        "leader1:view_dossier",
    ]
    # Several records at once, and several people at once, taken back.
    remove_perm("testapp.view_dossier", staff, Dossier.objects.all())
    remove_perm("testapp.view_dossier", User.objects.filter(pk=leader.pk), dossiers[0])
    for dossier in dossiers:
        assert ["staff1:view_dossier", None] in [
            entry.changes["revoke"] for entry in entries_on(dossier, "revoke")
        ]
    assert ["leader1:view_dossier", None] in [
        entry.changes["revoke"] for entry in entries_on(dossiers[0], "revoke")
    ]


def test_the_progress_grant_of_a_rectification_task_is_in_the_trail(inspector):
    first, second = UserFactory(username="first", roles=[Role.STAFF]), UserFactory(username="second")
    with audit_context(user=inspector):
        task = make_task(user=inspector, person=first)
        services.task_reassign(task=task, responsible_person=second, user=inspector)
    changes = [entry.changes for entry in entries_on(task) if {"grant", "revoke"} & set(entry.changes)]
    assert changes == [
        {"grant": [None, "first:update_progress"]},
        {"revoke": ["first:update_progress", None]},
        {"grant": [None, "second:update_progress"]},
    ]
