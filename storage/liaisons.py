"""Units, their liaisons and the invites that register them (one current liaison per unit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from core.liaisons import Contact
from storage.db import Database


@dataclass(frozen=True)
class Unit:
    id: int
    name: str
    kind: str


@dataclass(frozen=True)
class Liaison:
    unit: Unit
    user_id: int
    lang: str
    contact: Contact
    since: str


class UnitError(Exception):
    """A unit that cannot be added (`reason`: 'kind', 'name', 'taken')."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


_LIAISON = (
    "SELECT u.id, u.name, u.kind, l.user_id, l.lang, l.contact, l.since FROM liaisons l"
    " JOIN units u ON u.id = l.unit_id WHERE l.until IS NULL AND u.active = 1"
)


def _liaison(row: aiosqlite.Row) -> Liaison:
    return Liaison(Unit(row[0], row[1], row[2]), row[3], row[4], Contact.model_validate_json(row[5]), row[6])


class Units:
    def __init__(self, db: Database):
        self.db = db

    async def add(self, conn: aiosqlite.Connection, name: str, kind: str, on: date) -> Unit:
        """Store a new unit (checked and audited by services.people.PeopleService.add_unit)."""
        async with conn.execute(
            "INSERT INTO units (name, kind, added_on) VALUES (?, ?, ?) RETURNING id", (name, kind, on.isoformat())
        ) as cur:
            (unit_id,) = await cur.fetchone()
        return Unit(unit_id, name, kind)

    async def name_taken(self, name: str) -> bool:
        """Whether a unit of this name exists (inside a unit of work, it sees that unit's writes)."""
        return await self.db.fetchone("SELECT 1 FROM units WHERE name = ?", (name,)) is not None

    async def get(self, unit_id: int) -> Unit | None:
        row = await self.db.fetchone("SELECT id, name, kind FROM units WHERE id = ? AND active = 1", (unit_id,))
        return Unit(*row) if row else None

    async def all(self) -> list[Unit]:
        rows = await self.db.fetchall("SELECT id, name, kind FROM units WHERE active = 1 ORDER BY id")
        return [Unit(*r) for r in rows]

    async def hand_over(
        self, conn: aiosqlite.Connection, unit_id: int, user_id: int, lang: str, contact: Contact, at: datetime
    ) -> Liaison | None:
        """Make this person the unit's liaison, in the caller's transaction; returns the liaison before
        (None if the unit had none)."""
        before = await self._current(conn, unit_id)
        stamp = at.isoformat(timespec="seconds")
        await conn.execute("UPDATE liaisons SET until = ? WHERE unit_id = ? AND until IS NULL", (stamp, unit_id))
        await conn.execute(
            "INSERT INTO liaisons (unit_id, user_id, lang, contact, since) VALUES (?, ?, ?, ?, ?)",
            (unit_id, user_id, lang, contact.model_dump_json(), stamp),
        )
        return before

    async def _current(self, conn: aiosqlite.Connection, unit_id: int) -> Liaison | None:
        async with conn.execute(f"{_LIAISON} AND u.id = ?", (unit_id,)) as cur:
            row = await cur.fetchone()
        return _liaison(row) if row else None

    async def liaison(self, unit_id: int) -> Liaison | None:
        row = await self.db.fetchone(f"{_LIAISON} AND u.id = ?", (unit_id,))
        return _liaison(row) if row else None

    async def liaisons(self) -> list[Liaison]:
        rows = await self.db.fetchall(f"{_LIAISON} ORDER BY u.id")
        return [_liaison(r) for r in rows]

    async def of_user(self, user_id: int) -> list[Liaison]:
        rows = await self.db.fetchall(f"{_LIAISON} AND l.user_id = ? ORDER BY u.name", (user_id,))
        return [_liaison(r) for r in rows]

    async def is_liaison(self, user_id: int, unit_id: int) -> bool:
        return any(item.unit.id == unit_id for item in await self.of_user(user_id))
