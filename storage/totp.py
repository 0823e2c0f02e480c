"""The rows of staff members' authenticators (staff_totp) and of the admins' reset requests
(totp_resets): reads, and writes inside the caller's unit of work. The secret is sealed under a data
key of its own, of the 'staff' purpose; removing an authenticator shreds that key. The use cases are
services.stepup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import aiosqlite

from core import crypto
from core.attempts import Failures
from storage.db import Database
from storage.vault import Vault


class ResetState(StrEnum):
    """A reset request is pending until an admin other than its requester approves or refuses it."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


@dataclass(frozen=True)
class TotpState:
    """A staff member's authenticator as stored, without its secret."""

    user_id: int
    enrolled_on: datetime | None  # None: enrolment begun, not confirmed
    last_step: int | None
    session_until: datetime | None
    failures: Failures | None  # None: no wrong code counted
    locked_until: datetime | None

    @property
    def enrolled(self) -> bool:
        return self.enrolled_on is not None


@dataclass(frozen=True)
class ResetRequest:
    id: int
    user_id: int
    requested_by: int
    requested_on: datetime
    state: ResetState


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _text(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def _aad(user_id: int) -> bytes:
    return crypto.field_aad("staff_totp", user_id, "secret")


class TotpRecords:
    def __init__(self, db: Database, vault: Vault):
        self.db = db
        self.vault = vault

    # -- reads (inside a unit of work they see its writes) --------------------------------------

    async def get(self, user_id: int) -> TotpState | None:
        row = await self.db.fetchone(
            "SELECT enrolled_on, last_step, session_until, window_start, failures, locked_until"
            " FROM staff_totp WHERE user_id = ?",
            (user_id,),
        )
        if row is None:
            return None
        window_start, locked_until = _when(row[3]), _when(row[5])
        failures = Failures(window_start, int(row[4]), locked_until) if window_start else None
        return TotpState(user_id, _when(row[0]), row[1], _when(row[2]), failures, locked_until)

    async def secret(self, user_id: int) -> str | None:
        """The secret, opened; None if the person has none."""
        row = await self.db.fetchone("SELECT dek_id, secret FROM staff_totp WHERE user_id = ?", (user_id,))
        if row is None:
            return None
        dek = await self.vault.key(self.db.current, int(row[0]), crypto.STAFF)
        return crypto.open_sealed(dek, row[1], _aad(user_id)).decode("ascii")

    async def enrolled_ids(self) -> set[int]:
        rows = await self.db.fetchall("SELECT user_id FROM staff_totp WHERE enrolled_on IS NOT NULL")
        return {int(user_id) for (user_id,) in rows}

    async def reset_request(self, request_id: int) -> ResetRequest | None:
        row = await self.db.fetchone(
            "SELECT id, user_id, requested_by, requested_on, state FROM totp_resets WHERE id = ?", (request_id,)
        )
        if row is None:
            return None
        return ResetRequest(row[0], row[1], row[2], datetime.fromisoformat(row[3]), ResetState(row[4]))

    async def pending_reset(self, user_id: int) -> int | None:
        """The id of the reset request pending for this person, if there is one."""
        row = await self.db.fetchone(
            "SELECT id FROM totp_resets WHERE user_id = ? AND state = 'pending' ORDER BY id LIMIT 1", (user_id,)
        )
        return int(row[0]) if row else None

    async def active_admins(self) -> set[int]:
        rows = await self.db.fetchall(
            "SELECT s.user_id FROM staff_roles r JOIN staff s ON s.user_id = r.user_id"
            " WHERE r.role = 'admin' AND s.active = 1"
        )
        return {int(user_id) for (user_id,) in rows}

    # -- writes, in the caller's transaction ---------------------------------------------------

    async def begin(self, conn: aiosqlite.Connection, user_id: int, secret: str) -> None:
        """A new unconfirmed secret, sealed under a new key; one begun before is replaced (its key shredded)."""
        await self.remove(conn, user_id)
        dek_id, dek = await self.vault.new_key(conn, crypto.STAFF)
        sealed = crypto.seal(dek, secret.encode("ascii"), _aad(user_id))
        await conn.execute(
            "INSERT INTO staff_totp (user_id, dek_id, secret) VALUES (?, ?, ?)", (user_id, dek_id, bytes(sealed))
        )

    @staticmethod
    async def confirm(conn: aiosqlite.Connection, user_id: int, step: int, at: datetime, until: datetime) -> bool:
        """Compare-and-set: an enrolment still unconfirmed becomes confirmed, with a session open."""
        async with conn.execute(
            "UPDATE staff_totp SET enrolled_on = ?, last_step = ?, session_until = ?, window_start = NULL,"
            " failures = 0, locked_until = NULL WHERE user_id = ? AND enrolled_on IS NULL",
            (at.isoformat(), step, until.isoformat(), user_id),
        ) as cur:
            return cur.rowcount == 1

    @staticmethod
    async def accept(conn: aiosqlite.Connection, user_id: int, step: int, until: datetime) -> bool:
        """Compare-and-set: a code of a step later than the last one used opens a session and clears
        the failures. False if that step (or a later one) was used meanwhile."""
        async with conn.execute(
            "UPDATE staff_totp SET last_step = ?, session_until = ?, window_start = NULL, failures = 0,"
            " locked_until = NULL WHERE user_id = ? AND enrolled_on IS NOT NULL"
            " AND (last_step IS NULL OR last_step < ?)",
            (step, until.isoformat(), user_id, step),
        ) as cur:
            return cur.rowcount == 1

    @staticmethod
    async def set_failures(conn: aiosqlite.Connection, user_id: int, failures: Failures) -> None:
        await conn.execute(
            "UPDATE staff_totp SET window_start = ?, failures = ?, locked_until = ? WHERE user_id = ?",
            (failures.window_start.isoformat(), failures.count, _text(failures.locked_until), user_id),
        )

    @staticmethod
    async def end_session(conn: aiosqlite.Connection, user_id: int) -> None:
        await conn.execute("UPDATE staff_totp SET session_until = NULL WHERE user_id = ?", (user_id,))

    async def remove(self, conn: aiosqlite.Connection, user_id: int) -> bool:
        """Forget the person's authenticator (its key shredded): they enrol again. Whether there was one."""
        async with conn.execute("SELECT dek_id FROM staff_totp WHERE user_id = ?", (user_id,)) as cur:
            row = await cur.fetchone()
        if row is None:
            return False
        await conn.execute("DELETE FROM staff_totp WHERE user_id = ?", (user_id,))
        await self.vault.shred(conn, int(row[0]))
        return True

    @staticmethod
    async def add_reset(conn: aiosqlite.Connection, user_id: int, requested_by: int, at: datetime) -> int:
        cur = await conn.execute(
            "INSERT INTO totp_resets (user_id, requested_by, requested_on) VALUES (?, ?, ?)",
            (user_id, requested_by, at.isoformat()),
        )
        return int(cur.lastrowid)

    @staticmethod
    async def set_reset_decided(
        conn: aiosqlite.Connection, request_id: int, state: ResetState, admin: int | None, at: datetime
    ) -> bool:
        """Compare-and-set: only a request still pending is decided (`admin` None: by the server's
        operator, or by another reset of that person). Whether it was."""
        async with conn.execute(
            "UPDATE totp_resets SET state = ?, decided_by = ?, decided_on = ? WHERE id = ? AND state = 'pending'",
            (state, admin, at.isoformat(), request_id),
        ) as cur:
            return cur.rowcount == 1
