"""What every keyed record chain shares: the streamed verification of sequence, hash, link and
head, a registry of the chains, and the nightly verification that anchors each intact chain and
alerts at once when one is broken.

The nightly task that verifies every registered chain, anchors it and alerts is in
:mod:`.tasks` (which alone reaches the notifications).

A chain is a table whose rows carry a ``sequence`` (contiguous from 1), the ``previous_hash`` and
their own ``chain_hash`` (HMAC-SHA256 under the key of :mod:`ideology_office.common.anchors`), and
a one-row head holding the last sequence and hash. Two chains use this: the 三审三校 sign-offs
(``positions.chain``) and the audit trail (``ideology_office.common.audit_chain``). Each chain
says how a row's hash is computed; :func:`verify_stream` does the rest, in one pass, naming the
first bad row first (a forged, changed or renumbered row names itself).
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connections, transaction

from .anchors import GENESIS_HASH


@dataclass
class Verification:
    problems: list[str] = field(default_factory=list)
    rows: int = 0
    last_sequence: int = 0
    last_hash: str = GENESIS_HASH
    rounds: dict = field(default_factory=dict)  # what a chain collects on the way (sign-off rounds)

    @property
    def ok(self) -> bool:
        return not self.problems


def _gap(first: int, last: int) -> str:
    return f"#{first}" if first == last else f"#{first}–#{last}"


@dataclass
class ChainPart:
    """What a walk of consecutive rows of a chain found (``walk_part``), for ``join_parts``: the
    problems inside the part, and its ends. A chain is verified as one part, or in several parts
    read at once (``positions.selectors``); the seams between them are checked when joined."""

    problems: list[str] = field(default_factory=list)
    rows: int = 0
    first_sequence: int = 0
    first_previous: str = ""  # the previous hash stored in the first row (its seam)
    first_ok: bool = True  # the first row's own content and hash are right
    first_noun: str = ""
    last_sequence: int = 0
    last_hash: str = ""
    past_head: str | None = None  # the noun of the part's first row past the head


def walk_part(
    rows: Iterable[tuple],
    last_head: float,
    *,
    noun: str,
    hash_of: Callable[[tuple], str],
    content_problem: Callable[[tuple], str | None] | None = None,
    observe: Callable[[tuple], None] | None = None,
    noun_of: Callable[[tuple], str] | None = None,
) -> ChainPart:
    """Walk ``rows`` (see ``verify_stream``), consecutive rows of a chain whose head is at
    sequence ``last_head`` (infinity: no head row). The first row's link to the row before it and
    any gap before it are the seam, checked by ``join_parts``."""
    part = ChainPart()
    problems = part.problems
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return part

    def named(row) -> str:
        return noun_of(row) if noun_of is not None else noun

    def check(row) -> bool:
        """Add the row's own problem, if any; whether it has none."""
        content = content_problem(row) if content_problem is not None else None
        if content:
            problems.append(content)
            return False
        if hash_of(row) != row[-1]:
            problems.append(f"{named(row)} #{row[0]} 的链哈希无效：该记录被伪造、改动或重新编号。")
            return False
        return True

    part.first_sequence, part.first_previous, part.first_noun = first[0], first[-2], named(first)
    part.first_ok = check(first)
    if first[0] > last_head:
        part.past_head = part.first_noun
    previous, expected = first[-1], first[0] + 1
    rows_seen = 1
    if observe is not None:
        observe(first)
    past_head = part.past_head
    for row in iterator:
        sequence = row[0]
        if sequence > last_head and past_head is None:
            past_head = named(row)
        if sequence > expected:
            problems.append(f"{noun} {_gap(expected, sequence - 1)} 缺失：记录被删除或序号被改动。")
        # check(row) written out: a call per row costs a tenth of the walk of a million rows
        stored_previous, stored = row[-2], row[-1]
        content = content_problem(row) if content_problem is not None else None
        if content:
            problems.append(content)
        elif hash_of(row) != stored:
            problems.append(f"{named(row)} #{sequence} 的链哈希无效：该记录被伪造、改动或重新编号。")
        elif stored_previous != previous:
            problems.append(f"{named(row)} #{sequence} 的前一记录哈希不符：其前的记录被改动、删除或插入。")
        previous = stored
        expected = sequence + 1
        rows_seen += 1
        if observe is not None:
            observe(row)
    part.rows, part.past_head = rows_seen, past_head
    part.last_sequence, part.last_hash = expected - 1, previous
    return part


