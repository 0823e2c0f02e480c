"""The reporter's one conversation: filing a tip (handlers.report) and checking one (handlers.check).

They are one ConversationHandler with disjoint state names, so starting either ends the other:
two conversations active at once would both want the same text, and a receipt code typed for a
check must never land in a draft.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ConversationHandler

from handlers import check, report
from handlers.common import Context
from handlers.conversation import conversation
from handlers.report.flow import FLOW
from handlers.report.summary import cancel as cancel_report

NAME = "reporter"


async def cancel(update: Update, context: Context) -> object:
    """/cancel leaves the flow under way: a check simply ends; a draft is destroyed."""
    if context.chat_data.pop(FLOW, None) == "check":
        return await check.leave(update, context)
    return await cancel_report(update, context)


def reporter_conversation() -> ConversationHandler:
    states = report.states()
    overlap = set(states) & set(check.states())
    if overlap:
        raise RuntimeError(f"the report and check flows share states {overlap}")
    return conversation(
        NAME,
        [*report.entry_points(), *check.entry_points()],
        {**states, **check.states()},
        cancel=cancel,
    )
