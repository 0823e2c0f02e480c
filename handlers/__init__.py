"""The Telegram conversation layer: thin handlers that parse, call core/storage, and render."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers import menu
from handlers.common import Context
from handlers.errors import on_error

#: After every update: write chat data and conversation states through at once, so a crash
#: loses nothing the user was told was kept.
PERSIST_GROUP = 100


async def _write_through(update: Update, context: Context) -> None:
    await context.application.update_persistence()


def register(app: Application, conversations: Sequence[BaseHandler] = ()) -> None:
    """Add every handler. Conversations come first, so their /cancel wins over the menu's."""
    for handler in conversations:
        app.add_handler(handler)
    app.add_handler(CommandHandler("start", menu.start))
    app.add_handler(CommandHandler("help", menu.help_command))
    app.add_handler(CommandHandler("language", menu.language_command))
    app.add_handler(CommandHandler("cancel", menu.cancel))
    app.add_handler(CallbackQueryHandler(menu.on_menu, pattern=r"^menu:(report|check|liaison|help|lang)$"))
    app.add_handler(CallbackQueryHandler(menu.on_language, pattern=r"^lang:(zh|en)$"))
    app.add_handler(CallbackQueryHandler(menu.stale_button))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL, menu.unknown_message))
    app.add_handler(TypeHandler(Update, _write_through), group=PERSIST_GROUP)
    app.add_error_handler(on_error)
