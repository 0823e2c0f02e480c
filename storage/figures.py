"""Liaisons' submissions: the monthly figures and the quarter's summary, every version kept, the
latest counting, and the periods the admin has locked. The rows only: which version a submission
becomes is core.figures.next_version, asked by the use cases of services.figures, whose unit of work
fills in the `conn` of the writes here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.db import Database


@dataclass(frozen=True)
class Submission:
    unit_id: int
    period: str
    version: int
    values: dict[str, int]
    submitted_at: str
    #: Whether the unit's report for the period is late: the first version's lateness, which every
    #: later version carries (core.figures.next_version).
    late: bool


@dataclass(frozen=True)
class QuarterReport:
    id: int
    unit_id: int
    period: str
    version: int
    summary: str
    cases: str
    submitted_at: str
    late: bool


@dataclass(frozen=True)
class Document:
    name: str
    mime: str
    body: bytes


_LATEST = (
    "SELECT unit_id, period, version, figures, submitted_at, late FROM figure_reports f WHERE version ="
    " (SELECT MAX(version) FROM figure_reports g WHERE g.unit_id = f.unit_id AND g.period = f.period)"
)


def _submission(row: aiosqlite.Row) -> Submission:
    return Submission(row[0], row[1], row[2], json.loads(row[3]), row[4], bool(row[5]))


class Submissions:
    def __init__(self, db: Database):
        self.db = db

    # -- locks -----------------------------------------------------------------------------------

    async def locked(self, period: str) -> bool:
        return await self.db.fetchone("SELECT 1 FROM period_locks WHERE period = ?", (period,)) is not None

    @staticmethod
    async def lock(conn: aiosqlite.Connection, period: str, actor: int, at: datetime) -> bool:
        """Lock a period, in the caller's transaction; False if it was locked already."""
        async with conn.execute(
            "INSERT OR IGNORE INTO period_locks (period, locked_by, locked_at) VALUES (?, ?, ?)",
            (period, actor, at.isoformat(timespec="seconds")),
        ) as cur:
            return cur.rowcount == 1

    # -- monthly figures -------------------------------------------------------------------------

    @staticmethod
    async def add(
        conn: aiosqlite.Connection, unit_id: int, period: str, template: str, version: int, values: dict[str, int],
        user_id: int, at: datetime, late: bool,
    ) -> None:  # fmt: skip
        """Store this version of the unit's figures for the period, in the caller's transaction."""
        await conn.execute(
            "INSERT INTO figure_reports (unit_id, period, template, version, figures, submitted_by,"
            " submitted_at, late) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (unit_id, period, template, version, json.dumps(values, sort_keys=True), user_id,
             at.isoformat(timespec="seconds"), int(late)),
        )  # fmt: skip

    async def latest(self, unit_id: int, period: str) -> Submission | None:
        row = await self.db.fetchone(f"{_LATEST} AND unit_id = ? AND period = ?", (unit_id, period))
        return _submission(row) if row else None

    async def versions(self, unit_id: int, period: str) -> list[Submission]:
        rows = await self.db.fetchall(
            "SELECT unit_id, period, version, figures, submitted_at, late FROM figure_reports"
            " WHERE unit_id = ? AND period = ? ORDER BY version",
            (unit_id, period),
        )
        return [_submission(r) for r in rows]

    async def reported(self, period: str) -> dict[int, bool]:
        """The units that have sent the period's figures, each with whether it was late (every version
        carries the first's lateness): /monthly's first answer, without reading any figures."""
        rows = await self.db.fetchall("SELECT DISTINCT unit_id, late FROM figure_reports WHERE period = ?", (period,))
        return {unit_id: bool(late) for unit_id, late in rows}

    async def of_periods(self, periods: list[str]) -> dict[tuple[int, str], Submission]:
        """The latest version per (unit, period) for these periods."""
        marks = ",".join("?" * len(periods))
        rows = await self.db.fetchall(f"{_LATEST} AND period IN ({marks})", periods)
        return {(s.unit_id, s.period): s for s in map(_submission, rows)}

    # -- the quarter's summary -------------------------------------------------------------------

    @staticmethod
    async def add_quarter(
        conn: aiosqlite.Connection, unit_id: int, period: str, version: int, summary: str, cases: str,
        documents: list[Document], user_id: int, at: datetime, late: bool,
    ) -> int:  # fmt: skip
        """Store this version of the unit's summary for the quarter with its documents, in the caller's
        transaction; returns its id."""
        async with conn.execute(
            "INSERT INTO quarter_reports (unit_id, period, version, summary, cases, submitted_by, submitted_at,"
            " late) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (unit_id, period, version, summary, cases, user_id, at.isoformat(timespec="seconds"), int(late)),
        ) as cur:
            (report_id,) = await cur.fetchone()
        await conn.executemany(
            "INSERT INTO quarter_files (report_id, name, mime, body) VALUES (?, ?, ?, ?)",
            [(report_id, d.name, d.mime, d.body) for d in documents],
        )
        return int(report_id)

    async def quarter(self, unit_id: int, period: str) -> QuarterReport | None:
        row = await self.db.fetchone(
            "SELECT id, unit_id, period, version, summary, cases, submitted_at, late FROM quarter_reports"
            " WHERE unit_id = ? AND period = ? ORDER BY version DESC LIMIT 1",
            (unit_id, period),
        )
        return QuarterReport(*row[:7], bool(row[7])) if row else None

    async def quarters(self, period: str) -> list[QuarterReport]:
        rows = await self.db.fetchall(
            "SELECT id, unit_id, period, version, summary, cases, submitted_at, late FROM quarter_reports q"
            " WHERE period = ? AND version = (SELECT MAX(version) FROM quarter_reports r"
            " WHERE r.unit_id = q.unit_id AND r.period = q.period)",
            (period,),
        )
        return [QuarterReport(*r[:7], bool(r[7])) for r in rows]

    async def documents(self, report_id: int) -> list[Document]:
        rows = await self.db.fetchall(
            "SELECT name, mime, body FROM quarter_files WHERE report_id = ? ORDER BY id", (report_id,)
        )
        return [Document(r[0], r[1], bytes(r[2])) for r in rows]
