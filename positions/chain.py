"""The sign-off chain of the 三审三校 record: what each row's keyed hash covers, and its verification.

Each sign-off's ``chain_hash`` is HMAC-SHA256 (key outside the database, see
``ideology_office.common.anchors``) of the previous row's hash and the row's payload: its
sequence, the item, the item's platform, the revision and its title, the SHA-256 of the revision's
exact text, the round, step, decision, opinion, signer (id, name, title) and the time. Each
publication takes its place in the same chain (one sequence, one head): its ``chain_hash`` binds
its sequence, the item, platform, published revision, its title and text hash, the publisher, the
address or post id and the time (and it keeps its older seal under the same key). Verification
streams both tables once, merged by sequence (``verify_rows``), and checks:

* sequence numbers contiguous from 1 to the head; the head exists; no row past it;
* each row's hash under the key (a forged, changed or renumbered row is named itself), and each
  row's link to the one before;
* each signed revision's text still has its hash; each item's title is its current revision's;
* each approved or published item has the approvals of every required step on its approved
  revision in its current round, and each publication its seal and that revision;
* with anchors: every anchored row still has its anchored hash.
"""

from __future__ import annotations

import datetime
import hmac
from array import array
from dataclasses import dataclass

from ideology_office.common.anchors import chain_key
from ideology_office.common.chain import ChainPart, Verification, join_parts, walk_part

try:  # CPython's OpenSSL HMAC object, which hmac.HMAC wraps
    from _hashlib import hmac_new as _openssl_hmac
except ImportError:  # pragma: no cover - a Python without OpenSSL
    _openssl_hmac = None

CHAIN_NAME = "signoffs"
NOUN = "签批记录"

# The columns verification reads, in the payload's order (then the stored hashes).
PAYLOAD_COLUMNS = (
    "sequence",
    "item_id",
    "item__platform_id",
    "revision_id",
    "revision__title",
    "content_sha256",
    "review_round",
    "step",
    "decision",
    "opinion",
    "signer_id",
    "signer_name",
    "signer_title",
    "signed_at",
)
ROW_COLUMNS = (*PAYLOAD_COLUMNS, "previous_hash", "chain_hash")


UTC = datetime.UTC


def moment(value: datetime.datetime) -> str:
    """The time as the hash covers it: ISO 8601 in UTC."""
    return value.astimezone(UTC).isoformat()


def payload(values) -> str:
    """``values`` in PAYLOAD_COLUMNS order, the time last."""
    *head, signed_at = values
    return "|".join((*map(str, head), moment(signed_at)))


def link_hash(previous_hash: str, values, key: bytes | None = None) -> str:
    return hmac.new(key or chain_key(), f"{previous_hash}\n{payload(values)}".encode(), "sha256").hexdigest()


PUBLICATION_COLUMNS = (
    "item_id",
    "item__platform_id",
    "revision_id",
    "revision__title",
    "content_sha256",
    "published_by_id",
    "url",
    "post_id",
    "published_at",
)


def publication_seal(values, key: bytes | None = None) -> str:
    """``values`` in PUBLICATION_COLUMNS order."""
    return link_hash("publication", values, key)


# A publication's place in the chain: its sequence, then PUBLICATION_COLUMNS (the time last).
PUBLICATION_CHAIN_COLUMNS = ("sequence", *PUBLICATION_COLUMNS)
PUBLICATION_ROW_COLUMNS = (*PUBLICATION_CHAIN_COLUMNS, "previous_hash", "chain_hash")
# The kind marker in a publication's payload, so that no publication row hashes like a sign-off.
PUBLICATION_MARK = "publication"


def publication_link_hash(previous_hash: str, values, key: bytes | None = None) -> str:
    """``values`` in PUBLICATION_CHAIN_COLUMNS order."""
    return link_hash(previous_hash, (values[0], PUBLICATION_MARK, *values[1:]), key)


# What the chain says about an item's current round, folded sign-off by sign-off into one int (a
# million sign-offs leave one small int per item in memory, not a structure): a bit per step
# approved (its last approval), the same bit shifted by 8 when that approval is not of the item's
# approved revision, and RETURNED when anything but an approval was signed in the round.
STEP_BITS = {"first": 1, "second": 2, "final": 4, "leader": 8, "proof1": 16, "proof2": 32, "proof3": 64}
OTHER_STEP = 128  # a step the model does not know (its choices): all such steps share this bit
RETURNED = 1 << 16
ANOTHER_REVISION = 0xFF << 8


def fold_round(state: int, step: str, decision: str, of_approved_revision: bool) -> int:
    """``state`` after one sign-off of the item's current round (start from 0)."""
    if decision != "approve":
        return state | RETURNED
    bit = STEP_BITS.get(step, OTHER_STEP)
    return (state | bit) & ~(bit << 8) if of_approved_revision else state | bit | bit << 8


