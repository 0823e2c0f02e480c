"""Abandoned drafts are destroyed with their files and their conversations; recent ones are kept."""

import sqlite3
from datetime import timedelta

from handlers.state import chat_draft, restored, stored
from jobs.housekeeping import housekeeping
from storage.db import Database
from storage.state import StateRepository
from storage.vault import Vault
from tests.conftest import row_counts
from tests.media import photo_with_exif
from tests.reporter import to_step

ABANDONED, RECENT = 7100000001, 7100000002


def _draft_files(settings):
    with sqlite3.connect(settings.data_dir / "tipline.sqlite3") as conn:
        return conn.execute("SELECT COUNT(*) FROM draft_files").fetchone()[0]


async def test_drafts_left_for_days_are_destroyed(start_bot, settings, ring, monkeypatch):
    async with start_bot() as sim:
        services = sim.app.bot_data["services"]
        start = services.clock()
        abandoned = sim.user(ABANDONED)
        await to_step(abandoned, "evidence")
        await abandoned.send_photo(photo_with_exif())

        monkeypatch.setattr(services, "clock", lambda: start + timedelta(days=5))
        recent = sim.user(RECENT)
        await to_step(recent, "evidence")
        await recent.send_photo(photo_with_exif())
        assert _draft_files(settings) == 2

        monkeypatch.setattr(services, "clock", lambda: start + timedelta(days=8))
        await housekeeping(sim.app)
        assert _draft_files(settings) == 1
        assert chat_draft(sim.app.chat_data.get(ABANDONED)) is None and chat_draft(sim.app.chat_data[RECENT])
        # the abandoned chat's conversation ended with its draft: only the recent one's row is left
        assert row_counts(settings, "chat_state", "conversation_state") == {"chat_state": 1, "conversation_state": 1}

        [reply] = await abandoned.send("还在吗")  # no conversation: the menu, as for anyone
        assert "没有看懂" in reply.text and len(reply.labels) == 5
        [kept] = await recent.send_photo(photo_with_exif())
        assert "已收到第 2 个文件" in kept.text

    kept_at_rest = await _at_rest(settings, ring)  # and the destruction was persisted
    assert chat_draft(kept_at_rest[ABANDONED]) is None and chat_draft(kept_at_rest[RECENT]).files == 2


async def _at_rest(settings, ring) -> dict[int, dict]:
    """Each chat's data as the next start-up would load it (bot.persistence: stored, then restored)."""
    db = await Database.open(settings.data_dir / "tipline.sqlite3")
    try:
        repo = StateRepository(db, Vault(ring))
        return {chat_id: restored(stored(await repo.load_chat(chat_id))) for chat_id in (ABANDONED, RECENT)}
    finally:
        await db.close()


async def test_old_update_ids_are_forgotten(start_bot, settings, monkeypatch):
    async with start_bot() as sim:
        await sim.user(RECENT).send("/start")
        services = sim.app.bot_data["services"]
        later = services.clock() + timedelta(days=3)
        monkeypatch.setattr(services, "clock", lambda: later)
        await housekeeping(sim.app)
    with sqlite3.connect(settings.data_dir / "tipline.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM processed_updates").fetchone()[0] == 0
