"""Staff messages with decrypted content (sent and recorded by handlers.office.sensitive) are
deleted from their chats once `[security] card_minutes` have passed: a job every minute, and
shortly after start-up, so a restart deletes them too.

Telegram lets a bot delete a message only within 48 hours of sending it: a message the job could
not delete in time (the bot was down) has its text replaced instead; a file stays, and is logged.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from telegram.error import RetryAfter, TelegramError
from telegram.ext import Application

from handlers.context import Context, app_services, language_for
from handlers.erase import Erased, erase
from handlers.i18n import translator

log = logging.getLogger("tipline.sensitive")

#: How often the job looks for messages to delete (seconds), and its first run after start-up.
EVERY = 60.0
FIRST = 30.0
#: Telegram's limit: a bot deletes a message only within 48 hours of sending it.
DELETE_WITHIN = int(timedelta(hours=48).total_seconds())


async def _placeholder(app: Application, chat_id: int) -> str:
    _ = translator(await language_for(app, chat_id))
    return _("This message held a decrypted report and was removed. Open the report again from /inbox.")


async def expire(app: Application) -> int:
    """Delete the staff messages whose time has come; returns how many went. One round at a time.

    Deleted, already gone, or refused (blocked bot, older than 48 hours: its text is replaced) → the
    row goes. Telegram asking to wait → the round ends, the rest waits for the next. A network error
    or 5xx → the row stays for the next round, until 48 hours after sending, when no deletion can
    work any more."""
    services = app_services(app)
    done = 0
    async with app.bot_data.setdefault("expire_round", asyncio.Lock()):
        now = int(services.clock().timestamp())
        for row in await services.expiring.due(now):
            try:
                erased = await erase(app.bot, row.chat_id, row.message_id, await _placeholder(app, row.chat_id))
            except RetryAfter:
                log.info("expiring messages: Telegram asked to wait; the rest goes next round")
                break
            except TelegramError as exc:
                if now - row.sent_at < DELETE_WITHIN:
                    log.info("expiring message not deleted (%s): tried again next round", type(exc).__name__)
                    continue
                erased = Erased.FAILED
            if erased is Erased.FAILED:
                log.warning("a staff message with decrypted content could not be deleted from its chat")
            await services.expiring.forget(row.chat_id, row.message_id)
            done += erased is not Erased.FAILED
    if done:
        log.info("expiring messages: %d deleted from staff chats", done)
    return done


async def _expire_job(context: Context) -> None:
    await expire(context.application)


def schedule(app: Application) -> None:
    """Every minute, and shortly after start-up: what came due while the bot was down goes first."""
    app.job_queue.run_repeating(_expire_job, EVERY, first=FIRST, name="expire-staff-messages")
