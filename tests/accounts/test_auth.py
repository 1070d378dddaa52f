from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from ideology_office.accounts.roles import Role

LOGIN_URL = reverse("accounts:login")


def login(client, username, password, address="10.0.0.1"):
    return client.post(LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.django_db
def test_login_page_is_in_chinese(client):
    response = client.get(LOGIN_URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert "登录" in content
    assert "用户名" in content and "密码" in content


@pytest.mark.django_db
def test_login_with_right_password_opens_the_dashboard(client, staff, password):
    response = login(client, staff.username, password)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:home")
    assert client.get(reverse("dashboard:home")).status_code == 200


@pytest.mark.django_db
def test_login_with_wrong_password_says_so_in_chinese(client, staff):
    response = login(client, staff.username, "wrong-password")
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_logout_ends_the_session_and_says_so(client, staff):
    client.force_login(staff)
    response = client.post(reverse("accounts:logout"), follow=True)
    assert response.redirect_chain[-1][0] == LOGIN_URL
    assert "您已退出登录" in response.content.decode()
    assert client.get(reverse("dashboard:home")).status_code == 302


@pytest.mark.django_db
def test_a_session_ended_by_logout_cannot_be_replayed(client, staff, settings):
    # Whatever keeps the sessions (the database, or Redis in front of it when REDIS_URL is set, as
    # in CI and production): the old cookie opens nothing once its session has ended.
    client.force_login(staff)
    old_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get(reverse("dashboard:home")).status_code == 200
    client.post(reverse("accounts:logout"))
    client.cookies[settings.SESSION_COOKIE_NAME] = old_key
    assert client.get(reverse("dashboard:home")).status_code == 302


@pytest.mark.django_db
def test_logout_by_get_is_refused(client, staff):
    client.force_login(staff)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert "_auth_user_id" in client.session


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/responsibility/",
        "/study/",
        "/positions/",
        "/sentiment/",
        "/inspections/",
        "/accounts/password/",
    ],
)
def test_anonymous_requests_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={url}"


@pytest.mark.django_db
def test_admin_is_not_open_to_anonymous(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.django_db
def test_lockout_is_per_user_name_and_address(client, settings, staff, section_head, password):
    limit = settings.LOCKOUT_FAILURE_LIMIT
    for _ in range(limit):
        login(client, staff.username, "wrong-password", address="10.0.0.1")

    # The person is locked out from that address, even with the right password, in Chinese.
    locked = login(client, staff.username, password, address="10.0.0.1")
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()

    # A colleague behind the same address still logs in.
    assert login(client, section_head.username, password, address="10.0.0.1").status_code == 302
    client.logout()
    # The same person from another address still logs in.
    assert login(client, staff.username, password, address="10.0.0.2").status_code == 302


@pytest.mark.django_db
def test_lockout_ends_after_the_cool_off(client, settings, staff, password):
    for _ in range(settings.LOCKOUT_FAILURE_LIMIT):
        login(client, staff.username, "wrong-password")
    assert login(client, staff.username, password).status_code == 429

    # Age the recorded failures past the cool-off instead of waiting for it.
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(hours=1))
    assert login(client, staff.username, password).status_code == 302


@pytest.mark.django_db
def test_password_change_applies_the_validators_in_chinese(client, staff, password):
    client.force_login(staff)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": password, "new_password1": "12345", "new_password2": "12345"},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "密码长度太短：至少需要 10 个字符" in content
    assert "密码只包含数字" in content
    staff.refresh_from_db()
    assert staff.check_password(password)


@pytest.mark.django_db
def test_role_groups_exist_from_the_migration():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)
