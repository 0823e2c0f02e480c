"""The chat's one conversation: filing a tip (handlers.report), checking one (handlers.check), for
staff a case form (handlers.forms), for liaisons registering (a form too), the monthly figures
and the quarter's summary (handlers.liaison; the summary is a form too).

They are one ConversationHandler with disjoint state names, so starting any ends the others:
two conversations active at once would both want the same text, and a receipt code typed for a
check must never land in a draft or a form.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, ConversationHandler

from handlers import check, deeplinks, files, report
from handlers.context import Context
from handlers.conversation import conversation
from handlers.forms import engine as forms
from handlers.liaison import figures, quarter, register
from handlers.report import evidence
from handlers.report.flow import FLOW
from handlers.report.summary import cancel as cancel_report

NAME = "reporter"


#: Flows whose entry in chat data has the flow's name: after a restart it tells which flow is under way.
_KEPT_FLOWS = ("form", "figures")


async def cancel(update: Update, context: Context) -> object:
    """/cancel leaves the flow under way: a check simply ends; a form is dropped; a draft is destroyed.

    The flow marker is held in memory only (bot.persistence.at_rest); after a restart the flow's own
    entry in chat data tells (a check does not survive a restart; a draft is the default)."""
    flow = context.chat_data.pop(FLOW, None) or next((f for f in _KEPT_FLOWS if f in context.chat_data), None)
    if flow == "check":
        return await check.leave(update, context)
    if flow == "form":
        return await forms.cancel(update, context)
    if flow == "figures":
        return await figures.cancel(update, context)
    return await cancel_report(update, context)


async def on_file_waiting(update: Update, context: Context) -> object:
    """A file sent while an earlier one is still being received (an album): queued behind it."""
    if context.chat_data.get(FLOW) == "check":
        return await check.on_file(update, context)
    return await evidence.on_file(update, context)


def reporter_conversation() -> ConversationHandler:
    flows = (report.states(), check.states(), forms.states(), figures.states())
    names = [name for states in flows for name in states]
    if len(set(names)) != len(names):
        raise RuntimeError(f"the flows share states: {sorted(n for n in set(names) if names.count(n) > 1)}")
    return conversation(
        NAME,
        [
            *report.entry_points(),
            *check.entry_points(),
            *forms.entry_points(),
            *figures.entry_points(),
            *quarter.entry_points(),
            CommandHandler("register", register.register),
            *deeplinks.entry_points(),
        ],
        {name: handlers for states in flows for name, handlers in states.items()}
        | {ConversationHandler.WAITING: files.waiting_handlers(on_file_waiting)},
        cancel=cancel,
    )
