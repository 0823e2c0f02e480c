"""One way to build a conversation: persistent, named, /cancel from any step."""

from __future__ import annotations

from collections.abc import Sequence

from telegram.ext import BaseHandler, CommandHandler, ConversationHandler

from handlers.menu import cancel_conversation


def conversation(
    name: str,
    entry_points: Sequence[BaseHandler],
    states: dict[object, list[BaseHandler]],
    *,
    fallbacks: Sequence[BaseHandler] = (),
    draft_key: str | None = None,
) -> ConversationHandler:
    """A ConversationHandler whose state survives restarts and which /cancel always leaves.

    `draft_key` names the entry of chat_data holding the conversation's draft; /cancel discards it.
    """
    return ConversationHandler(
        entry_points=list(entry_points),
        states=states,
        fallbacks=[CommandHandler("cancel", cancel_conversation(draft_key)), *fallbacks],
        name=name,
        persistent=True,
        allow_reentry=True,
    )
