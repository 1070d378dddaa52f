"""How fast the audit chain verifies, and what chaining costs each entry written.

    .venv/bin/python bench/bench_audit_chain.py [rows]             # the verifier alone, rows in memory
    DEBUG=1 .venv/bin/python manage.py shell -c "import runpy; runpy.run_path('bench/bench_audit_chain.py', run_name='db')"
                                                                   # on the current database: write, chain, verify

The first builds a valid keyed audit chain of ``rows`` entries (default 1,000,000; each with a
small old → new change, as a field edit leaves) and times
``ideology_office.common.audit_chain.verify_audit_rows`` over it as a stream. The second writes
20,000 entries through the audit trail's own write path (in one transaction, as a bulk update
does), chains them (``seal_pending``, what runs right after the commit) and times
``verify_audit_chain()`` over the whole table. It leaves the 20,000 entries behind: run it on a
scratch database.
"""

import datetime
import os
import sys
import time

if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ideology_office.settings.local")
    import django

    django.setup()


def synthetic(rows: int):
    from ideology_office.common.anchors import GENESIS_HASH, chain_key
    from ideology_office.common.trail import entry_mac, link_hash

    key = chain_key()
    start = datetime.datetime(2021, 1, 1, tzinfo=datetime.UTC)
    previous, chain = GENESIS_HASH, []
    for sequence in range(1, rows + 1):
        values = [
            start + datetime.timedelta(seconds=sequence),
            7,
            "zhanghua",
            "10.0.0.7",
            "update",
            False,
            42,
            str(sequence // 3),
            f"中心组学习 · 2024-03-{sequence % 28 + 1:02d} · 学习主题{sequence}",
            {"topic": [f"旧主题{sequence}", f"新主题{sequence}"], "location": ["三楼会议室", "五楼会议室"]},
        ]
        mac = entry_mac(values, key)
        chain_hash = link_hash(previous, sequence, mac, key)
        chain.append((sequence, *values, mac, previous, chain_hash))
        previous = chain_hash
    return chain, (rows, previous)


def bench_verifier(rows: int) -> None:
    from ideology_office.common.audit_chain import verify_audit_rows

    chain, head = synthetic(rows)
    started = time.perf_counter()
    result = verify_audit_rows(iter(chain), head)
    seconds = time.perf_counter() - started
    assert result.ok, result.problems[:3]
    print(f"verify_audit_rows: {rows:,} entries in {seconds:.2f} s = {rows / seconds:,.0f} entries/s")


def bench_database(count: int = 20_000) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from ideology_office.common.audit import _entry_for, _write_entries, audit_context
    from ideology_office.common.audit_chain import seal_pending, verify_audit_chain
    from ideology_office.common.models import AuditEntry

    content_type = ContentType.objects.get_for_model(AuditEntry)
    seal_pending()
    with audit_context(label="bench"):
        entries = [
            _entry_for(
                content_type,
                number,
                "update",
                {"topic": [f"旧主题{number}", f"新主题{number}"]},
                is_bulk=True,
                text=f"bench {number}",
            )
            for number in range(count)
        ]
    started = time.perf_counter()
    with transaction.atomic():
        # Inside the transaction: chaining waits for the commit.
        _write_entries(entries, "default")
        written = time.perf_counter()
    sealed = time.perf_counter()
    # on_commit ran seal_pending when the block above committed.
    assert not AuditEntry.objects.filter(sequence__isnull=True).exists()
    write_us = (written - started) / count * 1e6
    seal_us = (sealed - written) / count * 1e6
    total = AuditEntry.objects.count()
    began = time.perf_counter()
    result = verify_audit_chain()
    seconds = time.perf_counter() - began
    print(
        f"{connection.vendor}: writing {count:,} entries {write_us:.1f} µs/entry, chaining them after"
        f" the commit {seal_us:.1f} µs/entry; verify_audit_chain: {total:,} entries in {seconds:.2f} s"
        f" = {total / seconds:,.0f} entries/s; problems: {len(result.problems)}"
    )


if __name__ == "__main__":
    bench_verifier(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
elif __name__ == "db":
    bench_database()
