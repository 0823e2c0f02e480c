"""Limits per chat: tips and uploaded bytes a day, wrong receipt codes.

The daily counts (tips, bytes) are kept in memory only, under keyed hashes of the chat whose key is
a random key of the day (DailyTally): nothing at rest counts what a chat did today, and once the
day is over its key and counts are gone, so nobody, not even with the key ring, can tell which chat
a count belonged to, or tie it to the tip filed with it. A restart starts the day's counts afresh.

Wrong receipt codes are counted in memory too (their lock-out's rule: core.attempts.AttemptPolicy),
under a keyed hash of the chat whose key lives as long as the process: their times are instants (a
lock-out is minutes), and an instant kept beside the chat could be matched to the audit log's
instant of what the reporter did next (withdrawing their tip). A restart ends lock-outs under way;
guessing a 16-digit code stays out of reach.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, datetime

from core.attempts import DEFAULT_POLICY, AttemptPolicy, Failures
from storage.db import Database
from storage.vault import Vault


class DailyTally:
    """Counts per chat for one day, in memory, under HMAC(key of the day, what | chat id).

    The key is random, made when the day's first count is asked for, and replaced (the old key and
    every count under it dropped) when another day is asked for: what was counted on a day cannot be
    traced to a chat once the day is over, and was never written anywhere.
    """

    def __init__(self) -> None:
        self._day: date | None = None
        self._key = b""
        self._counts: dict[bytes, int] = {}

    def _slot(self, what: str, chat_id: int, day: date) -> bytes:
        if day != self._day:
            self._day, self._key, self._counts = day, secrets.token_bytes(32), {}
        return hmac.new(self._key, f"{what}|{chat_id}".encode(), hashlib.sha256).digest()

    def get(self, what: str, chat_id: int, day: date) -> int:
        return self._counts.get(self._slot(what, chat_id, day), 0)

    def add(self, what: str, chat_id: int, day: date, amount: int) -> int:
        slot = self._slot(what, chat_id, day)
        self._counts[slot] = self._counts.get(slot, 0) + amount
        return self._counts[slot]


class Limits:
    def __init__(self, db: Database, vault: Vault, policy: AttemptPolicy = DEFAULT_POLICY):
        self.db = db
        self.vault = vault
        self.policy = policy
        self.daily = DailyTally()
        #: Wrong codes by chat, under HMAC(a key of this process's life): in memory only (see above).
        self._attempt_key = secrets.token_bytes(32)
        self._attempts: dict[bytes, Failures] = {}

    # -- tips a day ----------------------------------------------------------------------------

    async def tips_today(self, chat_id: int, day: date) -> int:
        return self.daily.get("tips", chat_id, day)

    def count_tip(self, chat_id: int, day: date) -> None:
        """Count a tip once it is stored (after its transaction: nothing of it is written)."""
        self.daily.add("tips", chat_id, day, 1)

    # -- bytes uploaded a day ------------------------------------------------------------------

    def bytes_today(self, chat_id: int, day: date) -> int:
        return self.daily.get("bytes", chat_id, day)

    def charge_bytes(self, chat_id: int, day: date, amount: int) -> None:
        """Count `amount` more against the chat's day after the fact (an image's decoded pixels, a pixel
        as a byte): the next file is refused once the day's cap is passed."""
        self.daily.add("bytes", chat_id, day, amount)

    # -- wrong receipt codes -------------------------------------------------------------------

    def _attempt_slot(self, chat_id: int) -> bytes:
        return hmac.new(self._attempt_key, str(chat_id).encode(), hashlib.sha256).digest()

    async def locked_until(self, chat_id: int, now: datetime) -> datetime | None:
        entry = self._attempts.get(self._attempt_slot(chat_id))
        if entry is None or entry.locked_until is None:
            return None
        return entry.locked_until if entry.locked_until > now else None

    async def record_failure(self, chat_id: int, now: datetime) -> datetime | None:
        """Count a wrong code; returns until when further tries must wait, if they must (the policy's rule)."""
        slot = self._attempt_slot(chat_id)
        self._attempts[slot] = self.policy.after_failure(self._attempts.get(slot), now)
        return self._attempts[slot].locked_until

    async def purge(self, before: date) -> None:
        """Forget failure windows that started, and lock-outs that ended, before `before`."""
        edge = before.isoformat()
        self._attempts = {
            slot: entry
            for slot, entry in self._attempts.items()
            if entry.window_start.date().isoformat() >= edge
            or (entry.locked_until is not None and entry.locked_until.date().isoformat() >= edge)
        }
