"""The liaisons' reports as use cases: a month's figures, a quarter's summary with its documents, and
the admin's lock on a period. Each is one unit of work: whether the unit is active and this person
its liaison, whether the period is locked, and which version the submission becomes
(core.figures.next_version) are all read inside it, so an admin locking a month while a liaison's
figures for it are being stored either comes first (the figures are refused) or after (they count).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from core.figures import Stored, Template, next_version
from core.office import Figures
from core.periods import (
    current_month,
    current_quarter,
    monthly_schedule,
    parse_month,
    parse_quarter,
    quarterly_schedule,
)
from storage.audit import AuditLog
from storage.db import Database, UnitOfWork
from storage.figures import Document, Submissions
from storage.liaisons import Units

#: Why a person may not send a unit's report for a period now: not (any more) the liaison of the unit
#: (or it is no longer active), a period whose prompt has not come yet, a period the admin has locked.
Refusal = Literal["liaison", "not_yet", "locked"]


class FiguresRefused(Exception):
    """A submission that may not be stored; nothing was."""


class NotLiaison(FiguresRefused):
    """This person is not (any more) the liaison of the unit, or the unit is no longer active."""


class PeriodLocked(FiguresRefused):
    """The admin has locked this period: no submission or correction any more."""


@dataclass(eq=False)
class FiguresService:
    db: Database
    submissions: Submissions
    units: Units
    audit: AuditLog
    config: Figures

    async def refusal(
        self, kind: Literal["month", "quarter"], user_id: int, unit_id: int, period: str, now: datetime
    ) -> Refusal | None:
        """Why this person may not send this unit's report for the period now, or None: asked on
        entering and before sending; submit_month and submit_quarter check the liaison and the lock
        again inside their unit of work."""
        if not await self.units.is_liaison(user_id, unit_id):
            return "liaison"
        if not self._open(kind, period, now):
            return "not_yet"
        if await self.submissions.locked(period):
            return "locked"
        return None

    def _open(self, kind: Literal["month", "quarter"], period: str, now: datetime) -> bool:
        """Whether the period may be reported now: a month or quarter whose prompt time has come."""
        if kind == "month":
            latest = current_month(self.config.chosen, now, self.config.at).period
            return parse_month(period) is not None and period <= latest
        quarter = current_quarter(now, self.config.at)
        return parse_quarter(period) is not None and quarter is not None and period <= quarter.period

    @asynccontextmanager
    async def _work(self) -> AsyncIterator[UnitOfWork]:
        async with self.db.unit_of_work(submissions=self.submissions, units=self.units, audit=self.audit) as uow:
            yield uow

    @staticmethod
    async def _version(uow: UnitOfWork, user_id: int, unit_id: int, latest: Stored | None, same: bool,
                       period: str, late: bool) -> Stored:  # fmt: skip
        """The version to store, checked inside the unit of work: NotLiaison, PeriodLocked."""
        if not await uow.units.is_liaison(user_id, unit_id):
            raise NotLiaison(unit_id)
        stored = next_version(latest, same, await uow.submissions.locked(period), late)
        if stored is None:
            raise PeriodLocked(period)
        return stored

    async def submit_month(
        self, unit_id: int, period: str, template: Template, values: dict[str, int], user_id: int, at: datetime,
        late: bool | None = None,
    ) -> Stored:  # fmt: skip
        """Keep a new version of the unit's figures for the month (core.figures.next_version); `late`:
        whether a first version is late, by the template's due day on `at`'s day unless given."""
        if late is None:
            late = monthly_schedule(template, period).is_late(at.date())
        async with self._work() as uow:
            sent = await uow.submissions.latest(unit_id, period)
            latest = Stored(sent.version, sent.late) if sent else None
            same = sent is not None and sent.values == values
            stored = await self._version(uow, user_id, unit_id, latest, same, period, late)
            if stored.unchanged:
                return stored
            await uow.submissions.add(unit_id, period, template.code, stored.version, values, user_id, at, stored.late)
            detail = f"{unit_id}:{period}:v{stored.version}"
            await uow.audit.append(actor=user_id, action="figures.submit", at=at, detail=detail)
        return stored

    async def submit_quarter(
        self, unit_id: int, period: str, summary: str, cases: str, documents: list[Document], user_id: int,
        at: datetime, late: bool | None = None,
    ) -> Stored:  # fmt: skip
        """As `submit_month`, for the quarter's summary: the same text and documents as the latest
        version are that version."""
        if late is None:
            late = quarterly_schedule(period).is_late(at.date())
        async with self._work() as uow:
            sent = await uow.submissions.quarter(unit_id, period)
            latest = Stored(sent.version, sent.late) if sent else None
            same = (
                sent is not None
                and (sent.summary, sent.cases) == (summary, cases)
                and await uow.submissions.documents(sent.id) == documents
            )
            stored = await self._version(uow, user_id, unit_id, latest, same, period, late)
            if stored.unchanged:
                return stored
            await uow.submissions.add_quarter(
                unit_id, period, stored.version, summary, cases, documents, user_id, at, stored.late
            )
            detail = f"{unit_id}:{period}:v{stored.version}"
            await uow.audit.append(actor=user_id, action="quarter.submit", at=at, detail=detail)
        return stored

    async def lock(self, period: str, actor: int, at: datetime) -> bool:
        """The admin locks a period (a month or a quarter) against submissions and corrections, audited;
        False if it was locked already."""
        async with self._work() as uow:
            done = await uow.submissions.lock(period, actor, at)
            if done:
                await uow.audit.append(actor=actor, action="figures.lock", at=at, detail=period)
        return done
