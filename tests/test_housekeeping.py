"""Abandoned drafts are destroyed with their files; recent ones are kept."""

import sqlite3
from datetime import timedelta

from handlers.state import chat_draft
from jobs.housekeeping import housekeeping
from tests.media import photo_with_exif
from tests.reporter import to_step

ABANDONED, RECENT = 7100000001, 7100000002


def _draft_files(settings):
    with sqlite3.connect(settings.data_dir / "tipline.sqlite3") as conn:
        return conn.execute("SELECT COUNT(*) FROM draft_files").fetchone()[0]


async def test_drafts_left_for_days_are_destroyed(start_bot, settings, monkeypatch):
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
        assert chat_draft(sim.app.chat_data[ABANDONED]) is None and chat_draft(sim.app.chat_data[RECENT])

        [reply] = await abandoned.send("还在吗")
        assert "已被删除" in reply.text and len(reply.labels) == 5
        [kept] = await recent.send_photo(photo_with_exif())
        assert "已收到第 2 个文件" in kept.text

    async with start_bot() as sim:  # and the destruction was persisted
        assert chat_draft(sim.app.chat_data.get(ABANDONED)) is None


async def test_old_update_ids_are_forgotten(start_bot, settings, monkeypatch):
    async with start_bot() as sim:
        await sim.user(RECENT).send("/start")
        services = sim.app.bot_data["services"]
        later = services.clock() + timedelta(days=3)
        monkeypatch.setattr(services, "clock", lambda: later)
        await housekeeping(sim.app)
    with sqlite3.connect(settings.data_dir / "tipline.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM processed_updates").fetchone()[0] == 0
