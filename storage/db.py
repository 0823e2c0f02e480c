"""The SQLite database: one file (mode 0600), WAL mode, foreign keys on, deleted content zeroed.

What is destroyed leaves the disk at once: `secure_delete` zeroes deleted rows and freed pages in
the database file, and a TRUNCATE checkpoint within `CHECKPOINT_WITHIN` of every transaction that
shreds a data key (a cancelled or submitted draft, a replaced chat state, a closed tip's contact, a
delivered message…), and again until complete, empties the `-wal` file, where the rows' and keys' old
pages would otherwise stay until the nightly checkpoint (storage.checkpoint: a task of its own, so no
write waits for its fsyncs).

Two connections: the writer, for transactions only (one at a time, behind a lock), and a read-only
reader (`PRAGMA query_only`) for every read outside a transaction. Updates of different chats are
handled concurrently (bot/updates.py): a read on the writer while another task's transaction is open
would see that transaction half-done, while the reader sees the last committed state (WAL lets it
read beside an open write; each of its statements runs whole, `Reader`). The task holding the
transaction reads through it (`Database.current`), so a unit of work reads its own writes.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import os
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import aiosqlite

from storage.checkpoint import Checkpointer
from storage.migrations import MIGRATIONS_DIR, migrate

DB_FILENAME = "tipline.sqlite3"
BUSY_TIMEOUT_MS = 5000
log = logging.getLogger("tipline.db")

_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA foreign_keys = ON",
    # Deleted drafts and shredded keys must not linger in free pages.
    "PRAGMA secure_delete = ON",
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
    "PRAGMA synchronous = FULL",
)
#: The reader: the writer's settings (a PRAGMA asked through either answers the same; it waits for a lock
#: as long), and it writes nothing.
_READER_PRAGMAS = (*_PRAGMAS, "PRAGMA query_only = ON")
#: Read-only connections, each with its own thread: a report's long read (a year's ledger for /stats,
#: the year's figures for /monthly) takes one, and a person's button press reads through another.
READERS = 3
#: Every shredding deletes a row of data_keys (storage.vault): this asks for a checkpoint after the commit.
_SHRED_TRIGGER = (
    "CREATE TEMP TRIGGER IF NOT EXISTS tipline_shredded AFTER DELETE ON main.data_keys"
    " BEGIN SELECT tipline_shredded(); END"
)


class Database:
    """Connections in autocommit mode: `conn`, the writer (writes go through `transaction()`, one at a
    time), and `reader` (READERS query-only ones, a statement on the first free). Reads go through
    `current`: this task's transaction, else the reader."""

    def __init__(self, conn: aiosqlite.Connection, path: Path, reader: Reader):
        self.conn = conn
        self.reader = reader
        self.path = path
        self._write_lock = asyncio.Lock()
        #: The task whose transaction is open on `conn` (one at a time: the write lock), else None.
        self._holder: asyncio.Task | None = None
        #: Something was destroyed in the open transaction (set from aiosqlite's thread): wake the checkpointer
        #: once it commits.
        self._wal_dirty = False
        self._checkpointer = Checkpointer(conn, self._write_lock, BUSY_TIMEOUT_MS)

    @classmethod
    async def open(cls, path: Path, migrations_dir: Path = MIGRATIONS_DIR) -> Database:
        if str(path) == ":memory:":  # a second connection would open a database of its own, empty
            raise ValueError("Database needs a file: its reader is a second connection to it")
        _create_private(Path(path))  # -wal and -shm take the database file's mode
        conn = await aiosqlite.connect(path, isolation_level=None)
        readers: list[aiosqlite.Connection] = []
        try:
            for pragma in _PRAGMAS:
                await conn.execute(pragma)
            await migrate(conn, migrations_dir)
            for _ in range(READERS):  # after migrate: the schema is there
                readers.append(await aiosqlite.connect(path, isolation_level=None))
                for pragma in _READER_PRAGMAS:
                    await readers[-1].execute(pragma)
            db = cls(conn, Path(path), Reader(readers))
            await db._watch_shredding()
            if not await db.checkpoint(wait=False):  # a crash may have left destroyed frames in the WAL
                db._checkpointer.wake()
        except BaseException:
            for reader in readers:
                await reader.close()
            await conn.close()
            raise
        db._checkpointer.start()
        return db

    async def _watch_shredding(self) -> None:
        await self.conn.create_function("tipline_shredded", 0, self.checkpoint_after_commit)
        async with self.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'data_keys'") as cur:
            if await cur.fetchone() is not None:
                await self.conn.execute(_SHRED_TRIGGER)

    def checkpoint_after_commit(self) -> None:
        """Ask for a TRUNCATE checkpoint within `CHECKPOINT_WITHIN` of the current (or next) transaction's
        commit. Shredding a data key asks by itself (a trigger, from aiosqlite's thread: this only sets a
        flag); call this where a transaction deletes rows that no data key seals."""
        self._wal_dirty = True

    async def settled(self) -> None:
        """Return once nothing destroyed waits to be checkpointed out of the WAL (complete): what a test,
        or anything that must know the `-wal` file holds no destroyed frame, awaits after a shred."""
        await self._checkpointer.settled()

    async def close(self) -> None:
        """Stop the checkpointer, then a last checkpoint (waiting for readers) before the connections close."""
        try:
            await self._checkpointer.stop()
        finally:
            await self.reader.close()  # first: the bot's own reader holds the WAL no more
            try:
                await self.checkpoint(wait=True)
            finally:
                await self.conn.close()

    @property
    def current(self) -> aiosqlite.Connection | Reader:
        """The connection a read goes through: the transaction this task holds (a unit of work reads its
        own writes), else the reader, which sees committed data only (never another task's open transaction)."""
        if self._holder is not None and self._holder is asyncio.current_task():
            return self.conn
        return self.reader

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error: all of it or none of it. The task that
        holds it reads through it (`current`); a second one in the same task would wait for itself."""
        if self._holder is not None and self._holder is asyncio.current_task():
            raise RuntimeError("a transaction inside this task's own open transaction")
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            self._holder = asyncio.current_task()
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            finally:
                self._holder = None
            await self.conn.execute("COMMIT")
            if self._wal_dirty:  # checkpointed by the checkpointer's task, under the write lock, soon
                self._wal_dirty = False
                self._checkpointer.wake()

    @asynccontextmanager
    async def unit_of_work(self, **repositories: Any) -> AsyncIterator[UnitOfWork]:
        """One use case's unit of work: `transaction()` (BEGIN IMMEDIATE on the writer), yielding
        the named repositories bound to it (`uow.tips.change_status(number, …)`: the `conn` is filled in).
        Every check-then-write of a use case reads and writes through it, so no other write comes between."""
        async with self.transaction() as conn:
            yield UnitOfWork(conn, repositories)

    @asynccontextmanager
    async def committed(self) -> AsyncIterator[Reader]:
        """The reader, for reads that must see committed data only, even inside this task's transaction
        (the outbox never sends a message before the transaction that queued it has committed)."""
        yield self.reader

    async def checkpoint(self, *, wait: bool = True) -> bool:
        """Copy the WAL into the database and truncate it now (housekeeping, backups): shredded keys and
        deleted rows leave the WAL file too (secure_delete zeroes them in the database file only). True if
        complete. A reader holding an older snapshot (a backup being taken, a command run beside the bot)
        keeps the frames it may need: with `wait` False the checkpoint is then partial (never waiting)."""
        return await self._checkpointer.checkpoint(wait=wait)

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        async with self.current.execute(sql, tuple(params)) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        async with self.current.execute(sql, tuple(params)) as cur:
            return list(await cur.fetchall())


class Reader:
    """The read-only connections (READERS), each statement run whole in one call to the thread of the
    first one free (executed, every row fetched, the statement reset) and its rows handed over as a
    cursor: a long read (a report's) holds one connection, not every reader.

    Tasks running at once share these connections. A statement left open between two calls (a cursor
    fetched after an await) would hold a read transaction that every other task's statement joins: they
    would see the database as it was when it began, not a commit made since (a chat's update not seeing
    what the chat's previous one wrote). Nor does a statement left open keep the TRUNCATE checkpoint after
    a shred from emptying the WAL. Statements here return few rows (the bot's reads are by key or paged)."""

    def __init__(self, conns: list[aiosqlite.Connection]):
        self.conns = conns
        self.conn = conns[0]
        self._free: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        for conn in conns:
            self._free.put_nowait(conn)

    def execute(self, sql: str, parameters: Iterable[Any] = ()) -> _Statement:
        """`await reader.execute(…)` or `async with reader.execute(…) as cur`, as with aiosqlite."""
        return _Statement(self, sql, tuple(parameters))

    async def rows(self, sql: str, parameters: tuple[Any, ...]) -> list[Any]:
        """The statement's rows, on whichever connection is free first (one statement each at a time)."""
        conn = await self._free.get()
        try:
            return list(await conn.execute_fetchall(sql, parameters))
        finally:
            self._free.put_nowait(conn)

    async def close(self) -> None:
        for conn in self.conns:
            await conn.close()


class _Statement:
    def __init__(self, reader: Reader, sql: str, parameters: tuple[Any, ...]):
        self._run = (reader, sql, parameters)

    async def _rows(self) -> _Rows:
        reader, sql, parameters = self._run
        return _Rows(await reader.rows(sql, parameters))

    def __await__(self):
        return self._rows().__await__()

    async def __aenter__(self) -> _Rows:
        return await self._rows()

    async def __aexit__(self, *exc: object) -> None:
        return None


class _Rows:
    """The rows of a statement that has ended, read as from an aiosqlite cursor."""

    def __init__(self, rows: list[Any]):
        self._rows = rows

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def close(self) -> None:
        self._rows = []


class UnitOfWork:
    """The connection of one open transaction and repositories bound to it (attributes by name)."""

    def __init__(self, conn: aiosqlite.Connection, repositories: dict[str, Any]):
        self.conn = conn
        for name, repository in repositories.items():
            setattr(self, name, _Bound(repository, conn))

    def __getattr__(self, name: str) -> Any:  # the repositories, set in __init__ (for type checkers)
        raise AttributeError(name)


class _Bound:
    """A repository whose methods taking `conn` first get the unit of work's; its reads (through
    `Database.current`, the transaction's connection in this task) see the transaction's own writes."""

    def __init__(self, repository: Any, conn: aiosqlite.Connection):
        self._repository = repository
        self._conn = conn

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._repository, name)
        if callable(attribute) and next(iter(inspect.signature(attribute).parameters), None) == "conn":
            return functools.partial(attribute, self._conn)
        return attribute


def _create_private(path: Path) -> None:
    """A new database file is made readable by its owner only (mode 0600) before SQLite opens it."""
    with suppress(OSError):  # there already, or a folder SQLite will refuse too, in its own words
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
