import os
import shutil
from types import SimpleNamespace

import pytest

from ..conftest import service_unavailable

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium_path():
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        service_unavailable("Chromium (apt-get install chromium fonts-noto-cjk)")
    return path


@pytest.fixture
def browser(chromium_path, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # around it are still synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


# The data migrations whose rows the product needs to work (each is idempotent: get_or_create).
DATA_MIGRATIONS = [
    ("ideology_office.accounts.migrations.0002_create_role_groups", "create_role_groups"),
    ("sentiment.migrations.0002_default_time_limits_and_risk_matrix", "create_defaults"),
    ("inspections.migrations.0002_default_finding_categories", "create_categories"),
    ("ideology_office.notifications.migrations.0002_default_rules", "add_rules"),
]


@pytest.fixture(autouse=True)
def _restore_migration_data(transactional_db):
    """Browser tests are transactional: the database is emptied after each one, the rows made by
    data migrations included. Run those migrations' functions again before each browser test."""
    import importlib

    from django.apps import apps
    from django.db import connection

    for module_name, function_name in DATA_MIGRATIONS:
        function = getattr(importlib.import_module(module_name), function_name)
        function(apps, SimpleNamespace(connection=connection))
