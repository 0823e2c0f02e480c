"""Limits per chat: tips and uploaded bytes a day, wrong receipt codes.

The daily counts (tips, bytes) are kept in memory only, under keyed hashes of the chat whose key is
a random key of the day (DailyTally): nothing at rest counts what a chat did today, and once the
day is over its key and counts are gone, so nobody, not even with the key ring, can tell which chat
a count belonged to, or tie it to the tip filed with it. A restart starts the day's counts afresh.
The wrong-code counter is in the database under a stable keyed hash of the chat, so a lock-out can
grow across restarts; it holds only counts and times, and names no tip.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from storage.db import Database
from storage.vault import Vault


@dataclass(frozen=True)
class AttemptPolicy:
    free_failures: int = 5
    window: timedelta = timedelta(hours=1)
    first_wait: timedelta = timedelta(minutes=1)
    longest_wait: timedelta = timedelta(hours=24)

    def wait_after(self, failures: int) -> timedelta | None:
        """How long to wait after this many failures in the window: doubling past the free ones."""
        if failures < self.free_failures:
            return None
        wait = self.first_wait * (2 ** (failures - self.free_failures))
        return min(wait, self.longest_wait)


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
    def __init__(self, db: Database, vault: Vault, policy: AttemptPolicy = AttemptPolicy()):
        self.db = db
        self.vault = vault
        self.policy = policy
        self.daily = DailyTally()

    # -- tips a day ----------------------------------------------------------------------------

    async def tips_today(self, chat_id: int, day: date) -> int:
        return self.daily.get("tips", chat_id, day)

    def count_tip(self, chat_id: int, day: date) -> None:
        """Count a tip once it is stored (after its transaction: nothing of it is written)."""
        self.daily.add("tips", chat_id, day, 1)

    # -- bytes uploaded a day ------------------------------------------------------------------

    def bytes_today(self, chat_id: int, day: date) -> int:
        return self.daily.get("bytes", chat_id, day)

    def take_bytes(self, chat_id: int, day: date, size: int, cap: int) -> bool:
        """Count an upload of `size` bytes if the chat's day stays within `cap`; False (and nothing
        counted) if it would not. Ask before downloading, with the size Telegram gives."""
        if self.bytes_today(chat_id, day) + size > cap:
            return False
        self.daily.add("bytes", chat_id, day, size)
        return True

    # -- wrong receipt codes -------------------------------------------------------------------

    def _attempt_key(self, chat_id: int) -> bytes:
        return self.vault.ring.lookup_hash("receipt-attempts", chat_id)

    async def locked_until(self, chat_id: int, now: datetime) -> datetime | None:
        row = await self.db.fetchone(
            "SELECT locked_until FROM limit_counters WHERE key_hash = ?", (self._attempt_key(chat_id),)
        )
        if row is None or row[0] is None:
            return None
        until = datetime.fromisoformat(row[0])
        return until if until > now else None

    async def record_failure(self, chat_id: int, now: datetime) -> datetime | None:
        """Count a wrong code; returns until when further tries must wait, if they must."""
        key = self._attempt_key(chat_id)
        async with self.db.transaction() as conn:
            async with conn.execute("SELECT window_start, count FROM limit_counters WHERE key_hash = ?", (key,)) as cur:
                row = await cur.fetchone()
            start, failures = (datetime.fromisoformat(row[0]), int(row[1])) if row else (now, 0)
            locked_before = failures >= self.policy.free_failures
            # A new window after an hour without a lock-out, or a day after one.
            if now - start > (self.policy.longest_wait if locked_before else self.policy.window):
                start, failures = now, 0
            failures += 1
            wait = self.policy.wait_after(failures)
            until = now + wait if wait else None
            await conn.execute(
                "INSERT INTO limit_counters (key_hash, window_start, count, locked_until) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (key_hash) DO UPDATE SET window_start = excluded.window_start,"
                " count = excluded.count, locked_until = excluded.locked_until",
                (key, start.isoformat(), failures, until.isoformat() if until else None),
            )
        return until

    async def purge(self, before: date) -> None:
        """Forget failure windows that ended before `before` (and any day counter an older Tipline
        left; migration 0009 deleted those it found)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "DELETE FROM limit_counters WHERE window_start < ? AND (locked_until IS NULL OR locked_until < ?)",
                (before.isoformat(), before.isoformat()),
            )
