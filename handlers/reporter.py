"""The chat's one conversation: filing a tip (handlers.report), checking one (handlers.check), for
staff a case form (handlers.forms), for liaisons registering (a form too), the monthly figures
and the quarter's summary (handlers.liaison).

They are one ConversationHandler with disjoint state names, so starting any ends the others:
two conversations active at once would both want the same text, and a receipt code typed for a
check must never land in a draft or a form. Each flow is a `handlers.conversation.Flow`; this
module only loops over them.
"""

from __future__ import annotations

import functools

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from handlers import check, deeplinks, files, report
from handlers.context import Context
from handlers.conversation import Flow, conversation
from handlers.forms import engine as forms
from handlers.liaison import figures, quarter, register
from handlers.menu import menu_keyboard
from handlers.report import evidence
from handlers.state import RETIRED_STATES, CheckMark, flow_state, state_of, take_lost

NAME = "reporter"

#: The flows of the conversation; the report is the default (/cancel with nothing under way).
FLOWS: tuple[Flow, ...] = (report, check, forms, figures)  # the quarter summary is a form


def flow_under_way(context: Context) -> Flow:
    """The flow whose state the chat holds (after a restart too), else the report."""
    state = flow_state(context)
    return next((flow for flow in FLOWS if isinstance(state, flow.KIND)), report)


async def cancel(update: Update, context: Context) -> object:
    """/cancel leaves the flow under way: a check simply ends; a form is dropped; a draft is destroyed."""
    if take_lost(context):
        return await report.cancel(update, context)
    return await flow_under_way(context).cancel(update, context)


async def on_file_waiting(update: Update, context: Context) -> object:
    """A file sent while an earlier one is still being received (an album): queued behind it."""
    if state_of(context, CheckMark) is not None:
        return await check.on_file(update, context)
    return await evidence.on_file(update, context)


async def _tell_lost(update: Update, context: Context) -> object:
    if update.callback_query:
        await update.callback_query.answer()
    _ = context.tr
    text = _("What you were entering could not be kept when the bot was updated. Please start again.")
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=menu_keyboard(context))
    return ConversationHandler.END


async def _retired(update: Update, context: Context) -> object:
    """Anything in a conversation state an older version had (RETIRED_STATES): told, and it ends."""
    take_lost(context)
    return await _tell_lost(update, context)


def _retired_states() -> dict[object, list[BaseHandler]]:
    handlers: list[BaseHandler] = [MessageHandler(filters.ALL, _retired), CallbackQueryHandler(_retired)]
    return dict.fromkeys(RETIRED_STATES, handlers)


def _telling_lost(handler: BaseHandler) -> BaseHandler:
    """The step's handler, but a chat whose state an older version left unreadable is told so and the
    conversation ends (handlers.state.Lost)."""
    inner = handler.callback

    @functools.wraps(inner)
    async def callback(update: Update, context: Context) -> object:
        if take_lost(context):
            return await _tell_lost(update, context)
        return await inner(update, context)

    handler.callback = callback
    return handler


def _states() -> dict[object, list[BaseHandler]]:
    every = [(name, handlers) for flow in FLOWS for name, handlers in flow.states().items()]
    names = [name for name, _handlers in every]
    if len(set(names)) != len(names):
        raise RuntimeError(f"the flows share states: {sorted(n for n in set(names) if names.count(n) > 1)}")
    wrapped: set[int] = set()  # a flow's steps may share one list of handlers
    for handler in (h for _name, handlers in every for h in handlers if id(h) not in wrapped):
        wrapped.add(id(_telling_lost(handler)))
    return dict(every) | _retired_states()


def reporter_conversation() -> ConversationHandler:
    return conversation(
        NAME,
        [
            *(handler for flow in FLOWS for handler in flow.entry_points()),
            CommandHandler("register", register.register),
            *quarter.entry_points(),
            *deeplinks.entry_points(),
        ],
        _states() | {ConversationHandler.WAITING: files.waiting_handlers(on_file_waiting)},
        cancel=cancel,
    )


def transient_states() -> frozenset[object]:
    """The conversation's states never written to the database (bot.persistence)."""
    return frozenset().union(*(flow.transient_states() for flow in FLOWS))
