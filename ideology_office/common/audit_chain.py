"""Chaining and verifying the audit trail (the model and what the hashes cover are in
:mod:`.trail`).

* :func:`seal_after_commit` — called for every write of entries; once the writing transaction
  commits, :func:`seal_pending` chains every entry not yet chained.
* :func:`seal_pending` — under the lock of the chain head (``SELECT … FOR UPDATE``, one short
  transaction): takes the unchained entries in id order, checks each one's content MAC (an entry
  inserted behind the application's back has none that verifies and is left out, for
  ``verify_audit`` to name), gives each the next sequence and its chain hash, and moves the head.
  Concurrent sealers queue on the head row, so sequences are gap-free and never fork.
* :func:`verify_audit_chain` — one streamed pass over the chain (``verify_audit``, the nightly
  task): sequence, content MAC, hash, link, head, unchained entries and anchors.
"""

from __future__ import annotations

import hmac
import logging

from django.db import DatabaseError, IntegrityError, connections, transaction

from ideology_office.accounts.roles import Role

from .anchors import GENESIS_HASH, chain_key
from .chain import RecordChain, Verification, check_anchor_file, register_chain, snapshot, verify_stream
from .trail import (
    AUDIT_CHAIN_NAME,
    PAYLOAD_COLUMNS,
    AuditChainHead,
    AuditEntry,
    entry_mac,
    link_hash,
)

logger = logging.getLogger(__name__)

SEAL_BATCH = 2000
ROW_COLUMNS = ("sequence", *PAYLOAD_COLUMNS, "entry_mac", "previous_hash", "chain_hash")


def _sealing_scheduled(connection) -> bool:
    return any(getattr(callback[1], "audit_seal", False) for callback in connection.run_on_commit)


def seal_after_commit(using: str) -> None:
    """Chain the new entries as soon as the transaction that wrote them commits (at once when
    there is none). Registered once per transaction."""
    connection = connections[using]
    if connection.in_atomic_block and _sealing_scheduled(connection):
        return

    def seal() -> None:
        seal_pending(using=using)

    seal.audit_seal = True
    transaction.on_commit(seal, using=using, robust=True)


