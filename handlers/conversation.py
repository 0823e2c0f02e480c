"""One way to build a conversation: persistent, named, /cancel from any step; and `Flow`, what each
flow of the chat's one conversation (handlers.reporter) provides."""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, runtime_checkable

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ConversationHandler
from telegram.warnings import PTBUserWarning

from handlers.context import Context
from handlers.menu import cancel_conversation

Cancel = Callable[[Update, Context], Awaitable[object]]


@runtime_checkable
class Flow(Protocol):
    """A flow of the chat's one conversation (filing a tip, checking one, a staff form, a liaison's
    figures or quarter summary): a module of handlers/ with these names.

    How it starts: `entry_points()`. Its steps: `states()`, disjoint from every other flow's. What it
    holds: a `KIND` of handlers.state in chat data, which tells the flow under way (for /cancel). How
    it resumes after a restart: its state and its conversation state are persisted, except
    `transient_states()` (a check's, whose session is memory only: it starts again). How it is
    cancelled: `cancel`, which drops what it holds and returns ConversationHandler.END."""

    NAME: str
    KIND: type

    def entry_points(self) -> list[BaseHandler]: ...

    def states(self) -> dict[str, list[BaseHandler]]: ...

    def transient_states(self) -> frozenset[str]: ...

    async def cancel(self, update: Update, context: Context) -> object: ...


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
