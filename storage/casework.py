"""The office's actions on a tip: each a status change, its event and its audit entry, committed together."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.office import OfficeConfig
from core.tips import NOT_ACCEPTED_REASONS, Status, office_actions
from storage.audit import AuditLog
from storage.db import Database
from storage.tips import TipRepository


class CaseError(Exception):
    """The action does not fit the tip as it is now (already decided, unknown department…)."""


class Casework:
    def __init__(self, db: Database, tips: TipRepository, audit: AuditLog, office: OfficeConfig):
        self.db = db
        self.tips = tips
        self.audit = audit
        self.office = office

    async def _check(self, number: str, action: str) -> None:
        facets = await self.tips.facets(number)
        if facets is None or action not in office_actions(facets):
            raise CaseError(action)

    async def accept(self, number: str, actor: int, at: datetime) -> None:
        """受理: verification is due within verify_days (60 by default) from today."""
        await self._check(number, "accept")
        due = at.date() + timedelta(days=self.office.deadlines.verify_days)
        async with self.db.transaction() as conn:
            await self.tips.change_status(conn, number, Status.ACCEPTED, at.date(), due_on=due)
            await self.audit.append(conn, actor=actor, action="tip.accept", at=at, tip=number)

    async def not_accept(self, number: str, actor: int, reason: str, at: datetime) -> int | None:
        """不予受理 with one of the reasons; returns the push contact captured before it is destroyed."""
        await self._check(number, "not_accept")
        if reason not in NOT_ACCEPTED_REASONS:
            raise CaseError(reason)
        contact = await self.tips.contact(number)
        async with self.db.transaction() as conn:
            await self.tips.add_message_in(conn, number, "office", "reply", NOT_ACCEPTED_REASONS[reason][0], at.date())
            await self.tips.change_status(conn, number, Status.NOT_ACCEPTED, at.date(), due_on=None)
            await self.audit.append(conn, actor=actor, action="tip.not_accept", at=at, tip=number, detail=reason)
        return contact

    async def reassign(self, number: str, actor: int, department: str, at: datetime) -> None:
        await self._check(number, "reassign")
        if department not in {d.code for d in self.office.departments}:
            raise CaseError(department)
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE tips SET department = ? WHERE number = ?", (department, number))
            await self.audit.append(conn, actor=actor, action="tip.reassign", at=at, tip=number, detail=department)