# The rows ``verify_rows`` walks: one layout for both kinds, every value as text (as ``str()`` gives
# it: PostgreSQL's COPY sends them so, see ``positions.selectors``) but the sequence, an int.
#   0 sequence, 1 kind ("s" sign-off, "p" publication), 2 the time as the hash covers it (``moment``),
#   3 "t" when a sign-off is of its item's current round, 4 "t" when a sign-off's content_sha256 is
#   still its revision's sha256, 5 "t" when it signs its item's approved revision, 6–17 the payload
#   after the sequence (a sign-off: PAYLOAD_COLUMNS[1:13]; a publication: PUBLICATION_MARK and
#   PUBLICATION_COLUMNS[:-1], then three "None"), 18 previous_hash, 19 chain_hash.
SIGNOFF, PUBLICATION = "s", "p"
TRUE, FALSE = "t", "f"


def _flag(value: bool) -> str:
    return TRUE if value else FALSE


def signoff_stream_row(values, *, current: bool, binding_ok: bool, of_approved_revision: bool) -> list:
    """A sign-off as ``verify_rows`` reads it, from ROW_COLUMNS ``values`` (Python values)."""
    *head, signed_at, previous, chain_hash = values
    flags = (_flag(current), _flag(binding_ok), _flag(of_approved_revision))
    return [head[0], SIGNOFF, moment(signed_at), *flags, *map(str, head[1:]), previous, chain_hash]


def publication_stream_row(values) -> list:
    """A publication as ``verify_rows`` reads it, from PUBLICATION_ROW_COLUMNS ``values``."""
    sequence, *head, published_at, previous, chain_hash = values
    padding = ("None",) * 3
    return [
        sequence,
        PUBLICATION,
        moment(published_at),
        FALSE,
        TRUE,
        FALSE,
        PUBLICATION_MARK,
        *map(str, head),
        *padding,
        previous,
        chain_hash,
    ]


@dataclass
class SignOffPart:
    """A part of the chain walked by ``walk_rows``: the shared walk's ``ChainPart``, the items'
    current rounds seen in it ({item_id: ``fold_round`` state}) and the first 20 sign-offs in it
    whose revision no longer has the hash they bind. Small enough to pass between processes."""

    walked: ChainPart
    rounds: dict
    bindings: list


def _keyed_hmac(key: bytes):
    """HMAC-SHA256 under ``key``, ready to be copied per row: OpenSSL's own object when there is
    one (its copy, update and hexdigest are C calls; ``hmac.HMAC`` wraps each in Python)."""
    if _openssl_hmac is not None:
        return _openssl_hmac(key, digestmod="sha256")
    return hmac.new(key, digestmod="sha256")


def walk_rows(rows, last_head: float, *, key: bytes | None = None) -> SignOffPart:
    """Walk consecutive rows of the chain in the layout above (the whole chain, or a part of it
    read apart), the head at sequence ``last_head`` (infinity: no head row).

    Per row: one HMAC (a copy of the keyed state, not a new key schedule) over text joined once."""
    copy = _keyed_hmac(key or chain_key()).copy
    join = "|".join
    collected: dict = {}
    bound: list = []

    def hash_of(row) -> str:
        state = copy()
        body = join(row[6:18]) if row[1] == SIGNOFF else join(row[6:15])
        state.update(f"{row[18]}\n{row[0]}|{body}|{row[2]}".encode())
        return state.hexdigest()

    def observe(row) -> None:
        if row[1] != SIGNOFF:
            return
        if row[4] != TRUE and len(bound) < 20:
            bound.append(row[0])
        if row[3] == TRUE:
            item_id = int(row[6])
            collected[item_id] = fold_round(collected.get(item_id, 0), row[12], row[13], row[5] == TRUE)

    walked = walk_part(
        rows,
        last_head,
        noun=NOUN,
        hash_of=hash_of,
        observe=observe,
        noun_of=lambda row: "发布记录" if row[1] == PUBLICATION else NOUN,
    )
    return SignOffPart(walked, collected, bound)


def merge_rounds(earlier: dict, later: dict) -> dict:
    """``earlier`` (changed) with the rounds of a later part of the chain folded in: what
    ``fold_round`` gives over both parts' sign-offs in order. A step approved in the later part
    takes its revision flag from there; every other bit of both is kept."""
    for item_id, state in later.items():
        before = earlier.get(item_id)
        earlier[item_id] = state if before is None else (before & ~((state & 0xFF) << 8)) | state
    return earlier


def join_rows(
    parts: list[SignOffPart], head: tuple[int, str] | None, *, bindings: list | None = None
) -> Verification:
    """The verification of the chain walked in ``parts`` (in sequence order) against the head
    ``(last_sequence, last_hash)`` (None: no head row). The result's ``rounds`` holds each item's
    current round for ``item_problems``; ``bindings`` (when given) receives the sequences of the
    first 20 sign-offs whose revision no longer has the hash they bind."""
    result = join_parts([part.walked for part in parts], head, noun=NOUN, chain_label="签批链")
    rounds: dict = {}
    for part in parts:
        rounds = merge_rounds(rounds, part.rounds) if rounds else part.rounds
        if bindings is not None:
            bindings.extend(part.bindings[: 20 - len(bindings)])
    result.rounds = rounds
    return result


