"""Who may fill a liaison's forms (the gates of handlers.forms): a person, known by their user id, for
whom a rule of the form finds no objection (is the unit's liaison, the period may be reported…). The
objection is what they are told; on confirming, that nothing was stored."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from handlers.callbacks import button_expired
from handlers.context import Context
from handlers.forms.engine import Gate

#: Why this person may not fill the form on this subject now, or None.
Objection = Callable[[Context, int, str], Awaitable[str | None]]


async def _person(context: Context, user_id: int) -> int:
    return user_id


def person_gate(objection: Objection) -> Gate:
    """A gate for anyone the objection lets through."""

    async def allowed(context: Context, user_id: object, action: str, subject: str) -> bool:
        return await objection(context, int(user_id), subject) is None

    async def refused(update: Update, context: Context, user_id: object | None, action: str, subject: str | None,
                      confirming: bool) -> None:  # fmt: skip
        _ = context.tr
        problem = await objection(context, int(user_id), subject) if user_id and subject else None
        text = problem or await button_expired(update, context, answer=not confirming)
        if confirming:
            text += "\n" + _("Nothing was stored.")
        await context.bot.send_message(update.effective_chat.id, text)

    return Gate(actor=_person, allowed=allowed, refused=refused)


async def _none(context: Context, user_id: int, subject: str) -> str | None:
    return None


#: Anyone: a registration, whose code is checked by its own entry and used on confirming.
ANYONE = person_gate(_none)
