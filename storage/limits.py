"""Limits per chat (tips a day, wrong receipt codes), counted under keyed hashes of the chat.

The daily counter's hash includes the day, so no row links a chat's activity across days. The
failure counter's hash is stable, so a lock-out can grow; it holds only counts and times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import aiosqlite

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


class Limits:
    def __init__(self, db: Database, vault: Vault, policy: AttemptPolicy = AttemptPolicy()):
        self.db = db
        self.vault = vault
        self.policy = policy

    # -- tips a day ----------------------------------------------------------------------------

    def _day_key(self, chat_id: int, day: date) -> bytes:
        return self.vault.ring.lookup_hash("tips-per-day", f"{chat_id}|{day.isoformat()}")

    async def tips_today(self, chat_id: int, day: date) -> int:
        row = await self.db.fetchone(
            "SELECT count FROM limit_counters WHERE key_hash = ?", (self._day_key(chat_id, day),)
        )
        return int(row[0]) if row else 0

    async def count_tip(self, conn: aiosqlite.Connection, chat_id: int, day: date) -> None:
        await conn.execute(
            "INSERT INTO limit_counters (key_hash, window_start, count) VALUES (?, ?, 1)"
            " ON CONFLICT (key_hash) DO UPDATE SET count = count + 1",
            (self._day_key(chat_id, day), day.isoformat()),
        )

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
        """Forget day counters and failure windows that ended before `before`."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "DELETE FROM limit_counters WHERE window_start < ? AND (locked_until IS NULL OR locked_until < ?)",
                (before.isoformat(), before.isoformat()),
            )
