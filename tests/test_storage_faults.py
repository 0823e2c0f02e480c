"""The database locked by another program (a backup tool holding a write lock), or the disk full: the
person is told in plain words that the step was not saved and nothing before it is lost; nothing
half-written remains; when the condition clears, the same step goes through."""

from __future__ import annotations

import asyncio
import io
import os
import sqlite3

from PIL import Image

from storage.db import DB_FILENAME
from tests.conftest import row_counts, services_of
from tests.office import ADMIN, REPORTER, add_staff
from tests.reporter import receipt_from, to_step

BUSY = "系统正忙"
FULL = "存储空间已满"
LONG_DESCRIPTION = "化工厂储罐区没有防火堤，工人每天在罐旁抽烟，已经漏过两次气。" * 50


TABLES = ("tips", "tip_events", "tip_files", "outbox")


def _big_photo() -> bytes:
    """A photo of noise (about 100 KB as JPEG): it needs new pages in the database."""
    image = Image.frombytes("RGB", (320, 240), os.urandom(320 * 240 * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


async def _fill_the_disk(sim) -> None:
    """SQLite's own "database or disk is full", as on a full disk: the file may not grow any more, and
    its free pages are taken by a filler table first."""
    conn = services_of(sim).db.conn
    await conn.execute("CREATE TABLE IF NOT EXISTS test_filler (b BLOB)")
    values = {}
    for pragma in ("freelist_count", "page_size"):
        async with conn.execute(f"PRAGMA {pragma}") as cur:
            (values[pragma],) = await cur.fetchone()
    await conn.execute(
        "INSERT INTO test_filler VALUES (zeroblob(?))", (values["freelist_count"] * values["page_size"],)
    )
    async with conn.execute("PRAGMA page_count") as cur:
        (pages,) = await cur.fetchone()
    await conn.execute(f"PRAGMA max_page_count = {pages}")


async def _free_the_disk(sim) -> None:
    await services_of(sim).db.conn.execute("PRAGMA max_page_count = 1073741823")


async def test_a_database_locked_by_another_program_refuses_the_step_clearly_then_takes_it(start_bot, settings):
    async with start_bot(raise_errors=False) as sim:
        await services_of(sim).db.conn.execute("PRAGMA busy_timeout = 200")  # not five seconds in a test
        user = sim.user(REPORTER)
        await to_step(user, "summary")
        other = sqlite3.connect(settings.data_dir / DB_FILENAME, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")  # another program holds the write lock
        try:
            [answer] = [r for r in await user.tap("tip:summary:submit") if r.text]
            assert BUSY in answer.text and "之前填写的内容都还在" in answer.text
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert row_counts(settings, *TABLES) == {"tips": 0, "tip_events": 0, "tip_files": 0, "outbox": 0}
        receipt = receipt_from(await user.tap("tip:summary:submit"))  # the same step, once the lock is gone
        assert receipt.number.startswith("JB")
    assert row_counts(settings, *TABLES) == {"tips": 1, "tip_events": 1, "tip_files": 0, "outbox": 1}


async def test_a_full_disk_refuses_a_photo_clearly_tells_the_admins_then_takes_it(start_bot, settings):
    async with start_bot(raise_errors=False) as sim:
        await add_staff(sim)
        user = sim.user(REPORTER)
        await to_step(user, "evidence")
        await _fill_the_disk(sim)
        [refused] = [r for r in await user.send_photo(_big_photo()) if r.chat_id == REPORTER]
        assert FULL in refused.text and "12350" in refused.text
        for _ in range(50):  # the admins' alert goes out beside the answer
            if alerts := [c for c in sim.api.calls_of("sendMessage") if c.params["chat_id"] == ADMIN]:
                break
            await asyncio.sleep(0.02)
        assert len(alerts) == 1 and "磁盘已满" in alerts[0].params["text"]
        await user.send_photo(_big_photo())  # refused again; the admins are not told twice within the hour
        await asyncio.sleep(0.1)
        assert len([c for c in sim.api.calls_of("sendMessage") if c.params["chat_id"] == ADMIN]) == 1

        await _free_the_disk(sim)
        [kept] = await user.send_photo(_big_photo())  # the same step, once there is space
        assert "已收到第 1 个文件" in kept.text


async def test_a_full_disk_refuses_a_submission_clearly_and_takes_it_once_there_is_space(start_bot, settings):
    async with start_bot(raise_errors=False) as sim:
        user = sim.user(REPORTER)
        await to_step(user, "description")
        await user.send(LONG_DESCRIPTION)  # about 5 KB sealed: the tip needs new pages
        for data in ("tip:evidence:done", "tip:identity:anonymous", "tip:push:no"):
            await user.tap(data)
        await _fill_the_disk(sim)
        [answer] = [r for r in await user.tap("tip:summary:submit") if r.chat_id == REPORTER]
        assert FULL in answer.text and "之前填写的内容都还在" in answer.text
        assert row_counts(settings, *TABLES) == {"tips": 0, "tip_events": 0, "tip_files": 0, "outbox": 0}
        await _free_the_disk(sim)
        receipt = receipt_from(await user.tap("tip:summary:submit"))
        assert (await services_of(sim).tips.content(receipt.number)).description == LONG_DESCRIPTION
    assert row_counts(settings, *TABLES) == {"tips": 1, "tip_events": 1, "tip_files": 0, "outbox": 1}
