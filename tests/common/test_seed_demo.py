from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ideology_office.accounts.models import OrgUnit, User
from ideology_office.accounts.roles import Role
from ideology_office.common.models import AuditEntry


def seed(tmp_path, **options):
    # People only: each work area tests its own demo data (tests/<app>/test_demo.py).
    out = StringIO()
    call_command(
        "seed_demo", logins_file=str(tmp_path / "logins.txt"), only="accounts", stdout=out, **options
    )
    return out.getvalue()


@pytest.mark.django_db
def test_seed_demo_creates_an_office_with_people_in_every_role(tmp_path):
    output = seed(tmp_path)
    assert 25 <= User.objects.count() <= 40
    for role in Role:
        assert User.objects.with_role(role).exists(), role
    assert OrgUnit.objects.filter(kind=OrgUnit.Kind.SECTION).count() >= 5
    assert OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY_UNIT).exists()
    assert not User.objects.filter(section__isnull=True).exclude(groups__name=Role.LEADER).exists()
    # Passwords are printed once and kept in a private file.
    lines = (tmp_path / "logins.txt").read_text(encoding="utf-8").splitlines()
    assert len(lines) == User.objects.count()
    username, password, *_ = lines[0].split("\t")
    assert password in output
    assert User.objects.get(username=username).check_password(password)
    assert (tmp_path / "logins.txt").stat().st_mode & 0o077 == 0


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing(tmp_path):
    seed(tmp_path, password="demo-password-123")
    counts = (User.objects.count(), OrgUnit.objects.count(), AuditEntry.objects.count())
    passwords = dict(User.objects.values_list("username", "password"))
    output = seed(tmp_path, password="another-password-456")
    assert (User.objects.count(), OrgUnit.objects.count(), AuditEntry.objects.count()) == counts
    assert dict(User.objects.values_list("username", "password")) == passwords
    assert "未作任何改动" in output


@pytest.mark.django_db
def test_seed_demo_refuses_a_short_password(tmp_path):
    with pytest.raises(CommandError, match="至少需要 10 个字符"):
        seed(tmp_path, password="short")
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_seed_demo_never_changes_the_mode_of_a_file_it_is_given(tmp_path):
    given = tmp_path / "shared.txt"
    given.write_text("", encoding="utf-8")
    given.chmod(0o644)
    call_command("seed_demo", logins_file=str(given), only="accounts", stdout=StringIO())
    assert given.stat().st_mode & 0o777 == 0o644
    assert given.read_text(encoding="utf-8").count("\n") == User.objects.count()


@pytest.mark.django_db
def test_seed_demo_refuses_an_unknown_app(tmp_path):
    with pytest.raises(CommandError, match="没有这些应用的演示数据：nosuchapp"):
        call_command("seed_demo", logins_file=str(tmp_path / "x.txt"), only="nosuchapp", stdout=StringIO())
    assert User.objects.count() == 0
