import os
import subprocess
import sys

from django.conf import settings


def test_production_settings_pass_the_deploy_check():
    env = {
        **{key: value for key, value in os.environ.items() if key not in {"DEBUG"}},
        "DJANGO_SETTINGS_MODULE": "ideology_office.settings.production",
        "SECRET_KEY": "p8Xv2qL0sN4mR7tY1wE6zA3cB9dF5gH0jK2lM4nP6qS8uW1yZ3",
        "ALLOWED_HOSTS": "yishixingtai.example.gov.cn",
        "DATABASE_URL": "sqlite:////tmp/deploy-check.sqlite3",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "SECRET_KEY"}}
    env["DJANGO_SETTINGS_MODULE"] = "ideology_office.settings.production"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def _production_database(**overrides) -> str:
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "CONN_MAX_AGE"}}
    env.update(
        SECRET_KEY="p8Xv2qL0sN4mR7tY1wE6zA3cB9dF5gH0jK2lM4nP6qS8uW1yZ3",
        DATABASE_URL="postgres://ideology@db.example:5432/ideology",
        **overrides,
    )
    code = (
        "import ideology_office.settings.production as s; "
        "d = s.DATABASES['default']; print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_keeps_database_connections_and_checks_them_before_reuse():
    assert _production_database() == "60 True"
    assert _production_database(CONN_MAX_AGE="0") == "0 True"
