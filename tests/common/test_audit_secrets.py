"""Secrets never enter the audit trail: feed tokens, passwords and anything named like a secret
are recorded as changed, but only as a mask, in create, update and delete entries, bulk or not."""

import json
import re

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType

from ideology_office.common.audit import MASK, AuditedModel, audit_context, secret_fields
from ideology_office.common.models import AuditEntry
from sentiment import services
from sentiment.models import DutyFeedToken
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SECRET_LIKE = re.compile(r"password|token|secret|api_?key|private_?key|otp|signing_?key", re.IGNORECASE)


def all_changes() -> str:
    return json.dumps(list(AuditEntry.objects.values_list("changes", flat=True)), ensure_ascii=False)


def token_entries():
    return AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(DutyFeedToken)).order_by(
        "pk"
    )


def test_a_feed_token_created_and_rotated_is_never_in_the_trail(staff):
    with audit_context(user=staff):
        first = services.duty_feed_token_for(person=staff).token
        second = services.duty_feed_token_regenerate(person=staff).token
        third = services.duty_feed_token_regenerate(person=staff).token
    assert len({first, second, third}) == 3
    trail = all_changes()
    for token in (first, second, third):
        assert token not in trail
    create, *updates = token_entries()
    assert create.action == "create" and create.changes["token"] == MASK
    # The rotation is still visible: that it changed, and when, and by whom.
    assert [entry.changes for entry in updates] == [{"token": [MASK, MASK]}] * 2
    assert all(entry.actor == staff for entry in updates)


def test_feed_tokens_written_in_bulk_or_deleted_stay_masked(staff, leader):
    with audit_context(label="test"):
        rows = DutyFeedToken.objects.bulk_create(
            [DutyFeedToken(person=person, token=f"bulk-secret-{person.pk}") for person in (staff, leader)]
        )
        DutyFeedToken.objects.filter(pk=rows[0].pk).update(token="updated-secret-value")
        rows[1].token = "bulk-updated-secret"
        DutyFeedToken.objects.bulk_update([rows[1]], ["token"])
        DutyFeedToken.objects.filter(pk=rows[0].pk).delete()
        services.duty_feed_token_regenerate(person=leader)
        DutyFeedToken.objects.get(person=leader).delete()
    trail = all_changes()
    assert "secret" not in trail
    actions = [entry.action for entry in token_entries()]
    assert actions.count("create") == 2 and actions.count("delete") == 2 and actions.count("update") == 3
    assert all(
        entry.changes["token"] in (MASK, [MASK, MASK])
        for entry in token_entries()
        if "token" in entry.changes
    )


def test_a_password_set_in_any_way_is_masked(staff):
    person = UserFactory(password="first-Secret-pw-1")
    hashes = [person.password]
    person.set_password("second-Secret-pw-2")
    person.save()
    hashes.append(person.password)
    type(person).objects.filter(pk=person.pk).update(password="third-raw-value")
    trail = all_changes()
    assert not [value for value in [*hashes, "third-raw-value", "Secret-pw"] if value in trail]


def test_every_secret_like_field_of_every_audited_model_is_masked():
    """A new field named like a secret is masked without anyone remembering to list it."""
    checked = []
    for model in apps.get_models():
        if not issubclass(model, AuditedModel):
            continue
        # A model may say that a field only named like a secret is none (a policy's password_min_length).
        declared_public = set(getattr(model, "audit_not_secret_fields", ()))
        for field in model._meta.concrete_fields:
            if field.name in declared_public:
                assert field.attname not in secret_fields(model), f"{model._meta.label}.{field.name}"
                continue
            if SECRET_LIKE.search(field.name) and not field.name.endswith(("_at", "_id")):
                assert field.attname in secret_fields(model), f"{model._meta.label}.{field.name}"
                checked.append(f"{model._meta.label}.{field.name}")
    assert {"accounts.User.password", "sentiment.DutyFeedToken.token"} <= set(checked)
    assert "token" in DutyFeedToken.audit_secret_fields
