"""How fast the sign-off chain verifies.

    .venv/bin/python bench/bench_signoff_chain.py [rows]          # the verifier alone, rows in memory
    DEBUG=1 .venv/bin/python manage.py shell -c "import runpy; runpy.run_path('bench/bench_signoff_chain.py', run_name='db')"
                                                                  # verify_signoff_chain() on the current database

The first builds a valid keyed chain of ``rows`` sign-offs (default 1,000,000) in the text layout
PostgreSQL's COPY streams (``positions.chain.signoff_stream_row``) and times
``positions.chain.verify_rows`` over it; the second times ``verify_signoff_chain()`` (the chain
streamed from the database, revision hashes, item states, publications' seals). The whole
command, Django start-up included, against a county-scale database: ``bench/verify_signoffs_db.py``.
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
    from positions.chain import link_hash, signoff_stream_row

    key = chain_key()
    start = datetime.datetime(2021, 1, 1, tzinfo=datetime.UTC)
    previous, chain = GENESIS_HASH, []
    for sequence in range(1, rows + 1):
        values = (
            sequence,
            sequence // 5 + 1,
            3,
            sequence // 5 + 1,
            f"标题{sequence // 5}",
            "a" * 64,
            1,
            "first",
            "approve",
            "同意。",
            7,
            "审核人",
            "编辑",
            start + datetime.timedelta(minutes=sequence),
        )
        chain_hash = link_hash(previous, values, key)
        chain.append(
            signoff_stream_row(
                (*values, previous, chain_hash), current=True, binding_ok=True, of_approved_revision=True
            )
        )
        previous = chain_hash
    return chain, (rows, previous)


def bench_verifier(rows: int) -> None:
    from positions.chain import verify_rows

    chain, head = synthetic(rows)
    started = time.perf_counter()
    result = verify_rows(iter(chain), head)
    seconds = time.perf_counter() - started
    assert result.ok, result.problems[:3]
    print(f"verify_rows: {rows:,} sign-offs in {seconds:.2f} s = {rows / seconds:,.0f} sign-offs/s")


def bench_database() -> None:
    from positions.models import SignOff
    from positions.selectors import verify_signoff_chain

    count = SignOff.objects.count()
    started = time.perf_counter()
    result = verify_signoff_chain()
    seconds = time.perf_counter() - started
    print(
        f"verify_signoff_chain: {count:,} sign-offs in {seconds:.2f} s"
        f" = {count / seconds:,.0f} sign-offs/s; problems: {len(result.problems)}"
    )


if __name__ == "__main__":
    bench_verifier(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
elif __name__ == "db":
    bench_database()
