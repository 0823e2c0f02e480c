"""Whose keys an update's handlers act with (core.keys.acting): the first handler for every update sets
them, so that what is sealed to people opens only for the person whose update this is.

- A staff member with an unlocked session (services.keys.KeyService.chain): their groups' keys and
  their own, until the session ends, and only while their step-up stands (a reset or a lock-out drops them).
- A reporter whose check is open with the right receipt code (handlers.check.session): their tip's key,
  held in the check's memory-only session.
- Anyone else, or anything else (a job, a group message): no key at all.
"""

from __future__ import annotations

from telegram import Update

from core import keys
from handlers.check.session import session_keys
from handlers.context import Context
from services.stepup import Need


async def act_as_sender(update: Update, context: Context) -> None:
    """TypeHandler, ACTING_GROUP: set the keys of this update's sender for the handlers that follow."""
    chain = keys.NOBODY
    user = update.effective_user
    svc = context.services
    if user is not None and (held := svc.keys.chain(user.id, context.now)) is not None:
        # Only while their step-up still stands: an authenticator reset (a stolen phone) or a lock-out
        # drops the keys at once, not when the session would have ended.
        if await svc.stepup.need(user.id, context.now) == Need.NONE:
            chain = held
        else:
            svc.keys.lock(user.id)
    reporter = session_keys(update, context)
    if reporter is not None:
        chain = chain.merged(reporter)
    keys.set_acting(chain)
