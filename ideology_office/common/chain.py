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

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

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
    a row's kind when one chain holds several (sign-offs and publications), else ``noun``."""
    result = result or Verification()
    problems = result.problems
    previous = GENESIS_HASH
    expected = 1
    rows_seen = 0
    past_head = None  # the first row past the head, named itself
    for row in rows:
        sequence = row[0]
        row_noun = noun_of(row) if noun_of is not None else noun
        if head is not None and past_head is None and sequence > head[0]:
            past_head = row_noun
        if sequence != expected and sequence > expected:
            problems.append(f"{noun} {_gap(expected, sequence - 1)} 缺失：记录被删除或序号被改动。")
        stored_previous, stored = row[-2], row[-1]
        content = content_problem(row) if content_problem is not None else None
        if content:
            problems.append(content)
        elif hash_of(row) != stored:
            problems.append(f"{row_noun} #{sequence} 的链哈希无效：该记录被伪造、改动或重新编号。")
        elif stored_previous != previous:
            problems.append(f"{row_noun} #{sequence} 的前一记录哈希不符：其前的记录被改动、删除或插入。")
        previous = stored
        expected = sequence + 1
        rows_seen += 1
        if observe is not None:
            observe(row)
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