def _write_links(using: str, links: list[tuple[int, str, str, int]]) -> None:
    """Set (sequence, previous hash, chain hash) of entries by id, the only UPDATE the database
    allows on an entry (from unchained to chained)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(
                "UPDATE common_auditentry SET sequence = %s, previous_hash = %s, chain_hash = %s WHERE id = %s",
                links,
            )
            return
        # PostgreSQL: one statement for the whole batch (arrays) instead of a round trip per entry.
        sequences, previous, hashes, ids = (list(column) for column in zip(*links, strict=True))
        cursor.execute(
            "UPDATE common_auditentry AS entry SET sequence = link.sequence,"
            " previous_hash = link.previous_hash, chain_hash = link.chain_hash"
            " FROM unnest(%s::bigint[], %s::varchar[], %s::varchar[], %s::bigint[])"
            " AS link (sequence, previous_hash, chain_hash, id) WHERE entry.id = link.id",
            [sequences, previous, hashes, ids],
        )


def seal_pending(*, using: str = "default") -> int:
    """Chain every entry not yet chained; returns how many. Safe to call at any time, from any
    number of processes at once."""
    sealed = 0
    key = chain_key()
    try:
        with transaction.atomic(using=using):
            head = AuditChainHead.objects.using(using).select_for_update().filter(pk=1).first()
            if head is None:
                if AuditEntry.objects.using(using).chained().exists():
                    logger.error("The audit chain head is missing: entries are left unchained.")
                    return 0
                head = AuditChainHead.objects.using(using).create(pk=1)
            after = 0
            while True:
                pending = list(
                    AuditEntry.objects.using(using)
                    .filter(sequence__isnull=True, pk__gt=after)
                    .order_by("pk")
                    .values_list("pk", *PAYLOAD_COLUMNS, "entry_mac")[:SEAL_BATCH]
                )
                if not pending:
                    break
                links = []
                sequence, previous = head.last_sequence, head.last_hash
                for pk, *values, mac in pending:
                    if not hmac.compare_digest(entry_mac(values, key), mac or ""):
                        logger.error("Audit entry id=%s has no valid content MAC: left unchained.", pk)
                        continue
                    sequence += 1
                    chain_hash = link_hash(previous, sequence, mac, key)
                    links.append((sequence, previous, chain_hash, pk))
                    previous = chain_hash
                after = pending[-1][0]
                if links:
                    _write_links(using, links)
                    head.last_sequence, head.last_hash = sequence, previous
                    sealed += len(links)
            if sealed:
                AuditChainHead.objects.using(using).filter(pk=1).update(
                    last_sequence=head.last_sequence, last_hash=head.last_hash
                )
    except (IntegrityError, DatabaseError) as error:
        # A forged row past the head takes the next sequence: nothing is chained until it is
        # found (verify_audit names it).
        logger.error("The audit trail could not be chained: %s", error)
        return 0
    return sealed


def _label(row) -> str:
    return f"审计记录 #{row[0]}"


def verify_audit_rows(rows, head: tuple[int, str] | None, *, key: bytes | None = None) -> Verification:
    """Walk a stream of ROW_COLUMNS tuples ordered by sequence against ``head``: each entry's
    content MAC, chain hash and link, with the shared walk of :mod:`.chain`."""
    key = key or chain_key()
    digest = hmac.digest

    # The changes come from the database already as it encodes them: no round trip here.
    def content_problem(row) -> str | None:
        if entry_mac(row[1:11], key) != row[11]:
            return f"{_label(row)} 的内容与其校验值不符：该记录被改动或伪造。"
        return None

    def hash_of(row) -> str:
        return digest(key, f"{row[12]}\n{row[0]}|{row[11]}".encode(), "sha256").hex()

    return verify_stream(
        rows, head, noun="审计记录", chain_label="审计链", hash_of=hash_of, content_problem=content_problem
    )


def verify_audit_chain(
    *, anchors_dir=None, digest: str | None = None, chunk_size: int = 5000
) -> Verification:
    """The whole audit chain verified in one streamed pass; problems name the first bad entry
    first. Entries not yet chained are checked for their content MAC (a forged one is named).
    Read in one snapshot (see ``chain.snapshot``): plain server-side cursors, no row written
    meanwhile taken for a forgery."""
    with snapshot():
        return _verify_audit_chain(anchors_dir=anchors_dir, digest=digest, chunk_size=chunk_size)


def _verify_audit_chain(*, anchors_dir, digest: str | None, chunk_size: int) -> Verification:
    key = chain_key()
    head = AuditChainHead.objects.filter(pk=1).values_list("last_sequence", "last_hash").first()
    rows = (
        AuditEntry.objects.filter(sequence__isnull=False)
        .order_by("sequence")
        .values_list(*ROW_COLUMNS)
        .iterator(chunk_size=chunk_size)
    )
    result = verify_audit_rows(rows, head, key=key)
    for pk, *values, mac in (
        AuditEntry.objects.filter(sequence__isnull=True)
        .order_by("pk")
        .values_list("pk", *PAYLOAD_COLUMNS, "entry_mac")
        .iterator(chunk_size=chunk_size)
    ):
        if not hmac.compare_digest(entry_mac(values, key), mac or ""):
            result.problems.append(f"未入链的审计记录（编号 {pk}）校验值无效：该记录被伪造或改动。")
    if anchors_dir is not None or digest:
        check_anchor_file(
            AUDIT_CHAIN_NAME,
            result,
            lambda wanted: dict(
                AuditEntry.objects.filter(sequence__in=wanted).values_list("sequence", "chain_hash")
            ),
            anchors_dir=anchors_dir,
            digest=digest,
        )
    return result


def audit_head() -> tuple[int, str] | None:
    return AuditChainHead.objects.filter(pk=1).values_list("last_sequence", "last_hash").first() or (
        0,
        GENESIS_HASH,
    )


def _verify_for_nightly(*, anchors_dir=None, digest=None) -> Verification:
    seal_pending()
    return verify_audit_chain(anchors_dir=anchors_dir, digest=digest)


AUDIT_CHAIN = RecordChain(
    name=AUDIT_CHAIN_NAME,
    label="审计日志链",
    verify=_verify_for_nightly,
    head=audit_head,
    alert_roles=(Role.ADMIN, Role.AUDIT_ADMIN),
)

register_chain(AUDIT_CHAIN)
