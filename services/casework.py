"""The case actions as use cases: the office's (accept, not accept, reassign, merge, ask, verify,
reply, review, close), the reporter's (objection, withdrawal) and the bot's (closing after the
objection window). Each is one unit of work: the tip's status is read inside it, checked against
core.casework's rules, and written by compare-and-set, with its event, dialogue entry and audit entry.

Actions by the reporter or by the bot itself are audited with no actor (None): the reporter is
known to no one, the bot is no one.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime

from core import taxonomy
from core.casework import Reply, Verification, may_merge_into, next_due, review_entry, status_before_merge
from core.office import OfficeConfig
from core.tips import NOT_ACCEPTED_REASONS, WITHDRAWABLE, Status, TipFacets
from storage.audit import AuditLog
from storage.casework import CaseError, CaseRecords, Notices
from storage.db import Database, UnitOfWork
from storage.keys import department_group
from storage.staff import StaffRepository
from storage.tips import TipRepository

log = logging.getLogger("tipline.casework")


class StaleAction(CaseError):
    """The tip changed between the check and the write (a compare-and-set changed no row)."""


class NotTheirs(CaseError):
    """The acting staff member does not work the tip's department (as it is inside the unit of work)."""


@dataclass(eq=False)
class CaseService:
    db: Database
    tips: TipRepository
    audit: AuditLog
    cases: CaseRecords
    office: OfficeConfig
    staff: StaffRepository

    # -- reads for the card ----------------------------------------------------------------------

    async def actions(self, facets: TipFacets, today: date) -> set[str]:
        return await self.cases.actions(facets, today)

    async def verification(self, number: str) -> Verification | None:
        return await self.cases.verification(number)

    async def fits(self, facets: TipFacets, action: str, arg: str, today: date) -> bool:
        """Whether the action with its argument (a reason, a department) fits the tip now: asked before
        a confirm is offered; the action itself checks again inside its unit of work."""
        if action == "not_accept" and arg not in NOT_ACCEPTED_REASONS:
            return False
        if action == "reassign" and not self._may_move(facets, arg):
            return False
        return action in await self.actions(facets, today)

    def _may_move(self, facets: TipFacets, department: str) -> bool:
        return department != facets.department and department in {d.code for d in self.office.departments}

    # -- the unit of work ------------------------------------------------------------------------

    @asynccontextmanager
    async def _work(self) -> AsyncIterator[UnitOfWork]:
        async with self.db.unit_of_work(tips=self.tips, audit=self.audit, cases=self.cases, staff=self.staff) as uow:
            yield uow

    @staticmethod
    async def _check(uow: UnitOfWork, number: str, action: str, today: date, actor: int | None) -> TipFacets:
        """The tip as it is inside the unit of work, if the action fits it now and the acting staff member
        (None: the bot itself) works its department then (NotTheirs: it was moved meanwhile)."""
        facets = await uow.tips.facets(number)
        if facets is None or action not in await uow.cases.actions(facets, today):
            raise CaseError(action)
        if actor is not None:
            member = await uow.staff.get(actor)
            if member is None or not member.may_work(facets.department):
                raise NotTheirs(number)
        return facets

    async def _move(
        self, uow: UnitOfWork, number: str, expect: Status, status: Status, on: date, *, due_on: date | None = ...
    ) -> None:
        """The status change, by compare-and-set from `expect`: StaleAction if the tip is no longer in it."""
        due = next_due(status, on, self.office.deadlines) if due_on is ... else due_on
        if not await uow.tips.change_status(number, status, on, due_on=due, expect=expect):
            raise StaleAction(number)

    # -- intake ----------------------------------------------------------------------------------

    async def accept(self, number: str, actor: int, at: datetime) -> None:
        """受理: verification is due within verify_days (60 by default) from today."""
        async with self._work() as uow:
            facets = await self._check(uow, number, "accept", at.date(), actor)
            await self._move(uow, number, facets.status, Status.ACCEPTED, at.date())
            await uow.audit.append(actor=actor, action="tip.accept", at=at, tip=number)

    async def not_accept(self, number: str, actor: int, reason: str, at: datetime) -> Notices:
        """不予受理 with one of the reasons."""
        if reason not in NOT_ACCEPTED_REASONS:
            raise CaseError(reason)
        async with self._work() as uow:
            facets = await self._check(uow, number, "not_accept", at.date(), actor)
            notices = {number: await uow.tips.contact(number)}
            await uow.tips.add_message(number, "office", "not_accepted", reason, at.date())
            await self._move(uow, number, facets.status, Status.NOT_ACCEPTED, at.date())
            await uow.audit.append(actor=actor, action="tip.not_accept", at=at, tip=number, detail=reason)
        return notices

    async def reassign(self, number: str, actor: int, department: str, at: datetime) -> None:
        async with self._work() as uow:
            facets = await self._check(uow, number, "reassign", at.date(), actor)
            if not self._may_move(facets, department):
                raise CaseError(department)
            if not await uow.cases.set_department(number, department, expect=facets.department):
                raise StaleAction(number)
            await self._rewrap(uow, number, facets.department, department)
            await uow.audit.append(actor=actor, action="tip.reassign", at=at, tip=number, detail=department)

    async def _rewrap(self, uow: UnitOfWork, number: str, before: str, after: str) -> None:
        """A tip sealed to people moves to another department: its key is sealed to the new department's
        group (with the acting person's keys, who opened it) and the old department's copy is dropped.
        CaseError "locked" (nothing written) when the acting person's keys do not open it."""
        store = self.tips.keystore
        record = await store.tip_record(number)
        if record is None:
            return  # sealed under the ring
        dek_id, public = record
        key = await store.record_key(dek_id, public)
        groups = await store.groups()
        old, new = groups.get(department_group(before)), groups.get(department_group(after))
        if key.private is None or new is None:
            raise CaseError("locked")
        await store.add_wrap(uow.conn, dek_id, new, key.private)
        if old is not None:
            await store.drop_wrap(uow.conn, dek_id, f"group:{old.id}")

    async def merge(self, number: str, actor: int, into: str, at: datetime) -> None:
        """并案: the tip follows the earlier one, which keeps reward priority; it gets its reply and
        closes with it."""
        async with self._work() as uow:
            later = await self._check(uow, number, "merge", at.date(), actor)
            earlier = await uow.tips.facets(into)
            if earlier is None or not may_merge_into(later, earlier) or await uow.tips.merged_from(number):
                raise CaseError(into)  # no chains: a tip others were merged into is not merged itself
            await uow.cases.set_merged_into(number, into)
            await uow.tips.add_message(number, "office", "merged", into, at.date())
            await self._move(uow, number, later.status, Status.MERGED, at.date())
            await uow.audit.append(actor=actor, action="tip.merge", at=at, tip=number, detail=into)

    # -- the dialogue ----------------------------------------------------------------------------

    async def ask(self, number: str, actor: int, question: str, at: datetime) -> None:
        """A question relayed to the reporter; the answer comes back into the tip's dialogue."""
        async with self._work() as uow:
            await self._check(uow, number, "ask", at.date(), actor)
            await uow.tips.add_message(number, "office", "question", question, at.date())
            await uow.audit.append(actor=actor, action="tip.ask", at=at, tip=number)

    # -- verification and reply ------------------------------------------------------------------

    async def verify(self, number: str, actor: int, result: Verification, at: datetime) -> bool:
        """核查结果; recording it again (before the reply) corrects it, and says so in the audit.
        Returns whether it was a correction (the status as read inside the unit)."""
        async with self._work() as uow:
            facets = await self._check(uow, number, "verify", at.date(), actor)
            correction = facets.status == Status.VERIFIED
            if correction and await uow.cases.reward_stands(number):
                raise CaseError("reward")  # a reward was decided on this result: it is not changed under it
            await uow.cases.set_verification(number, actor, result, at.date())
            if not correction:
                await self._move(uow, number, facets.status, Status.VERIFIED, at.date())
            detail = f"{result.outcome};fine_fen={result.fine_fen}"
            action = "tip.verify.correct" if correction else "tip.verify"
            await uow.audit.append(actor=actor, action=action, at=at, tip=number, detail=detail)
        return correction

    async def reply(self, number: str, actor: int, reply: Reply, at: datetime) -> Notices:
        """答复: the reporter may object within objection_days; tips merged into this one get it too."""
        async with self._work() as uow:
            facets = await self._check(uow, number, "reply", at.date(), actor)
            merged = await uow.tips.merged_from(number)
            for each in (number, *merged):
                await uow.tips.add_message(each, "office", "reply", reply.text(), at.date())
            await self._move(uow, number, facets.status, Status.REPLIED, at.date())
            await uow.audit.append(actor=actor, action="tip.reply", at=at, tip=number)
            return {each: await uow.tips.contact(each) for each in (number, *merged)}

    async def review(self, number: str, actor: int, result: str, opinion: str, at: datetime) -> Notices:
        """复查 after an objection: the result is told to the reporter and the tip is closed."""
        if result not in taxonomy.REVIEW_RESULT_BY_CODE:
            raise CaseError(result)
        async with self._work() as uow:
            facets = await self._check(uow, number, "review", at.date(), actor)
            await uow.tips.add_message(number, "office", "review", review_entry(result, opinion), at.date())
            await uow.audit.append(actor=actor, action="tip.review", at=at, tip=number, detail=result)
            return await self._close(uow, facets, actor, at)

    async def close(self, number: str, actor: int | None, at: datetime) -> Notices:
        """办结, after the objection window has passed without an objection."""
        async with self._work() as uow:
            facets = await self._check(uow, number, "close", at.date(), actor)
            return await self._close(uow, facets, actor, at)

    async def _close(self, uow: UnitOfWork, facets: TipFacets, actor: int | None, at: datetime) -> Notices:
        """Close the tip and those merged into it; their contacts are read before they are shredded."""
        number = facets.number
        merged = await uow.tips.merged_from(number)
        notices = {each: await uow.tips.contact(each) for each in (number, *merged)}
        await self._move(uow, number, facets.status, Status.CLOSED, at.date())
        for each in merged:  # as each is now (merged, or withdrawn by its reporter meanwhile)
            await self._move(uow, each, (await uow.tips.facets(each)).status, Status.CLOSED, at.date())
        await uow.audit.append(actor=actor, action="tip.close", at=at, tip=number)
        return notices

    async def close_expired(self, at: datetime) -> Notices:
        """The daily job: replied tips whose objection window passed are closed (办结), each in its own
        unit; one that changed under the run is skipped, not fatal to the run."""
        notices: Notices = {}
        for number in await self.tips.past_due(Status.REPLIED, at.date()):
            try:
                notices.update(await self.close(number, None, at))
            except CaseError:  # closed, or objected to, meanwhile (StaleAction too): the others still close
                log.info("closing after the objection window: tip %s changed meanwhile, skipped", number)
        return notices

    # -- the reporter's side ---------------------------------------------------------------------

    async def object(self, number: str, text: str, at: datetime) -> None:
        """The reporter objects to the reply: a review 复查 is due within review_days."""
        async with self._work() as uow:
            facets = await uow.tips.facets(number)
            if facets is None or facets.status != Status.REPLIED or facets.due_on is None or at.date() > facets.due_on:
                raise CaseError("object")
            await uow.tips.add_message(number, "reporter", "objection", text, at.date())
            await self._move(uow, number, Status.REPLIED, Status.UNDER_REVIEW, at.date())
            await uow.audit.append(actor=None, action="tip.objection", at=at, tip=number)

    async def withdraw(self, number: str, at: datetime) -> None:
        async with self._work() as uow:
            facets = await uow.tips.facets(number)
            if facets is None or facets.status not in WITHDRAWABLE:
                raise CaseError("withdraw")
            await self._move(uow, number, facets.status, Status.WITHDRAWN, at.date())
            await uow.audit.append(actor=None, action="tip.withdraw", at=at, tip=number)
            for child in await uow.tips.merged_from(number):
                await self._unmerge(uow, child, at)

    async def _unmerge(self, uow: UnitOfWork, number: str, at: datetime) -> None:
        """The tip a report was merged into is withdrawn: the report is worked on its own again
        (core.casework.status_before_merge), with that status's deadline from today."""
        before = status_before_merge(e.status for e in await uow.tips.events(number))
        await uow.cases.set_merged_into(number, None)
        await self._move(uow, number, Status.MERGED, before, at.date())
        await uow.audit.append(actor=None, action="tip.unmerge", at=at, tip=number)
