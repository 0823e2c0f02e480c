"""Push notices to reporters who opted in: the tip number and a short note, never the content."""

from __future__ import annotations

import logging

from telegram.error import Forbidden, TelegramError
from telegram.ext import Application

from handlers.i18n import LANGUAGES, translator

log = logging.getLogger("tipline.notify")


async def notify_reporter(app: Application, number: str, chat_id: int | None = None) -> bool:
    """Tell the reporter of `number` that something changed, if they asked for notices; True if sent.

    `chat_id` is the contact captured before a change that destroyed it (a tip not accepted).
    """
    services = app.bot_data["services"]
    if chat_id is None:
        chat_id = await services.tips.contact(number)
    if chat_id is None:
        return False
    chat_data = app.chat_data.get(chat_id, {})
    lang = chat_data.get("lang") if chat_data.get("lang") in LANGUAGES else services.language
    _ = translator(lang)
    text = _(
        "There is news about your report {number}. To read it, choose “Check a report” in the menu and "
        "enter the tip number and your receipt code."
    ).format(number=number)
    try:
        await app.bot.send_message(chat_id, text)
    except Forbidden:
        log.info("reporter of tip %s blocked the bot: notice not delivered", number)
        return False
    except TelegramError as exc:
        log.warning("notice for tip %s not delivered: %s", number, type(exc).__name__)
        return False
    log.info("notice sent for tip %s", number)
    return True


async def notify_all(app: Application, notices: dict[str, int | None]) -> None:
    """After a change to several tips (a reply shared with merged tips, a close): tell each reporter.

    The contacts were captured before the change, which may have destroyed them (a closed tip)."""
    for number, chat_id in notices.items():
        if chat_id is not None:
            await notify_reporter(app, number, chat_id=chat_id)
