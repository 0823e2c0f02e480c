"""What is destroyed leaves the `-wal` file too: one checkpointer task per database, batched.

`secure_delete` zeroes deleted rows and freed pages in the database file only; the WAL keeps the older
frames (an old wrapped key, an old sealed chat state) until a checkpoint copies the pages back and a
TRUNCATE empties the file. Run inline after every shredding commit, that checkpoint held the write lock
through its fsyncs, so every chat's write queued behind it (with chat state resealed on every update,
most transactions shred a key). Here a task is woken after a shredding commit, waits `CHECKPOINT_WITHIN`
(the shreds committed meanwhile share one checkpoint), then takes the write lock between transactions
(never inside one) and checkpoints without waiting for readers. A partial checkpoint (a reader holding a
snapshot: a backup, a command run beside the bot, the bot's own reader mid-statement) or a failing one
(a full disk) is tried again after `RETRY_FIRST`, the delay doubling up to `RETRY_CAP`, until complete,
with no further write needed; it is logged once per spell, not at every try.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3

import aiosqlite

#: Seconds from a shredding commit to its checkpoint: the README's promise ("within half a second").
CHECKPOINT_WITHIN = 0.5
#: Seconds before the first retry of a partial or failed checkpoint; each retry doubles it, up to the cap.
RETRY_FIRST = 1.0
RETRY_CAP = 30.0

log = logging.getLogger("tipline.db")


class Checkpointer:
    """TRUNCATE checkpoints of one database's writer connection, run by a task of their own.

    `wake()` after a commit that destroyed something; `settled()` returns once a complete checkpoint
    followed the last one woken for; `checkpoint(wait=True)` runs one now (housekeeping, backups, close)."""

    def __init__(self, conn: aiosqlite.Connection, write_lock: asyncio.Lock, busy_timeout_ms: int):
        self._conn = conn
        self._lock = write_lock
        self._busy_timeout_ms = busy_timeout_ms
        self._asked = asyncio.Event()  # something was destroyed since the last checkpoint began
        self._settled = asyncio.Event()  # no destroyed frame waits in the WAL (as far as this process wrote)
        self._settled.set()
        self._failing = False  # tries since the last complete one failed or were partial (logged once)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="tipline-wal-checkpointer")

    def wake(self) -> None:
        """A transaction that destroyed something has committed: checkpoint within `CHECKPOINT_WITHIN`."""
        self._settled.clear()
        self._asked.set()

    async def settled(self) -> None:
        """Return once no destroyed frame waits to be checkpointed: at once if none does, else when the
        checkpoint (or its retry) is complete. Waits as long as a reader holds the WAL."""
        await self._settled.wait()

    async def stop(self) -> None:
        """End the task (it never stops inside a checkpoint: that runs under the write lock, taken here)."""
        if self._task is None:
            return
        async with self._lock:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    async def checkpoint(self, *, wait: bool = True) -> bool:
        """Take the write lock (no transaction is open then) and checkpoint; True if complete."""
        async with self._lock:
            self._asked.clear()  # commits before this point are covered; none can come while it runs
            complete = await self._checkpoint(wait=wait)
        if complete and not self._asked.is_set():
            self._settled.set()
        return complete

    async def _run(self) -> None:
        while True:
            await self._asked.wait()
            await asyncio.sleep(CHECKPOINT_WITHIN)  # the shreds committed meanwhile share this checkpoint
            delay = RETRY_FIRST
            while not await self._try():
                await asyncio.sleep(delay)  # no write needed to try again
                delay = min(delay * 2, RETRY_CAP)

    async def _try(self) -> bool:
        try:
            return await self.checkpoint(wait=False)
        except Exception:  # never let the task die: every later shred would stay in the WAL
            if not self._failing:
                log.exception("WAL checkpoint failed: retried until it completes")
            self._failing = True
            return False

    async def _checkpoint(self, *, wait: bool) -> bool:
        """With the write lock held. `wait` False: never wait for readers (the bot must not stall)."""
        if self._conn.in_transaction:  # begun on the writer outside transaction(): never checkpoint inside one
            why = "a transaction is open on the writer"
        else:
            why = await self._truncate(wait=wait)
        if why and not self._failing:
            log.info("WAL checkpoint incomplete (%s): tried again until complete", why)
        elif not why and self._failing:
            log.info("WAL checkpoint complete again")
        self._failing = bool(why)
        return not why

    async def _truncate(self, *, wait: bool) -> str:
        """PRAGMA wal_checkpoint(TRUNCATE); why it was not complete, or "" if it was."""
        if not wait:
            await self._conn.execute("PRAGMA busy_timeout = 0")
        try:
            async with self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cur:
                busy = (await cur.fetchone())[0]
        except sqlite3.OperationalError as exc:  # a full disk, an I/O error, this connection inside a read
            return f"failed: {exc}"
        finally:
            if not wait:
                await self._conn.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
        return "a reader holds the WAL" if busy else ""
