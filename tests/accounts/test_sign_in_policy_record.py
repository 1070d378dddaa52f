"""The sign-in policy kept by the 安全管理员 in the admin (accounts/policy.py): the settings are its
defaults; only the 安全管理员 changes it; bad values are refused in Chinese and nothing is written;
every change is audited; the sign-in rules follow it at once, and no request queries it."""

import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ideology_office.accounts import policy, services
from ideology_office.accounts.middleware import LAST_SEEN_KEY
from ideology_office.accounts.models import SignInPolicy, User
from ideology_office.accounts.roles import Role
from ideology_office.common.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGE_URL = reverse("admin:accounts_signinpolicy_change", args=[SignInPolicy.SINGLETON_PK])
LIST_URL = reverse("admin:accounts_signinpolicy_changelist")

GOOD = {
    "password_min_length": 12,
    "password_min_classes": 4,
    "password_history_count": 8,
    "password_max_age_days": 60,
    "idle_timeout_minutes": 15,
    "idle_warning_seconds": 90,
    "lockout_failure_limit": 4,
    "lockout_minutes": 20,
    "second_factor_roles": ["审计管理员", "工作人员"],
}


@pytest.fixture
def security(db):
    return UserFactory(username="sec1", is_staff=True, roles=[Role.SECURITY_ADMIN])


def _save(client, values):
    return client.post(CHANGE_URL, values)


@override_settings(PASSWORD_MIN_LENGTH=11, SESSION_IDLE_TIMEOUT_MINUTES=25, OTP_REQUIRED_ROLES=["审计管理员"])
def test_until_it_is_saved_the_settings_are_the_policy(client, security):
    rules = policy.current()
    assert (rules.password_min_length, rules.idle_timeout_minutes) == (11, 25)
    assert rules.second_factor_roles == ("审计管理员",)
    client.force_login(security)
    assert client.get(LIST_URL)["Location"] == CHANGE_URL
    form = client.get(CHANGE_URL).content.decode()
    assert 'name="password_min_length" value="11"' in form
    assert not SignInPolicy.objects.exists()


def test_the_security_administrator_sets_it_audited_and_in_force_at_once(client, security):
    assert policy.current().password_min_length == 10
    client.force_login(security)
    response = _save(client, GOOD)
    assert response.status_code == 302, response.content.decode()[:2000]
    record = SignInPolicy.objects.get()
    assert record.password_min_length == 12 and record.second_factor_roles == ["审计管理员", "工作人员"]
    rules = policy.current()
    assert rules.password_min_length == 12 and rules.lockout_failure_limit == 4
    entry = AuditEntry.objects.get(content_type__model="signinpolicy")
    assert entry.actor == security and entry.changes["idle_timeout_minutes"] == 15

    _save(client, {**GOOD, "idle_timeout_minutes": 20})
    change = AuditEntry.objects.filter(content_type__model="signinpolicy").order_by("pk").last()
    assert change.action == "update" and change.changes["idle_timeout_minutes"] == [15, 20]
    assert policy.current().idle_timeout_minutes == 20


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("password_min_length", 6, "不能少于 8"),
        ("password_min_classes", 2, "不能少于 3"),
        ("lockout_failure_limit", 50, "不能多于 10"),
        ("idle_warning_seconds", 600, "提醒必须在自动退出之前"),
        ("second_factor_roles", ["超级管理员"], "超级管理员"),
    ],
)
def test_bad_values_are_refused_in_chinese_and_nothing_is_written(client, security, field, value, message):
    client.force_login(security)
    values = {**GOOD, "idle_timeout_minutes": 10, field: value}
    response = _save(client, values)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SignInPolicy.objects.exists()
    assert not AuditEntry.objects.filter(content_type__model="signinpolicy").exists()


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN, Role.ADMIN, Role.LEADER, Role.STAFF])
def test_nobody_else_reads_or_changes_it(client, role):
    person = UserFactory(username="other1", is_staff=True, roles=[role])
    client.force_login(person)
    assert client.get(CHANGE_URL).status_code in (302, 403)
    assert client.get(LIST_URL).status_code in (302, 403)
    assert _save(client, GOOD).status_code in (302, 403)
    assert not SignInPolicy.objects.exists()
    if role in (Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN, Role.ADMIN):
        assert "signinpolicy" not in client.get(reverse("admin:index")).content.decode()


