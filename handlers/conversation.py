"""One way to build a conversation: persistent, named, /cancel from any step."""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable, Sequence

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ConversationHandler
from telegram.warnings import PTBUserWarning

from handlers.context import Context
from handlers.menu import cancel_conversation

Cancel = Callable[[Update, Context], Awaitable[object]]


def conversation(
    name: str,
    entry_points: Sequence[BaseHandler],
    states: dict[object, list[BaseHandler]],
    *,
    fallbacks: Sequence[BaseHandler] = (),
    cancel: Cancel = cancel_conversation,
) -> ConversationHandler:
    """A ConversationHandler whose state survives restarts and which /cancel always leaves.

    `cancel` discards what the conversation kept (its draft) and must return ConversationHandler.END.
    """
    with warnings.catch_warnings():
        # Tracking callback queries per chat, not per message, is what we want: a step's buttons
        # are checked against the draft's current step, so an old message's button is refused there.
        warnings.filterwarnings("ignore", message=".*per_message=False.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=list(entry_points),
            states=states,
            fallbacks=[CommandHandler("cancel", cancel), *fallbacks],
            name=name,
            persistent=True,
            allow_reentry=True,
        )
