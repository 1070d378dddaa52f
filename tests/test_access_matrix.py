"""The access matrix: every URL pattern of the product, as every role, a person with no role, a
superuser and an anonymous visitor, with ids of records that belong to others.

The expectation of each URL is declared once, in ``ideology_office/common/url_access.py``; for
URLs that name a record, the record kind's policy (``ideology_office/common/policies.py``) says
what each person may see and do. The test asserts, for every request:

* no 500, ever;
* an anonymous visitor is sent to the login page (public pages excepted);
* a person with no role is refused every work-area page by the one gate (403);
* a record the person may not see answers 404, one they may see never does; an action the policy
  refuses answers 403;
* a refused POST writes nothing (no audit entry);
* no page, fragment or export a person may open shows the text of a record they may not see.

The world is the demo office (``seed_demo``): six sections, thirty people in every role, and the
records of all five work areas.
"""

from __future__ import annotations

import io
import zipfile
from collections import defaultdict
from html import escape
from xml.sax.saxutils import escape as xml_escape

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from ideology_office.accounts import roles
from ideology_office.accounts.models import User
from ideology_office.accounts.roles import Role
from ideology_office.common import policies
from ideology_office.common.models import AuditEntry
from ideology_office.common.url_access import URL_ACCESS, Audience

from .factories import UserFactory

# Long text fields whose values identify a record in a page (the record's "marker").
MARKER_FIELDS = ("topic", "title", "content", "measure", "reason", "summary", "open_items", "description")
MARKER_MIN_LENGTH = 8


def url_patterns(patterns=None, namespace=None):
    """(name, URLPattern) of every URL of the product; the Django admin is left to its own tests."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            yield from url_patterns(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern):
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


def test_every_url_pattern_is_declared_and_every_declaration_exists():
    names = {name for name, _ in url_patterns()}
    assert sorted(names - set(URL_ACCESS)) == [], (
        "declare these URLs in the app's access.py (the shared floor's in common/url_access.py)"
    )
    assert sorted(set(URL_ACCESS) - names) == [], "these declarations name no URL"


def test_every_record_url_names_a_kind_with_a_policy():
    for name, access in URL_ACCESS.items():
        if access.audience == Audience.RECORD:
            model = apps.get_model(access.model)
            assert policies.policy_for(model) is not None, name


# --- the world ---------------------------------------------------------------------------------


def _people():
    people = {}
    for role in Role:
        person = User.objects.with_role(role).filter(is_active=True, is_superuser=False).order_by("pk")
        if role == Role.ADMIN:
            person = person.filter(is_staff=True)
        person = person.first()
        assert person is not None, role
        people[role.value] = person
    people["superuser"] = UserFactory(username="matrix-root", is_superuser=True, is_staff=True, roles=[])
    people["no role"] = UserFactory(username="matrix-nobody", roles=[])
    return people


def _samples(people) -> dict[str, list]:
    """Up to three records of each kind a URL names: the first one, and the first one each of the
    section-bound people (staff, section head) may not see, so that both sides are exercised."""
    samples = {}
    for model_label in sorted({access.model for access in URL_ACCESS.values() if access.model}):
        model = apps.get_model(model_label)
        queryset = model._base_manager.order_by("pk")
        chosen = [queryset.first()]
        for who in (Role.STAFF.value, Role.SECTION_HEAD.value, Role.INSPECTOR.value):
            visible = policies.visible_to(people[who], model._base_manager.all()).values("pk")
            hidden = queryset.exclude(pk__in=visible).first()
            if hidden is not None:
                chosen.append(hidden)
        samples[model_label] = [record for record in dict.fromkeys(chosen) if record is not None]
    return samples


def _extra_kwargs(name: str, record) -> dict:
    """The URL arguments beyond the record's id."""
    today = timezone.localdate()
    if name == "responsibility:agenda_item_link_study":
        item = record.agenda_items.order_by("pk").first()
        return {"item_pk": item.pk if item else 999999}
    if name == "responsibility:scheme_item_edit":
        item = record.items.order_by("pk").first()
        return {"item_pk": item.pk if item else 999999}
    if name in ("responsibility:assessment_line", "responsibility:score_save"):
        line = record.scores.order_by("pk").first()
        return {"line_pk": line.pk if line else 999999}
    if name == "sentiment:swap_decide":
        return {"decision": "approve"}
    if name in ("sentiment:roster_month", "sentiment:roster_export"):
        return {"year": today.year, "month": today.month}
    return {}


def _url(name: str, pattern: URLPattern, record=None) -> str:
    from ideology_office.reports.ledgers import ledgers
    from sentiment.models import DutyFeedToken, DutyRoster

    converters = set(pattern.pattern.converters)
    kwargs = {}
    if record is not None:
        if "content_type_id" in converters:
            kwargs = {
                "content_type_id": ContentType.objects.get_for_model(record).pk,
                "object_id": str(record.pk),
            }
        else:
            key = "platform_pk" if "platform_pk" in converters else "pk"
            kwargs = {key: record.pk, **_extra_kwargs(name, record)}
    elif converters:
        today = timezone.localdate()
        values = {
            "year": today.year,
            "month": today.month,
            "key": ledgers()[0].key,
            "kind": "study_records",
            "pk": DutyRoster.objects.order_by("pk").values_list("pk", flat=True).first() or 1,
        }
        if "token" in converters:
            token = DutyFeedToken.objects.first()
            values["token"] = token.token if token else "x" * 32
        kwargs = {key: values[key] for key in converters}
    return reverse(name, kwargs=kwargs)


