"""Hands the outbox's messages (storage.outbox) to Telegram: at once when they are queued, and every
few seconds for those that failed, with backoff.

- 429 Too Many Requests: try again after Telegram's `retry_after`, and stop this round (every other
  message would be refused too). python-telegram-bot's rate limiter has already waited and retried.
- 5xx, a timeout, a dropped connection: try again after 5 s, 10 s, 20 s … up to an hour between
  tries, for a week; then the message is given up and logged.
- 403 (the person blocked the bot) and 400 (no such chat): given up at once and logged.

A round spaces its messages at 29 a second (PACE), under Telegram's 30.

One process sends: a message is never handed to Telegram twice at the same time (the in-flight set),
and a delivered message is marked so before the next round. Telegram has no idempotency key, so a
crash in the instant between Telegram's answer and that mark would send the message once more on
restart: the one case where a duplicate is chosen over a loss.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import date

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

from storage.outbox import Message

log = logging.getLogger("tipline.outbox")

FIRST_RETRY = 5.0
MAX_RETRY = 3600.0
GIVE_UP_AFTER = 7 * 24 * 3600.0
#: How often the job looks for messages to try again.
EVERY = 5.0
#: Seconds between two messages of one round. Telegram allows 30 messages a second to all chats;
#: python-telegram-bot's limiter lets a whole second's worth through at once after a pause, which
#: Telegram answers with 429 and a second's wait. A round spaced at 29 a second never hits it,
#: leaving room for the replies the bot sends meanwhile (bench/fanout.py measures the fan-out).
PACE = 1 / 29


def backoff(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failure (1, 2, …): doubling, capped at an hour."""
    return min(MAX_RETRY, FIRST_RETRY * 2 ** max(0, attempts - 1))


def _in_flight(app: Application) -> set[int]:
    return app.bot_data.setdefault("outbox_in_flight", set())


class _Stop(Exception):
    """Telegram asked to slow down: the rest of this round waits."""


async def send_now(app: Application, row_id: int | None, now: float | None = None) -> bool:
    """Try to deliver one queued message now; True if Telegram took it. None (nothing was queued:
    the event was queued before) is False."""
    if row_id is None:
        return False
    try:
        return await _send(app, row_id, time.time() if now is None else now)
    except _Stop:
        return False


async def _send(app: Application, row_id: int, now: float) -> bool:
    in_flight = _in_flight(app)
    if row_id in in_flight:
        return False
    in_flight.add(row_id)
    try:
        outbox = app.bot_data["services"].outbox
        message = await outbox.open(row_id)
        if message is None:  # delivered (or given up) meanwhile
            return False
        return await _attempt(app, row_id, message, now)
    finally:
        in_flight.discard(row_id)


async def _attempt(app: Application, row_id: int, message: Message, now: float) -> bool:
    services = app.bot_data["services"]
    outbox, today = services.outbox, services.clock().date()
    markup = InlineKeyboardMarkup.de_json(message.markup, app.bot) if message.markup else None
    try:
        await app.bot.send_message(message.chat_id, message.text, reply_markup=markup)
    except RetryAfter as exc:
        wait = exc.retry_after.total_seconds() if hasattr(exc.retry_after, "total_seconds") else exc.retry_after
        await outbox.retry(row_id, now + float(wait), "RetryAfter")
        log.info("outbox %d: Telegram asked to wait %s s", row_id, wait)
        raise _Stop from None
    except (Forbidden, BadRequest) as exc:
        await outbox.give_up(row_id, today, type(exc).__name__)
        log.warning("outbox %d not deliverable (%s): given up", row_id, type(exc).__name__)
        return False
    except TelegramError as exc:
        await _later(outbox, row_id, now, type(exc).__name__, today)
        return False
    await outbox.delivered(row_id, today)
    return True


async def _later(outbox, row_id: int, now: float, error: str, today: date) -> None:
    row = await outbox.pending_row(row_id)
    if row is None:
        return
    if now - row.created_at > GIVE_UP_AFTER:
        await outbox.give_up(row_id, today, error)
        log.warning("outbox %d (%s) given up after a week of failures (%s)", row_id, row.kind, error)
        return
    wait = backoff(row.attempts + 1)
    await outbox.retry(row_id, now + wait, error)
    log.info("outbox %d (%s) failed (%s): next try in %.0f s", row_id, row.kind, error, wait)


async def drain(app: Application, now: float | None = None) -> int:
    """Deliver every message whose time has come; returns how many Telegram took. One round at a time."""
    async with app.bot_data.setdefault("outbox_round", asyncio.Lock()):
        services = app.bot_data["services"]
        delivered = 0
        at = time.time() if now is None else now
        tried: set[int] = set()
        last = -PACE
        try:
            while batch := [p for p in await services.outbox.due(at) if p.id not in tried]:
                for pending in batch:
                    tried.add(pending.id)
                    await asyncio.sleep(max(0.0, last + PACE - time.monotonic()))
                    last = time.monotonic()
                    delivered += await _send(app, pending.id, at)
        except _Stop:
            pass
        return delivered


async def _drain_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await drain(context.application)


def schedule(app: Application) -> None:
    """Every few seconds, starting at once: what a crash or an outage left behind goes out first."""
    app.job_queue.run_repeating(_drain_job, EVERY, first=1, name="outbox")
