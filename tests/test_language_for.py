"""A message to a chat other than the update's (a push notice, the placeholder of an expired card)
is in that chat's language even when the language is only in the database (a chat not seen since
start-up), not the office's."""

from __future__ import annotations

from datetime import timedelta

from handlers.notify import notify_reporter
from jobs.sensitive import expire
from tests.conftest import move_clock, services_of
from tests.office import EMERGENCY, REPORTER, add_staff, open_card
from tests.reporter import file_tip


async def _english_in_the_database_only(sim, chat_id: int) -> None:
    services = services_of(sim)
    async with services.db.unit_of_work(state=services.state) as uow:
        await uow.state.write_chat(chat_id, {"lang": "en"})
    sim.app.chat_data.get(chat_id, {}).pop("lang", None)


async def test_a_push_notice_is_in_the_language_stored_in_the_database(start_bot):
    async with start_bot() as sim:
        receipt = await file_tip(sim.user(REPORTER), push=True)
        await _english_in_the_database_only(sim, REPORTER)
        await notify_reporter(sim.app, receipt.number)
        [notice] = [
            c.params["text"]
            for c in sim.api.calls_of("sendMessage")
            if c.params["chat_id"] == REPORTER and "news about your report" in c.params["text"]
        ]
        assert receipt.number in notice


async def test_the_expired_card_placeholder_is_in_the_language_stored_in_the_database(start_bot, monkeypatch):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER))
        _, card = await open_card(sim, EMERGENCY, receipt.number)
        await _english_in_the_database_only(sim, EMERGENCY)
        move_clock(sim, monkeypatch, timedelta(minutes=31))
        sim.api.fail_next("deleteMessage", status=400, description="Bad Request: message can't be deleted for everyone")
        await expire(sim.app)
        [edit] = sim.api.calls_of("editMessageText")
        assert edit.params["message_id"] == card.message_id
        assert "was removed" in edit.params["text"]
