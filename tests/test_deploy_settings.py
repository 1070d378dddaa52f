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


def _production_settings(code: str, *, unset: set[str], **overrides) -> str:
    """What ``code`` prints with the production settings imported under this environment."""
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", *unset}}
    env.update(SECRET_KEY="p8Xv2qL0sN4mR7tY1wE6zA3cB9dF5gH0jK2lM4nP6qS8uW1yZ3", **overrides)
    result = subprocess.run(
        [sys.executable, "-c", f"import ideology_office.settings.production as s; {code}"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _production_database(**overrides) -> str:
    return _production_settings(
        "d = s.DATABASES['default']; print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])",
        unset={"CONN_MAX_AGE"},
        DATABASE_URL="postgres://ideology@db.example:5432/ideology",
        **overrides,
    )


def test_production_keeps_database_connections_and_checks_them_before_reuse():
    assert _production_database() == "60 True"
    assert _production_database(CONN_MAX_AGE="0") == "0 True"


def _session_engine(**overrides) -> str:
    return _production_settings(
        "print(s.SESSION_ENGINE, s.CACHES['default']['BACKEND'])", unset={"REDIS_URL"}, **overrides
    )


def test_sessions_are_read_from_the_shared_cache_and_never_from_a_process_own_memory():
    # With Redis every process reads the same copy; a page no longer asks the database for it.
    assert _session_engine(REDIS_URL="redis://cache:6379/0") == (
        "django.contrib.sessions.backends.cached_db django.core.cache.backends.redis.RedisCache"
    )
    # Without it each process would keep its own copy: a session ended in one would live on in another.
    assert (
        _session_engine()
        == "django.contrib.sessions.backends.db django.core.cache.backends.locmem.LocMemCache"
    )
