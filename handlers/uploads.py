"""The daily cap on the bytes one chat may send (`[limits] bytes_per_day`), asked before a file is
downloaded, with the size Telegram declares. Counted in memory under a key of the day
(storage.limits.DailyTally): nothing at rest says what a chat sent."""

from __future__ import annotations

from telegram import Update

from core.uploads import fits_daily_bytes, upload_size
from handlers.context import Context
from handlers.files import attachment
from handlers.i18n import Translate


def within_daily_bytes(update: Update, context: Context) -> str | None:
    """None when the message's file fits in what the chat may still send today (it is then
    counted); else the answer to give. A file whose size Telegram does not give counts as the most
    the bot can download."""
    svc = context.services
    size = attachment(update)[3]
    cap = svc.office.limits.bytes_per_day
    chat_id = update.effective_chat.id
    if fits_daily_bytes(svc.limits.bytes_today(chat_id, context.today), size, cap):
        svc.limits.charge_bytes(chat_id, context.today, upload_size(size))
        return None
    return daily_bytes_text(context.tr, cap)


def daily_bytes_text(_: Translate, cap: int) -> str:
    return _(
        "With this file you would send more than {mb} MB today, the most one chat may send in a day. "
        "Everything else you entered is kept. Please send it tomorrow, or describe it in your report."
    ).format(mb=cap // 2**20)
