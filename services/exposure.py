"""曝光 as use cases (docs/DOMAIN.md section 7.7): drafting a post for the office's public channel from a
closed tip's verification result or from a month's statistics, a second admin's decision (four eyes,
as a disclosure), recording the publication or its failure, and withdrawing a published post. Each
check-then-write is one unit of work; every step is audited. Telegram is the handler's
(handlers.office.exposure): this records what happened there.

A case post may be drafted only from a tip that is closed (办结), not merged into another, and found
true or partly true; one post of a tip stands at a time (pending, approved or published). At approval
the tip is read again, and again when the post is claimed for publishing: if it is no longer closed, was
merged, had any status change, or its verification result changed since the draft, the draft is void
(refused, audited as such) and nothing is published. Publishing is claimed first (approved →
publishing, one unit of work), so two presses never post twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime

from core.exposure import (
    CaseFacts,
    ExposureKind,
    ExposureState,
    MonthFacts,
    Typed,
    case_post,
    month_facts,
    month_post,
)
from core.office import OfficeConfig
from core.stats import TipRecord
from core.tips import Status
from storage.audit import AuditLog
from storage.db import Database, UnitOfWork
from storage.exposures import Exposure, ExposureRecords
from storage.tips import TipRepository

#: What a published post may be withdrawn by: deleted from the channel, or (Telegram refusing to
#: delete an older post) its text replaced by a withdrawal notice, or deleted by an admin by hand
#: (the bot no longer in the channel) and recorded.
WITHDRAWN_BY = ("deleted", "edited", "manual")


class ExposureError(Exception):
    """Why a step is not taken (nothing was written): `reason` is one of
    "channel"  no channel is configured
    "tip"      the tip is not closed, was merged, or was not found true
    "standing" a post of this tip (or month) is pending, approved or published already
    "empty"    the month has no tips to report
    "decided"  the post was decided (or published, withdrawn) already
    "self"     the drafter may not approve their own post while another admin could
    "moved"    the tip changed since the draft: the draft is now void
    """

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(eq=False)
class ExposureService:
    db: Database
    tips: TipRepository
    audit: AuditLog
    records: ExposureRecords
    office: OfficeConfig

    @property
    def channel(self) -> int | str | None:
        return self.office.exposure.channel_id

    @asynccontextmanager
    async def _work(self) -> AsyncIterator[UnitOfWork]:
        async with self.db.unit_of_work(tips=self.tips, audit=self.audit, records=self.records) as uow:
            yield uow

    async def get(self, exposure_id: int) -> Exposure | None:
        return await self.records.get(exposure_id)

    async def listed(self, *states: ExposureState, limit: int = 100, offset: int = 0) -> list[Exposure]:
        return await self.records.listed(states, limit, offset)

    async def count(self, *states: ExposureState) -> int:
        return await self.records.count(states)

    def text(self, exposure: Exposure, lang: str) -> str:
        """The post as the channel shows (or showed) it, in `lang`."""
        if isinstance(exposure.facts, MonthFacts):
            return month_post(exposure.facts, self._publisher(lang), lang)
        return case_post(exposure.facts, exposure.typed, self._publisher(lang), lang)

    def preview(self, facts: CaseFacts, typed: Typed, lang: str) -> str:
        """A case post as it would read, before its draft is kept."""
        return case_post(facts, typed, self._publisher(lang), lang)

    def month_preview(
        self, period: str, records: Iterable[TipRecord], paid: Iterable[tuple[date, int]], lang: str
    ) -> str:
        """The month's statistics post as it would read (`draft_month`'s arguments)."""
        return month_post(month_facts(period, records, paid), self._publisher(lang), lang)

    def _publisher(self, lang: str) -> str:
        """发布单位: the office's formal name, else its name."""
        return self.office.unit(lang) or self.office.label(lang)

    # -- drafting ------------------------------------------------------------------------------

    async def draftable(self, number: str) -> CaseFacts | None:
        """The facts a case post of this tip would say, if one may be drafted now; else None."""
        if self.channel is None:
            return None
        facts = await _facts(self.tips, self.records, number)
        return None if facts is None or await self.records.standing(number) else facts

    async def draft_case(self, number: str, actor: int, typed: Typed, at: datetime) -> int:
        """Keep a case post's draft for a second admin; its id."""
        if self.channel is None:
            raise ExposureError("channel")
        async with self._work() as uow:
            facts = await _facts(uow.tips, uow.records, number)
            if facts is None:
                raise ExposureError("tip")
            if await uow.records.standing(number):
                raise ExposureError("standing")
            event = await uow.records.last_event(number)
            exposure_id = await uow.records.add_case(number, facts, typed, event, actor, at.date())
            await uow.audit.append(actor=actor, action="exposure.draft", at=at, tip=number,
                                   detail=f"id={exposure_id};kind={typed.kind}")  # fmt: skip
        return exposure_id

    async def draft_month(
        self, period: str, actor: int, at: datetime, records: Iterable[TipRecord], paid: Iterable[tuple[date, int]]
    ) -> int:
        """Keep the month's statistics post's draft; its id. `records`: the ledger's tips (those received in
        the month count), `paid`: the rewards paid (day, fen; those of the month count)."""
        if self.channel is None:
            raise ExposureError("channel")
        facts = month_facts(period, records, paid)
        if not facts.received and not facts.paid:
            raise ExposureError("empty")
        async with self._work() as uow:
            if await uow.records.month_standing(period):
                raise ExposureError("standing")
            exposure_id = await uow.records.add_month(facts, actor, at.date())
            await uow.audit.append(actor=actor, action="exposure.draft", at=at,
                                   detail=f"id={exposure_id};kind=monthly;period={period}")  # fmt: skip
        return exposure_id

    # -- deciding ------------------------------------------------------------------------------

    async def decidable(self, exposure_id: int, admin: int) -> Exposure:
        """The draft, if this admin may decide it (ExposureError "decided" or "self" if not)."""
        return await self._decidable(self.records, exposure_id, admin)

    @staticmethod
    async def _decidable(records: ExposureRecords, exposure_id: int, admin: int) -> Exposure:
        exposure = await records.get(exposure_id)
        if exposure is None or exposure.state != ExposureState.PENDING:
            raise ExposureError("decided")
        if admin == exposure.drafted_by and await records.other_admins(admin):
            raise ExposureError("self")  # four eyes, where the office has them
        return exposure

    async def decide(self, exposure_id: int, admin: int, approve: bool, at: datetime) -> Exposure:
        """Approve (to be published next) or refuse a pending draft. A case draft whose tip moved on since
        is made void (refused) and ExposureError "moved" is raised."""
        async with self._work() as uow:
            exposure = await self._decidable(uow.records, exposure_id, admin)
            void = approve and not await _unchanged(uow, exposure)
            state = ExposureState.APPROVED if approve and not void else ExposureState.REFUSED
            await uow.records.move(exposure_id, ExposureState.PENDING, state, decided_by=admin,
                                   decided_on=at.date().isoformat())  # fmt: skip
            action = "exposure.void" if void else f"exposure.{'approve' if approve else 'refuse'}"
            await uow.audit.append(actor=admin, action=action, at=at, tip=exposure.number,
                                   detail=f"id={exposure_id};drafted_by={exposure.drafted_by}")  # fmt: skip
        if void:
            raise ExposureError("moved")
        return await self.records.get(exposure_id)

    async def cancel(self, exposure_id: int, actor: int, admin: bool, at: datetime) -> Exposure:
        """Take back a post not yet published: a pending draft (its drafter, or an admin), an approved one
        (an admin). It is refused, audited; the tip (or month) may be drafted again."""
        async with self._work() as uow:
            exposure = await uow.records.get(exposure_id)
            allowed = exposure is not None and (
                (exposure.state == ExposureState.PENDING and (admin or actor == exposure.drafted_by))
                or (exposure.state == ExposureState.APPROVED and admin)
            )
            if not allowed or not await uow.records.move(exposure_id, exposure.state, ExposureState.REFUSED):
                raise ExposureError("decided")
            await uow.audit.append(actor=actor, action="exposure.cancel", at=at, tip=exposure.number,
                                   detail=f"id={exposure_id};was={exposure.state}")  # fmt: skip
        return exposure

    # -- what the channel did ------------------------------------------------------------------

    async def claim(self, exposure_id: int, admin: int, at: datetime) -> Exposure:
        """An approved post, claimed for publishing now (publishing): a second press, or a second admin,
        gets ExposureError "decided" and posts nothing. A case post whose tip moved since its draft is
        made void (refused) and ExposureError "moved" is raised."""
        async with self._work() as uow:
            exposure = await uow.records.get(exposure_id)
            if exposure is None or exposure.state != ExposureState.APPROVED:
                raise ExposureError("decided")
            if not await _unchanged(uow, exposure):
                await uow.records.move(exposure_id, ExposureState.APPROVED, ExposureState.REFUSED)
                await uow.audit.append(actor=admin, action="exposure.void", at=at, tip=exposure.number,
                                       detail=f"id={exposure_id}")  # fmt: skip
                void = True
            else:
                await uow.records.move(exposure_id, ExposureState.APPROVED, ExposureState.PUBLISHING)
                void = False
        if void:
            raise ExposureError("moved")
        return exposure

    async def published(self, exposure_id: int, admin: int, message_id: int, link: str | None, at: datetime) -> None:
        """The channel took the claimed post: it counts (曝光企业数) in this month."""
        async with self._work() as uow:
            moved = await uow.records.move(
                exposure_id, ExposureState.PUBLISHING, ExposureState.PUBLISHED, channel=str(self.channel),
                message_id=message_id, link=link, published_on=at.date().isoformat(),
            )  # fmt: skip
            if not moved:
                raise ExposureError("decided")
            exposure = await uow.records.get(exposure_id)
            await uow.audit.append(actor=admin, action="exposure.publish", at=at, tip=exposure.number,
                                   detail=f"id={exposure_id};message={message_id}")  # fmt: skip

    async def failed(self, exposure_id: int, admin: int, reason: str, at: datetime) -> None:
        """The channel refused the claimed post (`reason`: a short code, never Telegram's text): it is
        approved again, not counted."""
        await self._back(exposure_id, admin, "exposure.publish_failed", f"reason={reason}", at)

    async def restore(self, exposure_id: int, admin: int, at: datetime) -> None:
        """A publishing interrupted by a restart (the admin found it is not in the channel): approved again."""
        await self._back(exposure_id, admin, "exposure.restore", "", at)

    async def _back(self, exposure_id: int, admin: int, action: str, detail: str, at: datetime) -> None:
        async with self._work() as uow:
            if not await uow.records.move(exposure_id, ExposureState.PUBLISHING, ExposureState.APPROVED):
                raise ExposureError("decided")
            exposure = await uow.records.get(exposure_id)
            await uow.audit.append(actor=admin, action=action, at=at, tip=exposure.number,
                                   detail=f"id={exposure_id};{detail}".rstrip(";"))  # fmt: skip

    async def withdrawable(self, exposure_id: int) -> Exposure:
        exposure = await self.records.get(exposure_id)
        if exposure is None or exposure.state != ExposureState.PUBLISHED:
            raise ExposureError("decided")
        return exposure

    async def withdrawn(self, exposure_id: int, admin: int, how: str, at: datetime) -> None:
        """The post left the channel (`how`: WITHDRAWN_BY). Withdrawn within the month it was published
        in, it does not count; later, its month keeps it (a month reported to the county does not change)."""
        if how not in WITHDRAWN_BY:
            raise ValueError(how)
        async with self._work() as uow:
            moved = await uow.records.move(exposure_id, ExposureState.PUBLISHED, ExposureState.WITHDRAWN,
                                           withdrawn_by=admin, withdrawn_on=at.date().isoformat())  # fmt: skip
            if not moved:
                raise ExposureError("decided")
            exposure = await uow.records.get(exposure_id)
            await uow.audit.append(actor=admin, action="exposure.withdraw", at=at, tip=exposure.number,
                                   detail=f"id={exposure_id};{how}")  # fmt: skip

    async def exposed_by_month(self, year: int) -> dict[str, int]:
        """The office's own 曝光企业数 by month of `year` ("YYYY-MM" → enterprises)."""
        return await self.records.exposed_by_month(date(year, 1, 1), date(year, 12, 31))


async def _facts(tips: TipRepository, records: ExposureRecords, number: str) -> CaseFacts | None:
    """What the tip's post would say now (read through a unit of work's bound repositories, or not): None
    if the tip may not be exposed (not closed, merged, not found true)."""
    facets = await tips.facets(number)
    if facets is None or facets.status != Status.CLOSED or facets.merged_into:
        return None
    verified = await records.verified(number)
    if verified is None or not verified[0].substantiated:
        return None
    return CaseFacts.of(facets.industry, *verified)


async def _unchanged(uow: UnitOfWork, exposure: Exposure) -> bool:
    """Whether a case post's tip is as it was drafted: still closed, not merged, the same verification
    result, and no status event since (a tip reopened and closed again is not the same). A monthly post:
    always."""
    if exposure.kind == ExposureKind.MONTHLY:
        return True
    if await _facts(uow.tips, uow.records, exposure.number) != exposure.facts:
        return False
    return await uow.records.last_event(exposure.number) == await uow.records.drafted_at_event(exposure.id)
