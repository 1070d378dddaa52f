"""The key of the record chains and their anchors outside the database.

**The chain key.** Each sign-off's chain hash (and each publication's seal) is an HMAC-SHA256
under a key that is never stored in the database: ``RECORD_CHAIN_KEY`` (environment), else the
file named by ``RECORD_CHAIN_KEY_FILE``, else one derived from ``SECRET_KEY``. Someone with write
access to the database but not to the key cannot compute a valid hash for a forged, changed or
renumbered row; ``verify_signoffs`` names the first such row.

**Anchors.** What a keyed chain cannot show by itself is a *rollback*: the newest rows deleted and
the head moved back to an earlier, genuine row. An anchor is a line appended (never rewritten) to
``<RECORD_ANCHOR_DIR>/<chain>.anchors`` — the chain's head (sequence and hash) at a moment, with
an HMAC of the line under the same key — written daily by Celery beat and on demand
(``verify_signoffs --anchor``). ``verify_signoffs --anchors DIR`` checks that every anchored row
is still there with the same hash; the digest of the newest anchor is printed in the footer of the
review form and the review ledger, so a paper copy anchors the chain too (``--digest X``).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

GENESIS_HASH = "0" * 64


def chain_key() -> bytes:
    """The HMAC key of the record chains: from the environment or a file, never the database."""
    key = os.environ.get("RECORD_CHAIN_KEY") or getattr(settings, "RECORD_CHAIN_KEY", "")
    if key:
        return key.encode()
    path = os.environ.get("RECORD_CHAIN_KEY_FILE") or getattr(settings, "RECORD_CHAIN_KEY_FILE", "")
    if path:
        return Path(path).read_bytes().strip()
    return hashlib.sha256(b"record-chain\x00" + settings.SECRET_KEY.encode()).digest()


def mac(previous_hash: str, payload: str, key: bytes | None = None) -> str:
    """The chain hash of a row: HMAC-SHA256 of the previous hash and the row's payload."""
    return hmac.new(key or chain_key(), f"{previous_hash}\n{payload}".encode(), hashlib.sha256).hexdigest()


def anchor_dir() -> Path:
    return Path(
        os.environ.get("RECORD_ANCHOR_DIR")
        or getattr(settings, "RECORD_ANCHOR_DIR", "")
        or Path(settings.BASE_DIR) / "var" / "anchors"
    )


@dataclass(frozen=True)
class Anchor:
    chain: str
    sequence: int
    hash: str
    taken_at: str
    digest: str

    @property
    def short(self) -> str:
        return self.digest[:16]


def _anchor_digest(chain: str, sequence: int, head_hash: str, taken_at: str, key: bytes) -> str:
    return hmac.new(key, f"{chain}|{sequence}|{head_hash}|{taken_at}".encode(), hashlib.sha256).hexdigest()


def write_anchor(chain: str, sequence: int, head_hash: str, directory: Path | None = None) -> Anchor:
    """Append the head of ``chain`` to its anchor file (opened for appending only)."""
    directory = Path(directory or anchor_dir())
    directory.mkdir(parents=True, exist_ok=True)
    taken_at = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = _anchor_digest(chain, sequence, head_hash, taken_at, chain_key())
    anchor = Anchor(chain, sequence, head_hash, taken_at, digest)
    line = json.dumps(
        {"chain": chain, "sequence": sequence, "hash": head_hash, "at": taken_at, "digest": digest}
    )
    with open(directory / f"{chain}.anchors", "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return anchor


def read_anchors(chain: str, directory: Path | None = None) -> tuple[list[Anchor], list[str]]:
    """The anchors of ``chain`` whose own HMAC is right, and a problem for each line that is not."""
    path = Path(directory or anchor_dir()) / f"{chain}.anchors"
    anchors, problems = [], []
    if not path.exists():
        return anchors, problems
    key = chain_key()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            anchor = Anchor(data["chain"], int(data["sequence"]), data["hash"], data["at"], data["digest"])
        except (ValueError, KeyError, TypeError):
            problems.append(f"锚点文件 {path.name} 第 {number} 行无法读取。")
            continue
        expected = _anchor_digest(anchor.chain, anchor.sequence, anchor.hash, anchor.taken_at, key)
        if not hmac.compare_digest(expected, anchor.digest):
            problems.append(f"锚点文件 {path.name} 第 {number} 行的校验值不符（锚点被改动或密钥不同）。")
            continue
        anchors.append(anchor)
    return anchors, problems


def latest_anchor(chain: str, directory: Path | None = None) -> Anchor | None:
    try:
        anchors, _problems = read_anchors(chain, directory)
    except OSError:
        return None
    return anchors[-1] if anchors else None


def check_anchors(chain: str, anchors: list[Anchor], hash_at) -> list[str]:
    """Problems for each anchor whose row is gone or has another hash now; ``hash_at(sequence)``
    answers the chain hash stored at a sequence (None when there is no such row)."""
    problems = []
    for anchor in anchors:
        if anchor.sequence == 0:
            continue
        current = hash_at(anchor.sequence)
        if current is None:
            problems.append(
                f"锚点（{anchor.taken_at}，摘要 {anchor.short}）记录的第 #{anchor.sequence} 条已不存在：链尾被截断或回滚。"
            )
        elif current != anchor.hash:
            problems.append(
                f"第 #{anchor.sequence} 条的链哈希与锚点（{anchor.taken_at}，摘要 {anchor.short}）不符：此前的记录被改写。"
            )
    return problems
