"""`/start report`, `/start report_construction`, `/start check`, `/start liaison`: what a poster's QR
code or a shared link opens (core.links). An entry point of the chat's one conversation, so the tip
conversation or the check opens directly; anything else falls through to the menu's /start."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CommandHandler, ConversationHandler, filters

from core.links import parse
from handlers import check, report
from handlers.context import Context
from handlers.liaison.home import send_home

log = logging.getLogger("tipline.links")


async def open_link(update: Update, context: Context) -> object:
    office = context.services.office
    link = parse(context.args[0], frozenset(v.code for v in office.villages)) if context.args else None
    if link is None:
        return ConversationHandler.END
    log.info("deep link opened: %s", link.action)  # the action only: which poster is not logged
    if link.action == "check":
        return await check.start(update, context)
    if link.action == "liaison":
        await send_home(update, context)
        return ConversationHandler.END
    return await report.start(update, context, link.preset)


def entry_points() -> list[CommandHandler]:
    return [CommandHandler("start", open_link, filters=filters.Regex(r"^/start\s+(report|check|liaison)"))]
