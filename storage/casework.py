"""The office's actions on a tip, and the reporter's: each a status change (with the next deadline),
its event, its dialogue entry and its audit entry, committed together.

Actions by the reporter or by the bot itself are audited with no actor (None): the reporter is
known to no one, the bot is no one.
"""

from __future__ import annotations

from datetime import date, datetime

import aiosqlite

from core import taxonomy
from core.casework import Reply, Verification, may_merge_into, next_due, office_actions
from core.office import OfficeConfig
from core.tips import NOT_ACCEPTED_REASONS, WITHDRAWABLE, Status, TipFacets
from storage.audit import AuditLog
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


class Casework:
    def __init__(self, db: Database, tips: TipRepository, audit: AuditLog, office: OfficeConfig):
        self.db = db
        self.tips = tips
        self.audit = audit
        self.office = office

    # -- what may be done ----------------------------------------------------------------------

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

    async def _check(self, number: str, action: str, today: date) -> TipFacets:
        facets = await self.tips.facets(number)
        if facets is None or action not in await self.actions(facets, today):
            raise CaseError(action)
        return facets

    async def _move(
        self, conn: aiosqlite.Connection, number: str, status: Status, on: date, *, due_on: date | None = ...
    ) -> None:
        due = next_due(status, on, self.office.deadlines) if due_on is ... else due_on
        await self.tips.change_status(conn, number, status, on, due_on=due)

    # -- intake --------------------------------------------------------------------------------

    async def accept(self, number: str, actor: int, at: datetime) -> None:
        """受理: verification is due within verify_days (60 by default) from today."""
        await self._check(number, "accept", at.date())
        async with self.db.transaction() as conn:
            await self._move(conn, number, Status.ACCEPTED, at.date())
            await self.audit.append(conn, actor=actor, action="tip.accept", at=at, tip=number)

    async def not_accept(self, number: str, actor: int, reason: str, at: datetime) -> Notices:
        """不予受理 with one of the reasons."""
        await self._check(number, "not_accept", at.date())
        if reason not in NOT_ACCEPTED_REASONS:
            raise CaseError(reason)
        notices = {number: await self.tips.contact(number)}
        async with self.db.transaction() as conn:
            await self.tips.add_message_in(conn, number, "office", "not_accepted", reason, at.date())
            await self._move(conn, number, Status.NOT_ACCEPTED, at.date())
            await self.audit.append(conn, actor=actor, action="tip.not_accept", at=at, tip=number, detail=reason)
        return notices

    async def reassign(self, number: str, actor: int, department: str, at: datetime) -> None:
        facets = await self._check(number, "reassign", at.date())
        if department == facets.department or department not in {d.code for d in self.office.departments}:
            raise CaseError(department)
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE tips SET department = ? WHERE number = ?", (department, number))
            await self.audit.append(conn, actor=actor, action="tip.reassign", at=at, tip=number, detail=department)

    async def merge(self, number: str, actor: int, into: str, at: datetime) -> None:
        """并案: the tip follows the earlier one, which keeps reward priority; it gets its reply and
        closes with it."""
        later = await self._check(number, "merge", at.date())
        earlier = await self.tips.facets(into)
        if earlier is None or not may_merge_into(later, earlier) or await self.tips.merged_from(number):
            raise CaseError(into)  # no chains: a tip others were merged into is not merged itself
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE tips SET merged_into = ? WHERE number = ?", (into, number))
            await self.tips.add_message_in(conn, number, "office", "merged", into, at.date())
            await self._move(conn, number, Status.MERGED, at.date())
            await self.audit.append(conn, actor=actor, action="tip.merge", at=at, tip=number, detail=into)

    # -- the dialogue --------------------------------------------------------------------------

    async def ask(self, number: str, actor: int, question: str, at: datetime) -> None:
        """A question relayed to the reporter; the answer comes back into the tip's dialogue."""
        await self._check(number, "ask", at.date())
        async with self.db.transaction() as conn:
            await self.tips.add_message_in(conn, number, "office", "question", question, at.date())
            await self.audit.append(conn, actor=actor, action="tip.ask", at=at, tip=number)

    # -- verification and reply ----------------------------------------------------------------

    async def verify(self, number: str, actor: int, result: Verification, at: datetime) -> None:
        """核查结果; recording it again (before the reply) corrects it, and says so in the audit."""
        facets = await self._check(number, "verify", at.date())
        if facets.status == Status.VERIFIED and await self._reward_stands(number):
            raise CaseError("reward")  # a reward was decided on this result: it is not changed under it
        async with self.db.transaction() as conn:
            tip_id = await self._id(conn, number)
            await conn.execute(
                "INSERT INTO verifications (tip_id, on_date, outcome, problems, measures, fine_fen, recorded_by)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tip_id) DO UPDATE SET on_date = excluded.on_date,"
                " outcome = excluded.outcome, problems = excluded.problems, measures = excluded.measures,"
                " fine_fen = excluded.fine_fen, recorded_by = excluded.recorded_by",
                (tip_id, at.date().isoformat(), result.outcome, ",".join(result.problems),
                 ",".join(result.measures), result.fine_fen, actor),
            )  # fmt: skip
            correction = facets.status == Status.VERIFIED
            if not correction:
                await self._move(conn, number, Status.VERIFIED, at.date())
            detail = f"{result.outcome};fine_fen={result.fine_fen}"
            action = "tip.verify.correct" if correction else "tip.verify"
            await self.audit.append(conn, actor=actor, action=action, at=at, tip=number, detail=detail)

    async def _reward_stands(self, number: str) -> bool:
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

    async def reply(self, number: str, actor: int, reply: Reply, at: datetime) -> Notices:
        """答复: the reporter may object within objection_days; tips merged into this one get it too."""
        await self._check(number, "reply", at.date())
        merged = await self.tips.merged_from(number)
        async with self.db.transaction() as conn:
            for each in (number, *merged):
                await self.tips.add_message_in(conn, each, "office", "reply", reply.text(), at.date())
            await self._move(conn, number, Status.REPLIED, at.date())
            await self.audit.append(conn, actor=actor, action="tip.reply", at=at, tip=number)
        return {each: await self.tips.contact(each) for each in (number, *merged)}

    async def review(self, number: str, actor: int, result: str, opinion: str, at: datetime) -> Notices:
        """复查 after an objection: the result is told to the reporter and the tip is closed."""
        await self._check(number, "review", at.date())
        if result not in taxonomy.REVIEW_RESULT_BY_CODE:
            raise CaseError(result)
        text = f"复查结论：{taxonomy.REVIEW_RESULT_BY_CODE[result].zh}\n复查意见：{opinion}"
        async with self.db.transaction() as conn:
            await self.tips.add_message_in(conn, number, "office", "review", text, at.date())
            await self.audit.append(conn, actor=actor, action="tip.review", at=at, tip=number, detail=result)
            return await self._close(conn, number, actor, at)

    async def close(self, number: str, actor: int | None, at: datetime) -> Notices:
        """办结, after the objection window has passed without an objection."""
        await self._check(number, "close", at.date())
        async with self.db.transaction() as conn:
            return await self._close(conn, number, actor, at)

    async def _close(self, conn: aiosqlite.Connection, number: str, actor: int | None, at: datetime) -> Notices:
        """Close the tip and those merged into it; their contacts are read before they are shredded."""
        merged = await self.tips.merged_from(number)
        notices = {each: await self.tips.contact(each) for each in (number, *merged)}
        for each in (number, *merged):
            await self._move(conn, each, Status.CLOSED, at.date())
        await self.audit.append(conn, actor=actor, action="tip.close", at=at, tip=number)
        return notices

    async def close_expired(self, at: datetime) -> Notices:
        """The daily job: replied tips whose objection window passed are closed (办结)."""
        rows = await self.db.fetchall(
            "SELECT number FROM tips WHERE status = ? AND due_on < ? ORDER BY id",
            (Status.REPLIED.value, at.date().isoformat()),
        )
        notices: Notices = {}
        for (number,) in rows:
            notices.update(await self.close(number, None, at))
        return notices

    # -- the reporter's side -------------------------------------------------------------------

    async def object(self, number: str, text: str, at: datetime) -> None:
        """The reporter objects to the reply: a review 复查 is due within review_days."""
        facets = await self.tips.facets(number)
        if facets is None or facets.status != Status.REPLIED or facets.due_on is None or at.date() > facets.due_on:
            raise CaseError("object")
        async with self.db.transaction() as conn:
            await self.tips.add_message_in(conn, number, "reporter", "objection", text, at.date())
            await self._move(conn, number, Status.UNDER_REVIEW, at.date())
            await self.audit.append(conn, actor=None, action="tip.objection", at=at, tip=number)

    async def withdraw(self, number: str, at: datetime) -> None:
        facets = await self.tips.facets(number)
        if facets is None or facets.status not in WITHDRAWABLE:
            raise CaseError("withdraw")
        async with self.db.transaction() as conn:
            await self._move(conn, number, Status.WITHDRAWN, at.date())
            await self.audit.append(conn, actor=None, action="tip.withdraw", at=at, tip=number)
            for child in await self.tips.merged_from(number):
                await self._unmerge(conn, child, at)

    async def _unmerge(self, conn: aiosqlite.Connection, number: str, at: datetime) -> None:
        """The tip a report was merged into is withdrawn: the report is worked on its own again, in
        the status it had before the merge, with that status's deadline from today."""
        before = [e.status for e in await self.tips.events(number) if e.status != Status.MERGED][-1]
        await conn.execute("UPDATE tips SET merged_into = NULL WHERE number = ?", (number,))
        await self._move(conn, number, before, at.date())
        await self.audit.append(conn, actor=None, action="tip.unmerge", at=at, tip=number)

    @staticmethod
    async def _id(conn: aiosqlite.Connection, number: str) -> int:
        async with conn.execute("SELECT id FROM tips WHERE number = ?", (number,)) as cur:
            row = await cur.fetchone()
        if row is None:
            raise CaseError(number)
        return int(row[0])
