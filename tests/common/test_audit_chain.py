"""The audit chain against someone with write access to the database but not the chain key: each
way of rewriting the record that issue #15 lists for sign-offs is done to audit entries in SQL, and
``verify_audit`` names the right entry (the forged one itself when one is inserted) and exits
non-zero; a rollback of the tail with the head moved back is found by the anchors."""

import ast
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from ideology_office.common import audit_chain
from ideology_office.common.anchors import GENESIS_HASH, write_anchor
from ideology_office.common.audit import audit_context
from ideology_office.common.audit_chain import seal_pending, verify_audit_chain
from ideology_office.common.models import AuditChainHead, AuditEntry
from ideology_office.common.trail import AUDIT_CHAIN_NAME, entry_mac, link_hash
from tests.testapp.models import Dossier

pytestmark = pytest.mark.django_db

WRONG_KEY = b"the attacker does not have the key"


@pytest.fixture(autouse=True)
def anchors(settings, tmp_path):
    settings.RECORD_ANCHOR_DIR = str(tmp_path)
    return tmp_path


@pytest.fixture
def chain(staff):
    """Twelve entries, chained."""
    with audit_context(user=staff, remote_addr="10.0.0.7"):
        for number in range(6):
            dossier = Dossier.objects.create(title=f"卷宗{number}", owner=staff)
            dossier.title = f"卷宗{number}（改）"
            dossier.save()
    seal_pending()
    return list(AuditEntry.objects.chained().order_by("sequence"))


