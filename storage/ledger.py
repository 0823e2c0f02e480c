"""Every tip's ledger line (core.stats.TipRecord), read from plaintext columns only: facets, the
dates of its status changes, its verification result. For /stats and the exports."""

from __future__ import annotations

import asyncio
from datetime import date

from core.stats import TipRecord
from core.tips import Status
from storage.casework import verification_of
from storage.db import Database
from storage.exposures import COUNTS

_FIRST_DATE = "(SELECT MIN(e.on_date) FROM tip_events e WHERE e.tip_id = t.id AND e.status = '{status}')"
#: The day a case post of the tip that counts was first published on the office's channel (曝光).
_EXPOSED = f"(SELECT MIN(x.published_on) FROM exposures x WHERE x.tip_id = t.id AND {COUNTS})"  # noqa: S608


class Ledger:
    def __init__(self, db: Database):
        self.db = db

    async def records(self, first_day: date, last_day: date) -> list[TipRecord]:
        """Tips received from `first_day` to `last_day` (both included), in number order."""
        statuses = (Status.ACCEPTED, Status.VERIFIED, Status.REPLIED, Status.CLOSED)
        dates = ", ".join(_FIRST_DATE.format(status=s.value) for s in statuses)  # values of the enum
        query = (
            "SELECT t.number, t.received_on, t.kind, t.industry, t.village, t.department, t.status,"  # noqa: S608
            f" t.involves_death, t.due_on, t.merged_into, {dates},"
            f" v.outcome, v.problems, v.measures, v.fine_fen, {_EXPOSED}"
            " FROM tips t LEFT JOIN verifications v ON v.tip_id = t.id"
            " WHERE t.received_on BETWEEN ? AND ? ORDER BY t.year, t.seq"
        )
        rows = await self.db.fetchall(query, (first_day.isoformat(), last_day.isoformat()))
        # A year of 100,000 tips takes most of a second to convert (a validated verification each): in a
        # thread, so the event loop goes on answering button presses (the GIL changes hands every 5 ms).
        return await asyncio.to_thread(lambda: [_record(row) for row in rows])


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _record(row) -> TipRecord:
    (number, received, kind, industry, village, department, status, death, due, merged,
     accepted, verified, replied, closed, outcome, problems, measures, fine, exposed) = row  # fmt: skip
    verification = None if outcome is None else verification_of(outcome, problems, measures, fine)
    return TipRecord(
        number=number, received_on=date.fromisoformat(received), kind=kind, industry=industry, village=village,
        department=department, status=Status(status), involves_death=bool(death), due_on=_day(due),
        merged_into=merged, accepted_on=_day(accepted), verified_on=_day(verified), replied_on=_day(replied),
        closed_on=_day(closed), verification=verification, exposed_on=_day(exposed),
    )  # fmt: skip
