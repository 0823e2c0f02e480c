"""Which reminders went out: each is recorded under a key naming what it was about (see
core.casework.reminder_key), so a run repeated the same day, or after a restart, never sends it twice.
Keys hold tip numbers and dates only."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import aiosqlite

from storage.db import Database


class SentReminders:
    def __init__(self, db: Database):
        self.db = db

    async def unsent(self, keys: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(keys))
        sent: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = await self.db.fetchall(
                f"SELECT key FROM reminders_sent WHERE key IN ({','.join('?' * len(chunk))})",  # noqa: S608
                chunk,
            )
            sent |= {r[0] for r in rows}
        return set(wanted) - sent

    @staticmethod
    async def mark(conn: aiosqlite.Connection, keys: Iterable[str], on: date) -> None:
        """Record these reminders as sent `on` that day, in the caller's transaction (with the message
        queued in the outbox: services.notices)."""
        await conn.executemany(
            "INSERT OR IGNORE INTO reminders_sent (key, sent_on) VALUES (?, ?)", [(k, on.isoformat()) for k in keys]
        )

    async def purge(self, before: date) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM reminders_sent WHERE sent_on < ?", (before.isoformat(),))