def verify_rows(
    rows, head: tuple[int, str] | None, *, key: bytes | None = None, bindings: list | None = None
) -> Verification:
    """Check a stream of rows in the layout above, ordered by sequence, against the head, with
    the shared walk of ``ideology_office.common.chain``: the whole chain as one part (see
    ``walk_rows`` and ``join_rows``)."""
    last_head = head[0] if head is not None else float("inf")
    return join_rows([walk_rows(rows, last_head, key=key)], head, bindings=bindings)


# The values of positions.models' Step and ContentItem.Sensitivity the rule needs (the chain does
# not import the models: they import it; tests/positions/test_chain_tamper.py pins the values).
REQUIRED_STEPS = ("first", "second", "final")
LEADER_STEP = "leader"
HIGH_SENSITIVITY = "high"

APPROVED_STATES = ("approved", "published", "taken_down")


def item_problems(items, rounds: dict, publications, *, key: bytes | None = None) -> list[str]:
    """Problems of each item's state against the chain. ``items``: tuples (id, title, status,
    review_round, sensitivity, current_revision_id, approved_revision_id, current revision's title);
    ``rounds``: {item_id: ``fold_round`` state}; ``publications``: anything whose ``get(item_id)`` gives
    the PUBLICATION_COLUMNS + (seal,) of the item's publication or None (a dict, or the stream by item)."""
    return item_checks(items, publications, key=key).problems(rounds)


class ItemChecks:
    """The items read and checked but for their rounds (``item_checks``), so that they can be read
    while the chain is still being walked: what each approved item's current round must hold,
    packed in item order, and the problems found meanwhile, around where a round's problem goes."""

    def __init__(self) -> None:
        self.required = array("q")  # item_id << 8 | the step bits its round must hold
        self.noted: dict[int, tuple[list[str], list[str]]] = {}  # item_id: (before, after) its round

    def problems(self, rounds: dict) -> list[str]:
        """Every item's problems in item order, with those of its round (``rounds``: {item_id:
        ``fold_round`` state}, the chain's)."""
        found: list[str] = []
        noted = iter(self.noted.items())
        pending = next(noted, None)
        for packed in self.required:
            item_id, required = packed >> 8, packed & 0xFF
            while pending is not None and pending[0] < item_id:
                found += pending[1][0] + pending[1][1]
                pending = next(noted, None)
            before: list[str] = []
            after: list[str] = []
            if pending is not None and pending[0] == item_id:
                (before, after), pending = pending[1], next(noted, None)
            found += before
            state = rounds.get(item_id, 0)
            if state & required != required or state & RETURNED:
                found.append(f"内容条目 #{item_id} 的状态为已批准或已发布，但签批链中本轮签批不全。")
            elif state & ANOTHER_REVISION:
                found.append(f"内容条目 #{item_id} 的批准版本不是签批链中签署的版本。")
            found += after
        while pending is not None:
            found += pending[1][0] + pending[1][1]
            pending = next(noted, None)
        return found


def item_checks(items, publications, *, key: bytes | None = None) -> ItemChecks:
    """``items`` and ``publications`` (see ``item_problems``) checked, all but their rounds."""
    key = key or chain_key()
    checks = ItemChecks()
    required_bits = sum(STEP_BITS[step] for step in REQUIRED_STEPS)
    for item_id, title, status, _round, sensitivity, current_id, approved_id, current_title in items:
        name = f"内容条目 #{item_id}"
        before: list[str] = []
        after: list[str] = []
        if current_title is not None and title != current_title:
            before.append(f"{name} 的标题与其当前版本不符：标题被改动。")
        publication = publications.get(item_id)
        if status in APPROVED_STATES:
            required = required_bits | (STEP_BITS[LEADER_STEP] if sensitivity == HIGH_SENSITIVITY else 0)
            checks.required.append(item_id << 8 | required)
            if approved_id is None or approved_id != current_id:
                before.append(f"{name} 的批准版本不是当前版本：版本被替换。")
        if publication is not None:
            *values, seal = publication
            if status not in ("published", "taken_down"):
                after.append(f"{name} 有发布记录，但状态不是已发布。")
            if not hmac.compare_digest(publication_seal(values, key), seal or ""):
                after.append(f"{name} 的发布记录与其封印不符：发布记录被改动。")
            elif values[2] != approved_id:
                after.append(f"{name} 发布的不是签批链中批准的版本。")
        elif status in ("published", "taken_down"):
            after.append(f"{name} 的状态为已发布，但没有发布记录。")
        if before or after:
            checks.noted[item_id] = (before, after)
    return checks
