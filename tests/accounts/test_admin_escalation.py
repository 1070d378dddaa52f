"""The admin is no way up: only a superuser grants superuser or staff status or permissions,
edits a superuser's account or changes a role group's permissions; nobody deletes a person."""

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from ideology_office.accounts.admin import PRIVILEGED_USER_FIELDS, ROLE_FIELDS, _NoEscalationFormMixin
from ideology_office.accounts.models import OrgUnit, User
from ideology_office.accounts.roles import Role
from tests.factories import OrgUnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", real_name="超级用户", is_staff=True, is_superuser=True)


def change_url(user):
    return f"/admin/accounts/user/{user.pk}/change/"


def form_data(response) -> dict:
    """What the browser would post back: the change form's current values."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if isinstance(field.widget, forms.MultiWidget):
            for index, part in enumerate(field.widget.decompress(value)):
                data[f"{name}_{index}"] = "" if part is None else str(part)
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(item) for item in value]
        elif value is not None:
            data[name] = str(value)
    return data


def escalating_post(client, target):
    response = client.get(change_url(target))
    assert response.status_code == 200
    data = form_data(response)
    permission = Permission.objects.get(codename="delete_user")
    data.update(is_superuser="on", is_staff="on", user_permissions=[str(permission.pk)])
    return client.post(change_url(target), data)


def test_an_admin_cannot_make_anyone_superuser_or_staff_or_give_permissions(client, admin_person, staff):
    client.force_login(admin_person)
    form = client.get(change_url(staff)).context["adminform"].form
    assert not {*PRIVILEGED_USER_FIELDS, *ROLE_FIELDS} & set(form.fields)

    response = escalating_post(client, staff)
    assert response.status_code == 302  # saved, without the fields it may not set

    staff.refresh_from_db()
    assert not staff.is_superuser and not staff.is_staff
    assert not staff.user_permissions.exists()


def test_an_admin_cannot_raise_itself(client, admin_person):
    client.force_login(admin_person)
    escalating_post(client, admin_person)
    admin_person.refresh_from_db()
    assert not admin_person.is_superuser
    assert not admin_person.user_permissions.exists()


def test_the_security_administrator_changes_roles_and_the_business_admin_does_not(
    client, admin_person, staff
):
    security = UserFactory(username="sec1", is_staff=True, roles=[Role.SECURITY_ADMIN])
    client.force_login(admin_person)
    data = form_data(client.get(change_url(staff)))
    data["groups"] = [str(Group.objects.get(name=Role.SECTION_HEAD).pk)]
    assert client.post(change_url(staff), data).status_code == 302
    assert set(staff.groups.values_list("name", flat=True)) == {Role.STAFF}

    client.force_login(security)
    data = form_data(client.get(change_url(staff)))
    data["groups"] = [str(Group.objects.get(name=Role.SECTION_HEAD).pk)]
    assert client.post(change_url(staff), data).status_code == 302
    assert set(staff.groups.values_list("name", flat=True)) == {Role.SECTION_HEAD}


def test_a_superuser_can_grant_all_of_it(client, superuser, staff):
    client.force_login(superuser)
    assert escalating_post(client, staff).status_code == 302
    staff.refresh_from_db()
    assert staff.is_superuser and staff.is_staff
    assert list(staff.user_permissions.values_list("codename", flat=True)) == ["delete_user"]


def test_the_save_refuses_what_the_form_would_not_offer(admin_person, staff):
    """A crafted request that got the fields past the form still stops at the save."""
    user_admin = admin.site._registry[User]
    request = RequestFactory().post("/")
    request.user = admin_person
    staff.is_superuser = True
    with pytest.raises(PermissionDenied):
        user_admin.save_model(request, staff, form=None, change=True)
    staff.is_superuser = False
    staff.is_staff = True
    with pytest.raises(PermissionDenied):
        user_admin.save_model(request, staff, form=None, change=True)
    staff.refresh_from_db()
    assert not staff.is_superuser and not staff.is_staff


def test_the_form_refuses_privileged_fields_for_a_non_superuser(admin_person, superuser, staff):
    user_admin = admin.site._registry[User]
    request = RequestFactory().get("/")
    request.user = superuser
    full_form = user_admin.get_form(request, staff, change=True)
    guarded = type("Guarded", (_NoEscalationFormMixin, full_form), {})
    data = {
        "username": staff.username,
        "real_name": staff.real_name,
        "section": staff.section_id,
        "is_active": "on",
        "is_superuser": "on",
        "date_joined_0": "2024-01-01",
        "date_joined_1": "08:00:00",
    }
    form = guarded(data, instance=staff)
    assert not form.is_valid()
    assert [error.code for error in form.errors.as_data()["__all__"]] == ["not_superuser"]
    request.user = admin_person
    assert issubclass(user_admin.get_form(request, staff, change=True), _NoEscalationFormMixin)


def test_an_admin_cannot_touch_a_superusers_account(client, admin_person, superuser):
    client.force_login(admin_person)
    response = client.get(change_url(superuser))
    assert response.status_code == 200  # to read
    assert not response.context["has_change_permission"]
    data = form_data(response)
    data["is_active"] = ""
    assert client.post(change_url(superuser), data).status_code == 403
    password_url = f"/admin/accounts/user/{superuser.pk}/password/"
    assert client.get(password_url).status_code == 403
    assert (
        client.post(
            password_url, {"password1": "x-Very-long-pw-1", "password2": "x-Very-long-pw-1"}
        ).status_code
        == 403
    )
    superuser.refresh_from_db()
    assert superuser.is_active and superuser.check_password("correct-horse-battery-staple")


def test_only_the_security_administrator_resets_a_password(client, admin_person, staff):
    password_url = f"/admin/accounts/user/{staff.pk}/password/"
    data = {
        "password1": "Xk39-qwe-long-pass",
        "password2": "Xk39-qwe-long-pass",
        "set_usable_password": "true",
    }
    client.force_login(admin_person)
    assert client.post(password_url, data).status_code == 403
    security = UserFactory(username="sec1", is_staff=True, roles=[Role.SECURITY_ADMIN])
    client.force_login(security)
    assert client.post(password_url, data).status_code == 302
    staff.refresh_from_db()
    assert staff.check_password("Xk39-qwe-long-pass")
    assert staff.must_change_password


@pytest.mark.parametrize("who", ["admin_person", "superuser"])
def test_nobody_deletes_a_person(client, request, who, staff):
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/admin/accounts/user/{staff.pk}/delete/").status_code == 403
    response = client.post(
        "/admin/accounts/user/", {"action": "delete_selected", "_selected_action": [staff.pk]}
    )
    assert User.objects.filter(pk=staff.pk).exists()
    assert response.status_code in (200, 302)


def test_a_unit_is_deleted_only_while_nothing_refers_to_it(client, admin_person, staff):
    client.force_login(admin_person)
    used = staff.section
    parent = OrgUnitFactory(code="parent-unit")
    OrgUnitFactory(code="child-unit", parent=parent)
    unused = OrgUnitFactory(code="unused-unit")
    assert client.get(f"/admin/accounts/orgunit/{used.pk}/delete/").status_code == 403
    assert client.get(f"/admin/accounts/orgunit/{parent.pk}/delete/").status_code == 403
    assert client.post(f"/admin/accounts/orgunit/{unused.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not OrgUnit.objects.filter(pk=unused.pk).exists()
    # No bulk delete that would slip past the check.
    request = RequestFactory().get("/")
    request.user = admin_person
    assert "delete_selected" not in admin.site._registry[OrgUnit].get_actions(request)


def test_an_admin_reads_the_role_groups_but_cannot_change_them(client, admin_person):
    client.force_login(admin_person)
    group = Group.objects.get(name=Role.ADMIN)
    url = f"/admin/auth/group/{group.pk}/change/"
    response = client.get(url)
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    permission = Permission.objects.get(codename="delete_user")
    before = set(group.permissions.values_list("pk", flat=True))
    response = client.post(url, {"name": group.name, "permissions": [*before, permission.pk]})
    assert response.status_code == 403
    assert set(group.permissions.values_list("pk", flat=True)) == before
    assert client.get("/admin/auth/group/add/").status_code == 403
    assert client.post(f"/admin/auth/group/{group.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Group.objects.filter(pk=group.pk).exists()


def test_a_superuser_changes_the_role_groups(client, superuser):
    client.force_login(superuser)
    group = Group.objects.get(name=Role.LEADER)
    permission = Permission.objects.get(codename="view_orgunit")
    response = client.post(
        f"/admin/auth/group/{group.pk}/change/", {"name": group.name, "permissions": [permission.pk]}
    )
    assert response.status_code == 302
    assert list(group.permissions.all()) == [permission]


def test_no_admin_page_of_permissions_or_grants_is_writable_by_a_non_superuser(admin_person):
    from guardian.models import GroupObjectPermission, UserObjectPermission

    request = RequestFactory().get("/")
    request.user = admin_person
    for model in (Group, Permission, UserObjectPermission, GroupObjectPermission):
        model_admin = admin.site._registry.get(model)
        if model_admin is None:
            continue
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
