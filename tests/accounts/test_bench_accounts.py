"""``manage.py bench_accounts``: the load test signs in as the synthetic people of ``seed_demo
--scale N`` and nobody else; refusals are in Chinese and write nothing."""

from io import StringIO

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ideology_office.accounts.models import User
from ideology_office.accounts.roles import Role
from ideology_office.common import scale
from ideology_office.common.audit import summarised_audit
from ideology_office.common.models import AuditEntry

pytestmark = pytest.mark.django_db

BENCH_PASSWORD = "Bench-Load-2026!"
KEY = "0123456789abcdef0123456789abcdef01234567"
REQUIRED = override_settings(OTP_REQUIRED_ROLES=["系统管理员", "安全管理员", "审计管理员", "办公室领导"])


def run(*args):
    out = StringIO()
    call_command("bench_accounts", *args, stdout=out)
    return out.getvalue()


def snapshot():
    return (
        list(User.objects.order_by("pk").values_list("pk", "password", "password_changed_at")),
        TOTPDevice.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def synthetic():
    with summarised_audit(source="test --scale"):
        return scale.seed_people(sections=1, people=5)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--password", BENCH_PASSWORD, "--totp-key", KEY], "生产设置"),
        (["--password", BENCH_PASSWORD, "--totp-key", "xyz", "--allow-production-settings"], "40 位十六进制"),
        (["--password", "short", "--totp-key", KEY, "--allow-production-settings"], "密码不符合口令规则"),
    ],
)
def test_refusals_are_in_chinese_and_write_nothing(synthetic, leader, args, message):
    before = snapshot()
    with override_settings(DEBUG=False), pytest.raises(CommandError, match=message) as refused:
        run(*args)
    assert "未作任何改动" in str(refused.value)
    assert snapshot() == before


def test_refuses_without_synthetic_data(leader, password):
    before = snapshot()
    with pytest.raises(CommandError, match="没有模拟人员") as refused:
        run("--password", BENCH_PASSWORD, "--totp-key", KEY, "--allow-production-settings")
    assert "未作任何改动" in str(refused.value)
    assert snapshot() == before
    assert check_password(password, User.objects.get(pk=leader.pk).password)


@REQUIRED
def test_sets_the_password_of_synthetic_people_only_with_a_known_second_factor(synthetic, leader, password):
    with override_settings(DEBUG=True):
        output = run("--password", BENCH_PASSWORD, "--totp-key", KEY)
    people = User.objects.filter(username__startswith=scale.PREFIX)
    assert people.count() == 5
    assert all(person.check_password(BENCH_PASSWORD) for person in people)
    assert not any(person.must_change_password or person.password_expired() for person in people)
    # Everyone else keeps their password and devices.
    assert User.objects.get(pk=leader.pk).check_password(password)
    assert not TOTPDevice.objects.filter(user=leader).exists()
    leaders = set(people.filter(groups__name=Role.LEADER).values_list("pk", flat=True))
    devices = TOTPDevice.objects.filter(name="bench", confirmed=True)
    assert set(devices.values_list("user_id", flat=True)) == leaders and len(leaders) == 2
    assert {device.key for device in devices} == {KEY}
    assert "5 名模拟人员" in output and "2 名须用动态口令" in output
    entries = AuditEntry.objects.filter(actor_label="bench_accounts")
    assert entries.filter(content_type__model="user").count() == 5
    assert entries.filter(content_type__model="totpdevice").count() == 2
    assert KEY not in str(list(entries.values_list("changes", flat=True)))

    # A second run replaces the bench devices rather than adding more.
    with override_settings(DEBUG=False):
        run("--password", BENCH_PASSWORD, "--totp-key", KEY, "--allow-production-settings")
    assert TOTPDevice.objects.filter(name="bench").count() == 2


@REQUIRED
def test_the_load_test_signs_in_as_a_synthetic_leader_with_the_computed_code(client, synthetic):
    with override_settings(DEBUG=True):
        run("--password", BENCH_PASSWORD, "--totp-key", KEY)
    person = User.objects.filter(username__startswith=scale.PREFIX, groups__name=Role.LEADER).first()
    response = client.post(
        reverse("accounts:login"),
        {"username": person.username, "password": BENCH_PASSWORD},
        REMOTE_ADDR="10.1.1.1",
    )
    assert response.status_code == 302
    assert client.get(reverse("dashboard:home")).url.startswith(reverse("accounts:otp_verify"))
    code = f"{totp(bytes.fromhex(KEY)):06d}"
    response = client.post(reverse("accounts:otp_verify"), {"token": code})
    assert response.status_code == 302
    assert client.get(reverse("dashboard:home")).status_code == 200
