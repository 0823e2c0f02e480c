"""What each flow of the chat's one conversation that keeps one state shares (a form's, the monthly
figures'): the handlers of that state, and the answer to a press once the flow has ended."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler, filters

from handlers.callbacks import button_expired
from handlers.context import Context
from handlers.files import FILES

Handler = Callable[[Update, Context], Awaitable[object]]


def flow_state(name: str, buttons: str, on_button: Handler, on_text: Handler, on_other: Handler, *,
               on_file: Handler | None = None) -> dict[str, list]:  # fmt: skip
    """A flow's one state (a form's, the monthly figures'): its buttons, typed text, files if it takes
    them, and anything else (a sticker, a voice note…)."""
    files = [MessageHandler(FILES, on_file)] if on_file is not None else []
    return {
        name: [
            CallbackQueryHandler(on_button, pattern=buttons),
            MessageHandler(filters.TEXT & ~filters.COMMAND, on_text),
            *files,
            MessageHandler(~filters.COMMAND & ~filters.StatusUpdate.ALL, on_other),
        ]
    }


async def flow_ended(update: Update, context: Context) -> object:
    """A press of a flow's button once the flow has ended (an old message): said so, nothing goes on."""
    await context.bot.send_message(update.effective_chat.id, await button_expired(update, context))
    return ConversationHandler.END
