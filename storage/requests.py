"""Requests the admin decides: extending a tip's verification deadline, disclosing a reporter's
identity to one staff member. Both are recorded and audited; the reason is sealed with the tip.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict

from core import crypto
from core.tips import Identity, Status
from storage.audit import AuditLog
from storage.casework import CaseError, CaseRecords
from storage.db import Database
from storage.tips import TipRepository

KINDS = ("extension", "disclosure")


class CaseRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    number: str
    kind: str
    requested_by: int
    requested_on: date
    days: int | None
    reason: str
    state: str


class CaseRequests:
    def __init__(self, db: Database, tips: TipRepository, casework: CaseRecords, audit: AuditLog):
        self.db = db
        self.tips = tips
        self.casework = casework
        self.audit = audit

    async def request(
        self, number: str, kind: str, actor: int, reason: str, at: datetime, days: int | None = None
    ) -> int:
        """Record a request; returns its id for the admin's buttons."""
        facets = await self.tips.facets(number)
        action = "extend" if kind == "extension" else "disclose"
        if facets is None or kind not in KINDS or action not in await self.casework.actions(facets, at.date()):
            raise CaseError(kind)
        maximum = self.casework.office.deadlines.extension_max_days
        if kind == "extension" and (days is None or not 1 <= days <= maximum):
            raise CaseError("days")
        if kind == "disclosure" and await self._disclosure_in(number, actor, "pending"):
            raise CaseError("pending")
        tip_id, dek = await self.tips.tip_key(number)
        uid = secrets.token_hex(8)
        sealed = crypto.seal(dek, reason.encode(), crypto.field_aad("case_requests", f"{number}/{uid}", "reason"))
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO case_requests (tip_id, uid, kind, requested_by, requested_on, days, reason)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (tip_id, uid, kind, actor, at.date().isoformat(), days if kind == "extension" else None, sealed),
            )
            detail = f"days={days}" if kind == "extension" else ""
            await self.audit.append(conn, actor=actor, action=f"{kind}.request", at=at, tip=number, detail=detail)
            return int(cur.lastrowid)

    async def _disclosure_in(self, number: str, user_id: int, state: str) -> bool:
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
        _tip_id, dek = await self.tips.tip_key(row[1])
        reason = crypto.open_sealed(dek, row[7], crypto.field_aad("case_requests", f"{row[1]}/{row[6]}", "reason"))
        return CaseRequest(
            id=row[0], number=row[1], kind=row[2], requested_by=row[3], requested_on=row[4], days=row[5],
            reason=reason.decode(), state=row[8],
        )  # fmt: skip

    async def decide(self, request_id: int, admin: int, approve: bool, at: datetime) -> CaseRequest:
        """Approve or refuse a pending request. An approved extension moves the verification deadline
        and tells the reporter why (in the dialogue); an approved disclosure lets the requester see
        the identity."""
        req = await self.get(request_id)
        if req is None or req.state != "pending":
            raise CaseError("decided")
        if admin == req.requested_by and await self._other_admins(admin):
            raise CaseError("self")  # four eyes, where the office has them
        facets = await self.tips.facets(req.number)
        extending = approve and req.kind == "extension"
        if extending and (facets.status != Status.ACCEPTED or facets.due_on is None):
            raise CaseError("status")  # verified, withdrawn… meanwhile: nothing left to extend
        state = "approved" if approve else "refused"
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE case_requests SET state = ?, decided_by = ?, decided_on = ? WHERE id = ? AND state = 'pending'",
                (state, admin, at.date().isoformat(), request_id),
            )
            if extending:
                due = facets.due_on + timedelta(days=req.days)
                await conn.execute("UPDATE tips SET due_on = ? WHERE number = ?", (due.isoformat(), req.number))
                await self.tips.add_message_in(conn, req.number, "office", "extension", req.reason, at.date())
            await self.audit.append(
                conn, actor=admin, action=f"{req.kind}.{'approve' if approve else 'refuse'}", at=at,
                tip=req.number, detail=f"request={request_id};requester={req.requested_by}",
            )  # fmt: skip
        return req.model_copy(update={"state": state})

    async def _other_admins(self, admin: int) -> int:
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM staff_roles r JOIN staff s ON s.user_id = r.user_id"
            " WHERE r.role = 'admin' AND s.active = 1 AND s.user_id != ?",
            (admin,),
        )
        return int(row[0])

    async def may_see_identity(self, number: str, user_id: int) -> bool:
        return await self._disclosure_in(number, user_id, "approved")

    async def disclose(self, number: str, user_id: int, at: datetime) -> Identity:
        """The identity, for the one person an approved disclosure names; the view is audited first."""
        if not await self.may_see_identity(number, user_id):
            raise CaseError("disclosure")
        await self.audit.record(actor=user_id, action="identity.view", at=at, tip=number)
        identity = await self.tips.identity(number)
        if identity is None:
            raise CaseError("identity")
        return identity
