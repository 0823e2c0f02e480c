"""Receipt hashes made ahead: the hash of a draft's receipt code starts when the summary is shown, so
pressing Submit awaits a hash that is finished (or nearly), and the scrypt is off the press's path.

scrypt (core.receipts) releases the GIL inside OpenSSL, so a thread of the loop's default executor
is enough: measured on the 2-core machine, the event loop ticked about once a millisecond (149-256
ticks, the worst 1 ms sleep 5-12 ms) while a derivation ran in a thread, against about 16 ticks
(worst sleep 16-28 ms) beside a thread holding the GIL in pure Python. No process pool is needed.

The hashes wait in memory only, keyed by the draft's token, never in chat data. The code itself is
in the sealed draft (handlers.report); the hash is the same one stored with the tip, fine at rest,
but kept simple: a restart loses them, and Submit then hashes the code as it did before. Bounded:
a draft's summary shown again with the same code reuses its hash; the hash is forgotten when the
draft is submitted or cancelled, after `KEEP_SECONDS`, or when more than `MOST` wait (oldest first).

Verification lives here too, as it needs the same pepper (core.receipts: a key derived from the key
ring, never in the database).
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from core import receipts
from core.receipts import DEFAULT_PARAMS, ScryptParams

#: How long a hash made ahead waits for its Submit (a reporter may read the summary a while).
KEEP_SECONDS = 3600.0
#: The most hashes waiting at once; beyond it the oldest go (their Submit hashes again).
MOST = 256


@dataclass(frozen=True)
class _Ahead:
    code: str
    hashed: asyncio.Future[str]
    started: float


class ReceiptService:
    """Hashes receipt codes with the ring's pepper (ahead of Submit where it can) and verifies them."""

    def __init__(
        self, pepper: bytes, *, params: ScryptParams = DEFAULT_PARAMS, clock: Callable[[], float] = time.monotonic
    ):
        self._pepper = pepper
        self._params = params
        self._clock = clock
        self._ahead: OrderedDict[str, _Ahead] = OrderedDict()
        self._dummy = receipts.dummy_hash(params)

    def start(self, token: str, code: str) -> None:
        """Start hashing `code` for draft `token` in a thread, unless it is being hashed already."""
        self._forget_old()
        ahead = self._ahead.get(token)
        if ahead is not None and ahead.code == code and not _failed(ahead.hashed):
            self._ahead[token] = _Ahead(code, ahead.hashed, self._clock())  # shown again: kept longer
            self._ahead.move_to_end(token)
            return
        hashed = asyncio.get_running_loop().run_in_executor(None, self._hash, code)
        hashed.add_done_callback(_retrieve)
        self._ahead[token] = _Ahead(code, hashed, self._clock())
        while len(self._ahead) > MOST:
            self._ahead.popitem(last=False)

    async def hash_for(self, token: str, code: str) -> str:
        """The stored form of `code`: the hash started at the summary if there is one for this code,
        else (after a restart, or forgotten) made now. Kept until `forget`, so a second press of
        Submit processed at the same time awaits the same hash."""
        ahead = self._ahead.get(token)
        if ahead is not None and ahead.code == code:
            try:
                return await asyncio.shield(ahead.hashed)
            except Exception:  # the thread failed: hash again below
                self._ahead.pop(token, None)
        return await asyncio.to_thread(self._hash, code)

    def forget(self, token: str) -> None:
        """The draft ended (submitted or cancelled): its hash is not needed any more."""
        self._ahead.pop(token, None)

    @property
    def waiting(self) -> int:
        """How many hashes wait for their Submit (tests, housekeeping's log)."""
        return len(self._ahead)

    async def settled(self) -> None:
        """Wait until every hash started has finished (tests; the bot's stop)."""
        pending = [a.hashed for a in self._ahead.values()]
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    async def verify(self, code: str, stored: str | None) -> bool:
        """Whether `code` is the receipt of the tip whose stored hash is `stored` (None: no such tip,
        which costs the same derivation and is False)."""
        valid = await asyncio.to_thread(
            functools.partial(receipts.verify_code, code, stored or self._dummy, pepper=self._pepper)
        )
        return valid and stored is not None

    def _hash(self, code: str) -> str:
        return receipts.hash_code(code, self._params, pepper=self._pepper)

    def _forget_old(self) -> None:
        cutoff = self._clock() - KEEP_SECONDS
        while self._ahead:
            token, oldest = next(iter(self._ahead.items()))
            if oldest.started >= cutoff:
                break
            del self._ahead[token]


def _failed(future: asyncio.Future[str]) -> bool:
    return future.done() and (future.cancelled() or future.exception() is not None)


def _retrieve(future: asyncio.Future[str]) -> None:
    """A hash nobody awaited (the draft abandoned) that failed is not logged as never retrieved."""
    if not future.cancelled():
        future.exception()
