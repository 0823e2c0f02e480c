"""The outbox: messages that must reach someone, kept until Telegram has taken them.

A message is added in the same transaction as what it tells of (a tip and its receipt, a prompt and
the record that it went out: services.notices), so a crash leaves both or neither; handlers.outbox
hands it to Telegram and retries with backoff. Each message has a key naming its event, stored only as a keyed
hash: adding the same event again is a no-op, so nobody gets the same message twice. The chat id,
text and buttons are sealed under the row's data key, shredded once the message is delivered or
given up; what is left is the key's hash, the kind, the status and the day it was done (the instant
it was queued is coarsened to that day too: a receipt's row must not date a tip's submission to the
second).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any

import aiosqlite

from core import crypto
from storage.db import Database
from storage.vault import Vault

_PURPOSE = crypto.CONTACT
#: Days a delivered or abandoned message's row (its key's hash, kind, status and day) is kept before
#: housekeeping forgets it; /about tells reporters this of their receipt's row.
KEPT_DAYS = 30


class OutboxStatus(StrEnum):
    """A row's state, as stored: waiting to be sent, delivered, or given up. The queries below
    write 'pending' literally, as the schema's partial indexes do (0007_outbox.sql), so that
    SQLite uses them."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class Message:
    chat_id: int
    text: str
    #: An inline keyboard as Telegram's JSON (InlineKeyboardMarkup.to_dict()), or None.
    markup: dict[str, Any] | None = None
    #: Sent with protect_content: it cannot be forwarded, saved or copied (the receipt).
    protect: bool = False


@dataclass(frozen=True)
class Pending:
    id: int
    kind: str
    attempts: int
    created_at: float


class Outbox:
    def __init__(self, db: Database, vault: Vault):
        self.db = db
        self.vault = vault

    def _hash(self, key: str) -> bytes:
        return self.vault.ring.lookup_hash("outbox", key)

    async def add(self, conn: aiosqlite.Connection, key: str, kind: str, message: Message, now: float) -> int | None:
        """Queue `message` for the event `key`, inside the caller's transaction; returns the row's id,
        or None when the event was queued before (then nothing changes)."""
        key_hash = self._hash(key)
        async with conn.execute("SELECT 1 FROM outbox WHERE key_hash = ?", (key_hash,)) as cur:
            if await cur.fetchone() is not None:
                return None
        dek_id, dek = await self.vault.new_key(conn, _PURPOSE)
        payload = {"chat": message.chat_id, "text": message.text, "markup": message.markup}
        if message.protect:
            payload["protect"] = True
        sealed = crypto.seal(dek, json.dumps(payload, ensure_ascii=False).encode(), _aad(key_hash))
        cur = await conn.execute(
            "INSERT INTO outbox (key_hash, kind, dek_id, payload, created_at, next_at) VALUES (?, ?, ?, ?, ?, ?)",
            (key_hash, kind, dek_id, sealed, now, now),
        )
        return int(cur.lastrowid)

    # Reads wait for any open transaction (Database.committed): a message is never seen, let alone
    # sent, before the transaction that queued it has committed.

    async def _rows(self, sql: str, params: tuple[Any, ...]) -> list[aiosqlite.Row]:
        async with self.db.committed() as conn, conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def status(self, key: str) -> tuple[int, OutboxStatus] | None:
        """The row id and status of the event `key`, if it was ever queued."""
        rows = await self._rows("SELECT id, status FROM outbox WHERE key_hash = ?", (self._hash(key),))
        return (int(rows[0][0]), OutboxStatus(rows[0][1])) if rows else None

    async def due(self, now: float, limit: int = 100) -> list[Pending]:
        rows = await self._rows(
            "SELECT id, kind, attempts, created_at FROM outbox WHERE status = 'pending' AND next_at <= ?"
            " ORDER BY next_at, id LIMIT ?",
            (now, limit),
        )
        return [Pending(int(r[0]), r[1], int(r[2]), float(r[3])) for r in rows]

    async def pending_row(self, row_id: int) -> Pending | None:
        rows = await self._rows(
            "SELECT id, kind, attempts, created_at FROM outbox WHERE id = ? AND status = 'pending'", (row_id,)
        )
        return Pending(int(rows[0][0]), rows[0][1], int(rows[0][2]), float(rows[0][3])) if rows else None

    async def pending(self) -> int:
        rows = await self._rows("SELECT COUNT(*) FROM outbox WHERE status = 'pending'", ())
        return int(rows[0][0])

    async def open(self, row_id: int) -> Message | None:
        """The message of a pending row; None once it was delivered or given up."""
        async with self.db.committed() as conn:
            async with conn.execute(
                "SELECT dek_id, payload, key_hash FROM outbox WHERE id = ? AND status = 'pending'", (row_id,)
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            dek = await self.vault.key(conn, int(row[0]), _PURPOSE)
        payload = json.loads(crypto.open_sealed(dek, row[1], _aad(row[2])))
        return Message(int(payload["chat"]), payload["text"], payload["markup"], bool(payload.get("protect")))

    async def delivered(self, row_id: int, on: date) -> None:
        await self._finish(row_id, OutboxStatus.SENT, on, None)

    async def give_up(self, row_id: int, on: date, error: str) -> None:
        await self._finish(row_id, OutboxStatus.FAILED, on, error)

    async def retry(self, row_id: int, next_at: float, error: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_at = ?, last_error = ?"
                " WHERE id = ? AND status = 'pending'",
                (next_at, error, row_id),
            )

    async def _finish(self, row_id: int, status: OutboxStatus, on: date, error: str | None) -> None:
        """The payload and its key go: nothing of the message can be read any more."""
        async with self.db.transaction() as conn:
            async with conn.execute("SELECT dek_id FROM outbox WHERE id = ? AND status = 'pending'", (row_id,)) as cur:
                row = await cur.fetchone()
            if row is None:
                return
            day = datetime.combine(on, time(), UTC).timestamp()
            await conn.execute(
                "UPDATE outbox SET status = ?, payload = NULL, dek_id = NULL, done_on = ?, attempts = attempts + 1,"
                " last_error = COALESCE(?, last_error), created_at = ?, next_at = ? WHERE id = ?",
                (status, on.isoformat(), error, day, day, row_id),
            )
            await self.vault.shred(conn, int(row[0]))

    async def purge(self, before: date) -> None:
        """Forget delivered and abandoned messages finished before `before` (their keys' hashes)."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM outbox WHERE status <> 'pending' AND done_on < ?", (before.isoformat(),))


def _aad(key_hash: bytes) -> bytes:
    """The payload is bound to its row by the event's hash (known before the row exists)."""
    return crypto.field_aad("outbox", key_hash, "payload")
