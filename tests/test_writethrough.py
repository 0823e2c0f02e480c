"""Chat state on demand and one write transaction per update (handlers.writethrough, bot.persistence):
memory holds live chats only, a chat not in memory is loaded on its next update, housekeeping finds
abandoned drafts in the database, and the write-through of one chat writes nothing of another."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from telegram.ext._handlers.conversationhandler import PendingState
from telegram.ext._utils.trackingdict import TrackingDict

from bot.simulator import HandlerRaised
from handlers import files
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
        assert row_counts(settings, "draft_files", "conversation_state") == {"draft_files": 0, "conversation_state": 1}
        [told] = await sim.user(A).send("还在吗")  # its conversation ended with the draft: the menu
        assert "没有看懂" in told.text and len(told.labels) == 5
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


async def test_a_conversation_whose_chat_has_no_row_is_destroyed_at_start_up(start_bot, settings, ring):
    """What housekeeping left before it ended conversations: a step, and no draft to go with it."""
    async with start_bot() as sim:
        await to_step(sim.user(A), "evidence")
        await to_step(sim.user(B), "site")
    db = await Database.open(settings.data_dir / "tipline.sqlite3")
    try:
        async with db.unit_of_work(state=StateRepository(db, Vault(ring))) as uow:
            await uow.state.write_chat(A, {})  # the draft's row gone, the conversation's left
    finally:
        await db.close()
    assert row_counts(settings, "conversation_state") == {"conversation_state": 2}
    async with start_bot() as sim:
        assert row_counts(settings, "conversation_state") == {"conversation_state": 1}  # B's, live
        [menu] = await sim.user(A).send("还在吗")
        assert "没有看懂" in menu.text
        [description] = await sim.user(B).send(SITE)
        assert "第 5 步" in description.text


async def test_an_update_whose_chat_could_not_be_loaded_is_put_off_and_nothing_is_lost(
    start_bot, settings, monkeypatch
):
    async with start_bot() as sim:
        await to_step(sim.user(A), "site")
    async with start_bot() as sim:  # A is not in memory: its next update loads it
        load_chat = StateRepository.load_chat
        failures = [sqlite3.OperationalError("database is locked")]

        async def locked_once(self, chat_id):
            if failures:
                raise failures.pop()
            return await load_chat(self, chat_id)

        monkeypatch.setattr(StateRepository, "load_chat", locked_once)
        user = sim.user(A)
        [busy] = await user.send(SITE)
        assert "系统正忙" in busy.text
        assert A not in sim.app.chat_data
        assert row_counts(settings, "chat_state", "conversation_state") == {"chat_state": 1, "conversation_state": 1}
        [description] = await user.redeliver()  # Telegram's redelivery, or the same step again, goes through
        assert "第 5 步" in description.text
        assert chat_draft(sim.app.chat_data[A]).answers["site"] == SITE


async def _until(condition, tries: int = 200) -> None:
    """Let other tasks run until `condition()` holds (or give up: the test's assertions then tell)."""
    for _ in range(tries):
        if condition():
            return
        await asyncio.sleep(0.005)


async def test_a_draft_housekeeping_destroys_is_never_written_back_by_the_chats_first_update(
    start_bot, settings, ring, monkeypatch
):
    async with start_bot() as sim:
        start = services_of(sim).clock()
        await to_step(sim.user(A), "evidence")
        await sim.user(A).send_photo(photo_with_exif())
    async with start_bot() as sim:  # A is not in memory
        services = services_of(sim)
        monkeypatch.setattr(services, "clock", lambda: start + timedelta(days=8))
        holding, release = asyncio.Event(), asyncio.Event()

        async def hold_the_writer():  # another chat's transaction: the sweep's write waits for it
            async with services.db.transaction():
                holding.set()
                await release.wait()

        holder = asyncio.create_task(hold_the_writer())
        await holding.wait()
        sweep = asyncio.create_task(housekeeping(sim.app))
        await _until(lambda: bool(services.db._write_lock._waiters))
        update = asyncio.create_task(sim.user(A).send("还在吗"))  # A's first update since the start
        await _until(lambda: sim.app.persistence.loaded(A))  # it would load the row before the sweep wrote it
        release.set()
        await asyncio.gather(holder, sweep, update)
        assert chat_draft(sim.app.chat_data.get(A)) is None
    assert await _at_rest(settings, ring) == {}
    assert row_counts(settings, "draft_files", "conversation_state") == {"draft_files": 0, "conversation_state": 0}


async def test_housekeeping_leaves_a_draft_whose_file_is_being_received(start_bot, settings, monkeypatch):
    """A file's handler runs outside its update (handlers.files, block=False): the chat is busy until
    it is stored, and the draft it goes into is not destroyed meanwhile."""
    async with start_bot() as sim:
        user = sim.user(A)
        await to_step(user, "evidence")
        move_clock(sim, monkeypatch, timedelta(days=8))
        downloading, done = asyncio.Event(), asyncio.Event()
        download = files._download

        async def slow(context, telegram_file):
            downloading.set()
            await done.wait()
            return await download(context, telegram_file)

        monkeypatch.setattr(files, "_download", slow)
        photo = asyncio.create_task(user.send_photo(photo_with_exif()))
        try:
            await downloading.wait()
            await _until(lambda: not sim.app.update_processor.busy(A))  # the update is done, its file is not
            await housekeeping(sim.app)
        finally:
            done.set()
        [received] = await photo
        assert "已收到第 1 个文件" in received.text
    assert row_counts(settings, "draft_files", "chat_state") == {"draft_files": 1, "chat_state": 1}


async def test_conversation_states_whose_write_failed_are_written_by_the_next_one(
    start_bot, settings, ring, monkeypatch
):
    async with start_bot() as first:
        user = first.user(A)
        await to_step(user, "site")
        persistence = first.app.persistence
        write_update = persistence.write_update
        failures = [sqlite3.OperationalError("database is locked")]

        async def locked_once(*args, **kwargs):
            if failures:
                raise failures.pop()
            return await write_update(*args, **kwargs)

        monkeypatch.setattr(persistence, "write_update", locked_once)
        with pytest.raises(HandlerRaised):
            await user.send(SITE)  # the step is taken in memory; its write-through fails
        await user.send("/help")  # the next write-through of the chat
        db = await Database.open(settings.data_dir / "tipline.sqlite3")
        try:  # what the next start would load: the step the chat's draft is at, not the one before
            stored = await StateRepository(db, Vault(ring)).load_conversations(REPORTER_CONVERSATION)
        finally:
            await db.close()
        assert stored == {(A, A): "description"} and chat_draft(first.app.chat_data[A]).step == "description"
        async with start_bot() as second:  # `first` never flushed: as after a SIGKILL
            [evidence] = await second.user(A).send(DESCRIPTION)
            assert "第 6 步" in evidence.text
