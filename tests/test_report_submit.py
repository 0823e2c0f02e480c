"""Submitting a tip is one use case (services.reports.ReportService.submit): the tip and its receipt
are written in one unit of work, both or neither, and the chat's day counts the tip once stored."""

from __future__ import annotations

import pytest

from core.tips import NewTip, ReporterType, TipContent
from services.reports import receipt_key
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