def _text_of(response) -> str:
    """What a person reads in a response: the HTML, or the XML inside an Excel or Word file."""
    content = response.content if not response.streaming else b"".join(response.streaming_content)
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "".join(
                archive.read(member).decode("utf-8", "replace")
                for member in archive.namelist()
                if member.endswith(".xml")
            )
    return content.decode("utf-8", "replace")


def _markers() -> dict[str, list[tuple[object, str]]]:
    """For each record kind with a policy, (record, text) of records whose long text is unique in
    their table, to look for in pages."""
    markers = defaultdict(list)
    for model in policies.registered_models():
        fields = [
            field.name
            for field in model._meta.concrete_fields
            if field.name in MARKER_FIELDS and field.get_internal_type() in ("CharField", "TextField")
        ]
        if not fields:
            continue
        field = fields[0]
        values = defaultdict(list)
        for record in model._base_manager.all()[:400]:
            text = (getattr(record, field) or "").strip()
            if len(text) >= MARKER_MIN_LENGTH:
                values[text].append(record)
        for text, records in values.items():
            if len(records) == 1:
                markers[model._meta.label].append((records[0], text))
    return markers


@pytest.fixture
def world(db, tmp_path):
    call_command(
        "seed_demo",
        logins_file=str(tmp_path / "logins.txt"),
        password="matrix-password-123",
        stdout=io.StringIO(),
    )
    people = _people()
    return {"people": people, "samples": _samples(people), "markers": _markers()}


# --- the walk ----------------------------------------------------------------------------------


def _expected(access, name, person, record, method) -> set[int] | None:
    """The statuses allowed for ``person`` (None: anonymous), or None when anything but 500 goes."""
    if access.audience == Audience.PUBLIC:
        return None
    if person is None:
        return {302}
    gated = name.split(":")[0] in {"responsibility", "study", "positions", "sentiment", "inspections"} | {
        "reports",
        "common",
    }
    if gated and not roles.has_any_role(person):
        return {403}
    if access.audience == Audience.SIGNED_IN:
        return None
    if access.audience == Audience.ROLE:
        return {200, 302, 400, 403, 405}
    if access.audience == Audience.OVERSEER:
        return {200, 302, 400} if roles.sees_office_wide(person) else {403}
    # A record: the policy decides.
    if not policies.can(person, policies.Action.VIEW, record):
        return {404}
    if access.action is None or (access.action == policies.Action.VIEW and method == "POST"):
        return {200, 302, 400, 403, 405}
    if policies.can(person, access.action, record):
        return {200, 302, 400, 405}
    return {403}


def _hidden_markers(world, person) -> list[str]:
    hidden = []
    for pairs in world["markers"].values():
        for record, text in pairs:
            if not policies.can(person, policies.Action.VIEW, record):
                hidden.append(text)
    return hidden


@pytest.mark.django_db
def test_every_url_as_every_person(world):
    people = {"anonymous": None, **world["people"]}
    # Every POST also carries fields no form offers (an owner, a section, a status, a signer):
    # they must change nothing they should not; here, at least, they never break a page.
    someone = world["people"][Role.STAFF.value]
    smuggled = {
        "owner": someone.pk,
        "section": someone.section_id or "",
        "status": "published",
        "state": "closed",
        "signer": someone.pk,
        "created_by": someone.pk,
        "responsible_person": someone.pk,
    }
    patterns = dict(url_patterns())
    problems = []
    requests = 0
    for who, person in people.items():
        client = Client()
        if person is not None:
            client.force_login(person)
            # Re-read the person per request: roles are cached on the instance.
            person = User.objects.get(pk=person.pk)
        hidden = (
            [(text, escape(text), xml_escape(text)) for text in _hidden_markers(world, person)]
            if person
            else []
        )
        for name, access in sorted(URL_ACCESS.items()):
            if name not in patterns:
                continue  # reported by the declaration test
            if name in ("accounts:logout", "favicon"):
                continue  # the first would end the walk's session; the second is a redirect to a file
            records = world["samples"][access.model] if access.audience == Audience.RECORD else [None]
            for record in records:
                url = _url(name, patterns[name], record)
                for method in access.methods:
                    before = AuditEntry.objects.count()
                    response = client.get(url) if method == "GET" else client.post(url, smuggled)
                    requests += 1
                    status = response.status_code
                    where = f"{who} {method} {url} ({name})"
                    if status >= 500:
                        problems.append(f"{where}: {status}")
                        continue
                    allowed = _expected(access, name, person, record, method)
                    if allowed is not None and status not in allowed:
                        problems.append(f"{where}: {status}, expected one of {sorted(allowed)}")
                    if method == "POST" and status in (403, 404, 405):
                        if AuditEntry.objects.count() != before:
                            problems.append(f"{where}: refused with {status} but wrote to the database")
                    if person is not None and status == 200 and method == "GET":
                        responses = [response]
                        if access.audience != Audience.RECORD:
                            # Lists also answer htmx with a fragment: it must hide the same records.
                            responses.append(client.get(url, headers={"HX-Request": "true"}))
                            requests += 1
                        for shown in responses:
                            text = _text_of(shown)
                            leaked = next(
                                (m for m, html, xml in hidden if html in text or xml in text or m in text),
                                None,
                            )
                            if leaked:
                                problems.append(
                                    f"{where}: shows “{leaked[:40]}” of a record the person may not see"
                                )
    assert requests > 1500
    assert problems == [], "\n".join(problems[:200]) + f"\n({len(problems)} problems in {requests} requests)"
