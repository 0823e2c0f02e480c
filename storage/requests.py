"""The rows of the requests the admin decides (an extension of a tip's verification deadline, the
disclosure of a reporter's identity to one staff member): reads, and writes inside the caller's unit
of work. The reason is sealed with the tip. The use cases are services.requests.
"""

from __future__ import annotations

import secrets
from datetime import date
from enum import StrEnum

import aiosqlite
from pydantic import BaseModel, ConfigDict

from core import crypto
from storage.db import Database
from storage.staff import other_admins
from storage.tips import TipRepository

KINDS = ("extension", "disclosure")


class RequestState(StrEnum):
    """A request is pending until an admin approves or refuses it; the first decision counts."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class CaseRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    number: str
    kind: str
    requested_by: int
    requested_on: date
    days: int | None
    reason: str
    state: RequestState


class RequestRecords:
    def __init__(self, db: Database, tips: TipRepository):
        self.db = db
        self.tips = tips

    async def disclosure_in(self, number: str, user_id: int, state: RequestState) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM case_requests r JOIN tips t ON t.id = r.tip_id WHERE t.number = ?"
            " AND r.kind = 'disclosure' AND r.requested_by = ? AND r.state = ?",
            (number, user_id, state),
        )
        return row is not None

    async def get(self, request_id: int) -> CaseRequest | None:
        row = await self.db.fetchone(
            "SELECT r.id, t.number, r.kind, r.requested_by, r.requested_on, r.days, r.uid, r.reason, r.state"
            " FROM case_requests r JOIN tips t ON t.id = r.tip_id WHERE r.id = ?",
            (request_id,),
        )
        if row is None:
            return None
        _tip_id, key = await self.tips.tip_key(row[1])
        reason = key.open(row[7], crypto.field_aad("case_requests", f"{row[1]}/{row[6]}", "reason"))
        return CaseRequest(
            id=row[0], number=row[1], kind=row[2], requested_by=row[3], requested_on=row[4], days=row[5],
            reason=reason.decode(), state=row[8],
        )  # fmt: skip

    async def other_admins(self, admin: int) -> int:
        return await other_admins(self.db, admin)

    async def add(
        self, conn: aiosqlite.Connection, number: str, kind: str, actor: int, reason: str, on: date, days: int | None
    ) -> int:
        """A new pending request, its reason sealed under the tip's key; its id."""
        tip_id, key = await self.tips.tip_key(number)
        uid = secrets.token_hex(8)
        sealed = key.seal(reason.encode(), crypto.field_aad("case_requests", f"{number}/{uid}", "reason"))
        cur = await conn.execute(
            "INSERT INTO case_requests (tip_id, uid, kind, requested_by, requested_on, days, reason)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (tip_id, uid, kind, actor, on.isoformat(), days, sealed),
        )
        return int(cur.lastrowid)

    @staticmethod
    async def set_decided(
        conn: aiosqlite.Connection, request_id: int, state: RequestState, admin: int, on: date
    ) -> bool:
        """Compare-and-set: only a request still pending is decided. Whether it was."""
        async with conn.execute(
            "UPDATE case_requests SET state = ?, decided_by = ?, decided_on = ? WHERE id = ? AND state = ?",
            (state, admin, on.isoformat(), request_id, RequestState.PENDING),
        ) as cur:
            return cur.rowcount == 1

    @staticmethod
    async def set_due(conn: aiosqlite.Connection, number: str, due: date) -> None:
        await conn.execute("UPDATE tips SET due_on = ? WHERE number = ?", (due.isoformat(), number))
