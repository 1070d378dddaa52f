"""三员分立 and the second factor through a real Chromium: the security and audit administrators
made by bootstrap_admins sign in with their one-time passwords, enrol TOTP from the QR page (the
code computed with django-otp's own functions), set their own passwords, and each sees only its
own part of the admin; the idle warning appears before the session ends and "stay" keeps it."""

import io
import re

import pytest
from django.core.management import call_command
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ideology_office.accounts.models import SecurityEvent


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def first_sign_in(page, base_url, username, password, new_password):
    page.goto(f"{base_url}/admin/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    # The second factor comes first: the QR code is drawn on the page, as SVG, by the server.
    page.wait_for_selector("[data-testid=otp-qr] svg")
    assert "/accounts/two-factor/" in page.url
    device = TOTPDevice.objects.get(user__username=username, confirmed=False)
    page.locator("input[name=token]").fill(code_for(device))
    page.locator("main form button[type=submit]").click()
    # Then a password of their own, before anything else opens.
    page.wait_for_selector("#id_new_password1")
    assert page.url.endswith("/accounts/password/")
    page.locator("#id_old_password").fill(password)
    page.locator("#id_new_password1").fill(new_password)
    page.locator("#id_new_password2").fill(new_password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/accounts/password/done/" in page.url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@override_settings(
    OTP_REQUIRED_ROLES=["系统管理员", "安全管理员", "审计管理员", "办公室领导"],
    SESSION_IDLE_TIMEOUT_MINUTES=1,
    SESSION_IDLE_WARNING_SECONDS=58,
)
def test_three_administrators_sign_in_with_a_second_factor_and_see_only_their_own_part(
    browser, live_server, page_guard
):
    # The refusals are the point: each administrator is shown the others' pages' 403.
    page_guard.allow("status of 403")
    out = io.StringIO()
    call_command("bootstrap_admins", stdout=out)
    passwords = dict(re.findall(r"用户名 (\S+)\s+一次性密码 (\S+)", out.getvalue()))
    assert set(passwords) == {"sysadmin", "secadmin", "auditadmin"}

    problems = []
    # --- the security administrator -------------------------------------------------------------
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(str(error)))
    first_sign_in(page, live_server.url, "secadmin", passwords["secadmin"], "Sec-Admin-Pass-2025")
    page.goto(f"{live_server.url}/admin/")
    admin_index = page.locator("#content-main").inner_text()
    assert "用户" in admin_index
    assert "/admin/common/auditentry/" not in page.content()
    response = page.goto(f"{live_server.url}/admin/common/auditentry/")
    assert response.status == 403

    # The idle warning appears before the minute is up; "stay signed in" keeps the session.
    page.goto(f"{live_server.url}/")
    warning = page.locator("[data-testid=idle-warning]")
    warning.wait_for(state="visible", timeout=10_000)
    page.locator("[data-testid=stay-signed-in]").click()
    warning.wait_for(state="hidden", timeout=5_000)
    context.close()

    # --- the audit administrator ----------------------------------------------------------------
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(str(error)))
    first_sign_in(page, live_server.url, "auditadmin", passwords["auditadmin"], "Audit-Admin-Pass-2025")
    page.goto(f"{live_server.url}/admin/")
    assert "/admin/common/auditentry/" in page.content()
    assert "/admin/accounts/user/" not in page.content()
    page.goto(f"{live_server.url}/admin/common/auditentry/")
    assert "secadmin" in page.locator("#result_list").inner_text()
    assert page.goto(f"{live_server.url}/admin/accounts/user/").status == 403
    context.close()

    assert problems == []
    for username in ("secadmin", "auditadmin"):
        kinds = set(SecurityEvent.objects.filter(user__username=username).values_list("kind", flat=True))
        assert {"login", "otp_enrolled", "password_changed"} <= kinds
