"""The lock-out after wrong receipt codes: how many a chat may try, and how long it waits after.

The rule: a chat gets `free_failures` wrong codes in a `window` (an hour) without waiting. The next
wrong code locks it out for `first_wait` (a minute), and each further one doubles the wait, up to
`longest_wait` (a day). The count starts over once the window has passed without a lock-out, or a
`longest_wait` after the window began if it did lock out. A receipt code is 16 random digits, so even
an attacker retrying the moment each lock-out ends cannot get near guessing one (bench/crypto.py
measures how many tries a day that leaves).

Pure: storage.limits.Limits keeps the counts (in memory, under a keyed hash of the chat) and asks this.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Failures:
    """A chat's wrong codes: since when they are counted, how many, and until when it must wait."""

    window_start: datetime
    count: int
    locked_until: datetime | None


@dataclass(frozen=True)
class AttemptPolicy:
    free_failures: int = 5
    window: timedelta = timedelta(hours=1)
    first_wait: timedelta = timedelta(minutes=1)
    longest_wait: timedelta = timedelta(hours=24)

    def wait_after(self, failures: int) -> timedelta | None:
        """How long to wait after this many failures in the window: doubling past the free ones."""
        if failures < self.free_failures:
            return None
        wait = self.first_wait * (2 ** (failures - self.free_failures))
        return min(wait, self.longest_wait)

    def after_failure(self, before: Failures | None, now: datetime) -> Failures:
        """The chat's failures once one more wrong code was tried at `now` (`before`: None if none counted).

        A new window after `window` without a lock-out, or after `longest_wait` if there was one."""
        start, count = (before.window_start, before.count) if before else (now, 0)
        locked_before = count >= self.free_failures
        if now - start > (self.longest_wait if locked_before else self.window):
            start, count = now, 0
        count += 1
        wait = self.wait_after(count)
        return Failures(start, count, now + wait if wait else None)


#: The office's policy: not a setting of the TOML (bench/crypto.py shows what it leaves an attacker).
DEFAULT_POLICY = AttemptPolicy()
