"""The sign-in policy and the second factor as the people of #18 live them, in a real Chromium:

* the 安全管理员 opens 登录策略 in the admin, is told in Chinese why a warning later than the
  sign-out is refused, then sets a one-minute idle timeout; and resets a leader's password;
* the leader, who enrolled an authenticator earlier, signs in: the six-digit code is asked first
  (a wrong one is refused), then the forced password change; the pages then carry the new idle
  timeout and warn before it ends;
* the 系统管理员 keeps people but sees neither the sign-in policy nor the role field.
"""

import io
import re

import pytest
from django.core.management import call_command
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from ideology_office.accounts.models import SecurityEvent, SignInPolicy, User
from ideology_office.accounts.roles import Role
from tests.factories import TEST_PASSWORD, UserFactory

from .test_admin_separation import code_for, first_sign_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@override_settings(OTP_REQUIRED_ROLES=["系统管理员", "安全管理员", "审计管理员", "办公室领导"])
def test_the_security_administrator_sets_the_policy_and_a_leader_signs_in_with_the_second_factor(
    browser, live_server, page_guard
):
    # The system administrator is refused the policy on purpose (403).
    page_guard.allow("status of 403")
    out = io.StringIO()
    call_command("bootstrap_admins", stdout=out)
    passwords = dict(re.findall(r"用户名 (\S+)\s+一次性密码 (\S+)", out.getvalue()))
    leader = UserFactory(
        username="leader-otp", real_name="领导乙", roles=[Role.LEADER], password=TEST_PASSWORD
    )
    device = TOTPDevice.objects.create(user=leader, name="手机", confirmed=True)
    problems = []

    def new_page():
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(str(error)))
        return context, page

    # --- the security administrator sets the policy ---------------------------------------------
    context, page = new_page()
    first_sign_in(page, live_server.url, "secadmin", passwords["secadmin"], "Sec-Admin-Pass-2025")
    page.goto(f"{live_server.url}/admin/")
    page.get_by_role("link", name="登录策略").first.click()
    page.wait_for_selector("#id_idle_timeout_minutes")
    page.locator("#id_idle_timeout_minutes").fill("1")
    page.locator("#id_idle_warning_seconds").fill("90")
    page.locator("input[name=_save]").click()
    page.wait_for_load_state()
    assert "提醒必须在自动退出之前" in page.locator("#content").inner_text()
    assert not SignInPolicy.objects.exists()
    page.locator("#id_idle_warning_seconds").fill("50")
    page.locator("input[name=_save]").click()
    page.wait_for_load_state()
    policy = SignInPolicy.objects.get()
    assert (policy.idle_timeout_minutes, policy.idle_warning_seconds) == (1, 50)
    assert "办公室领导" in policy.second_factor_roles

    # ... and resets the leader's password: the leader must change it at the next sign-in.
    page.goto(f"{live_server.url}/admin/accounts/user/{leader.pk}/password/")
    page.locator("#id_password1").fill("Reset-by-Sec-2025")
    page.locator("#id_password2").fill("Reset-by-Sec-2025")
    page.locator("#content form [type=submit]").first.click()
    page.wait_for_load_state()
    assert User.objects.get(pk=leader.pk).must_change_password
    context.close()

    # --- the leader signs in: the code first, then a password of their own ---------------------
    context, page = new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("leader-otp")
    page.get_by_label("密码").fill("Reset-by-Sec-2025")
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("input[name=token]")
    assert "/accounts/two-factor/verify/" in page.url
    page.locator("input[name=token]").fill("000000" if code_for(device) != "000000" else "111111")
    page.get_by_role("button", name="确认").click()
    page.wait_for_selector("text=动态口令错误或已过期")
    # django-otp throttles after a wrong code (1 s after the first): wait it out, as a person would.
    page.wait_for_timeout(2_500)
    device.refresh_from_db()
    page.locator("input[name=token]").fill(code_for(device))
    page.get_by_role("button", name="确认").click()
    page.wait_for_selector("#id_new_password1")
    page.locator("#id_old_password").fill("Reset-by-Sec-2025")
    page.locator("#id_new_password1").fill("Leader-Own-Pass-2025")
    page.locator("#id_new_password2").fill("Leader-Own-Pass-2025")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/accounts/password/done/" in page.url
    # The policy's one-minute timeout: the warning shows ten seconds in (50 s before the end).
    page.goto(f"{live_server.url}/")
    warning = page.locator("[data-testid=idle-warning]")
    assert warning.get_attribute("data-timeout") == "60"
    warning.wait_for(state="visible", timeout=20_000)
    context.close()
    kinds = list(SecurityEvent.objects.filter(user=leader).values_list("kind", flat=True))
    assert {"password_reset", "login", "otp_failed", "otp_verified", "password_changed"} <= set(kinds)

    # --- the system administrator: people, not the policy nor roles ------------------------------
    context, page = new_page()
    first_sign_in(page, live_server.url, "sysadmin", passwords["sysadmin"], "Sys-Admin-Pass-2025")
    page.goto(f"{live_server.url}/admin/")
    assert "/admin/accounts/signinpolicy/" not in page.content()
    assert page.goto(f"{live_server.url}/admin/accounts/signinpolicy/1/change/").status == 403
    page.goto(f"{live_server.url}/admin/accounts/user/{leader.pk}/change/")
    page.wait_for_selector("#id_real_name")
    assert page.locator("#id_groups").count() == 0, "roles are the security administrator's"
    context.close()
    assert problems == []
