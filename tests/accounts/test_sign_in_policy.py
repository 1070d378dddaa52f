"""Sign-in rules (GB/T 22239-2019 level 3): password rules, a change forced for new and reset
accounts and after PASSWORD_MAX_AGE_DAYS, the idle timeout with its warning, and every sign-in
event recorded in the audit trail with address and browser."""

import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from ideology_office.accounts.middleware import LAST_SEEN_KEY
from ideology_office.accounts.models import SecurityEvent, User
from ideology_office.accounts.roles import Role
from ideology_office.common.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) TestBrowser/1.0"


def login(client, username, password, address="10.0.0.1"):
    return client.post(
        LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=address, HTTP_USER_AGENT=BROWSER
    )


def codes(password, user):
    try:
        validate_password(password, user)
    except ValidationError as error:
        return {e.code for e in error.error_list}
    return set()


# --- password rules --------------------------------------------------------------------------------


def test_a_password_needs_three_of_four_character_classes(staff):
    assert "password_too_simple" in codes("onlylowercaseletters", staff)
    assert "password_too_simple" in codes("lowercase12345678", staff)
    assert codes("Lowercase12345678", staff) == set()
    assert codes("lowercase-12345678", staff) == set()


def test_a_password_does_not_contain_the_user_name(staff):
    assert "password_contains_username" in codes(f"X-{staff.username.upper()}-2024x", staff)


def test_none_of_the_last_five_passwords_comes_back(staff):
    used = [f"Earlier-pass-{n}" for n in range(6)]
    for password in used:
        staff.set_password(password)
        staff.save()
    assert "password_reused" in codes(used[-1], staff)  # the current one
    assert "password_reused" in codes(used[1], staff)
    assert "password_reused" not in codes(used[0], staff)  # six back: allowed again
    assert codes("Brand-new-pass-9", staff) == set()


def test_changing_a_password_clears_the_forced_change_and_is_recorded(client, staff, password):
    staff.must_change_password = True
    staff.save()
    login(client, staff.username, password)
    assert client.get(reverse("dashboard:home"))["Location"] == reverse("accounts:password_change")
    assert client.get(reverse("accounts:password_change")).status_code == 200
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": password, "new_password1": "Fresh-Pass-2025", "new_password2": "Fresh-Pass-2025"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_USER_AGENT=BROWSER,
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert not staff.must_change_password
    assert client.get(reverse("dashboard:home")).status_code == 200
    event = SecurityEvent.objects.get(kind="password_changed")
    assert event.user == staff and event.remote_addr == "10.0.0.1" and event.user_agent == BROWSER