def join_parts(
    parts: Iterable[ChainPart],
    head: tuple[int, str] | None,
    *,
    noun: str,
    chain_label: str,
    result: Verification | None = None,
) -> Verification:
    """The verification of a chain walked in ``parts`` (in sequence order): each part's problems,
    in order, with those of the seams between them (a gap, a broken link) where they fall, then the
    head (see ``verify_stream``)."""
    result = result or Verification()
    problems = result.problems
    previous, expected = GENESIS_HASH, 1
    past_head = None
    rows_seen = 0
    for part in parts:
        if part.rows:
            first = part.first_sequence
            if first > expected:
                problems.append(f"{noun} {_gap(expected, first - 1)} 缺失：记录被删除或序号被改动。")
            if part.first_ok and part.first_previous != previous:
                problems.append(
                    f"{part.first_noun} #{first} 的前一记录哈希不符：其前的记录被改动、删除或插入。"
                )
            previous, expected = part.last_hash, part.last_sequence + 1
            past_head = past_head or part.past_head
        problems.extend(part.problems)
        rows_seen += part.rows
    result.rows += rows_seen
    result.last_sequence, result.last_hash = expected - 1, previous
    if head is None:
        if rows_seen:
            problems.append(f"{chain_label}头记录缺失：链尾无法确认（可能被截断）。")
    else:
        head_sequence, head_hash = head
        if result.last_sequence > head_sequence:
            problems.append(
                f"{past_head or noun} #{head_sequence + 1} 位于链头（#{head_sequence}）之后：不是经正常程序追加的记录。"
            )
        elif result.last_sequence < head_sequence:
            problems.append(f"{noun} {_gap(result.last_sequence + 1, head_sequence)} 缺失：链尾被截断。")
        elif head_hash != previous:
            problems.append(f"链头与{noun} #{head_sequence}不符：链头或链尾记录被改动。")
    return result


def verify_stream(
    rows: Iterable[tuple],
    head: tuple[int, str] | None,
    *,
    noun: str,
    chain_label: str,
    hash_of: Callable[[tuple], str],
    content_problem: Callable[[tuple], str | None] | None = None,
    observe: Callable[[tuple], None] | None = None,
    result: Verification | None = None,
    noun_of: Callable[[tuple], str] | None = None,
) -> Verification:
    """Check ``rows`` (tuples ordered by sequence: ``row[0]`` the sequence, ``row[-2]`` the stored
    previous hash, ``row[-1]`` the stored chain hash) against ``head`` = (last sequence, last hash),
    None when the head row is missing. ``hash_of(row)`` is the hash the row should carry;
    ``content_problem(row)`` may name a problem of the row's content first (e.g. a changed audit
    entry); ``observe(row)`` sees every row (e.g. to collect sign-off rounds); ``noun_of(row)`` names
    a row's kind when one chain holds several (sign-offs and publications), else ``noun``; it is
    asked only for a row that is named, so that the walk costs little more per row than the hash.
    The whole chain as one part: ``walk_part`` then ``join_parts``."""
    part = walk_part(
        rows,
        head[0] if head is not None else float("inf"),
        noun=noun,
        hash_of=hash_of,
        content_problem=content_problem,
        observe=observe,
        noun_of=noun_of,
    )
    return join_parts([part], head, noun=noun, chain_label=chain_label, result=result)


