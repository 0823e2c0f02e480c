"""The SQLite database: one file, WAL mode, foreign keys on, freed pages zeroed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from storage.migrations import MIGRATIONS_DIR, migrate

DB_FILENAME = "tipline.sqlite3"

_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA foreign_keys = ON",
    # Deleted drafts and shredded keys must not linger in free pages.
    "PRAGMA secure_delete = ON",
    "PRAGMA busy_timeout = 5000",
    "PRAGMA synchronous = FULL",
)


class Database:
    """One connection in autocommit mode; writes go through `transaction()`, one at a time."""

    def __init__(self, conn: aiosqlite.Connection, path: Path):
        self.conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, migrations_dir: Path = MIGRATIONS_DIR) -> Database:
        conn = await aiosqlite.connect(path, isolation_level=None)
        try:
            for pragma in _PRAGMAS:
                await conn.execute(pragma)
            await migrate(conn, migrations_dir)
        except BaseException:
            await conn.close()
            raise
        return cls(conn, Path(path))

    async def close(self) -> None:
        await self.conn.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error: all of it or none of it."""
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")

    @asynccontextmanager
    async def committed(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection for reads that must see committed data only: the one connection would show
        another task's open transaction half-done, so this waits for it to end."""
        async with self._write_lock:
            yield self.conn

    async def checkpoint(self) -> None:
        """Copy the WAL into the database and truncate it: shredded keys and deleted rows leave the
        WAL file too (secure_delete zeroes freed pages of the database file only)."""
        async with self._write_lock:
            await self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        async with self.conn.execute(sql, tuple(params)) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        async with self.conn.execute(sql, tuple(params)) as cur:
            return list(await cur.fetchall())
