"""三员分立: the system, security and audit administrators replace the superuser; no account holds
two of them; each reaches only its own pages; their actions are audited; only the audit
administrator reads the trail."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import override_settings

from ideology_office.accounts import roles
from ideology_office.accounts.models import SecurityEvent, User
from ideology_office.accounts.roles import Role
from ideology_office.accounts.services import assign_roles
from ideology_office.common.models import AuditEntry
from tests.accounts.test_admin_escalation import change_url, form_data
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def system_admin(db):
    return UserFactory(username="sys1", real_name="系统管理员甲", is_staff=True, roles=[Role.SYSTEM_ADMIN])


@pytest.fixture
def security_admin(db):
    return UserFactory(username="sec1", real_name="安全管理员甲", is_staff=True, roles=[Role.SECURITY_ADMIN])


@pytest.fixture
def audit_admin(db):
    return UserFactory(username="aud1", real_name="审计管理员甲", is_staff=True, roles=[Role.AUDIT_ADMIN])


def group(role):
    return Group.objects.get(name=role)


def test_the_three_groups_exist_with_their_own_permissions():
    def perms(role):
        return {f"{p.content_type.app_label}.{p.codename}" for p in group(role).permissions.all()}

    assert "common.view_auditentry" in perms(Role.AUDIT_ADMIN)
    assert perms(Role.AUDIT_ADMIN) <= {
        "common.view_auditentry",
        "accounts.view_securityevent",
        "accounts.view_dataexport",
    }
    assert "accounts.add_user" in perms(Role.SYSTEM_ADMIN)
    assert "common.view_auditentry" not in perms(Role.SYSTEM_ADMIN) | perms(Role.SECURITY_ADMIN)
    assert "accounts.add_user" not in perms(Role.SECURITY_ADMIN)


@pytest.mark.parametrize(
    "pair",
    [
        (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN),
        (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN),
        (Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN),
    ],
)
def test_no_account_holds_two_administrator_roles_whatever_the_path(pair, staff):
    # (Each inside its own savepoint, as the admin's and a request's transactions are.)
    with pytest.raises(ValidationError), transaction.atomic():
        assign_roles(staff, pair)
    staff.groups.set([group(pair[0])])
    with pytest.raises(ValidationError), transaction.atomic():
        staff.groups.add(group(pair[1]))
    with pytest.raises(ValidationError), transaction.atomic():
        group(pair[1]).user_set.add(staff)
    assert set(staff.groups.values_list("name", flat=True)) == {pair[0]}


def test_the_admin_form_refuses_two_administrator_roles_with_the_reason(client, security_admin, staff):
    client.force_login(security_admin)
    data = form_data(client.get(change_url(staff)))
    data["groups"] = [str(group(Role.SYSTEM_ADMIN).pk), str(group(Role.AUDIT_ADMIN).pk)]
    response = client.post(change_url(staff), data)
    assert response.status_code == 200
    assert "三员" in response.content.decode() or "two administrator roles" in response.content.decode()
    assert set(staff.groups.values_list("name", flat=True)) == {Role.STAFF}


def test_only_the_audit_administrator_reads_the_trail(
    client, audit_admin, system_admin, security_admin, admin_person, leader, staff
):
    for person in (system_admin, security_admin, admin_person):
        client.force_login(person)
        assert client.get("/admin/common/auditentry/").status_code == 403
        assert client.get("/admin/accounts/securityevent/").status_code == 403
        assert "/admin/common/auditentry/" not in client.get("/admin/").content.decode()
    for person in (leader, staff):
        client.force_login(person)
        assert client.get("/admin/common/auditentry/").status_code == 302  # not staff: the admin login
    client.force_login(audit_admin)
    assert client.get("/admin/common/auditentry/").status_code == 200
    assert client.get("/admin/accounts/securityevent/").status_code == 200
    # ... and nothing else: no person, no unit, no work area.
    assert client.get("/admin/accounts/user/").status_code == 403
    assert client.get("/admin/inspections/").status_code in (403, 404)
    assert client.get("/inspections/").status_code == 403
    assert not roles.has_any_role(audit_admin)


def test_the_audit_administrator_exports_the_trail_and_the_export_is_recorded(client, audit_admin, staff):
    staff.real_name = "改过的名字"
    staff.save()
    entries = list(AuditEntry.objects.values_list("pk", flat=True))
    client.force_login(audit_admin)
    response = client.post(
        "/admin/common/auditentry/",
        {"action": "export_audit_entries", "_selected_action": [str(pk) for pk in entries]},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    content = response.getvalue().decode("utf-8-sig")
    assert "改过的名字" in content
    assert SecurityEvent.objects.filter(kind="audit_exported", user=audit_admin).exists()


def test_the_system_administrator_keeps_accounts_but_not_roles_or_passwords(
    client, system_admin, security_admin, staff
):
    client.force_login(system_admin)
    response = client.get(change_url(staff))
    form = response.context["adminform"].form
    assert "real_name" in form.fields and "section" in form.fields
    assert "groups" not in form.fields and "is_staff" not in form.fields
    assert client.get(f"/admin/accounts/user/{staff.pk}/password/").status_code == 403
    # An administrator's account is the security administrator's to change.
    assert client.get(change_url(security_admin)).context["has_change_permission"] is False

    # A new account must change its password at first sign-in.
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "newcomer",
            "real_name": "新同事",
            "section": staff.section_id,
            "password1": "Kq7-start-Pass",
            "password2": "Kq7-start-Pass",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(username="newcomer").must_change_password


def test_the_security_administrator_assigns_roles_but_not_its_own(client, security_admin, staff):
    client.force_login(security_admin)
    form = client.get(change_url(staff)).context["adminform"].form
    assert "groups" in form.fields and "is_staff" in form.fields
    assert "real_name" not in form.fields  # person fields are the system administrator's
    own = client.get(change_url(security_admin)).context["adminform"].form
    assert "groups" not in own.fields and "is_staff" not in own.fields
    assert client.get(f"/admin/accounts/user/{security_admin.pk}/password/").status_code == 403


def test_role_changes_are_audited_with_the_security_administrator_as_actor(client, security_admin, staff):
    client.force_login(security_admin)
    data = form_data(client.get(change_url(staff)))
    data["groups"] = [str(group(Role.INSPECTOR).pk)]
    assert client.post(change_url(staff), data, REMOTE_ADDR="192.0.2.9").status_code == 302
    entry = AuditEntry.objects.filter(object_pk=str(staff.pk), changes__has_key="groups").first()
    assert entry.actor == security_admin
    assert entry.remote_addr == "192.0.2.9"


def test_business_roles_reach_no_security_function(client, admin_person, leader, inspector, staff):
    password_url = f"/admin/accounts/user/{staff.pk}/password/"
    for person in (admin_person, leader, inspector):
        assert not roles.may_assign_roles(person)
        assert not roles.may_reset_passwords(person)
        assert not roles.may_read_audit(person)
    client.force_login(admin_person)
    assert client.get(password_url).status_code == 403
    response = client.get("/admin/accounts/user/")
    assert "unlock_accounts" not in response.content.decode()


@override_settings(ALLOW_SUPERUSER=False)
def test_createsuperuser_is_refused_in_production_pointing_to_bootstrap_admins():
    with pytest.raises(CommandError, match="bootstrap_admins"):
        call_command("createsuperuser", "--noinput", "--username", "root", "--email", "a@b.cn")
    assert not User.objects.filter(is_superuser=True).exists()


@override_settings(ALLOW_SUPERUSER=False)
def test_no_account_becomes_a_superuser_by_any_other_path(staff):
    staff.is_superuser = True
    with pytest.raises(CommandError, match="三员分立"):
        staff.save()
    assert not User.objects.filter(is_superuser=True).exists()


def test_production_settings_allow_no_superuser():
    from ideology_office.settings import production

    assert production.ALLOW_SUPERUSER is False


def test_bootstrap_admins_creates_three_separate_accounts_with_one_time_passwords(client):
    out = io.StringIO()
    call_command("bootstrap_admins", stdout=out)
    created = {role: User.objects.with_role(role).get() for role in roles.ADMINISTRATOR_ROLES}
    for role, person in created.items():
        assert roles.administrator_roles(person) == {role}
        assert person.is_staff and not person.is_superuser and person.must_change_password
    line = next(line for line in out.getvalue().splitlines() if "secadmin" in line)
    password = line.split()[-1]
    assert User.objects.get(username="secadmin").check_password(password)
    # A second run creates nothing.
    with pytest.raises(CommandError):
        call_command("bootstrap_admins", stdout=io.StringIO())

    # First sign-in: nothing opens until the password is changed.
    client.post("/accounts/login/", {"username": "secadmin", "password": password}, REMOTE_ADDR="10.0.0.5")
    assert client.get("/admin/")["Location"] == "/accounts/password/"