def check_anchor_file(
    name: str, result: Verification, hash_at: Callable[[set[int]], dict], *, anchors_dir=None, digest=None
) -> None:
    """Add to ``result`` the problems of chain ``name``'s anchors in ``anchors_dir``: lines whose own
    HMAC is wrong, a ``digest`` (printed on paper) that is not there, and anchored rows that are
    gone or have another hash now. ``hash_at(sequences)`` answers {sequence: stored chain hash}."""
    from . import anchors

    taken, problems = anchors.read_anchors(name, anchors_dir)
    result.problems.extend(problems)
    if digest and not any(anchor.digest.startswith(digest.lower()) for anchor in taken):
        result.problems.append(f"锚点文件中没有摘要为 {digest} 的锚点（锚点被删除，或不是这个库的摘要）。")
    taken = [anchor for anchor in taken if not digest or anchor.digest.startswith(digest.lower())] or taken
    stored = hash_at({anchor.sequence for anchor in taken})
    result.problems.extend(anchors.check_anchors(name, taken, stored.get))


@contextlib.contextmanager
def snapshot(using: str = "default") -> Iterator[None]:
    """One consistent, read-only view of the database for a whole verification (PostgreSQL:
    REPEATABLE READ), so that a row written meanwhile is not taken for a forgery, and so that the
    streamed queries read through plain server-side cursors (outside a transaction Django declares
    them WITH HOLD, and PostgreSQL then computes and stores the whole result before the first row).
    Inside a transaction already (a test, a caller's atomic block), that transaction is used."""
    connection = connections[using]
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SET LOCAL jit = off")  # compiling the plan costs more than it saves here
        yield


# COPY's text format escapes these (and the backslash) inside a value.
_COPY_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "\\": "\\"}
_COPY_ESCAPE = re.compile(r"\\(.)")


def _copy_unescape(value: str) -> str:
    return _COPY_ESCAPE.sub(lambda match: _COPY_ESCAPES.get(match.group(1), match.group(1)), value)


def copy_rows(sql: str, *, using: str = "default", raw=None) -> Iterator[list]:
    """The rows of ``SELECT`` ``sql`` on PostgreSQL as lists of text, each value as ``str()``
    would give it (NULL as ``None``), the first converted to int, streamed with ``COPY … TO
    STDOUT``: a reader thread writes the rows into a pipe that this generator reads line by line,
    so PostgreSQL produces the next rows while these are checked and memory holds only the pipe's
    buffers. COPY's text needs no conversion to Python values, most of what a cursor costs per
    row, and both ends of the pipe are C (no Python call per row but the caller's). ``raw``: a
    psycopg2 connection of one's own to read through instead of Django's ``using`` (a process
    walking part of a chain, see ``positions.selectors``)."""
    if raw is None:
        connection = connections[using]
        connection.ensure_connection()
        raw = connection.connection
    cursor = raw.cursor()
    read_end, write_end = os.pipe()
    sink = open(write_end, "wb", buffering=1 << 16)  # noqa: SIM115 - closed by the reader thread
    lines = open(read_end, encoding="utf-8", newline="\n", buffering=1 << 16)  # noqa: SIM115 - closed below
    failure: list[BaseException] = []

    def read() -> None:
        try:
            cursor.copy_expert(f"COPY ({sql}) TO STDOUT WITH (NULL 'None')", sink)
        except BaseException as error:  # raised by the consumer, unless it stopped reading
            failure.append(error)
        finally:
            with contextlib.suppress(OSError):
                sink.close()

    reader = threading.Thread(target=read, name="copy-rows", daemon=True)
    reader.start()
    try:
        for line in lines:
            if "\\" in line:
                values = [_copy_unescape(value) for value in line[:-1].split("\t")]
            else:
                values = line[:-1].split("\t")
            values[0] = int(values[0])
            yield values
    finally:
        lines.close()  # a reader still writing gets a broken pipe and stops
        reader.join()
        cursor.close()
    if failure:
        raise failure[0]


@dataclass(frozen=True)
class RecordChain:
    """A chain the nightly task verifies: ``verify(anchors_dir=…, digest=…)`` returns a
    Verification, ``head()`` the (last sequence, last hash) to anchor after a clean pass, and
    ``alert_roles`` who is told at once when it does not verify."""

    name: str
    label: str
    verify: Callable[..., Verification]
    head: Callable[[], tuple[int, str] | None]
    alert_roles: tuple[str, ...]


_chains: dict[str, RecordChain] = {}


def register_chain(chain: RecordChain) -> None:
    _chains[chain.name] = chain


def registered_chains() -> list[RecordChain]:
    return list(_chains.values())
