"""The migrations that key the chain (0002: an intact chain of the former plain SHA-256 scheme is
re-hashed under the key and publications are sealed; a chain already broken is left as it is, so
that verify_signoffs reports it rather than the migration blessing it) and that chain the
publications (0004: appended after the head in id order)."""

import datetime
import hashlib
import importlib

import pytest
from django.apps import apps
from django.db import connection

from positions.chain import ROW_COLUMNS
from positions.models import Publication, SignOff, SignOffChainHead
from positions.selectors import verify_signoff_chain

from .factories import Desk

# These tests change the chained records behind the services' back (raw SQL) on purpose.
pytestmark = [pytest.mark.django_db, pytest.mark.rollups_unchecked]
migration = importlib.import_module("positions.migrations.0002_publication_content_sha256_publication_seal")
chaining = importlib.import_module("positions.migrations.0004_publication_in_chain")


def _execute(query, params):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(query, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def _rechain():
    """As the migration runs it: before the append-only triggers exist (0003)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
    try:
        migration.rechain(apps, None)
        chaining.chain_publications(apps, None)
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = DEFAULT")


def _as_before_the_migration(*, break_row: int | None = None):
    """Rewrite the chain with the former unkeyed hashes and unseal the publications, which were
    not in the chain then: the sign-offs numbered 1..n, the publications without a place."""
    _execute("UPDATE positions_publication SET sequence = NULL, previous_hash = '', chain_hash = ''", [])
    for number, pk in enumerate(SignOff.objects.order_by("sequence").values_list("pk", flat=True), start=1):
        _execute("UPDATE positions_signoff SET sequence = %s WHERE id = %s", [number, pk])
    previous = "0" * 64
    for row in SignOff.objects.order_by("sequence").values_list(*ROW_COLUMNS):
        signed = row[13].astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        old = "|".join(str(value) for value in (row[0], row[1], row[3], *row[5:13], signed))
        chain_hash = hashlib.sha256(f"{previous}\n{old}".encode()).hexdigest()
        if row[0] == break_row:
            chain_hash = "f" * 64
        _execute(
            "UPDATE positions_signoff SET previous_hash = %s, chain_hash = %s WHERE sequence = %s",
            [previous, chain_hash, row[0]],
        )
        previous = chain_hash
    _execute(
        "UPDATE positions_signoffchainhead SET last_sequence = %s, last_hash = %s WHERE id = 1",
        [SignOff.objects.count(), previous],
    )
    _execute("UPDATE positions_publication SET seal = '', content_sha256 = ''", [])


def test_an_intact_former_chain_is_keyed_and_sealed():
    desk = Desk()
    desk.published()
    desk.published(title="第二条")
    _as_before_the_migration()
    assert verify_signoff_chain().problems
    _rechain()
    assert verify_signoff_chain().problems == []


def test_a_broken_former_chain_is_left_for_verification_to_report():
    desk = Desk()
    desk.published()
    _as_before_the_migration(break_row=2)
    _rechain()
    assert verify_signoff_chain().problems[0].startswith("签批记录 #1 的链哈希无效")


def test_existing_publications_are_appended_after_the_head_in_id_order():
    desk = Desk()
    first = desk.published()
    second = desk.published(title="第二条")
    _as_before_the_migration()
    signoffs = SignOff.objects.count()
    assert f"内容条目 #{first.pk} 的发布记录不在签批链中" in " ".join(verify_signoff_chain().problems)
    _rechain()
    places = list(Publication.objects.order_by("pk").values_list("item_id", "sequence"))
    assert places == [(first.pk, signoffs + 1), (second.pk, signoffs + 2)]
    assert SignOffChainHead.objects.get(pk=1).last_sequence == signoffs + 2
    assert verify_signoff_chain().problems == []
