"""Liaisons' submissions: the monthly figures and the quarter's summary, every version kept, the
latest counting; a period the admin has locked takes no more corrections."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.audit import AuditLog
from storage.db import Database


class PeriodLocked(Exception):
    """The admin has locked this period: no submission or correction any more."""


@dataclass(frozen=True)
class Submission:
    unit_id: int
    period: str
    version: int
    values: dict[str, int]
    submitted_at: str
    late: bool


@dataclass(frozen=True)
class Stored:
    """What a submission stored: its version, and whether the unit's report for the period is late."""

    version: int
    late: bool
    #: The figures were those of the latest version already: nothing new was stored.
    unchanged: bool = False


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


async def _next_version(conn: aiosqlite.Connection, table: str, unit_id: int, period: str) -> int:
    async with conn.execute(
        f"SELECT COALESCE(MAX(version), 0) + 1 FROM {table} WHERE unit_id = ? AND period = ?",  # noqa: S608
        (unit_id, period),
    ) as cur:
        (version,) = await cur.fetchone()
    return version


async def _late(conn: aiosqlite.Connection, table: str, unit_id: int, period: str) -> bool:
    """Whether the first version came late: a correction after the due day does not make a unit late."""
    async with conn.execute(
        f"SELECT late FROM {table} WHERE unit_id = ? AND period = ? AND version = 1",  # noqa: S608
        (unit_id, period),
    ) as cur:
        (late,) = await cur.fetchone()
    return bool(late)


class Submissions:
    def __init__(self, db: Database, audit: AuditLog):
        self.db = db
        self.audit = audit

    # -- locks -----------------------------------------------------------------------------------

    async def locked(self, period: str) -> bool:
        return await self.db.fetchone("SELECT 1 FROM period_locks WHERE period = ?", (period,)) is not None

    async def lock(self, period: str, actor: int, at: datetime) -> bool:
        """Lock a period; False if it was locked already."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "INSERT OR IGNORE INTO period_locks (period, locked_by, locked_at) VALUES (?, ?, ?)",
                (period, actor, at.isoformat(timespec="seconds")),
            ) as cur:
                done = cur.rowcount == 1
            if done:
                await self.audit.append(conn, actor=actor, action="figures.lock", at=at, detail=period)
        return done

    async def _refuse_if_locked(self, conn: aiosqlite.Connection, period: str) -> None:
        async with conn.execute("SELECT 1 FROM period_locks WHERE period = ?", (period,)) as cur:
            if await cur.fetchone():
                raise PeriodLocked(period)

    # -- monthly figures -------------------------------------------------------------------------

    async def submit(
        self, unit_id: int, period: str, template: str, values: dict[str, int], user_id: int, at: datetime, late: bool
    ) -> Stored:
        """Keep a new version of the unit's figures for the period. A correction keeps the first
        version's lateness; the result says which version was stored and whether it counts as late.
        The same figures sent again (a press repeated after a crash) are the latest version, not a new one."""
        figures = json.dumps(values, sort_keys=True)
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT version, figures, late FROM figure_reports WHERE unit_id = ? AND period = ?"
                " ORDER BY version DESC LIMIT 1",
                (unit_id, period),
            ) as cur:
                latest = await cur.fetchone()
            if latest is not None and latest[1] == figures:  # stored already, locked since or not
                return Stored(int(latest[0]), bool(latest[2]), unchanged=True)
            await self._refuse_if_locked(conn, period)
            version = await _next_version(conn, "figure_reports", unit_id, period)
            late = await _late(conn, "figure_reports", unit_id, period) if version > 1 else late
            await conn.execute(
                "INSERT INTO figure_reports (unit_id, period, template, version, figures, submitted_by,"
                " submitted_at, late) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (unit_id, period, template, version, figures, user_id,
                 at.isoformat(timespec="seconds"), int(late)),
            )  # fmt: skip
            await self.audit.append(
                conn, actor=user_id, action="figures.submit", at=at, detail=f"{unit_id}:{period}:v{version}"
            )
        return Stored(version, late)

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

    async def of_periods(self, periods: list[str]) -> dict[tuple[int, str], Submission]:
        """The latest version per (unit, period) for these periods."""
        marks = ",".join("?" * len(periods))
        rows = await self.db.fetchall(f"{_LATEST} AND period IN ({marks})", periods)
        return {(s.unit_id, s.period): s for s in map(_submission, rows)}

    # -- the quarter's summary -------------------------------------------------------------------

    async def submit_quarter(
        self, unit_id: int, period: str, summary: str, cases: str, documents: list[Document], user_id: int,
        at: datetime, late: bool,
    ) -> Stored:  # fmt: skip
        """As `submit`: a summary identical to the latest version (text and documents) is that version."""
        async with self.db.transaction() as conn:
            same = await _same_quarter(conn, unit_id, period, summary, cases, documents)
            if same is not None:
                return same
            await self._refuse_if_locked(conn, period)
            version = await _next_version(conn, "quarter_reports", unit_id, period)
            late = await _late(conn, "quarter_reports", unit_id, period) if version > 1 else late
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
            await self.audit.append(
                conn, actor=user_id, action="quarter.submit", at=at, detail=f"{unit_id}:{period}:v{version}"
            )
        return Stored(version, late)

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


async def _same_quarter(
    conn: aiosqlite.Connection, unit_id: int, period: str, summary: str, cases: str, documents: list[Document]
) -> Stored | None:
    """The latest version of the quarter's summary if it is exactly this one (a press repeated after a crash)."""
    async with conn.execute(
        "SELECT id, version, summary, cases, late FROM quarter_reports WHERE unit_id = ? AND period = ?"
        " ORDER BY version DESC LIMIT 1",
        (unit_id, period),
    ) as cur:
        latest = await cur.fetchone()
    if latest is None or (latest[2], latest[3]) != (summary, cases):
        return None
    async with conn.execute(
        "SELECT name, mime, body FROM quarter_files WHERE report_id = ? ORDER BY id", (latest[0],)
    ) as cur:
        stored = [tuple(row) for row in await cur.fetchall()]
    if stored != [(d.name, d.mime, d.body) for d in documents]:
        return None
    return Stored(int(latest[1]), bool(latest[4]), unchanged=True)
