"""Staff, their roles, and one-time invite codes (stored as keyed hashes)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from core.roles import Role, StaffMember
from storage.db import Database
from storage.vault import Vault

#: No 0/O, 1/I/L: codes are read off a screen and typed on a phone.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class Invite:
    kind: str  # "staff" or "liaison"
    role: Role | None
    department: str
    unit_id: int | None = None


class InviteError(Exception):
    """The code is unknown, used or expired; `reason` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def new_invite_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normalize_invite_code(text: str) -> str:
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    return f"{cleaned[:4]}-{cleaned[4:]}"


class StaffRepository:
    def __init__(self, db: Database, vault: Vault):
        self.db = db
        self.vault = vault

    async def get(self, user_id: int) -> StaffMember | None:
        row = await self.db.fetchone("SELECT name FROM staff WHERE user_id = ? AND active = 1", (user_id,))
        if row is None:
            return None
        roles = await self.db.fetchall("SELECT role, department FROM staff_roles WHERE user_id = ?", (user_id,))
        return StaffMember(
            user_id=user_id,
            name=row[0],
            roles=frozenset(Role(r) for r, _ in roles),
            departments=frozenset(d for r, d in roles if r == Role.DEPARTMENT),
        )

    async def all(self) -> list[StaffMember]:
        rows = await self.db.fetchall("SELECT user_id FROM staff WHERE active = 1 ORDER BY name")
        return [m for (user_id,) in rows if (m := await self.get(user_id)) is not None]

    async def with_role(self, role: Role, department: str | None = None) -> list[StaffMember]:
        return [m for m in await self.all() if role in m.roles and (department is None or department in m.departments)]

    async def add(
        self, conn: aiosqlite.Connection, user_id: int, name: str | None, role: Role, department: str, today: str
    ) -> None:
        """Add (or reactivate) a member with one more role, inside the caller's transaction.

        `name` None keeps the name a member has (a newcomer is shown as "staff ID")."""
        if role == Role.DEPARTMENT and not department:
            raise ValueError("a department officer needs a department")
        await conn.execute(
            "INSERT INTO staff (user_id, name, added_on) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET active = 1, name = COALESCE(?, staff.name)",
            (user_id, name or f"staff {user_id}", today, name),
        )
        await conn.execute(
            "INSERT OR IGNORE INTO staff_roles (user_id, role, department) VALUES (?, ?, ?)",
            (user_id, role.value, department if role == Role.DEPARTMENT else ""),
        )

    async def deactivate(self, conn: aiosqlite.Connection, user_id: int) -> None:
        await conn.execute("UPDATE staff SET active = 0 WHERE user_id = ?", (user_id,))
        await conn.execute("DELETE FROM staff_roles WHERE user_id = ?", (user_id,))

    # -- invites -------------------------------------------------------------------------------

    def _code_hash(self, code: str) -> bytes:
        return self.vault.ring.lookup_hash("invite", normalize_invite_code(code))

    async def add_invite(
        self, conn: aiosqlite.Connection, invite: Invite, created_by: int, expires_at: datetime
    ) -> str:
        """A new invite code (only its keyed hash is stored), inside the caller's transaction; the code."""
        code = new_invite_code()
        await conn.execute(
            "INSERT INTO invites (code_hash, kind, role, department, unit_id, created_by, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                self._code_hash(code),
                invite.kind,
                invite.role,
                invite.department,
                invite.unit_id,
                created_by,
                expires_at.isoformat(),
            ),
        )
        return code

    async def check(self, conn: aiosqlite.Connection, code: str, now: datetime) -> Invite:
        """What a code grants, if it may still be used; InviteError('unknown' | 'used' | 'expired') otherwise."""
        async with conn.execute(
            "SELECT kind, role, department, unit_id, expires_at, used_by FROM invites WHERE code_hash = ?",
            (self._code_hash(code),),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            raise InviteError("unknown")
        kind, role, department, unit_id, expires_at, used_by = row
        if used_by is not None:
            raise InviteError("used")
        if datetime.fromisoformat(expires_at) < now:
            raise InviteError("expired")
        return Invite(kind, Role(role) if role else None, department, unit_id)

    async def revoke(self, conn: aiosqlite.Connection, code: str, now: datetime) -> bool:
        """Make an unused, unexpired code (staff or liaison) expire now; whether there was one."""
        cur = await conn.execute(
            "UPDATE invites SET expires_at = ? WHERE code_hash = ? AND used_by IS NULL AND expires_at > ?",
            (now.isoformat(), self._code_hash(code), now.isoformat()),
        )
        return cur.rowcount == 1

    async def redeem(self, conn: aiosqlite.Connection, code: str, user_id: int, now: datetime) -> Invite:
        """Use a code once; InviteError('unknown' | 'used' | 'expired') otherwise."""
        invite = await self.check(conn, code, now)
        await conn.execute(
            "UPDATE invites SET used_by = ?, used_at = ? WHERE code_hash = ?",
            (user_id, now.isoformat(timespec="seconds"), self._code_hash(code)),
        )
        return invite


async def other_admins(db: Database, admin: int) -> int:
    """How many active admins there are besides `admin`: whether a second person can decide (four eyes)."""
    row = await db.fetchone(
        "SELECT COUNT(*) FROM staff_roles r JOIN staff s ON s.user_id = r.user_id"
        " WHERE r.role = 'admin' AND s.active = 1 AND s.user_id != ?",
        (admin,),
    )
    return int(row[0])
