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
from dataclasses import dataclass, field

from ideology_office.common.anchors import chain_key
from ideology_office.common.chain import Verification, verify_stream

CHAIN_NAME = "signoffs"

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


def is_publication_row(row) -> bool:
    """Whether a row of the merged stream is a publication (PUBLICATION_ROW_COLUMNS) rather than
    a sign-off (ROW_COLUMNS): the two shapes differ in length."""
    return len(row) == len(PUBLICATION_ROW_COLUMNS)


@dataclass
class ItemRound:
    """What the chain says about an item's current round while streaming."""

    approved: dict = field(default_factory=dict)  # step -> (revision_id, sha)
    returned: bool = False


def verify_rows(rows, head: tuple[int, str] | None, *, key: bytes | None = None, rounds=None) -> Verification:
    """Check a stream of ROW_COLUMNS (sign-off) and PUBLICATION_ROW_COLUMNS (publication) tuples
    ordered by sequence against the head ``(last_sequence, last_hash)`` (None: no head row), with
    the shared walk of ``ideology_office.common.chain``. ``rounds`` ({item_id: review_round}), when given, collects
    the approvals of each item's current round for ``item_problems``."""
    key = key or chain_key()
    new = hmac.new

    publication_length = len(PUBLICATION_ROW_COLUMNS)

    def hash_of(row) -> str:
        if len(row) == publication_length:
            return publication_link_hash(row[-2], row[:-2], key)
        text = "|".join((*map(str, row[:13]), moment(row[13])))
        return new(key, f"{row[14]}\n{text}".encode(), "sha256").hexdigest()

    collected: dict = {}

    def observe(row) -> None:
        if len(row) == publication_length:
            return
        item_id, round_ = row[1], row[6]
        if rounds.get(item_id) == round_:
            state = collected.setdefault(item_id, ItemRound())
            if row[8] == "approve":
                state.approved[row[7]] = (row[3], row[5])
            else:
                state.returned = True

    result = verify_stream(
        rows,
        head,
        noun="签批记录",
        chain_label="签批链",
        hash_of=hash_of,
        observe=observe if rounds is not None else None,
        noun_of=lambda row: "发布记录" if len(row) == publication_length else "签批记录",
    )
    result.rounds = collected
    return result


# The values of positions.models' Step and ContentItem.Sensitivity the rule needs (the chain does
# not import the models: they import it; tests/positions/test_chain_tamper.py pins the values).
REQUIRED_STEPS = ("first", "second", "final")
LEADER_STEP = "leader"
HIGH_SENSITIVITY = "high"

APPROVED_STATES = ("approved", "published", "taken_down")


def item_problems(items, rounds: dict, publications: dict, *, key: bytes | None = None) -> list[str]:
    """Problems of each item's state against the chain. ``items``: tuples (id, title, status,
    review_round, sensitivity, current_revision_id, approved_revision_id, current revision's title);
    ``rounds``: {item_id: ItemRound}; ``publications``: {item_id: PUBLICATION_COLUMNS + (seal,)}."""
    key = key or chain_key()
    problems = []
    steps = list(REQUIRED_STEPS)
    for item_id, title, status, _round, sensitivity, current_id, approved_id, current_title in items:
        name = f"内容条目 #{item_id}"
        if current_title is not None and title != current_title:
            problems.append(f"{name} 的标题与其当前版本不符：标题被改动。")
        publication = publications.get(item_id)
        if status in APPROVED_STATES:
            required = steps + ([LEADER_STEP] if sensitivity == HIGH_SENSITIVITY else [])
            state = rounds.get(item_id) or ItemRound()
            if approved_id is None or approved_id != current_id:
                problems.append(f"{name} 的批准版本不是当前版本：版本被替换。")
            missing = [step for step in required if step not in state.approved]
            if missing or state.returned:
                problems.append(f"{name} 的状态为已批准或已发布，但签批链中本轮签批不全。")
            elif any(revision != approved_id for revision, _sha in state.approved.values()):
                problems.append(f"{name} 的批准版本不是签批链中签署的版本。")
        if publication is not None:
            *values, seal = publication
            if status not in ("published", "taken_down"):
                problems.append(f"{name} 有发布记录，但状态不是已发布。")
            if not hmac.compare_digest(publication_seal(values, key), seal or ""):
                problems.append(f"{name} 的发布记录与其封印不符：发布记录被改动。")
            elif values[2] != approved_id:
                problems.append(f"{name} 发布的不是签批链中批准的版本。")
        elif status in ("published", "taken_down"):
            problems.append(f"{name} 的状态为已发布，但没有发布记录。")
    return problems
