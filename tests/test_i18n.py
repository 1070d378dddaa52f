"""The zh_Hans catalogue is complete and its compiled .mo matches the .po."""

import ast
import gettext
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

BASE_DIR = Path(settings.BASE_DIR)
# The project's catalogue and one per work-area app that has strings of its own.
CATALOGUES = sorted(
    path
    for path in BASE_DIR.glob("**/locale/zh_Hans/LC_MESSAGES/django.po")
    if not path.relative_to(BASE_DIR).parts[0].startswith(".")
)


def po_entries(catalogue: Path) -> list[dict]:
    """(msgid, msgstr, fuzzy) of every entry but the header, read with a minimal .po parser."""
    entries, current, key, fuzzy, context = [], None, None, False, ""
    for line in catalogue.read_text(encoding="utf-8").splitlines():
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("msgctxt "):
            context = ast.literal_eval(line[8:])
        elif line.startswith("msgid "):
            current = {"msgid": ast.literal_eval(line[6:]), "msgstr": "", "fuzzy": fuzzy, "context": context}
            entries.append(current)
            key, fuzzy, context = "msgid", False, ""
        elif line.startswith("msgid_plural "):
            key = None
        elif line.startswith("msgstr"):
            key = "msgstr"
            current["msgstr"] += ast.literal_eval(line.split(" ", 1)[1])
        elif line.startswith('"') and current is not None and key:
            current[key] += ast.literal_eval(line)
        elif not line.strip():
            key = None
    return [entry for entry in entries if entry["msgid"]]


def catalogue_id(path: Path) -> str:
    return str(path.relative_to(BASE_DIR).parts[0])


def test_the_project_catalogue_exists():
    project = BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    assert project in CATALOGUES
    assert len(po_entries(project)) > 50


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=catalogue_id)
def test_every_source_string_is_translated(catalogue):
    entries = po_entries(catalogue)
    assert [entry["msgid"] for entry in entries if not entry["msgstr"] or entry["fuzzy"]] == []


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=catalogue_id)
def test_the_compiled_catalogue_matches_the_source(catalogue):
    with open(catalogue.with_suffix(".mo"), "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [
        entry["msgid"]
        for entry in po_entries(catalogue)
        if (
            compiled.pgettext(entry["context"], entry["msgid"])
            if entry["context"]
            else compiled.gettext(entry["msgid"])
        )
        != entry["msgstr"]
    ]
    assert stale == []


def test_the_interface_speaks_chinese():
    assert settings.LANGUAGE_CODE == "zh-hans"
    with translation.override("zh-hans"):
        assert translation.gettext("Log in") == "登录"
        assert translation.gettext("Dashboard") == "工作台"


def test_no_two_catalogues_translate_the_same_source_differently():
    # Django merges every catalogue into one: where two apps translate the same English string
    # differently, one of them silently shows the other's word. Use distinct wording or pgettext.
    seen: dict[str, tuple[str, str]] = {}
    conflicts = []
    for catalogue in CATALOGUES:
        for entry in po_entries(catalogue):
            where = catalogue_id(catalogue)
            source = (entry["context"], entry["msgid"])
            if source in seen and seen[source][1] != entry["msgstr"]:
                conflicts.append((source, seen[source], (where, entry["msgstr"])))
            seen.setdefault(source, (where, entry["msgstr"]))
    assert conflicts == []
