"""Filing a tip: nine steps, each one tap or one message (states of handlers.reporter's conversation)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler, filters

from handlers.callbacks import MenuButton, TipButton, exactly
from handlers.context import Context
from handlers.files import FILES, VOICE
from handlers.report import buttons, evidence, steps
from handlers.report.flow import STEP_NUMBERS, new_draft
from handlers.report.summary import cancel, daily_limit_text
from handlers.state import ReportDraft, report_draft, save_state

NAME = "report"
KIND = ReportDraft


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
    draft = report_draft(context)
    if draft is not None:
        save_state(context, draft)
        return await steps.show(update, context, _("You have an unfinished report: continuing where you stopped."))
    save_state(context, new_draft(preset))
    return await steps.show(update, context)


def entry_points() -> list[CallbackQueryHandler]:
    return [CallbackQueryHandler(start, pattern=exactly(MenuButton(item="report")))]


def states() -> dict[str, list]:
    inputs = [
        CallbackQueryHandler(buttons.on_button, pattern=TipButton.pattern),
        MessageHandler(filters.TEXT & ~filters.COMMAND, steps.on_text),
        MessageHandler(filters.LOCATION, steps.on_location),
        MessageHandler(FILES, evidence.on_file, block=False),  # handlers.files: in the background
        MessageHandler(VOICE, steps.on_voice),
        MessageHandler(~filters.COMMAND, steps.on_other),
    ]
    return {step: inputs for step in ("intro", *STEP_NUMBERS)}


def transient_states() -> frozenset[str]:
    """None: a draft resumes where it stopped after a restart."""
    return frozenset()


__all__ = ["KIND", "NAME", "cancel", "entry_points", "start", "states", "transient_states"]
