"""The case's own rows: what may be done with a tip now (reads), and the writes of the case actions
other than the status (department, merge, verification), each inside the caller's unit of work.

The case actions themselves (check, status change, event, dialogue entry and audit entry in one unit of
work) are use cases in services.casework.
"""

from __future__ import annotations

from datetime import date

import aiosqlite

from core.casework import Verification, office_actions
from core.office import OfficeConfig
from core.tips import TipFacets
from storage.db import Database
from storage.tips import TipRepository

#: Notices to send after a change: tip number → the push contact (captured before it is destroyed).
Notices = dict[str, int | None]


def verification_of(outcome: str, problems: str, measures: str, fine_fen: int) -> Verification:
    """A verification result from its columns (codes are stored comma-separated)."""
    return Verification(
        outcome=outcome, problems=tuple(c for c in problems.split(",") if c),
        measures=tuple(c for c in measures.split(",") if c), fine_fen=fine_fen,
    )  # fmt: skip


class CaseError(Exception):
    """The action does not fit the tip as it is now (already decided, unknown department…)."""


class CaseRecords:
    def __init__(self, db: Database, tips: TipRepository, office: OfficeConfig):
        self.db = db
        self.tips = tips
        self.office = office

    # -- what may be done (reads: inside a unit of work they see its writes) --------------------

    async def extension_open(self, number: str) -> bool:
        """One extension per tip: none pending, none granted."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM case_requests r JOIN tips t ON t.id = r.tip_id"
            " WHERE t.number = ? AND r.kind = 'extension' AND r.state IN ('pending', 'approved')",
            (number,),
        )
        return int(row[0]) == 0

    async def actions(self, facets: TipFacets, today: date) -> set[str]:
        return office_actions(facets, extension_open=await self.extension_open(facets.number), today=today)

    async def reward_stands(self, number: str) -> bool:
        """A reward was decided on the tip's verification (and not refused by an admin)."""
        row = await self.db.fetchone(
            "SELECT 1 FROM rewards r JOIN tips t ON t.id = r.tip_id WHERE t.number = ?"
            " AND NOT (r.state = 'refused' AND r.refusal = 'admin')",
            (number,),
        )
        return row is not None

    async def verification(self, number: str) -> Verification | None:
        row = await self.db.fetchone(
            "SELECT v.outcome, v.problems, v.measures, v.fine_fen FROM verifications v"
            " JOIN tips t ON t.id = v.tip_id WHERE t.number = ?",
            (number,),
        )
        return None if row is None else verification_of(*row)

    # -- writes inside the caller's unit of work --------------------------------------------------

    @staticmethod
    async def set_department(conn: aiosqlite.Connection, number: str, department: str, *, expect: str) -> bool:
        """Compare-and-set: only a tip still with department `expect` moves. Whether it did."""
        async with conn.execute(
            "UPDATE tips SET department = ? WHERE number = ? AND department = ?", (department, number, expect)
        ) as cur:
            return cur.rowcount == 1

    @staticmethod
    async def set_merged_into(conn: aiosqlite.Connection, number: str, into: str | None) -> None:
        await conn.execute("UPDATE tips SET merged_into = ? WHERE number = ?", (into, number))

    @staticmethod
    async def set_verification(
        conn: aiosqlite.Connection, number: str, actor: int, result: Verification, on: date
    ) -> None:
        """Record the result, or correct the one recorded."""
        async with conn.execute("SELECT id FROM tips WHERE number = ?", (number,)) as cur:
            row = await cur.fetchone()
        if row is None:
            raise CaseError(number)
        await conn.execute(
            "INSERT INTO verifications (tip_id, on_date, outcome, problems, measures, fine_fen, recorded_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tip_id) DO UPDATE SET on_date = excluded.on_date,"
            " outcome = excluded.outcome, problems = excluded.problems, measures = excluded.measures,"
            " fine_fen = excluded.fine_fen, recorded_by = excluded.recorded_by",
            (row[0], on.isoformat(), result.outcome, ",".join(result.problems),
             ",".join(result.measures), result.fine_fen, actor),
        )  # fmt: skip
