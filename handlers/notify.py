"""Push notices to reporters who opted in: the tip number and a short note, never the content.

A notice goes through the outbox (handlers.outbox): tried at once, and again with backoff if
Telegram or the network fails. It is queued right after the change it tells of has committed (the
case actions commit in services.casework, which knows nothing of notices), so a crash in that instant
loses the notice: the reporter still sees the change at the next check.
"""

from __future__ import annotations

import logging
import uuid

from telegram.ext import Application

from handlers.context import app_services, language_for
from handlers.i18n import translator
from handlers.outbox import send_now
from services.notices import Notice
from storage.outbox import Message

log = logging.getLogger("tipline.notify")


async def notify_reporter(app: Application, number: str, chat_id: int | None = None) -> bool:
    """Tell the reporter of `number` that something changed, if they asked for notices; True if
    Telegram took the notice now (else it is queued, or there is nobody to tell).

    `chat_id` is the contact captured before a change that destroyed it (a tip not accepted).
    """
    services = app_services(app)
    if chat_id is None:
        chat_id = await services.tips.contact(number)
    if chat_id is None:
        return False
    _ = translator(await language_for(app, chat_id))
    text = _(
        "There is news about your report {number}. To read it, choose “Check a report” in the menu and "
        "enter the tip number and your receipt code."
    ).format(number=number)
    # Each change is its own event: the key only has to be unique.
    notice = Notice(f"notice:{number}:{uuid.uuid4().hex}", Message(chat_id, text))
    [row_id] = await services.notices.queue("notice", [notice], services.clock().date())
    delivered = await send_now(app, row_id)
    log.info("notice for tip %s %s", number, "sent" if delivered else "queued")
    return delivered


async def notify_all(app: Application, notices: dict[str, int | None]) -> None:
    """After a change to several tips (a reply shared with merged tips, a close): tell each reporter.

    The contacts were captured before the change, which may have destroyed them (a closed tip)."""
    for number, chat_id in notices.items():
        if chat_id is not None:
            await notify_reporter(app, number, chat_id=chat_id)