def test_the_service_refuses_anyone_but_the_security_administrator():
    from django.core.exceptions import PermissionDenied

    from ideology_office.accounts.services import save_sign_in_policy, sign_in_policy_record

    system = UserFactory(username="sys1", is_staff=True, roles=[Role.SYSTEM_ADMIN])
    with pytest.raises(PermissionDenied):
        save_sign_in_policy(sign_in_policy_record(), by=system)
    assert not SignInPolicy.objects.exists()


def test_the_sign_in_rules_follow_the_saved_policy(client, security, staff):
    client.force_login(security)
    assert _save(client, GOOD).status_code == 302
    # Passwords: 12 characters of all four classes, none of the last 8.
    with pytest.raises(ValidationError) as refused:
        validate_password("Short-pass1", staff)
    assert {error.code for error in refused.value.error_list} == {"password_too_short"}
    with pytest.raises(ValidationError):
        validate_password("longerpassword12345", staff)
    validate_password("Longer-pass-12345", staff)
    # The idle timeout: 15 minutes, warned 90 seconds before, on every page.
    client.force_login(staff)
    page = client.get(reverse("accounts:otp_setup")).content.decode()
    assert 'data-timeout="900"' in page and 'data-warning="90"' in page
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - 16 * 60
    session.save()
    assert client.get(reverse("dashboard:home"))["Location"].startswith(reverse("accounts:login"))
    # The second factor: 工作人员 is now among the roles that must use one.
    client.force_login(staff)
    assert client.get(reverse("dashboard:home"))["Location"].startswith(reverse("accounts:otp_setup"))


def test_the_lockout_follows_the_saved_policy(client, security, staff, password):
    client.force_login(security)
    assert _save(client, {**GOOD, "second_factor_roles": []}).status_code == 302
    client.logout()
    for _ in range(3):
        client.post(reverse("accounts:login"), {"username": staff.username, "password": "wrong"})
    # Four failures allowed now (three in the test settings' default).
    assert (
        client.post(reverse("accounts:login"), {"username": staff.username, "password": password}).status_code
        == 302
    )


def test_no_request_queries_the_policy(client, security, staff):
    client.force_login(security)
    _save(client, {**GOOD, "second_factor_roles": []})
    client.force_login(staff)
    client.get(reverse("dashboard:home"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("dashboard:home")).status_code == 200
    assert not [query for query in queries if "signinpolicy" in query["sql"].lower()]


def test_a_request_reads_the_policy_from_the_cache_once(client, staff, monkeypatch):
    reads = []
    real_read = policy._read
    monkeypatch.setattr(policy, "_read", lambda: reads.append(1) or real_read())
    client.force_login(staff)
    reads.clear()  # signing in read it too (django-axes' cool-off)
    assert client.get(reverse("dashboard:home")).status_code == 200
    assert len(reads) == 1, "the middleware, the password age and the idle warning share one read"


def test_a_change_within_a_request_applies_at_once(security):
    with policy.for_this_request():
        assert policy.current().idle_timeout_minutes != 15
        record = SignInPolicy(pk=SignInPolicy.SINGLETON_PK, **{**GOOD, "second_factor_roles": []})
        services.save_sign_in_policy(record, by=security)
        assert policy.current().idle_timeout_minutes == 15
    assert policy.current().idle_timeout_minutes == 15


@override_settings(DEMO_MUST_CHANGE_PASSWORD=True)
def test_demo_accounts_outside_development_change_their_password_at_first_sign_in(client):
    from ideology_office.accounts.demo import seed

    created = seed(password="Demo-Pass-12345", log=lambda *args: None)
    assert created
    names = [username for username, *_ in created]
    assert User.objects.filter(username__in=names, must_change_password=False).count() == 0
    client.post(reverse("accounts:login"), {"username": names[0], "password": "Demo-Pass-12345"})
    assert client.get(reverse("dashboard:home"))["Location"] == reverse("accounts:password_change")


@override_settings(DEMO_MUST_CHANGE_PASSWORD=False)
def test_demo_accounts_in_development_sign_in_directly():
    from ideology_office.accounts.demo import seed

    created = seed(password="Demo-Pass-12345", log=lambda *args: None)
    assert not User.objects.filter(username__in=[name for name, *_ in created], must_change_password=True)
