"""The checkpointer (storage.checkpoint): what a shred destroyed leaves the `-wal` file within
CHECKPOINT_WITHIN of the commit, and again until complete, without holding any write back; a failing
checkpoint (a full disk) is logged and retried, never ends the task; start-up and close checkpoint too.
A partial checkpoint retried without another write: tests/test_private_files.py."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from storage import checkpoint
from storage.db import Database

SECRET = b"WRAPPED-KEY-OF-A-DRAFT"
INSERT = "INSERT INTO data_keys (purpose, kek_id, wrapped, created_on) VALUES ('content', 'k', ?, 'd')"


@pytest.fixture(autouse=True)
def quick(monkeypatch) -> None:
    """A test's fractions of a second; the batching and the retries' growth are the same."""
    monkeypatch.setattr(checkpoint, "CHECKPOINT_WITHIN", 0.01)
    monkeypatch.setattr(checkpoint, "RETRY_FIRST", 0.01)


def _wal(path: Path) -> bytes:
    wal = Path(f"{path}-wal")
    return wal.read_bytes() if wal.exists() else b""


async def _shred_a_key(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute(INSERT, (SECRET,))
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM data_keys")


async def _until(condition) -> None:
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("not within 10 s")


def _checkpointers() -> list[asyncio.Task]:
    return [t for t in asyncio.all_tasks() if t.get_name() == "tipline-wal-checkpointer" and not t.done()]


@asynccontextmanager
async def _failing_checkpoints(db: Database, error: Exception) -> AsyncIterator[list[str]]:
    """Every checkpoint on the writer raises `error` (as a full disk makes it) inside the block; yields
    the statements tried meanwhile."""
    tried: list[str] = []
    execute = db.conn.execute

    @asynccontextmanager
    async def fails() -> AsyncIterator[None]:
        raise error
        yield

    def patched(sql: str, *args):
        if "wal_checkpoint" not in sql:
            return execute(sql, *args)
        tried.append(sql)
        return fails()

    db.conn.execute = patched
    try:
        yield tried
    finally:
        db.conn.execute = execute


@pytest.mark.parametrize(
    "error", [sqlite3.OperationalError("database or disk is full"), sqlite3.DatabaseError("disk I/O error")]
)
async def test_a_failing_checkpoint_is_logged_once_and_retried_and_writes_go_on(tmp_path, caplog, error):
    caplog.set_level(logging.INFO, logger="tipline.db")
    path = tmp_path / "t.sqlite3"
    db = await Database.open(path)
    try:
        async with _failing_checkpoints(db, error) as tried:
            await _shred_a_key(db)
            await _until(lambda: len(tried) >= 3)  # three tries failed
            assert SECRET in _wal(path)
            async with db.transaction() as conn:  # the bot goes on writing meanwhile
                await conn.execute(INSERT, (b"ANOTHER",))
            assert _checkpointers()  # the task lives on
        await db.settled()  # the disk has room again: the next retry completes, no write needed
        assert _wal(path) == b"" and SECRET not in path.read_bytes()
        said = [r for r in caplog.records if r.name == "tipline.db"]
        assert len([r for r in said if r.levelno >= logging.INFO and "complete again" not in r.getMessage()]) == 1
        assert str(error) in said[0].getMessage() or said[0].exc_info
        assert said[-1].getMessage() == "WAL checkpoint complete again"
    finally:
        await db.close()


async def test_shreds_within_the_bound_share_one_checkpoint(tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoint, "CHECKPOINT_WITHIN", 30.0)  # longer than the shreds below take
    db = await Database.open(tmp_path / "t.sqlite3")
    tried: list[str] = []
    await db.conn.set_trace_callback(lambda sql: tried.append(sql) if "wal_checkpoint" in sql else None)
    try:
        for _ in range(5):
            async with db.transaction() as conn:
                await conn.execute(INSERT, (SECRET,))
            async with db.transaction() as conn:
                await conn.execute("DELETE FROM data_keys")
        assert tried == []  # no commit waited for a checkpoint
        assert SECRET in _wal(db.path)
    finally:
        await db.close()  # the last checkpoint, before the bound
    assert len(tried) == 1 and _wal(db.path) == b""


async def test_close_checkpoints_and_leaves_no_task_running(tmp_path):
    path = tmp_path / "t.sqlite3"
    beside = sqlite3.connect(path)  # a command run beside the bot: the WAL outlives the bot's connections
    try:
        db = await Database.open(path)
        beside.execute("SELECT COUNT(*) FROM data_keys").fetchone()  # it has read (no snapshot kept)
        assert len(_checkpointers()) == 1
        async with db.transaction() as conn:
            await conn.execute(INSERT, (SECRET,))
        async with db.transaction() as conn:
            await conn.execute("DELETE FROM data_keys")
        await db.close()  # before the checkpointer's turn
        assert _checkpointers() == []
        assert _wal(path) == b""
        await db.settled()  # returns: nothing waits
    finally:
        beside.close()


CRASH = """
import os, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA wal_autocheckpoint = 0")
conn.execute("INSERT INTO data_keys (purpose, kek_id, wrapped, created_on) VALUES ('content', 'k', ?, 'd')",
             (sys.argv[2].encode(),))
conn.execute("DELETE FROM data_keys")
os._exit(0)  # a crash: no checkpoint on close
"""


async def test_start_up_empties_the_wal_a_crash_left(tmp_path):
    path = tmp_path / "t.sqlite3"
    await (await Database.open(path)).close()
    crash = await asyncio.create_subprocess_exec(sys.executable, "-c", CRASH, str(path), SECRET.decode())
    assert await crash.wait() == 0
    assert SECRET in _wal(path)
    db = await Database.open(path)
    try:
        assert _wal(path) == b""
    finally:
        await db.close()
