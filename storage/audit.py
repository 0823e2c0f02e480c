"""The append-only audit log (table audit_log; triggers refuse UPDATE and DELETE).

Its columns are plaintext: `actor` is a staff member's id (or None for the system and for
reporters, who are never identified), and `detail` holds codes (a role, a reason, a department),
never a message's text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from core.audit import GENESIS, AuditEntry, entry_hash, first_broken, position_of
from storage.db import Database
from storage.vault import Vault


@dataclass(frozen=True)
class AuditReport:
    entries: int
    broken_at: int | None
    #: The newest entry's hash: an auditor who notes it can later tell if entries were cut off the end.
    head: str
    #: The entry whose hash is the head noted earlier (`verify(noted=…)`), or None: no entry has it now.
    noted_at: int | None = None


class AuditLog:
    def __init__(self, db: Database, vault: Vault):
        self.db = db
        self.vault = vault

    @property
    def _key(self) -> bytes:
        return self.vault.ring.derived_key("audit")

    async def append(
        self,
        conn: aiosqlite.Connection,
        *,
        actor: int | None,
        action: str,
        at: datetime,
        tip: str | None = None,
        detail: str = "",
    ) -> None:
        """Record one action, inside the caller's transaction: the action and its entry commit together
        (an action that writes nothing else: services.audit.AuditTrail.note)."""
        async with conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1") as cur:
            last = await cur.fetchone()
        entry = AuditEntry(
            id=(last[0] + 1) if last else 1,
            at=at.isoformat(timespec="seconds"),
            actor=actor,
            action=action,
            tip=tip,
            detail=detail,
        )
        prev = last[1] if last else GENESIS
        await conn.execute(
            "INSERT INTO audit_log (id, at, actor, action, tip, detail, prev_hash, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (entry.id, entry.at, actor, action, tip, detail, prev, entry_hash(self._key, prev, entry)),
        )

    async def entries(self, tip: str | None = None) -> list[AuditEntry]:
        where, params = ("WHERE tip = ?", (tip,)) if tip else ("", ())
        rows = await self.db.fetchall(
            f"SELECT id, at, actor, action, tip, detail FROM audit_log {where} ORDER BY id",  # noqa: S608
            params,
        )
        return [AuditEntry(*row) for row in rows]

    async def head(self) -> tuple[int, str]:
        """How many entries there are and the newest one's hash (what the auditors are sent each day)."""
        row = await self.db.fetchone(
            "SELECT COUNT(*), (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1) FROM audit_log"
        )
        return int(row[0]), row[1] or GENESIS

    async def verify(self, noted: str | None = None) -> AuditReport:
        """Check the whole chain; with `noted` (a head hash noted earlier, or its first digits), also
        find the entry that has it: a chain rewritten and rehashed since has it nowhere."""
        rows = await self.db.fetchall(
            "SELECT id, at, actor, action, tip, detail, prev_hash, hash FROM audit_log ORDER BY id"
        )
        chain = [(AuditEntry(*row[:6]), row[6], row[7]) for row in rows]
        return AuditReport(
            len(chain),
            first_broken(self._key, chain),
            chain[-1][2] if chain else GENESIS,
            None if noted is None else position_of(chain, noted),
        )
