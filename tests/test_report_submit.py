"""Submitting a tip is one use case (services.reports.ReportService.submit): the tip and its receipt
are written in one unit of work, both or neither, and the chat's day counts the tip once stored."""

from __future__ import annotations

import asyncio

import pytest

from core.tips import NewTip, ReporterType, TipContent
from services.reports import DailyLimit, receipt_key
from storage.outbox import Message
from tests.conftest import services_of

CHAT = 7200
TIP = NewTip(
    kind="hazard",
    industry="hazchem",
    content=TipContent(
        reporter_type=ReporterType.PUBLIC, site="化工园区东门储罐区", description="储罐区的阀门一直在漏气。"
    ),
)


class ReceiptFailed(Exception):
    pass


async def test_the_tip_and_its_receipt_are_stored_together(start_bot):
    async with start_bot() as sim:
        services = services_of(sim)
        day = services.clock().date()

        def receipt(number: str) -> Message:
            return Message(CHAT, f"receipt of {number}", None, protect=True)

        done = await services.reports.submit(
            TIP, chat_id=CHAT, day=day, receipt_hash="hash", draft_token="draft-1", receipt=receipt
        )
        assert await services.tips.number_for_draft("draft-1") == done.number
        assert await services.outbox.status(receipt_key(done.number)) == (done.receipt_row, "pending")
        assert (await services.tips.facets(done.number)).department == services.office.route("hazchem").code
        assert await services.reports.limit_reached(CHAT, day) is None
        assert await services.limits.tips_today(CHAT, day) == 1


async def test_a_receipt_that_cannot_be_queued_leaves_no_tip(start_bot):
    async with start_bot() as sim:
        services = services_of(sim)
        day = services.clock().date()

        def receipt(number: str) -> Message:
            raise ReceiptFailed(number)

        with pytest.raises(ReceiptFailed):
            await services.reports.submit(
                TIP, chat_id=CHAT, day=day, receipt_hash="hash", draft_token="draft-2", receipt=receipt
            )
        assert await services.tips.number_for_draft("draft-2") is None
        assert (await services.db.fetchone("SELECT COUNT(*) FROM tips"))[0] == 0
        assert await services.limits.tips_today(CHAT, day) == 0  # not counted either


async def test_one_draft_submitted_twice_at_once_is_one_tip(start_bot):
    """A double-tapped Submit: the second submission finds the draft's tip inside its unit of work
    and is told so (`before`), instead of failing on the draft's UNIQUE hash."""
    async with start_bot() as sim:
        services = services_of(sim)
        day = services.clock().date()

        def receipt(number: str) -> Message:
            return Message(CHAT, f"receipt of {number}", None, protect=True)

        first, second = await asyncio.gather(
            *(
                services.reports.submit(
                    TIP, chat_id=CHAT, day=day, receipt_hash="hash", draft_token="draft-3", receipt=receipt
                )
                for _ in range(2)
            )
        )
        first, second = sorted((first, second), key=lambda s: s.before)  # whichever took the lock first
        assert first.number == second.number and not first.before and second.before
        assert first.receipt_row is not None and second.receipt_row is None
        assert (await services.db.fetchone("SELECT COUNT(*) FROM tips"))[0] == 1
        assert await services.limits.tips_today(CHAT, day) == 1


async def test_two_tips_at_once_for_the_days_last_place_one_is_filed(start_bot):
    """The tips-a-day limit is asked inside the submission's unit of work: two drafts submitted at once
    when the chat has one tip left for the day do not both pass."""
    async with start_bot() as sim:
        services = services_of(sim)
        day = services.clock().date()
        for _ in range(services.office.limits.tips_per_day - 1):
            services.limits.count_tip(CHAT, day)

        def receipt(number: str) -> Message:
            return Message(CHAT, f"receipt of {number}", None, protect=True)

        outcomes = await asyncio.gather(
            *(
                services.reports.submit(
                    TIP, chat_id=CHAT, day=day, receipt_hash="hash", draft_token=f"draft-{n}", receipt=receipt
                )
                for n in (4, 5)
            ),
            return_exceptions=True,
        )
        refused = [o for o in outcomes if isinstance(o, DailyLimit)]
        assert len(refused) == 1 and refused[0].limit == services.office.limits.tips_per_day
        assert (await services.db.fetchone("SELECT COUNT(*) FROM tips"))[0] == 1


async def test_a_reporters_message_is_an_answer_while_the_offices_question_is_open(start_bot):
    async with start_bot() as sim:
        services = services_of(sim)
        day = services.clock().date()
        done = await services.reports.submit(
            TIP, chat_id=CHAT, day=day, receipt_hash="hash", draft_token="draft-3",
            receipt=lambda number: Message(CHAT, number, None),
        )  # fmt: skip
        assert await services.reports.write(done.number, "还有一处。", day) == "message"
        async with services.db.unit_of_work(tips=services.tips) as uow:
            await uow.tips.add_message(done.number, "office", "question", "储罐在哪？", day)
        assert await services.reports.write(done.number, "在东北角。", day) == "answer"
        assert [m.kind for m in await services.tips.messages(done.number)] == ["message", "question", "answer"]
