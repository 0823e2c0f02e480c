"""Every staff command and button checks the role of the person using it, wherever it is pressed."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.error import TelegramError

from core.roles import Role, StaffMember
from handlers.common import Context, services, tr

log = logging.getLogger("tipline.access")

StaffHandler = Callable[[Update, Context, StaffMember], Awaitable[object]]


async def refuse(update: Update, context: Context) -> None:
    """Nothing changes; the person is told plainly, without hints of what the button would do."""
    _ = tr(context)
    text = _("This is for the office's staff only.")
    if update.callback_query:
        try:
            await update.callback_query.answer(text, show_alert=True)
            return
        except TelegramError:  # answered already (a button handler answers first): say it in the chat
            log.info("refusal shown as a message: the button was answered already")
    if update.effective_message:
        await update.effective_message.reply_text(text)


def staff_only(*roles: Role) -> Callable[[StaffHandler], Callable[[Update, Context], Awaitable[object]]]:
    """Run the handler with the StaffMember pressing, if they hold one of `roles` (any role if none given)."""

    def wrap(handler: StaffHandler) -> Callable[[Update, Context], Awaitable[object]]:
        @functools.wraps(handler)
        async def guarded(update: Update, context: Context) -> object:
            user = update.effective_user
            member = await services(context).staff.get(user.id) if user else None
            if member is None or (roles and not member.has(*roles)):
                log.info("refused %s to a user without the role", handler.__name__)
                await refuse(update, context)
                return None
            return await handler(update, context, member)

        return guarded

    return wrap
