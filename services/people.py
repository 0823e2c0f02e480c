"""Staff and liaison invites as use cases: an admin (or the command line) makes a one-time code; a
new colleague redeems it with /join, a unit's liaison with /register. Each redeem-then-write is one
unit of work, audited; the code is used once (the redeem is inside the same transaction)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.liaisons import UNIT_KIND_CODES, Contact
from core.roles import INVITE_HOURS
from storage.audit import AuditLog
from storage.db import Database, UnitOfWork
from storage.liaisons import Liaison, Unit, UnitError, Units
from storage.staff import Invite, InviteError, StaffRepository


@dataclass(eq=False)
class PeopleService:
    db: Database
    staff: StaffRepository
    units: Units
    audit: AuditLog

    @asynccontextmanager
    async def _work(self) -> AsyncIterator[UnitOfWork]:
        async with self.db.unit_of_work(staff=self.staff, units=self.units, audit=self.audit) as uow:
            yield uow

    async def invited_unit(self, code: str, at: datetime) -> Unit:
        """The unit a liaison code is for, if the code may be used now; InviteError('unknown' | 'used' |
        'expired') otherwise. Asked before the registration starts (register_liaison asks again inside
        its own unit of work)."""
        # a read only: no write lock (register_liaison asks again inside its unit of work)
        invite = await self.staff.check(self.db.current, code, at)
        unit = await self.units.get(invite.unit_id) if invite.kind == "liaison" and invite.unit_id else None
        if unit is None:
            raise InviteError("unknown")
        return unit

    async def add_unit(self, name: str, kind: str, actor: int | None, at: datetime) -> Unit:
        """A new unit (`actor` None from the server's command line): UnitError('kind' | 'name' | 'taken');
        the name is checked free inside the unit of work that adds it, and audited there."""
        name = " ".join(name.split())
        if kind not in UNIT_KIND_CODES:
            raise UnitError("kind")
        if not 2 <= len(name) <= 40:
            raise UnitError("name")
        async with self._work() as uow:
            if await uow.units.name_taken(name):
                raise UnitError("taken")
            unit = await uow.units.add(name, kind, at.date())
            await uow.audit.append(actor=actor, action="unit.add", at=at, detail=f"{unit.id}:{kind}")
        return unit

    async def invite_staff(self, invite: Invite, admin: int, at: datetime) -> str:
        """A one-time staff code for this role (and department), valid INVITE_HOURS."""
        async with self._work() as uow:
            code = await uow.staff.add_invite(invite, admin, at + timedelta(hours=INVITE_HOURS))
            detail = f"{invite.role.value}:{invite.department}"
            await uow.audit.append(actor=admin, action="staff.invite", at=at, detail=detail)
        return code

    async def join(self, code: str, user_id: int, name: str | None, at: datetime) -> Invite:
        """/join: use a staff code and add this person with its role. InviteError if the code is bad."""
        async with self._work() as uow:
            invite = await uow.staff.redeem(code, user_id, at)
            if invite.kind != "staff" or invite.role is None:
                raise InviteError("unknown")
            await uow.staff.add(user_id, name, invite.role, invite.department, at.date().isoformat())
            detail = f"{invite.role.value}:{invite.department}"
            await uow.audit.append(actor=user_id, action="staff.join", at=at, detail=detail)
        return invite

    async def revoke(self, code: str, at: datetime) -> bool:
        """A code sent in a group is known to the group: cancelled (audited) if unused; whether it was."""
        async with self._work() as uow:
            revoked = await uow.staff.revoke(code, at)
            if revoked:
                await uow.audit.append(actor=None, action="invite.revoke", at=at, detail="sent in a group")
        return revoked

    async def deactivate(self, user_id: int, admin: int, at: datetime) -> None:
        """The admin takes every role from a member at once, and their copies of the office's keys (audited)."""
        async with self._work() as uow:
            await uow.staff.deactivate(user_id)
            # Their copies of the office's keys go in the same transaction: no crash leaves them behind.
            await uow.conn.execute("DELETE FROM key_grants WHERE holder = ?", (user_id,))
            await uow.audit.append(actor=admin, action="staff.deactivate", at=at, detail=str(user_id))

    async def invite_liaison(self, unit: Unit, actor: int | None, at: datetime) -> str:
        """A one-time liaison code for this unit, valid INVITE_HOURS (actor None: the command line)."""
        async with self._work() as uow:
            invite = Invite("liaison", None, "", unit.id)
            code = await uow.staff.add_invite(invite, actor or 0, at + timedelta(hours=INVITE_HOURS))
            await uow.audit.append(actor=actor, action="liaison.invite", at=at, detail=str(unit.id))
        return code

    async def register_liaison(
        self, code: str, user_id: int, lang: str, contact: Contact, at: datetime
    ) -> Liaison | None:
        """/register: use the code and make this person the unit's liaison; returns the liaison handed
        over from (None if the unit had none, or it was this person already). InviteError if the code is bad."""
        async with self._work() as uow:
            invite = await uow.staff.redeem(code, user_id, at)
            if invite.kind != "liaison" or invite.unit_id is None:
                raise InviteError("unknown")
            before = await uow.units.hand_over(invite.unit_id, user_id, lang, contact, at)
            handover = before is not None and before.user_id != user_id
            detail = f"{invite.unit_id}:handover" if handover else str(invite.unit_id)
            await uow.audit.append(actor=user_id, action="liaison.register", at=at, detail=detail)
        return before if handover else None
