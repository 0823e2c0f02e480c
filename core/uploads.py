"""The daily cap on the bytes one chat may send (`[limits] bytes_per_day`): whether a file fits in what
is left of the chat's day. Pure: the caller counts the bytes (storage.limits.DailyTally)."""

from __future__ import annotations

from core.media import DOWNLOAD_LIMIT


def upload_size(declared: int | None) -> int:
    """What a file counts: the size Telegram declares, or the most the bot can download when it gives none."""
    return DOWNLOAD_LIMIT if declared is None else declared


def fits_daily_bytes(used: int, declared: int | None, cap: int) -> bool:
    """Whether a file of `declared` bytes fits in a day where `used` bytes were already sent, under `cap`."""
    return used + upload_size(declared) <= cap
