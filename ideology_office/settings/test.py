"""Tests: base settings on whatever DATABASE_URL / CELERY_BROKER_URL the run provides
(SQLite and the filesystem broker by default; PostgreSQL and Redis in CI)."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("DEBUG", "False")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")

from .base import *  # noqa: E402,F403
from .base import INSTALLED_APPS, STORAGES  # noqa: E402

# A fast hasher: the tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Evidence files of a test run go to a throw-away folder, never into var/.
# A worker process a test starts is given the test's folder (TEST_FILES_DIR), so that both see the
# same files.
TEST_FILES_DIR = Path(os.environ.get("TEST_FILES_DIR") or tempfile.mkdtemp(prefix="ideology-test-files-"))
MEDIA_ROOT = TEST_FILES_DIR
STATIC_ROOT = TEST_FILES_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True
STORAGES = {
    **STORAGES,
    "evidence": {
        **STORAGES["evidence"],
        "OPTIONS": {"location": TEST_FILES_DIR / "evidence", "base_url": None},
    },
    # No manifest in tests: templates may be rendered before collectstatic ever ran.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# A small model used only by the tests of cross-cutting pieces (attachments, audit, voiding).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]

LOCKOUT_FAILURE_LIMIT = 3

# Sign-in policy: tests make superusers, and the second factor is required only where a test asks
# for it (override_settings(OTP_REQUIRED_ROLES=...), as tests/accounts/test_second_factor.py does).
ALLOW_SUPERUSER = True
# The tests sign the demo people in as they are (a test of the rule overrides it).
DEMO_MUST_CHANGE_PASSWORD = False
OTP_REQUIRED_ROLES = []

# No default quiet hours: otherwise a run started after 22:00 (Asia/Shanghai) holds every reminder
# until morning and the delivery tests see nothing sent. Tests of quiet hours set them themselves.
REMINDER_QUIET_START = ""
REMINDER_QUIET_END = ""
