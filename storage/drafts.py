"""Evidence attached to a draft tip before it is submitted: encrypted at once, each file its own key."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import aiosqlite

from core import crypto
from storage.db import Database
from storage.vault import Vault


@dataclass(frozen=True)
class EvidenceFile:
    kind: str  # photo, video, document
    name: str
    mime_type: str
    data: bytes
    #: The name's extension is the type check's verdict (handlers.files, when the file was received):
    #: staff are sent it as named, without checking the bytes again. False for files kept before.
    checked: bool = False

    @property
    def meta(self) -> bytes:
        described = {"name": self.name, "mime_type": self.mime_type} | ({"checked": True} if self.checked else {})
        return json.dumps(described, ensure_ascii=False).encode()

    @classmethod
    def from_meta(cls, kind: str, meta: bytes, data: bytes) -> EvidenceFile:
        described = json.loads(meta)
        return cls(kind, described["name"], described["mime_type"], data, bool(described.get("checked")))


class DraftFiles:
    def __init__(self, db: Database, vault: Vault):
        self.db = db
        self.vault = vault

    def draft_hash(self, token: str) -> bytes:
        return self.vault.ring.lookup_hash("draft", token)

    async def add(self, token: str, file: EvidenceFile, today: date) -> int:
        async with self.db.transaction() as conn:
            dek_id, dek = await self.vault.new_key(conn, crypto.CONTENT)
            cur = await conn.execute(
                "INSERT INTO draft_files (draft_hash, dek_id, kind, size, meta, data, created_on)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    self.draft_hash(token),
                    dek_id,
                    file.kind,
                    len(file.data),
                    crypto.seal(dek, file.meta, crypto.field_aad("draft_files", dek_id, "meta")),
                    crypto.seal(dek, file.data, crypto.field_aad("draft_files", dek_id, "data")),
                    today.isoformat(),
                ),
            )
            return int(cur.lastrowid)

    async def total_size(self, token: str) -> int:
        """The bytes the draft's files hold (as stored: images after cleaning)."""
        row = await self.db.fetchone(
            "SELECT COALESCE(SUM(size), 0) FROM draft_files WHERE draft_hash = ?", (self.draft_hash(token),)
        )
        return int(row[0])

    async def take(self, conn: aiosqlite.Connection, token: str) -> list[EvidenceFile]:
        """Open and delete the draft's files, inside the caller's transaction (the submission)."""
        async with conn.execute(
            "SELECT id, dek_id, kind, meta, data FROM draft_files WHERE draft_hash = ? ORDER BY id",
            (self.draft_hash(token),),
        ) as cur:
            rows = await cur.fetchall()
        files = []
        for row_id, dek_id, kind, meta, data in rows:
            dek = await self.vault.key(conn, dek_id, crypto.CONTENT)
            files.append(
                EvidenceFile.from_meta(
                    kind,
                    crypto.open_sealed(dek, meta, crypto.field_aad("draft_files", dek_id, "meta")),
                    crypto.open_sealed(dek, data, crypto.field_aad("draft_files", dek_id, "data")),
                )
            )
            await conn.execute("DELETE FROM draft_files WHERE id = ?", (row_id,))
            await self.vault.shred(conn, dek_id)
        return files

    async def discard(self, token: str) -> None:
        async with self.db.transaction() as conn:
            await self._discard_where(conn, "draft_hash = ?", (self.draft_hash(token),))

    async def purge(self, before: date, live_tokens: set[str]) -> int:
        """Destroy files older than `before` whose draft is gone (not in `live_tokens`); returns how many."""
        live = [self.draft_hash(token) for token in live_tokens]
        marks = ",".join("?" * len(live))
        condition = f"created_on < ? AND draft_hash NOT IN ({marks})" if live else "created_on < ?"
        async with self.db.transaction() as conn:
            return await self._discard_where(conn, condition, (before.isoformat(), *live))

    async def _discard_where(self, conn: aiosqlite.Connection, condition: str, params: tuple) -> int:
        query = f"SELECT id, dek_id FROM draft_files WHERE {condition}"  # noqa: S608 - fixed conditions above
        async with conn.execute(query, params) as cur:
            rows = await cur.fetchall()
        for row_id, dek_id in rows:
            await conn.execute("DELETE FROM draft_files WHERE id = ?", (row_id,))
            await self.vault.shred(conn, dek_id)
        return len(rows)