def _sql(query, params=()):
    """As someone with the database's own rights: on PostgreSQL past the append-only triggers
    (which a superuser can switch off for the session), on SQLite straight in."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(query, params)
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = DEFAULT")


def _problems():
    return verify_audit_chain().problems


def _command_fails(capsys, *args) -> str:
    with pytest.raises(CommandError):
        call_command("verify_audit", "--no-seal", *args, stdout=io.StringIO())
    return capsys.readouterr().err


def _forge(sequence, previous, *, key=WRONG_KEY, title="伪造"):
    """Insert an entry in SQL with a MAC and chain hash computed under ``key``."""
    template = AuditEntry.objects.chained().order_by("sequence").first()
    changes = {"title": title}
    values = [
        template.timestamp,
        None,
        "forger",
        None,
        "create",
        False,
        template.content_type_id,
        "999",
        title,
        changes,
    ]
    mac = entry_mac(values, key)
    chain_hash = link_hash(previous, sequence, mac, key)
    _sql(
        "INSERT INTO common_auditentry (timestamp, actor_label, action, is_bulk, content_type_id,"
        " object_pk, object_repr, changes, entry_mac, sequence, previous_hash, chain_hash)"
        " VALUES (%s, 'forger', 'create', %s, %s, '999', %s, %s, %s, %s, %s, %s)",
        [
            template.timestamp,
            False,
            template.content_type_id,
            title,
            json.dumps(changes, ensure_ascii=False),
            mac,
            sequence,
            previous,
            chain_hash,
        ],
    )
    return chain_hash


@pytest.mark.django_db(transaction=True)
def test_entries_are_chained_once_their_transaction_commits(monkeypatch, staff):
    from django.db import transaction

    calls = []
    real_seal = audit_chain.seal_pending
    monkeypatch.setattr(audit_chain, "seal_pending", lambda **kw: calls.append(1) or real_seal(**kw))
    with transaction.atomic():
        for number in range(3):
            Dossier.objects.create(title=f"新{number}", owner=staff)
        # Not before the commit: the head lock stays out of the business transaction.
        assert AuditEntry.objects.filter(sequence__isnull=True).count() == 3
    # One sealing per transaction, whatever the number of writes.
    assert len(calls) == 1
    head = AuditChainHead.objects.get(pk=1)
    assert head.last_sequence == AuditEntry.objects.count() >= 3
    assert not AuditEntry.objects.filter(sequence__isnull=True).exists()
    sequences = list(AuditEntry.objects.chained().order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, head.last_sequence + 1))
    # Outside a transaction, at once.
    Dossier.objects.create(title="单独", owner=staff)
    assert AuditChainHead.objects.get(pk=1).last_sequence == head.last_sequence + 1
    assert verify_audit_chain().problems == []


def test_an_untouched_chain_verifies(chain, capsys):
    assert len(chain) >= 12 and _problems() == []
    call_command("verify_audit", "--anchor")
    out = capsys.readouterr().out
    assert "审计日志链完整" in out and "已写入锚点" in out


def test_an_edited_entry_is_named(chain, capsys):
    victim = chain[4]
    _sql("UPDATE common_auditentry SET object_repr = '改过' WHERE id = %s", [victim.pk])
    problems = _problems()
    assert problems[0].startswith(f"审计记录 #{victim.sequence} 的内容与其校验值不符")
    assert f"#{victim.sequence}" in _command_fails(capsys)


def test_an_edited_change_value_is_named(chain):
    victim = chain[3]
    _sql(
        "UPDATE common_auditentry SET changes = %s WHERE id = %s",
        [json.dumps({"title": ["甲", "乙"]}, ensure_ascii=False), victim.pk],
    )
    assert _problems()[0].startswith(f"审计记录 #{victim.sequence} 的内容与其校验值不符")


def test_a_deleted_middle_entry_is_named(chain, capsys):
    victim = chain[5]
    _sql("DELETE FROM common_auditentry WHERE id = %s", [victim.pk])
    problems = _problems()
    assert problems[0].startswith(f"审计记录 #{victim.sequence} 缺失")
    assert f"#{victim.sequence}" in _command_fails(capsys)


def test_a_forged_append_without_moving_the_head_is_named(chain, capsys):
    last = chain[-1]
    _forge(last.sequence + 1, last.chain_hash)
    problems = _problems()
    assert problems[0].startswith(f"审计记录 #{last.sequence + 1} 的")
    assert any("位于链头" in problem for problem in problems)
    assert f"#{last.sequence + 1}" in _command_fails(capsys)


def test_a_forged_append_with_the_head_moved_is_named(chain):
    last = chain[-1]
    forged = _forge(last.sequence + 1, last.chain_hash)
    _sql("UPDATE common_auditchainhead SET last_sequence = %s, last_hash = %s", [last.sequence + 1, forged])
    assert _problems()[0].startswith(f"审计记录 #{last.sequence + 1} 的内容与其校验值不符")


def test_a_forged_entry_inserted_mid_chain_with_everything_after_recomputed_is_named(chain):
    at = chain[6].sequence
    # Make room, then recompute every later hash and the head under the attacker's key.
    _sql("UPDATE common_auditentry SET sequence = sequence + 1000000 WHERE sequence >= %s", [at])
    _sql("UPDATE common_auditentry SET sequence = sequence - 1000000 + 1 WHERE sequence >= 1000000")
    previous = _forge(at, chain[5].chain_hash)
    for entry in chain[6:]:
        new_hash = link_hash(previous, entry.sequence + 1, entry.entry_mac, WRONG_KEY)
        _sql(
            "UPDATE common_auditentry SET previous_hash = %s, chain_hash = %s WHERE id = %s",
            [previous, new_hash, entry.pk],
        )
        previous = new_hash
    _sql(
        "UPDATE common_auditchainhead SET last_sequence = %s, last_hash = %s",
        [chain[-1].sequence + 1, previous],
    )
    assert _problems()[0].startswith(f"审计记录 #{at} 的内容与其校验值不符")


def test_a_truncated_tail_is_named(chain):
    last = chain[-1]
    _sql("DELETE FROM common_auditentry WHERE sequence >= %s", [last.sequence - 1])
    assert any(f"#{last.sequence - 1}–#{last.sequence} 缺失：链尾被截断" in p for p in _problems())


def test_a_deleted_head_is_named(chain):
    _sql("DELETE FROM common_auditchainhead")
    assert any("审计链头记录缺失" in problem for problem in _problems())


def test_renumbered_entries_are_named(chain):
    a, b = chain[2], chain[3]
    _sql("UPDATE common_auditentry SET sequence = 1000000 WHERE id = %s", [a.pk])
    _sql("UPDATE common_auditentry SET sequence = %s WHERE id = %s", [a.sequence, b.pk])
    _sql("UPDATE common_auditentry SET sequence = %s WHERE id = %s", [b.sequence, a.pk])
    assert _problems()[0].startswith(f"审计记录 #{a.sequence} 的链哈希无效")


def test_a_rollback_with_the_head_moved_back_is_found_by_the_anchors(chain, anchors, capsys):
    call_command("verify_audit", "--anchor", stdout=io.StringIO())
    last, kept = chain[-1], chain[-4]
    _sql("DELETE FROM common_auditentry WHERE sequence > %s", [kept.sequence])
    _sql(
        "UPDATE common_auditchainhead SET last_sequence = %s, last_hash = %s",
        [kept.sequence, kept.chain_hash],
    )
    # Without the anchors the shorter chain is whole...
    assert _problems() == []
    # ...the anchor remembers the row that is gone.
    problems = verify_audit_chain(anchors_dir=anchors).problems
    assert any(f"第 #{last.sequence} 条已不存在" in problem for problem in problems)
    assert f"#{last.sequence}" in _command_fails(capsys, "--anchors", str(anchors))


def test_a_recomputed_chain_is_found_by_the_digest(chain, anchors, capsys):
    anchor = write_anchor(AUDIT_CHAIN_NAME, chain[-1].sequence, chain[-1].chain_hash)
    previous = GENESIS_HASH
    for entry in chain:
        new_hash = link_hash(previous, entry.sequence, entry.entry_mac, WRONG_KEY)
        _sql(
            "UPDATE common_auditentry SET previous_hash = %s, chain_hash = %s WHERE id = %s",
            [previous, new_hash, entry.pk],
        )
        previous = new_hash
    err = _command_fails(capsys, "--digest", anchor.short)
    assert "与锚点" in err


def test_a_forged_unchained_entry_is_never_chained_and_is_named(chain):
    template = chain[0]
    _sql(
        "INSERT INTO common_auditentry (timestamp, actor_label, action, is_bulk, content_type_id,"
        " object_pk, object_repr, changes, entry_mac, previous_hash, chain_hash)"
        " VALUES (%s, 'forger', 'create', %s, %s, '1', '伪造', '{}', %s, '', '')",
        [template.timestamp, False, template.content_type_id, "0" * 64],
    )
    assert seal_pending() == 0
    problems = _problems()
    assert len(problems) == 1 and "未入链的审计记录" in problems[0]


def test_the_audit_module_does_not_import_the_models_module():
    """Issue #14: the dependency goes one way, models → audit → trail; no import of
    ``common.models`` anywhere in ``common/audit.py``, not even inside a function."""
    source = Path(audit_chain.__file__).with_name("audit.py").read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            module = ("." * node.level) + (node.module or "")
            assert module not in (".models", "ideology_office.common.models"), module
    for name in ("trail.py", "audit_chain.py", "chain.py", "anchors.py"):
        source = Path(audit_chain.__file__).with_name(name).read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom):
                assert (node.module or "") not in ("models", "audit", "ideology_office.common.models")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's")
def test_postgresql_refuses_every_rewrite_of_the_trail(chain, staff):
    from django.db import DatabaseError, transaction

    victim = chain[0]
    refused = [
        ("UPDATE common_auditentry SET object_repr = 'x' WHERE id = %s", [victim.pk]),
        ("UPDATE common_auditentry SET sequence = NULL, chain_hash = '' WHERE id = %s", [victim.pk]),
        ("UPDATE common_auditentry SET chain_hash = %s WHERE id = %s", ["f" * 64, victim.pk]),
        ("DELETE FROM common_auditentry WHERE id = %s", [victim.pk]),
        ("DELETE FROM common_auditchainhead", []),
        ("UPDATE common_auditchainhead SET last_sequence = last_sequence - 1", []),
    ]
    for query, params in refused:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(query, params)
    # Chaining (unchained → chained, nothing else) is the one change allowed.
    with audit_context(label="test"):
        Dossier.objects.create(title="待入链", owner=staff)
    assert seal_pending() == 1
    assert verify_audit_chain().problems == []


def test_the_nightly_task_verifies_both_chains_and_alerts_when_the_audit_chain_breaks(chain, anchors):
    from ideology_office.accounts.roles import Role
    from ideology_office.common.anchors import read_anchors
    from ideology_office.common.tasks import verify_record_chains
    from ideology_office.notifications.models import OutboxItem
    from tests.factories import UserFactory

    auditor = UserFactory(username="aud9", roles=[Role.AUDIT_ADMIN])
    admin = UserFactory(username="adm9", roles=[Role.ADMIN])
    result = verify_record_chains()
    assert set(result) == {"signoffs", AUDIT_CHAIN_NAME}
    assert all(outcome["ok"] for outcome in result.values())
    assert len(read_anchors(AUDIT_CHAIN_NAME, anchors)[0]) == 1
    assert len(read_anchors("signoffs", anchors)[0]) == 1
    _sql("UPDATE common_auditentry SET object_repr = '改过' WHERE id = %s", [chain[1].pk])
    result = verify_record_chains()
    assert result["signoffs"]["ok"] and not result[AUDIT_CHAIN_NAME]["ok"]
    for person in (auditor, admin):
        alert = OutboxItem.objects.get(recipient=person)
        assert alert.urgent and "审计日志链核验未通过" in alert.title
        assert f"审计记录 #{chain[1].sequence}" in alert.body
    # No anchor blesses a broken chain.
    assert len(read_anchors(AUDIT_CHAIN_NAME, anchors)[0]) == 1


def test_the_migration_chains_the_entries_written_before_the_chain(staff):
    import importlib
    from types import SimpleNamespace

    from django.apps import apps

    migration = importlib.import_module(
        "ideology_office.common.migrations.0004_chain_existing_entries_and_triggers"
    )
    with audit_context(user=staff, remote_addr="10.0.0.8"):
        for number in range(4):
            Dossier.objects.create(title=f"迁移前{number}", owner=staff)
    # As before the chain existed: no MAC, no sequence, no head.
    _sql("UPDATE common_auditentry SET entry_mac = '', sequence = NULL, previous_hash = '', chain_hash = ''")
    _sql("DELETE FROM common_auditchainhead")
    if connection.vendor == "postgresql":
        # The migration alters the table: no deferred constraint checks may be pending (a test
        # transaction has them; a real migration starts fresh).
        _sql("SET CONSTRAINTS ALL IMMEDIATE")
    migration.chain_existing(apps, SimpleNamespace(connection=connection))
    total = AuditEntry.objects.count()
    assert not AuditEntry.objects.filter(sequence__isnull=True).exists()
    assert AuditChainHead.objects.get(pk=1).last_sequence == total
    assert verify_audit_chain().problems == []
    # In id order, so the chain reads as the trail was written.
    ids = list(AuditEntry.objects.order_by("sequence").values_list("pk", flat=True))
    assert ids == sorted(ids)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need a server database")
@pytest.mark.django_db(transaction=True)
def test_entries_written_from_many_transactions_at_once_chain_without_gaps_or_forks(staff):
    """Four threads, each committing its own transactions (each chaining after its commit): the
    sealers queue on the head row, so the sequence is 1..N with no gap, no fork, all verified."""
    import threading

    from django.db import connections, transaction

    errors = []

    def writer(number):
        try:
            for round_ in range(8):
                with transaction.atomic(), audit_context(label=f"writer{number}"):
                    Dossier.objects.create(title=f"并发{number}-{round_}", owner_id=staff.pk)
                    Dossier.objects.create(title=f"并发{number}-{round_}b", owner_id=staff.pk)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seal_pending()
    total = AuditEntry.objects.count()
    sequences = list(AuditEntry.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, total + 1))
    assert AuditChainHead.objects.get(pk=1).last_sequence == total
    assert verify_audit_chain().problems == []
