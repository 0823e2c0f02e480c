"""The production error handler: log what broke and where, never what anyone wrote or who they are."""

from __future__ import annotations

import logging
import traceback

from telegram import Update
from telegram.error import TelegramError

from handlers.common import Context, tr

log = logging.getLogger("tipline.errors")


def _where(error: BaseException) -> str:
    """file:line:function of the innermost frames; exception messages can quote user text, frames cannot."""
    frames = traceback.extract_tb(error.__traceback__)[-3:]
    return " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in reversed(frames))


async def on_error(update: object, context: Context) -> None:
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("handler error %s in update %s at %s", type(error).__name__, update_id, _where(error) if error else "-")
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != "private":
        return
    _ = tr(context)
    try:
        await context.bot.send_message(
            update.effective_chat.id,
            _(
                "Sorry, something went wrong and your last step was not completed. "
                "Please try again, or send /cancel to start over."
            ),
        )
    except TelegramError as exc:
        log.warning("could not tell the user about error in update %s: %s", update_id, type(exc).__name__)
