"""The requests the admin decides, as use cases: asking for an extension of a tip's verification
deadline or for a reporter's identity, deciding either, and showing an identity to the one person an
approved disclosure names. Each check-then-write is one unit of work; all are audited.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from core import crypto
from core.keys import PeopleKey
from core.tips import Identity, Status
from services.casework import StaleAction
from storage.audit import AuditLog
from storage.casework import CaseError, CaseRecords
from storage.db import Database, UnitOfWork
from storage.keys import Group
from storage.requests import KINDS, CaseRequest, RequestRecords, RequestState
from storage.tips import TipRepository


@dataclass(eq=False)
class RequestService:
    db: Database
    tips: TipRepository
    audit: AuditLog
    cases: CaseRecords
    records: RequestRecords

    @asynccontextmanager
    async def _work(self) -> AsyncIterator[UnitOfWork]:
        async with self.db.unit_of_work(
            tips=self.tips, audit=self.audit, cases=self.cases, records=self.records
        ) as uow:
            yield uow

    async def get(self, request_id: int) -> CaseRequest | None:
        return await self.records.get(request_id)

    async def decidable(self, request_id: int, admin: int) -> CaseRequest:
        """The request, if this admin may decide it: CaseError "decided" if it was decided already,
        "self" if they made it themselves while another admin could decide (four eyes)."""
        return await _decidable(self.records, request_id, admin)

    async def request(
        self, number: str, kind: str, actor: int, reason: str, at: datetime, days: int | None = None
    ) -> int:
        """Record a request; returns its id for the admin's buttons."""
        maximum = self.cases.office.deadlines.extension_max_days
        if kind == "extension" and (days is None or not 1 <= days <= maximum):
            raise CaseError("days")
        async with self._work() as uow:
            facets = await uow.tips.facets(number)
            action = "extend" if kind == "extension" else "disclose"
            if facets is None or kind not in KINDS or action not in await uow.cases.actions(facets, at.date()):
                raise CaseError(kind)
            if kind == "disclosure" and await uow.records.disclosure_in(number, actor, RequestState.PENDING):
                raise CaseError("pending")
            extension_days = days if kind == "extension" else None
            request_id = await uow.records.add(number, kind, actor, reason, at.date(), extension_days)
            detail = f"days={days}" if kind == "extension" else ""
            await uow.audit.append(actor=actor, action=f"{kind}.request", at=at, tip=number, detail=detail)
            return request_id

    async def decide(self, request_id: int, admin: int, approve: bool, at: datetime) -> CaseRequest:
        """Approve or refuse a pending request. An approved extension moves the verification deadline
        and tells the reporter why (in the dialogue); an approved disclosure lets the requester see
        the identity."""
        async with self._work() as uow:
            req = await _decidable(uow.records, request_id, admin)
            facets = await uow.tips.facets(req.number)
            extending = approve and req.kind == "extension"
            if extending and (facets.status != Status.ACCEPTED or facets.due_on is None):
                raise CaseError("status")  # verified, withdrawn… meanwhile: nothing left to extend
            state = RequestState.APPROVED if approve else RequestState.REFUSED
            if not await uow.records.set_decided(request_id, state, admin, at.date()):
                raise StaleAction(str(request_id))
            if extending:
                await uow.records.set_due(req.number, facets.due_on + timedelta(days=req.days))
                await uow.tips.add_message(req.number, "office", "extension", req.reason, at.date())
            if approve and req.kind == "disclosure":
                await self._share_identity(uow.conn, req)
            await uow.audit.append(
                actor=admin, action=f"{req.kind}.{'approve' if approve else 'refuse'}", at=at,
                tip=req.number, detail=f"request={request_id};requester={req.requested_by}",
            )  # fmt: skip
        return req.model_copy(update={"state": state})

    async def _share_identity(self, conn, req: CaseRequest) -> None:
        """Where the name and phone are sealed to the office's group only, the approving admin's keys seal
        a copy of their key to the requester's own key: only that person then opens it (their session's
        own key), no one else of their department. CaseError "locked" if the admin's keys are not open,
        "no_passphrase" if the requester has no key of their own yet."""
        row = await self.db.fetchone("SELECT identity_dek_id FROM tips WHERE number = ?", (req.number,))
        if row is None or row[0] is None:
            return
        key = await self.tips.record_key(int(row[0]), crypto.IDENTITY)
        if not isinstance(key, PeopleKey):
            return  # sealed under the ring: the server shows it to the one person the approval names
        member = await self.tips.keystore.member(req.requested_by)
        if key.private is None or member is None:
            raise CaseError("locked" if key.private is None else "no_passphrase")
        holder = f"member:{req.requested_by}"
        await self.tips.keystore.add_wrap(conn, int(row[0]), Group(0, holder, member.public), key.private, holder)

    async def may_see_identity(self, number: str, user_id: int) -> bool:
        return await self.records.disclosure_in(number, user_id, RequestState.APPROVED)

    async def disclose(self, number: str, user_id: int, at: datetime) -> Identity:
        """The identity, for the one person an approved disclosure names; the view is audited first."""
        async with self._work() as uow:
            if not await uow.records.disclosure_in(number, user_id, RequestState.APPROVED):
                raise CaseError("disclosure")
            await uow.audit.append(actor=user_id, action="identity.view", at=at, tip=number)
        identity = await self.tips.identity(number)
        if identity is None:
            raise CaseError("identity")
        return identity


async def _decidable(records: RequestRecords, request_id: int, admin: int) -> CaseRequest:
    req = await records.get(request_id)
    if req is None or req.state != RequestState.PENDING:
        raise CaseError("decided")
    if admin == req.requested_by and await records.other_admins(admin):
        raise CaseError("self")  # four eyes, where the office has them
    return req
