"""Telegram may deliver an update again (after a crash, before its offset was confirmed): handle it once."""

from __future__ import annotations

from datetime import date

import aiosqlite

from storage.db import Database


class ProcessedUpdates:
    def __init__(self, db: Database):
        self.db = db

    async def seen(self, update_id: int) -> bool:
        return await self.db.fetchone("SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,)) is not None

    @staticmethod
    async def record(conn: aiosqlite.Connection, update_id: int, today: date) -> None:
        """Mark the update handled, in the caller's transaction: the one that writes what it changed
        (bot.persistence), so a crash leaves both or neither."""
        await conn.execute(
            "INSERT OR IGNORE INTO processed_updates (update_id, on_date) VALUES (?, ?)",
            (update_id, today.isoformat()),
        )

    async def purge(self, before: date) -> None:
        """Telegram keeps undelivered updates for 24 hours; older ids can go."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM processed_updates WHERE on_date < ?", (before.isoformat(),))
