"""Per-record data keys in the `data_keys` table: create, open, shred, re-wrap on rotation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import aiosqlite

from core import crypto
from core.crypto import KeyRing, UnknownKeyError, WrappedKey
from storage.db import Database


class Vault:
    def __init__(self, ring: KeyRing, reload: Callable[[], KeyRing] | None = None):
        self.ring = ring
        self._reload = reload

    async def new_key(self, conn: aiosqlite.Connection, purpose: str) -> tuple[int, bytes]:
        """A fresh data key for one record; call inside the transaction that writes the record."""
        dek, wrapped = crypto.new_data_key(self.ring, purpose)
        cur = await conn.execute(
            "INSERT INTO data_keys (purpose, kek_id, wrapped, created_on) VALUES (?, ?, ?, ?)",
            (purpose, wrapped.kek_id, wrapped.wrapped, datetime.now(UTC).date().isoformat()),
        )
        return int(cur.lastrowid), dek

    async def key(self, conn: aiosqlite.Connection, dek_id: int, purpose: str) -> bytes:
        async with conn.execute("SELECT kek_id, wrapped FROM data_keys WHERE id = ?", (dek_id,)) as cur:
            row = await cur.fetchone()
        if row is None:
            raise crypto.DecryptionError(f"data key {dek_id} does not exist (the record was destroyed)")
        return self.unwrap(WrappedKey(row[0], row[1]), purpose)

    def unwrap(self, wrapped: WrappedKey, purpose: str) -> bytes:
        """A data key read by the caller's own query (joined to its record: no second look-up)."""
        try:
            return crypto.unwrap_key(self.ring, purpose, wrapped)
        except UnknownKeyError:
            # The key ring may have been rotated by `python -m bot keys rotate` while we ran.
            if self._reload is None or wrapped.kek_id in self.ring:
                raise
            self.ring = self._reload()
            return crypto.unwrap_key(self.ring, purpose, wrapped)

    async def shred(self, conn: aiosqlite.Connection, dek_id: int) -> None:
        await conn.execute("DELETE FROM data_keys WHERE id = ?", (dek_id,))

    async def rewrap_all(self, db: Database) -> int:
        """Wrap every data key by its purpose's current primary key; returns how many changed."""
        changed = 0
        async with db.transaction() as conn:
            async with conn.execute(
                "SELECT id, purpose, kek_id, wrapped FROM data_keys WHERE purpose != 'people'"  # not the ring's
            ) as cur:
                rows = await cur.fetchall()
            for dek_id, purpose, kek_id, wrapped in rows:
                new = crypto.rewrap_key(self.ring, purpose, WrappedKey(kek_id, wrapped))
                if new.kek_id != kek_id:
                    await conn.execute(
                        "UPDATE data_keys SET kek_id = ?, wrapped = ? WHERE id = ?",
                        (new.kek_id, new.wrapped, dek_id),
                    )
                    changed += 1
        return changed

    @staticmethod
    async def usage(db: Database) -> dict[str, int]:
        """How many data keys each key-encryption key wraps (record keys sealed to people: none of the ring's)."""
        rows = await db.fetchall("SELECT kek_id, COUNT(*) FROM data_keys WHERE purpose != 'people' GROUP BY kek_id")
        return {kek_id: count for kek_id, count in rows}
