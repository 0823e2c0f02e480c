"""The reporter's own use cases: submitting a tip (with its receipt), writing to the office about it,
and adding evidence to it.

Submitting is one unit of work: the tip's number, the tip, its first event, its files moved from the
draft and its receipt in the outbox commit together or not at all (a crash leaves both or neither).
The receipt's text is the caller's (the handler renders it in the reporter's language; it names the
number, known only inside the unit); the day's count of tips is in memory only, counted after the commit,
and asked inside the unit, as is whether the draft is a tip already (Submit pressed twice at once).
The reporter's objection and withdrawal are case actions (services.casework).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from core.casework import next_due
from core.office import OfficeConfig
from core.tips import NewTip, Status, open_question, reporter_actions
from services.keys import KeyService
from storage.casework import CaseError
from storage.db import Database, UnitOfWork
from storage.drafts import EvidenceFile
from storage.limits import Limits
from storage.outbox import Message, Outbox
from storage.tips import TipRepository


def receipt_key(number: str) -> str:
    """The outbox's name for the receipt of tip `number`: queued once, delivered once."""
    return f"receipt:{number}"


@dataclass(frozen=True)
class Submitted:
    number: str
    #: The receipt's outbox row, to hand to Telegram at once (the outbox retries if that fails).
    receipt_row: int | None
    #: The draft had become this tip already (Submit pressed twice, or again after a crash): nothing
    #: was written now, and receipt_row is None.
    before: bool = False


class DailyLimit(CaseError):
    """The chat has filed the office's tips-a-day limit today: nothing was written."""

    def __init__(self, limit: int):
        super().__init__("submit")
        self.limit = limit


@dataclass(eq=False)
class ReportService:
    db: Database
    tips: TipRepository
    outbox: Outbox
    limits: Limits
    office: OfficeConfig
    #: The office's key groups and the receipt's copy of a tip key (None: tips are sealed under the ring).
    keys: KeyService | None = None

    async def limit_reached(self, chat_id: int, day: date) -> int | None:
        """The office's tips-a-day limit, if this chat has filed that many today; None if it may file."""
        limit = self.office.limits.tips_per_day
        return limit if await self.limits.tips_today(chat_id, day) >= limit else None

    async def submit(
        self,
        tip: NewTip,
        *,
        chat_id: int,
        day: date,
        receipt_hash: str,
        draft_token: str,
        receipt: Callable[[str], Message],
        receipt_code: str | None = None,
    ) -> Submitted:
        """Store the tip (routed to its department, due for acceptance by the office's deadline) and
        queue its receipt, `receipt(number)`, in one unit of work; then count it for the chat's day.

        Inside the unit, first: a draft that is a tip already gives that tip, `before` (a second press
        processed at the same time, or a press again after a crash); then DailyLimit if the chat has
        filed its tips for the day. The count follows the commit with no wait between, so a second
        submission, let in by the commit, sees it.

        Where the office's key groups exist (services.keys), the tip is sealed to its department's and
        the office's groups, with a copy under `receipt_code` for the reporter (its scrypt runs before
        the unit, in a thread)."""
        department = self.office.route(tip.industry).code
        sealing = None
        if self.keys is not None and (groups := await self.keys.tip_groups(department)):
            sealing = (groups, await self.keys.receipt_copy(receipt_code) if receipt_code else None)
        async with self.db.unit_of_work(tips=self.tips, outbox=self.outbox) as uow:
            if (number := await uow.tips.number_for_draft(draft_token)) is not None:
                return Submitted(number, None, before=True)
            if (limit := await self.limit_reached(chat_id, day)) is not None:
                raise DailyLimit(limit)
            number = await uow.tips.submit(
                tip,
                department=department,
                received_on=day,
                accept_due=next_due(Status.RECEIVED, day, self.office.deadlines),
                receipt_hash=receipt_hash,
                draft_token=draft_token,
                contact_chat_id=chat_id,
                sealing=sealing,
            )
            row = await uow.outbox.add(receipt_key(number), "receipt", receipt(number), time.time())
        self.limits.count_tip(chat_id, day)
        return Submitted(number, row)

    async def write(self, number: str, text: str, on: date) -> str:
        """The reporter writes to the office about their tip: an answer if the office's question is
        open, a message otherwise (which it was is returned), sealed in the tip's dialogue. CaseError
        (nothing written) if the tip is finished: the check before the reporter typed is no guarantee."""
        async with self.db.unit_of_work(tips=self.tips) as uow:
            await _may_write(uow, number, on)
            kind = "answer" if open_question(await uow.tips.labels(number)) else "message"
            await uow.tips.add_message(number, "reporter", kind, text, on)
        return kind

    async def files_full(self, number: str) -> int | None:
        """The most files one tip may hold (`[limits] max_files_per_tip`), if this tip holds that many
        already; None if it may take one more. Asked before the reporter is invited to send."""
        limit = self.office.limits.max_files_per_tip
        return limit if await self.tips.file_count(number) >= limit else None

    async def add_file(self, number: str, file: EvidenceFile, on: date) -> bool:
        """Add a file the reporter sent later (already checked and cleaned), unless the tip is full:
        counted and written in one unit of work, so two files sent at once cannot pass the limit
        together. False (nothing written) when the tip already holds the most it may; CaseError
        (nothing written) if the tip finished while the file was being received."""
        async with self.db.unit_of_work(tips=self.tips) as uow:
            await _may_write(uow, number, on)
            if await uow.tips.file_count(number) >= self.office.limits.max_files_per_tip:
                return False
            await uow.tips.add_file(number, file, on)
        return True


async def _may_write(uow: UnitOfWork, number: str, on: date) -> None:
    """Inside the unit: CaseError("write") unless the reporter may still write to the tip as it is now."""
    facets = await uow.tips.facets(number)
    if facets is None or "write" not in reporter_actions(facets, on):
        raise CaseError("write")
