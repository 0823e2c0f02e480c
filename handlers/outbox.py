"""Hands the outbox's messages (storage.outbox) to Telegram: at once when they are queued, and every
few seconds for those that failed, with backoff (the repeating job is jobs.outbox's). A round spaces
its messages at 29 a second (PACE), under Telegram's 30.

- 429 Too Many Requests: python-telegram-bot's rate limiter has already waited and retried twice;
  the outbox then pauses (every message, for Telegram's `retry_after` from now) and ends the round.
- 5xx, a timeout, a dropped connection: try again after 5 s, 10 s, 20 s … up to an hour between
  tries, for a week; then the message is given up and logged.
- 403 (the person blocked the bot) and 400 (no such chat): given up at once and logged.
- A row that cannot be opened (a damaged payload, a key that is gone) is given up and logged; any
  other error backs off like a 5xx: one bad row never holds up the others.

One process sends: a message is never handed to Telegram twice at the same time (the in-flight set).
A message Telegram took whose row could not be marked (the database locked or full) is remembered
and only marked later, never sent again. Telegram has no idempotency key, so a crash in the instant
between Telegram's answer and that mark, or a timeout after Telegram delivered, sends the message
once more: the cases where a duplicate is chosen over a loss.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application

from core.crypto import CryptoError
from handlers.context import app_services

log = logging.getLogger("tipline.outbox")

FIRST_RETRY = 5.0
MAX_RETRY = 3600.0
GIVE_UP_AFTER = 7 * 24 * 3600.0
#: Seconds between two messages of one round. Telegram allows 30 messages a second to all chats;
#: python-telegram-bot's limiter lets a whole second's worth through at once after a pause, which
#: Telegram answers with 429 and a second's wait. A round spaced at 29 a second never hits it,
#: leaving room for the replies the bot sends meanwhile (bench/fanout.py measures the fan-out).
PACE = 1 / 29


def backoff(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failure (1, 2, …): doubling, capped at an hour."""
    return min(MAX_RETRY, FIRST_RETRY * 2 ** max(0, attempts - 1))


def _state(app: Application, name: str) -> set[int]:
    """ "in_flight": rows being sent now; "unmarked": rows Telegram took whose mark failed."""
    return app.bot_data.setdefault(f"outbox_{name}", set())


class _Stop(Exception):
    """Telegram asked to slow down: the rest of this round waits."""


def _paused(app: Application, now: float) -> bool:
    return now < app.bot_data.get("outbox_paused_until", 0.0)


async def send_now(app: Application, row_id: int | None) -> bool:
    """Try to deliver one queued message now; True if Telegram took it. Never raises: what fails
    stays queued for the job. None (nothing was queued: the event was queued before) is False."""
    if row_id is None or _paused(app, time.time()):
        return False
    try:
        return await _send(app, row_id, None)
    except _Stop:
        return False
    except Exception as exc:
        log.error("outbox: %s while sending at once; the job will retry", type(exc).__name__)
        return False


async def _send(app: Application, row_id: int, now: float | None) -> bool:
    """`now` stands for the clock in tests (None: the real one, read when it is needed)."""
    in_flight, unmarked = _state(app, "in_flight"), _state(app, "unmarked")
    if row_id in in_flight:
        return False
    in_flight.add(row_id)
    try:
        outbox = app_services(app).outbox
        if row_id in unmarked:  # Telegram has it: only the mark is missing
            await _mark(app, row_id)
            return False
        message = await outbox.open(row_id)
        if message is None:  # delivered (or given up) meanwhile
            return False
        markup = InlineKeyboardMarkup.de_json(message.markup, app.bot) if message.markup else None
        try:
            await app.bot.send_message(
                message.chat_id, message.text, reply_markup=markup, protect_content=message.protect
            )
        except TelegramError as exc:
            await _failed(app, row_id, exc, now)
            return False
        unmarked.add(row_id)
        await _mark(app, row_id)
        return True
    finally:
        in_flight.discard(row_id)


async def _mark(app: Application, row_id: int) -> None:
    services = app_services(app)
    try:
        await services.outbox.delivered(row_id, services.clock().date())
    except sqlite3.Error as exc:
        log.error("outbox: delivered but not marked (%s): marked later, not sent again", type(exc).__name__)
        return
    _state(app, "unmarked").discard(row_id)


async def _failed(app: Application, row_id: int, exc: TelegramError, now: float | None) -> None:
    services = app_services(app)
    moment = time.time() if now is None else now
    if isinstance(exc, RetryAfter):
        wait = exc.retry_after.total_seconds() if hasattr(exc.retry_after, "total_seconds") else exc.retry_after
        app.bot_data["outbox_paused_until"] = moment + float(wait)
        await services.outbox.retry(row_id, moment + float(wait), "RetryAfter")
        log.info("outbox: Telegram asked to wait %s s; the outbox pauses", wait)
        raise _Stop from None
    if isinstance(exc, Forbidden | BadRequest):
        await services.outbox.give_up(row_id, services.clock().date(), type(exc).__name__)
        log.warning("an outbox message was not deliverable (%s): given up", type(exc).__name__)
        return
    await _later(app, row_id, moment, type(exc).__name__)


async def _later(app: Application, row_id: int, now: float, error: str) -> None:
    services = app_services(app)
    row = await services.outbox.pending_row(row_id)
    if row is None:
        return
    if now - row.created_at > GIVE_UP_AFTER:
        await services.outbox.give_up(row_id, services.clock().date(), error)
        log.warning("an outbox message (%s) given up after a week of failures (%s)", row.kind, error)
        return
    wait = backoff(row.attempts + 1)
    await services.outbox.retry(row_id, now + wait, error)
    log.info("an outbox message (%s) failed (%s): next try in %.0f s", row.kind, error, wait)


async def _unexpected(app: Application, row_id: int, exc: Exception, now: float | None) -> None:
    """A row that broke something other than Telegram: given up if it cannot be opened, else backed off."""
    log.error("outbox: %s", type(exc).__name__)
    services = app_services(app)
    try:
        if isinstance(exc, CryptoError):
            await services.outbox.give_up(row_id, services.clock().date(), type(exc).__name__)
        else:
            await _later(app, row_id, time.time() if now is None else now, type(exc).__name__)
    except sqlite3.Error as again:
        log.error("outbox: not rescheduled either (%s)", type(again).__name__)


def round_under_way(app: Application) -> bool:
    """Whether a round of `drain` is running now (a long one: a fan-out)."""
    return app.bot_data.setdefault("outbox_round", asyncio.Lock()).locked()


async def drain(app: Application, now: float | None = None) -> int:
    """Deliver every message whose time has come; returns how many Telegram took. One round at a
    time. `now` stands for the clock in tests."""
    async with app.bot_data.setdefault("outbox_round", asyncio.Lock()):
        at = time.time() if now is None else now
        if _paused(app, at):
            return 0
        delivered, tried, last = 0, set(), -PACE
        while batch := [p for p in await app_services(app).outbox.due(at) if p.id not in tried]:
            for pending in batch:
                tried.add(pending.id)
                await asyncio.sleep(max(0.0, last + PACE - time.monotonic()))
                last = time.monotonic()
                try:
                    delivered += await _send(app, pending.id, now)
                except _Stop:
                    return delivered
                except Exception as exc:
                    await _unexpected(app, pending.id, exc, now)
        return delivered
