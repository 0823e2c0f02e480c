"""The worker processes: what would hold the event loop for up to seconds (a year's summary, a chart,
the county's Excel table of 1,000 units) runs in one of them, while the loop goes on answering
everyone else.

One small pool (as many processes as CPUs, at most 2) is made at start-up by bot.app and shut down
at stop, its processes at a lower CPU priority than the bot (NICENESS). On Linux they come from a
fork server that has imported the libraries once (XlsxWriter, matplotlib, Tipline's core), so a
worker is up in milliseconds; each finds the CJK font as the bot does (bot.fonts). What runs there
are core's pure functions: plain data in, bytes or a summary out, never a connection or a Telegram
object. A worker that dies (killed, out of memory) breaks the pool: the calls in flight fail, and
the next call gets a new pool.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import TypeVar

from bot.fonts import find_cjk_fonts

log = logging.getLogger("tipline.workers")

T = TypeVar("T")

#: Imported once by the fork server, so that every worker starts with them.
PRELOAD = ["core.monthly_book", "core.stats", "core.charts", "bot.fonts"]
#: How much lower the workers' CPU priority is than the bot's (Unix `nice`): on a small machine a
#: report being drawn must not slow the answers to people pressing buttons; it only takes longer.
NICENESS = 10


def _start_worker() -> None:
    if hasattr(os, "nice"):
        os.nice(NICENESS)
    find_cjk_fonts()


def _pool(size: int) -> ProcessPoolExecutor:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
    else:  # macOS, Windows: a fresh interpreter per worker
        context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(size, mp_context=context, initializer=_start_worker)


class Workers:
    """`await workers.run(fn, *args)` runs `fn(*args)` in a worker process: `fn` a module-level
    function, its arguments and result picklable."""

    def __init__(self, size: int | None = None):
        self.size = size or min(2, os.cpu_count() or 1)
        self._pool = _pool(self.size)
        self._closed = False

    async def run(self, fn: Callable[..., T], /, *args: object) -> T:
        if self._closed:
            raise RuntimeError("the worker processes are shut down")
        loop, call, pool = asyncio.get_running_loop(), partial(fn, *args), self._pool
        try:
            done = loop.run_in_executor(pool, call)
        except BrokenProcessPool:  # broken before this call: it goes to a new pool, having run nowhere
            pool = self._renew(pool)
            done = loop.run_in_executor(pool, call)
        try:
            return await done
        except BrokenProcessPool:  # a worker died under this call (or one beside it): the call fails
            self._renew(pool)
            raise

    def _renew(self, broken: ProcessPoolExecutor) -> ProcessPoolExecutor:
        """A new pool in place of a broken one (once, however many calls find it broken)."""
        if broken is self._pool and not self._closed:
            log.warning("a worker process died: the pool is made again")
            self._pool = _pool(self.size)
            broken.shutdown(wait=False, cancel_futures=True)
        return self._pool

    def pids(self) -> list[int]:
        """The worker processes running now (started as work comes)."""
        processes = self._pool._processes or {}  # the executor keeps no public list
        return [process.pid for process in processes.values()]

    async def shutdown(self) -> None:
        """No new work; the work in flight finishes, queued work is cancelled, the processes exit."""
        self._closed = True
        await asyncio.to_thread(partial(self._pool.shutdown, wait=True, cancel_futures=True))
