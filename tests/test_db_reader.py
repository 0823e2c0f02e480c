"""Reads see committed data only: updates of different chats run at once (bot.updates), and a read by
one while another holds a transaction must not see that transaction half-done; a unit of work still
reads its own writes, and shredding still empties the WAL with the reader connection open."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from core import crypto
from core.crypto import KeyRing
from storage.db import Database
from storage.updates import ProcessedUpdates
from storage.vault import Vault

COUNT = "SELECT COUNT(*) FROM processed_updates WHERE update_id = 7"
INSERT = "INSERT INTO processed_updates (update_id, on_date) VALUES (7, '2026-11-01')"


def _wal_size(path: Path) -> int:
    return Path(f"{path}-wal").stat().st_size


async def _count(db: Database) -> int:
    return (await db.fetchone(COUNT))[0]


async def test_another_task_does_not_see_an_open_transaction_and_the_unit_sees_its_own_writes(tmp_path: Path):
    db = await Database.open(tmp_path / "db.sqlite3")
    written, looked = asyncio.Event(), asyncio.Event()
    seen: dict[str, int] = {}

    async def writer() -> None:
        async with db.unit_of_work(updates=ProcessedUpdates(db)) as uow:
            await uow.conn.execute(INSERT)
            seen["inside, by the unit"] = await _count(db)
            seen["inside, by a bound repository"] = int(await uow.updates.seen(7))
            written.set()
            await looked.wait()  # the transaction stays open while the other task reads

    async def other() -> None:
        await written.wait()
        seen["by another task"] = await _count(db)
        async with db.committed() as conn, conn.execute(COUNT) as cur:  # does not wait for the writer
            seen["by another task, committed()"] = (await cur.fetchone())[0]
        looked.set()

    try:
        await asyncio.wait_for(asyncio.gather(writer(), other()), timeout=10)  # a wait on the writer would hang
        seen["after the commit"] = await _count(db)
    finally:
        await db.close()
    assert seen == {"inside, by the unit": 1, "inside, by a bound repository": 1, "by another task": 0,
                    "by another task, committed()": 0, "after the commit": 1}  # fmt: skip


async def test_a_rolled_back_write_was_never_seen_outside(tmp_path: Path):
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        with pytest.raises(ZeroDivisionError):
            async with db.transaction() as conn:
                await conn.execute(INSERT)
                assert await _count(db) == 1
                assert await asyncio.create_task(_count(db)) == 0  # a task of its own: the committed state
                1 / 0  # noqa: B018
        assert await _count(db) == 0
    finally:
        await db.close()


async def test_a_transaction_inside_the_same_tasks_transaction_is_refused_not_waited_for(tmp_path: Path):
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        async with db.transaction():
            with pytest.raises(RuntimeError, match="own open transaction"):
                async with db.transaction():
                    pass
    finally:
        await db.close()


async def test_the_reader_writes_nothing_and_answers_the_writers_settings(tmp_path: Path):
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        assert db.current is db.reader
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            await db.reader.execute(INSERT)
        for pragma, value in (("journal_mode", "wal"), ("foreign_keys", 1), ("secure_delete", 1), ("query_only", 1)):
            assert (await db.fetchone(f"PRAGMA {pragma}"))[0] == value
    finally:
        await db.close()


async def test_a_shredded_key_leaves_the_wal_with_the_reader_open(tmp_path: Path):
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path)
    vault = Vault(KeyRing.generate())
    try:
        async with db.transaction() as conn:
            dek_id, _ = await vault.new_key(conn, crypto.SESSION)
        assert await vault.key(db.current, dek_id, crypto.SESSION)  # the reader has read the key's row
        assert await db.fetchall("SELECT id FROM data_keys") == [(dek_id,)]
        async with db.transaction() as conn:
            await vault.shred(conn, dek_id)
        await db.settled()  # the checkpoint after the shred (within CHECKPOINT_WITHIN), complete
        assert _wal_size(path) == 0
        assert await db.fetchall("SELECT id FROM data_keys") == []
    finally:
        await db.close()


async def test_a_memory_database_is_refused_plainly():
    with pytest.raises(ValueError, match="needs a file"):
        await Database.open(Path(":memory:"))


async def test_a_read_left_open_by_one_task_does_not_hold_back_what_another_reads(tmp_path: Path):
    """Tasks share the reader: were a statement left open between its steps (a cursor fetched row by
    row across awaits), every other task's read would join its read transaction and see the state of
    its start, not a commit made since (a chat's next update not seeing what its last one wrote)."""
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        async with db.transaction() as conn:
            for update_id in (1, 2, 3):
                await conn.execute("INSERT INTO processed_updates (update_id, on_date) VALUES (?, '2026-11-01')",
                                   (update_id,))  # fmt: skip
        async with db.current.execute("SELECT update_id FROM processed_updates ORDER BY update_id") as cur:
            assert await cur.fetchone() == (1,)  # two rows still to come
            async with db.transaction() as conn:
                await conn.execute(INSERT)
            assert await _count(db) == 1  # committed before this read began
            assert await cur.fetchall() == [(2,), (3,)]
    finally:
        await db.close()


async def test_a_long_read_does_not_hold_up_a_short_one(tmp_path: Path):
    """A report's long read (a year's ledger) takes one read connection; a button press's look-up goes
    on another, and is answered while the long one still runs (with one reader it waited behind it)."""
    db = await Database.open(tmp_path / "t.sqlite3")
    try:
        long_read = (
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) SELECT COUNT(*) FROM n"
        )
        slow = asyncio.ensure_future(db.fetchone(long_read))
        await asyncio.sleep(0.05)  # the long read is on its connection's thread
        assert await db.fetchone("SELECT 1") is not None
        assert not slow.done()  # the short read came back first
        assert (await slow)[0] == 3_000_000
    finally:
        await db.close()
