"""The work-area contracts: the shared floor (ideology_office/) imports no work-area app, and a new
work area is added by writing its app and its contract — its figure, drill-down, panel, ledger,
reminder with its default rule and navigation entry appear with no edit to the shared floor."""

import ast
import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from ideology_office.common.contracts import contracts, extra_contract, work_areas
from ideology_office.common.counting import countable
from ideology_office.common.navigation import navigation_for
from ideology_office.notifications.defaults import create_default_rules
from ideology_office.notifications.models import ReminderRule
from ideology_office.notifications.sources import source
from ideology_office.reports.figures import annual_figures
from ideology_office.reports.ledgers import ledger_for, ledgers
from tests.testapp import area
from tests.testapp.models import Dossier

WORK_AREA_APPS = ("responsibility", "study", "positions", "sentiment", "inspections")
FLOOR = Path(settings.BASE_DIR) / "ideology_office"


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_the_shared_floor_imports_no_work_area_app():
    offending = [
        f"{path.relative_to(FLOOR.parent)}:{line}: {module}"
        for path in sorted(FLOOR.rglob("*.py"))
        for line, module in _imported_modules(path)
        if module.split(".")[0] in WORK_AREA_APPS
    ]
    assert offending == []


def test_the_import_check_sees_an_import_of_a_work_area(tmp_path):
    # The check above must be able to fail: both import forms, at any depth, are found.
    module = tmp_path / "floor.py"
    module.write_text(
        "def f():\n    from study.models import StudySession\n    import inspections.selectors\n"
    )
    assert [name for _line, name in _imported_modules(module)] == ["study.models", "inspections.selectors"]


def test_each_work_area_app_is_discovered_from_its_contract_in_installed_order():
    assert [contract.label for contract in contracts()] == list(WORK_AREA_APPS)
    assert [area.key for area in work_areas()] == list(WORK_AREA_APPS)
    for contract in contracts():
        keys = {item.key for item in contract.reminder_sources()}
        # Every default rule belongs to one of the area's own sources.
        assert {rule.key for rule in contract.default_rules} <= keys
        assert all(key.startswith(f"{contract.label}.") for key in keys)


@pytest.fixture
def sixth_area():
    with extra_contract(area.contract):
        yield area.contract
    assert countable("testapp.dossier_in_force") is None
    assert source(area.REMINDER_KEY) is None


@pytest.mark.django_db
def test_a_new_work_area_lends_everything_through_its_contract(client, admin_person, sixth_area):
    for title in ("甲", "乙", "丙"):
        Dossier.objects.create(title=title, owner=admin_person)
    year = Dossier.objects.first().created_at.year
    client.force_login(admin_person)

    # Navigation, and the home page's card.
    assert "testapp" in [item.key for item in navigation_for(admin_person)]
    # Its countable record and its report figure, whose list shows as many records.
    assert countable("testapp.dossier_in_force") is not None
    figures = annual_figures(since=year, until=year)
    figure = figures.figures["dossiers"]
    assert figure.value == 3
    listed = client.get(figure.url).content.decode()
    assert re.search(r'data-testid="records-count">3<', listed)
    # Its dashboard panel, rendered from its own template, and the list behind its number.
    page = client.get("/", {"year": year}).content.decode()
    assert 'data-testid="dossier-panel"' in page
    url, count = re.search(
        r'data-testid="dossier-panel".*?data-drill="([^"]+)"\s+data-drill-count="(\d+)"', page, re.S
    ).groups()
    assert count == "3"
    assert re.search(r'data-testid="records-count">3<', client.get(html.unescape(url)).content.decode())
    # Its ledger, last on the ledgers page.
    assert ledger_for("dossiers") is not None
    assert ledgers()[-1].key == "dossiers"
    page = client.get(reverse("reports:ledger_list"), {"start": f"{year}-01-01", "end": f"{year}-12-31"})
    assert "测试记录台账" in page.content.decode()
    # Its reminder source, and its default rule created once.
    assert source(area.REMINDER_KEY) is not None
    ReminderRule.objects.filter(key=area.REMINDER_KEY).delete()
    assert create_default_rules() == 1
    assert create_default_rules() == 0
    assert ReminderRule.objects.get(key=area.REMINDER_KEY).name == "测试记录逾期提醒"


@pytest.mark.django_db
def test_without_its_contract_the_area_is_nowhere(admin_person):
    assert "testapp" not in [item.key for item in navigation_for(admin_person)]
    assert "dossiers" not in annual_figures(since=2023, until=2023).figures
    assert ledger_for("dossiers") is None


@pytest.mark.django_db
def test_default_rules_exist_after_migrate_for_every_contract():
    keys = {rule.key for contract in contracts() for rule in contract.default_rules}
    assert len(keys) == 11
    assert set(ReminderRule.objects.filter(key__in=keys).values_list("key", flat=True)) == keys
