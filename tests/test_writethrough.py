"""Chat state on demand and one write transaction per update (handlers.writethrough, bot.persistence):
memory holds live chats only, a chat not in memory is loaded on its next update, housekeeping finds
abandoned drafts in the database, and the write-through of one chat writes nothing of another."""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from telegram.ext._handlers.conversationhandler import PendingState
from telegram.ext._utils.trackingdict import TrackingDict

from handlers.reporter import NAME as REPORTER_CONVERSATION
from handlers.state import STATE, chat_draft
from handlers.writethrough import QUIET, evict_quiet, pending_conversations
from jobs.housekeeping import housekeeping
from storage.db import Database
from storage.state import StateRepository
from storage.vault import Vault
from tests.conftest import move_clock, row_counts, services_of
from tests.media import photo_with_exif
from tests.reporter import DESCRIPTION, SITE, file_tip, open_report, to_step

A, B, C = 7_500_000_001, 7_500_000_002, 7_500_000_003


@pytest.fixture
def begins(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per write transaction begun (Database.transaction: BEGIN IMMEDIATE … COMMIT)."""
    counted: list[int] = []
    original = Database.transaction

    @asynccontextmanager
    async def counting(self):
        counted.append(1)
        async with original(self) as conn:
            yield conn

    monkeypatch.setattr(Database, "transaction", counting)
    return counted


async def _settled() -> None:
    """Let the end of the update's own eviction run (scheduled for just after the update)."""
    await asyncio.sleep(0)


async def _at_rest(settings, ring) -> dict[int, dict]:
    db = await Database.open(settings.data_dir / "tipline.sqlite3")
    try:
        return await StateRepository(db, Vault(ring)).load_chat_data()
    finally:
        await db.close()


async def test_a_chat_seen_once_and_done_leaves_nothing_in_memory(start_bot, settings):
    async with start_bot() as sim:
        await sim.user(A).send("/start")
        await file_tip(sim.user(B))
        await _settled()
        assert dict(sim.app.chat_data) == {}
        await sim.app.update_persistence()  # python-telegram-bot's own flush does not bring them back
        assert dict(sim.app.chat_data) == {}
        await to_step(sim.user(C), "site")
        await _settled()
        assert set(sim.app.chat_data) == {C}  # a live chat stays
    assert row_counts(settings, "chat_state") == {"chat_state": 1}


async def test_a_chat_evicted_when_quiet_is_loaded_on_its_next_update_with_its_draft_intact(start_bot):
    async with start_bot() as sim:
        user = sim.user(A)
        await to_step(user, "site")
        await user.send("/language")
        await user.tap("English")
        persistence = sim.app.persistence
        assert evict_quiet(sim.app) == 0  # seen just now
        persistence.clock = lambda: time.monotonic() + QUIET.total_seconds() + 1
        assert evict_quiet(sim.app) == 1
        assert A not in sim.app.chat_data
        persistence.clock = time.monotonic
        [description] = await user.send(SITE)
        assert description.text.startswith("Step 5")  # the draft resumed, in the language it chose
        assert chat_draft(sim.app.chat_data[A]).answers["site"] == SITE


async def test_housekeeping_destroys_an_abandoned_draft_of_a_chat_not_in_memory(start_bot, settings, ring, monkeypatch):
    async with start_bot() as sim:
        start = services_of(sim).clock()
        await to_step(sim.user(A), "evidence")
        await sim.user(A).send_photo(photo_with_exif())
        move_clock(sim, monkeypatch, timedelta(days=5))
        await to_step(sim.user(B), "evidence")
    async with start_bot() as sim:  # neither chat has been seen since start-up
        monkeypatch.setattr(services_of(sim), "clock", lambda: start + timedelta(days=8))
        assert dict(sim.app.chat_data) == {}
        await housekeeping(sim.app)
        assert dict(sim.app.chat_data) == {}
        assert set(await _at_rest(settings, ring)) == {B}
        assert row_counts(settings, "draft_files") == {"draft_files": 0}
        [told] = await sim.user(A).send("还在吗")
        assert "已被删除" in told.text
        [resumed] = await open_report(sim.user(B))
        assert "没填完的举报" in resumed.text


async def test_one_update_is_one_transaction_and_a_read_only_one_writes_no_chat_row(start_bot, settings, begins):
    async with start_bot() as sim:
        user, other = sim.user(A), sim.user(B)
        await to_step(user, "kind")
        await to_step(other, "kind")
        for step in (user.tap("tip:kind:hazard"), other.tap("tip:kind:hazard"), user.tap("tip:industry:hazchem")):
            begins.clear()
            await step
            assert len(begins) == 1  # chat data, conversation state and update id together, chats interleaved
        idle = sim.user(C)
        await idle.send("/help")
        before = row_counts(settings, "chat_state", "data_keys", "conversation_state")
        for _ in range(2):
            begins.clear()
            await idle.send("/help")
            assert len(begins) == 1  # its update id only: a redelivery is skipped
        assert row_counts(settings, "chat_state", "data_keys", "conversation_state") == before
        begins.clear()
        assert await idle.redeliver() == []  # handled once
        assert begins == []


async def test_the_write_through_of_one_chat_writes_nothing_of_another(start_bot, settings, ring):
    async with start_bot() as sim:
        await to_step(sim.user(A), "description")
        await to_step(sim.user(B), "site")
        stored_b = (await _at_rest(settings, ring))[B]
        # B's update is half-way: its draft changed in memory, its conversation moved on, nothing written yet
        chat_draft(sim.app.chat_data[B]).answers["site"] = "half-typed"
        conversations = sim.app._conversation_handler_conversations[REPORTER_CONVERSATION]
        conversations[(B, B)] = "description"
        await sim.user(A).send(DESCRIPTION)
        assert (await _at_rest(settings, ring))[B] == stored_b
        assert pending_conversations(sim.app, B) == [(REPORTER_CONVERSATION, (B, B), "description")]
        assert pending_conversations(sim.app, B) == []  # taken once


async def test_a_redelivered_step_is_handled_once_and_its_state_survives_a_crash(start_bot):
    async with start_bot() as first:
        user = first.user(A)
        await to_step(user, "site")
        await user.send(SITE)
        assert await user.redeliver() == []
        async with start_bot() as second:  # `first` never flushed: as after a SIGKILL
            [evidence] = await second.user(A).send(DESCRIPTION)
            assert "第 6 步" in evidence.text


async def test_what_the_write_through_relies_on_in_python_telegram_bot_is_there(start_bot):
    """handlers.writethrough reads private parts of python-telegram-bot 22 (no public API does it):
    this fails first if an upgrade changes them."""
    async with start_bot() as sim:
        tracked = sim.app._conversation_handler_conversations[REPORTER_CONVERSATION]
        assert isinstance(tracked, TrackingDict)
        assert callable(tracked.pop_accessed_keys) and callable(tracked.mark_as_accessed)
        assert isinstance(sim.app._chat_ids_to_be_updated_in_persistence, set)
        assert sim.app.chat_data is not sim.app._chat_data and isinstance(sim.app._chat_data, dict)
        assert {"done", "resolve"} <= set(dir(PendingState)) and "old_state" in PendingState.__slots__
        await to_step(sim.user(A), "intro")
        assert A in sim.app._chat_data and chat_draft(sim.app.chat_data[A]) is not None
        assert sim.app.chat_data[A][STATE].step == "intro"
