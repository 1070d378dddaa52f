"""Shared fixtures: one user per role, and the rule for services that may be missing."""

import os

import pytest
from django.core.cache import cache

from ideology_office.accounts.roles import Role

from .factories import TEST_PASSWORD, UserFactory

# CI sets REQUIRE_SERVICES=1: then a missing service (Redis, Chromium, ...) fails the run
# instead of skipping the tests that need it.
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") not in ("", "0", "false")


def service_unavailable(reason: str):
    if REQUIRE_SERVICES:
        pytest.fail(f"required service not available: {reason}")
    pytest.skip(f"service not available: {reason}")


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def password():
    return TEST_PASSWORD


@pytest.fixture
def admin_person(db):
    return UserFactory(username="admin1", real_name="管理员甲", is_staff=True, roles=[Role.ADMIN])


@pytest.fixture
def leader(db):
    return UserFactory(username="leader1", real_name="领导甲", title="副主任", roles=[Role.LEADER])


@pytest.fixture
def section_head(db):
    return UserFactory(username="head1", real_name="股长甲", title="股长", roles=[Role.SECTION_HEAD])


@pytest.fixture
def staff(db):
    return UserFactory(username="staff1", real_name="科员甲", roles=[Role.STAFF])


@pytest.fixture
def inspector(db):
    return UserFactory(username="inspector1", real_name="督查甲", roles=[Role.INSPECTOR])


@pytest.fixture
def users_by_role(admin_person, leader, section_head, staff, inspector):
    return {
        Role.ADMIN: admin_person,
        Role.LEADER: leader,
        Role.SECTION_HEAD: section_head,
        Role.STAFF: staff,
        Role.INSPECTOR: inspector,
    }


# The data migrations whose rows the product needs to work (each is idempotent: get_or_create).
DATA_MIGRATIONS = [
    ("ideology_office.accounts.migrations.0002_create_role_groups", "create_role_groups"),
    ("ideology_office.accounts.migrations.0005_administrator_role_groups", "create_administrator_groups"),
    ("sentiment.migrations.0002_default_time_limits_and_risk_matrix", "create_defaults"),
    ("inspections.migrations.0002_default_finding_categories", "create_categories"),
    ("ideology_office.notifications.defaults", "create_default_rules"),
]


@pytest.fixture
def migration_data(transactional_db):
    """Transactional tests start from a database emptied by the one before, the rows made by data
    migrations included: run those migrations' functions again."""
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    for module_name, function_name in DATA_MIGRATIONS:
        function = getattr(importlib.import_module(module_name), function_name)
        function(apps, SimpleNamespace(connection=connection))


@pytest.fixture(autouse=True)
def _rollups_match_the_records(request):
    """After every test that uses the database (services, views, the admin, imports, voids, bulk
    inserts …), the summary tables (``common.rollups``) equal a recount of the records: the upkeep
    is checked by every write the suite makes. A test that breaks the records on purpose (raw SQL,
    a tampering test) is marked ``rollups_unchecked``."""
    names = set(request.fixturenames)
    database = next((name for name in ("transactional_db", "db") if name in names), None)
    if database is None and request.node.get_closest_marker("django_db"):
        database = "_django_db_helper"
    if database is None or request.node.get_closest_marker("rollups_unchecked"):
        yield
        return
    # Set up first, so the database is still there (not rolled back) when this checks it.
    request.getfixturevalue(database)
    yield
    from ideology_office.common import rollups

    assert rollups.mismatches() == {}, "the summary tables differ from a recount of the records"
