"""The second factor (TOTP, django-otp): required for the three administrators and 办公室领导
(OTP_REQUIRED_ROLES), optional for everyone else; enrolled with a QR code drawn on the server."""

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ideology_office.accounts.models import SecurityEvent
from ideology_office.accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REQUIRED = override_settings(OTP_REQUIRED_ROLES=["系统管理员", "安全管理员", "审计管理员", "办公室领导"])


def code_for(device: TOTPDevice) -> str:
    """The code the phone shows now, computed with django-otp's own functions."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def unthrottle(device: TOTPDevice) -> None:
    """django-otp makes one wait after a wrong code; the test does not."""
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()


def login(client, user, password):
    return client.post(
        reverse("accounts:login"), {"username": user.username, "password": password}, REMOTE_ADDR="10.1.1.1"
    )


def test_the_base_settings_require_it_for_the_administrators_and_office_leaders():
    from ideology_office.settings import base

    assert set(base.OTP_REQUIRED_ROLES) == {
        Role.SYSTEM_ADMIN,
        Role.SECURITY_ADMIN,
        Role.AUDIT_ADMIN,
        Role.LEADER,
    }


@REQUIRED
def test_a_leader_enrols_on_first_sign_in_and_then_must_give_a_code_every_time(client, leader, password):
    login(client, leader, password)
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:otp_setup"))
    page = client.get(response["Location"])
    content = page.content.decode()
    assert "<svg" in content and "otp-secret" in content
    device = TOTPDevice.objects.get(user=leader, confirmed=False)
    # The QR is drawn here: no outside service, nothing but the page's own origin.
    assert "http" not in content.split("<svg", 1)[1].split("</svg>", 1)[0].replace("http://www.w3.org", "")

    assert client.post(reverse("accounts:otp_setup"), {"token": "000000"}).status_code == 200
    unthrottle(device)
    response = client.post(reverse("accounts:otp_setup"), {"token": code_for(device), "next": "/"})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("dashboard:home")).status_code == 200
    assert SecurityEvent.objects.filter(kind="otp_enrolled", user=leader).exists()

    client.post(reverse("accounts:logout"))
    login(client, leader, password)
    response = client.get(reverse("dashboard:home"))
    assert response["Location"].startswith(reverse("accounts:otp_verify"))
    # Not even the password change or enrolling another device opens before the code.
    assert client.get(reverse("accounts:password_change"))["Location"].startswith(
        reverse("accounts:otp_verify")
    )
    assert client.get(reverse("accounts:otp_setup"))["Location"].startswith(reverse("accounts:otp_verify"))
    response = client.post(reverse("accounts:otp_verify"), {"token": "123456"})
    assert response.status_code == 200 and "has_error" not in response  # the form again, with the error
    assert SecurityEvent.objects.filter(kind="otp_failed", user=leader).exists()
    unthrottle(device)
    device.last_t = -1  # the enrolment code's time step is used up; the test does not wait 30 s
    device.save()
    response = client.post(reverse("accounts:otp_verify"), {"token": code_for(device), "next": "/inbox/"})
    assert response["Location"] == "/inbox/"
    assert client.get(reverse("dashboard:home")).status_code == 200


@REQUIRED
def test_the_administrators_are_held_at_the_second_factor_before_the_admin(client, password):
    for role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN):
        person = UserFactory(is_staff=True, roles=[role])
        client.logout()
        login(client, person, password)
        assert client.get("/admin/")["Location"].startswith(reverse("accounts:otp_setup"))


@REQUIRED
def test_it_is_optional_for_other_roles(client, staff, password):
    login(client, staff, password)
    assert client.get(reverse("dashboard:home")).status_code == 200
    assert client.get(reverse("accounts:otp_setup")).status_code == 200  # may enrol if they like


@REQUIRED
def test_an_unsafe_next_is_not_followed(client, staff, password):
    login(client, staff, password)
    client.get(reverse("accounts:otp_setup"))
    device = TOTPDevice.objects.get(user=staff)
    response = client.post(
        reverse("accounts:otp_setup"), {"token": code_for(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("dashboard:home")


@REQUIRED
def test_the_security_administrator_clears_a_lost_second_factor(client, leader):
    TOTPDevice.objects.create(user=leader, name="phone", confirmed=True)
    security = UserFactory(username="sec1", is_staff=True, roles=[Role.SECURITY_ADMIN])
    client.force_login(security)
    # The security administrator must pass the second factor too.
    device = TOTPDevice.objects.create(user=security, name="phone", confirmed=True)
    client.post(reverse("accounts:otp_verify"), {"token": code_for(device)})
    response = client.post(
        "/admin/accounts/user/", {"action": "clear_second_factor", "_selected_action": [leader.pk]}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=leader).exists()
    assert SecurityEvent.objects.filter(kind="otp_reset", user=leader, actor_label="sec1").exists()
