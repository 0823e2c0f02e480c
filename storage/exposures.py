"""The rows of 曝光 posts (migration 0014): reads, and writes inside the caller's unit of work. What the
drafting officer typed (the enterprise, the decision's number) is sealed under the tip's content key.
The use cases are services.exposure."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

import aiosqlite

from core import crypto
from core.casework import Verification
from core.exposure import CaseFacts, ExposureKind, ExposureState, MonthFacts, Typed
from storage.casework import verification_of
from storage.db import Database
from storage.staff import other_admins
from storage.tips import TipRepository

_COLUMNS = (
    "e.id, e.uid, e.kind, t.number, e.facts, e.typed, e.state, e.drafted_by, e.drafted_on,"
    " e.decided_by, e.channel, e.message_id, e.link, e.published_on"
)
_FROM = " FROM exposures e LEFT JOIN tips t ON t.id = e.tip_id"
#: Whether a case post counts (曝光企业数, a tip's exposed_on): published, and not withdrawn within the
#: month it was published in.
COUNTS = (
    "x.kind <> 'monthly' AND x.published_on IS NOT NULL"
    " AND (x.withdrawn_on IS NULL OR substr(x.withdrawn_on, 1, 7) > substr(x.published_on, 1, 7))"
)
#: Each exposed tip and the day its first post that counts was published.
FIRST_COUNTED = f"SELECT x.tip_id, MIN(x.published_on) AS first FROM exposures x WHERE {COUNTS} GROUP BY x.tip_id"  # noqa: S608


@dataclass(frozen=True)
class Exposure:
    id: int
    kind: ExposureKind
    number: str | None  # the tip a case post was drafted from
    facts: CaseFacts | MonthFacts
    typed: Typed | None  # a case post's typed part, opened
    state: ExposureState
    drafted_by: int
    drafted_on: date
    decided_by: int | None
    channel: str | None
    message_id: int | None
    link: str | None
    published_on: date | None

    @property
    def period(self) -> str | None:
        return self.facts.period if isinstance(self.facts, MonthFacts) else None


class ExposureRecords:
    def __init__(self, db: Database, tips: TipRepository):
        self.db = db
        self.tips = tips

    # -- reads ---------------------------------------------------------------------------------

    async def get(self, exposure_id: int) -> Exposure | None:
        row = await self.db.fetchone(f"SELECT {_COLUMNS}{_FROM} WHERE e.id = ?", (exposure_id,))
        return None if row is None else await self._exposure(row)

    async def listed(self, states: tuple[ExposureState, ...], limit: int = 100, offset: int = 0) -> list[Exposure]:
        """Posts in these states, newest first (`limit` from `offset`)."""
        marks = ",".join("?" * len(states))
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS}{_FROM} WHERE e.state IN ({marks}) ORDER BY e.id DESC LIMIT ? OFFSET ?",
            [*states, limit, offset],
        )
        return [await self._exposure(row) for row in rows]

    async def count(self, states: tuple[ExposureState, ...]) -> int:
        marks = ",".join("?" * len(states))
        row = await self.db.fetchone(f"SELECT COUNT(*) FROM exposures WHERE state IN ({marks})", states)  # noqa: S608
        return int(row[0])

    async def last_event(self, number: str) -> int | None:
        """The id of the tip's last status event: a draft remembers it, and a tip moved since voids it."""
        row = await self.db.fetchone(
            "SELECT MAX(e.id) FROM tip_events e JOIN tips t ON t.id = e.tip_id WHERE t.number = ?", (number,)
        )
        return None if row is None or row[0] is None else int(row[0])

    async def drafted_at_event(self, exposure_id: int) -> int | None:
        row = await self.db.fetchone("SELECT tip_event FROM exposures WHERE id = ?", (exposure_id,))
        return None if row is None or row[0] is None else int(row[0])

    async def _exposure(self, row: aiosqlite.Row) -> Exposure:
        (eid, uid, kind, number, facts, typed, state, by, on, decided_by, channel, message_id, link,
         published_on) = row  # fmt: skip
        kind = ExposureKind(kind)
        if kind == ExposureKind.MONTHLY:
            parsed: CaseFacts | MonthFacts = MonthFacts.model_validate_json(facts)
            opened = None
        else:
            parsed = CaseFacts.model_validate_json(facts)
            _tip_id, key = await self.tips.tip_key(number)
            opened = Typed.model_validate_json(key.open(typed, _aad(number, uid)))
        return Exposure(
            id=eid, kind=kind, number=number, facts=parsed, typed=opened, state=ExposureState(state),
            drafted_by=by, drafted_on=date.fromisoformat(on), decided_by=decided_by, channel=channel,
            message_id=message_id, link=link, published_on=date.fromisoformat(published_on) if published_on else None,
        )  # fmt: skip

    async def verified(self, number: str) -> tuple[Verification, date] | None:
        """The tip's verification result and the day it was recorded (its latest correction)."""
        row = await self.db.fetchone(
            "SELECT v.outcome, v.problems, v.measures, v.fine_fen, v.on_date FROM verifications v"
            " JOIN tips t ON t.id = v.tip_id WHERE t.number = ?",
            (number,),
        )
        return None if row is None else (verification_of(*row[:4]), date.fromisoformat(row[4]))

    async def standing(self, number: str) -> bool:
        """Whether a case post of this tip is pending, approved or published (one at a time)."""
        row = await self.db.fetchone(
            "SELECT 1 FROM exposures e JOIN tips t ON t.id = e.tip_id WHERE t.number = ?"
            " AND e.state IN ('pending', 'approved', 'publishing', 'published')",
            (number,),
        )
        return row is not None

    async def month_standing(self, period: str) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM exposures WHERE kind = 'monthly' AND period = ?"
            " AND state IN ('pending', 'approved', 'publishing', 'published')",
            (period,),
        )
        return row is not None

    async def exposed_by_month(self, first: date, last: date) -> dict[str, int]:
        """曝光企业数 the office's channel adds: "YYYY-MM" → the tips (one enterprise each) whose first
        case post that counts was published that month. A post counts if it was not withdrawn within
        the month it was published: a month once reported keeps its figure, and an enterprise counts
        once however many posts name it (a penalty, then a blacklisting), so months add up."""
        rows = await self.db.fetchall(
            f"SELECT substr(first, 1, 7), COUNT(*) FROM ({FIRST_COUNTED}) WHERE first BETWEEN ? AND ? GROUP BY 1",  # noqa: S608
            (first.isoformat(), last.isoformat()),
        )
        return {month: int(count) for month, count in rows}

    async def other_admins(self, admin: int) -> int:
        return await other_admins(self.db, admin)

    # -- writes inside the caller's unit of work --------------------------------------------------

    async def add_case(
        self, conn: aiosqlite.Connection, number: str, facts: CaseFacts, typed: Typed, event: int | None,
        actor: int, on: date,
    ) -> int:  # fmt: skip
        tip_id, key = await self.tips.tip_key(number)
        uid = secrets.token_hex(8)
        sealed = key.seal(typed.model_dump_json().encode(), _aad(number, uid))
        cur = await conn.execute(
            "INSERT INTO exposures (uid, kind, tip_id, facts, typed, tip_event, drafted_by, drafted_on)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (uid, typed.kind, tip_id, facts.model_dump_json(), sealed, event, actor, on.isoformat()),
        )
        return int(cur.lastrowid)

    @staticmethod
    async def add_month(conn: aiosqlite.Connection, facts: MonthFacts, actor: int, on: date) -> int:
        cur = await conn.execute(
            "INSERT INTO exposures (uid, kind, period, facts, drafted_by, drafted_on)"
            " VALUES (?, 'monthly', ?, ?, ?, ?)",
            (secrets.token_hex(8), facts.period, facts.model_dump_json(), actor, on.isoformat()),
        )
        return int(cur.lastrowid)

    @staticmethod
    async def move(
        conn: aiosqlite.Connection, exposure_id: int, before: ExposureState, after: ExposureState, **columns: object
    ) -> bool:
        """Compare-and-set: the post moves from `before` to `after` (setting `columns`) only if it is still
        in `before`. Whether it did."""
        names = "".join(f", {name} = ?" for name in columns)  # names from services.exposure, never input
        async with conn.execute(
            f"UPDATE exposures SET state = ?{names} WHERE id = ? AND state = ?",  # noqa: S608
            (after, *columns.values(), exposure_id, before),
        ) as cur:
            return cur.rowcount == 1


def _aad(number: str, uid: str) -> bytes:
    return crypto.field_aad("exposures", f"{number}/{uid}", "typed")
