"""The audit chain: each entry's keyed hash covers the entry and the previous entry's hash.

An edited, inserted or deleted row breaks the chain from that row on; without the key ring
nobody can recompute the hashes to hide it. Whoever holds the key ring can (drop the triggers, edit,
rehash every entry after), which is why the head is sent out each day to the auditors, who note it:
a rewritten chain no longer holds the noted hash (`position_of`), as each hash covers all before it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    actor: int | None
    action: str
    tip: str | None
    detail: str


def entry_hash(key: bytes, prev_hash: str, entry: AuditEntry) -> str:
    body = json.dumps(
        [prev_hash, entry.id, entry.at, entry.actor, entry.action, entry.tip, entry.detail],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def first_broken(key: bytes, rows: list[tuple[AuditEntry, str, str]]) -> int | None:
    """The id of the first entry whose chain does not hold, or None; rows are (entry, prev, hash) by id."""
    expected_prev = GENESIS
    for entry, prev_hash, stored in rows:
        if prev_hash != expected_prev or not hmac.compare_digest(entry_hash(key, prev_hash, entry), stored):
            return entry.id
        expected_prev = stored
    return None


#: The fewest leading hex digits of a noted head that `position_of` accepts (64 bits: no rehashed chain
#: can be made to hit them by trying).
NOTED_MIN = 16


def position_of(rows: list[tuple[AuditEntry, str, str]], noted: str) -> int | None:
    """The id of the entry whose stored hash is `noted` (or starts with it), or None. With the chain
    intact (`first_broken` None) that entry and every one before it are as they were when noted."""
    noted = noted.strip().lower()
    if len(noted) < NOTED_MIN:
        return None
    return next((entry.id for entry, _, stored in rows if stored.startswith(noted)), None)