@override_settings(PASSWORD_MAX_AGE_DAYS=90)
def test_a_password_older_than_ninety_days_must_be_changed(client, staff):
    User.objects.filter(pk=staff.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    client.force_login(staff)
    response = client.get(reverse("dashboard:home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:password_change")
    assert "90" in response.content.decode()
    # htmx requests are sent there too, as a whole page.
    response = client.get(reverse("dashboard:home"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("accounts:password_change")
    User.objects.filter(pk=staff.pk).update(password_changed_at=timezone.now() - timedelta(days=89))
    assert client.get(reverse("dashboard:home")).status_code == 200


@override_settings(PASSWORD_MAX_AGE_DAYS=0)
def test_the_age_limit_can_be_switched_off(client, staff):
    User.objects.filter(pk=staff.pk).update(password_changed_at=timezone.now() - timedelta(days=900))
    client.force_login(staff)
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_the_security_administrator_resets_a_password_and_the_person_must_change_it(client, staff):
    security = UserFactory(username="sec1", is_staff=True, roles=[Role.SECURITY_ADMIN])
    client.force_login(security)
    response = client.post(
        f"/admin/accounts/user/{staff.pk}/password/",
        {"password1": "Reset-Pass-1234", "password2": "Reset-Pass-1234", "usable_password": "true"},
        REMOTE_ADDR="10.0.0.9",
    )
    assert response.status_code == 302
    event = SecurityEvent.objects.get(kind="password_reset")
    assert event.user == staff and event.actor_label == security.username and event.remote_addr == "10.0.0.9"
    client.logout()
    login(client, staff.username, "Reset-Pass-1234")
    assert client.get(reverse("dashboard:home"))["Location"] == reverse("accounts:password_change")


# --- idle timeout ----------------------------------------------------------------------------------


@override_settings(SESSION_IDLE_TIMEOUT_MINUTES=30)
def test_thirty_minutes_without_a_request_end_the_session(client, staff, password):
    login(client, staff.username, password)
    assert client.get(reverse("dashboard:home")).status_code == 200
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - 29 * 60
    session.save()
    assert client.get(reverse("dashboard:home")).status_code == 200  # and that counts as activity
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - 31 * 60
    session.save()
    response = client.get(reverse("dashboard:home"), follow=True)
    assert response.redirect_chain[0][0].startswith(LOGIN_URL)
    assert "30" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert SecurityEvent.objects.filter(kind="idle_timeout", user=staff).count() == 1
    assert not SecurityEvent.objects.filter(kind="logout").exists()


@override_settings(SESSION_IDLE_TIMEOUT_MINUTES=30, SESSION_IDLE_WARNING_SECONDS=120)
def test_every_page_carries_the_warning_and_stay_signed_in_keeps_the_session(client, staff):
    client.force_login(staff)
    content = client.get(reverse("dashboard:home")).content.decode()
    assert 'data-timeout="1800"' in content and 'data-warning="120"' in content
    assert "js/idle-timeout.js" in content
    assert client.post(reverse("accounts:keepalive")).status_code == 204
    assert client.get(reverse("accounts:keepalive")).status_code == 405
    client.logout()
    assert "idle-warning" not in client.get(LOGIN_URL).content.decode()


# --- sign-in events in the audit trail --------------------------------------------------------------


def test_sign_in_and_sign_out_are_recorded_with_address_and_browser(client, staff, password):
    login(client, staff.username, password, address="192.0.2.10")
    client.post(reverse("accounts:logout"), REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT=BROWSER)
    events = list(SecurityEvent.objects.order_by("pk"))
    assert [event.kind for event in events] == ["login", "logout"]
    for event in events:
        assert event.user == staff and event.remote_addr == "192.0.2.10" and event.user_agent == BROWSER
        entry = AuditEntry.objects.get(content_type__model="securityevent", object_pk=str(event.pk))
        assert entry.remote_addr == "192.0.2.10" and entry.actor == staff
        assert entry.changes["user_agent"] == BROWSER


def test_failed_sign_in_lockout_and_unlock_are_recorded(client, staff, password):
    for _ in range(3):  # AXES_FAILURE_LIMIT in the test settings
        login(client, staff.username, "wrong-password", address="192.0.2.20")
    assert SecurityEvent.objects.filter(kind="login_failed", username=staff.username).count() == 3
    failed = SecurityEvent.objects.filter(kind="login_failed").first()
    assert (
        failed.remote_addr == "192.0.2.20" and failed.user == staff and failed.actor_label == staff.username
    )
    assert AuditEntry.objects.filter(content_type__model="securityevent", actor=None).count() >= 3
    assert login(client, staff.username, password, address="192.0.2.20").status_code == 429
    assert SecurityEvent.objects.filter(kind="locked_out", username=staff.username).exists()

    security = UserFactory(username="sec1", is_staff=True, roles=[Role.SECURITY_ADMIN])
    client.force_login(security)
    response = client.post(
        "/admin/accounts/user/", {"action": "unlock_accounts", "_selected_action": [staff.pk]}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=staff.username).exists()
    unlocked = SecurityEvent.objects.get(kind="unlocked")
    assert unlocked.user == staff and unlocked.actor_label == "sec1"
    client.logout()
    assert login(client, staff.username, password, address="192.0.2.20").status_code == 302


def test_an_unknown_user_name_is_recorded_as_entered(client):
    login(client, "nobody-here", "whatever")
    event = SecurityEvent.objects.get(kind="login_failed")
    assert event.user is None and event.username == "nobody-here"
