"""Filing a tip: nine steps, each one tap or one message (states of handlers.reporter's conversation)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler, filters

from handlers.context import Context
from handlers.files import FILES, VOICE
from handlers.report import buttons, evidence, steps
from handlers.report.flow import DRAFT, FLOW, STEP_NUMBERS, new_draft
from handlers.report.summary import daily_limit_text


async def start(update: Update, context: Context, preset: dict[str, str] | None = None) -> object:
    """The menu's "report a problem" (or a poster's link): a new draft, or the unfinished one where
    it stopped. A poster's industry and village are preselected in a new draft; an unfinished one
    keeps its own answers."""
    query = update.callback_query
    if query is not None:
        await query.answer()
    _ = context.tr
    svc = context.services
    limit = svc.office.limits.tips_per_day
    if await svc.limits.tips_today(update.effective_chat.id, context.today) >= limit:
        await context.bot.send_message(update.effective_chat.id, daily_limit_text(_, limit))
        return ConversationHandler.END
    context.chat_data[FLOW] = "report"
    draft = context.chat_data.get(DRAFT)
    if draft is not None:
        return await steps.show(update, context, _("You have an unfinished report: continuing where you stopped."))
    context.chat_data[DRAFT] = new_draft(preset)
    return await steps.show(update, context)


def entry_points() -> list[CallbackQueryHandler]:
    return [CallbackQueryHandler(start, pattern=r"^menu:report$")]


def states() -> dict[str, list]:
    inputs = [
        CallbackQueryHandler(buttons.on_button, pattern=r"^tip:"),
        MessageHandler(filters.TEXT & ~filters.COMMAND, steps.on_text),
        MessageHandler(filters.LOCATION, steps.on_location),
        MessageHandler(FILES, evidence.on_file, block=False),  # handlers.files: in the background
        MessageHandler(VOICE, steps.on_voice),
        MessageHandler(~filters.COMMAND, steps.on_other),
    ]
    return {step: inputs for step in ("intro", *STEP_NUMBERS)}
