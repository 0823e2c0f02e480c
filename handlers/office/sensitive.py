"""Decrypted content in staff chats: a tip's card and dialogue, its evidence files, a reporter's
identity, payee details. Every such message goes through `send_text` or `send_document` here:

- sent with `protect_content` (it cannot be forwarded, saved or copied) and without link previews
  (a link in a reporter's text is not fetched by Telegram for a preview);
- recorded (chat, message id, when to delete: `[security] card_minutes` after sending) in
  storage.expiring, so that `jobs.sensitive.expire` (a job every minute, and at start-up) deletes it
  from the chat, after a restart too. Staff open the card again from /inbox.

Telegram lets a bot delete a message only within 48 hours of sending it: a message the job could
not delete in time (the bot was down) has its text replaced instead; a file stays, and is logged.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, InputFile, LinkPreviewOptions, Message
from telegram.ext import Application

from handlers.context import app_services
from handlers.office.views import chunks

log = logging.getLogger("tipline.sensitive")

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def _remember(app: Application, chat_id: int, messages: list[Message]) -> None:
    services = app_services(app)
    sent_at = int(services.clock().timestamp())
    delete_after = sent_at + services.office.security.card_minutes * 60
    await services.expiring.add(chat_id, [m.message_id for m in messages], sent_at, delete_after)


async def send_text(app: Application, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Decrypted text to a staff chat, split below Telegram's limit (the buttons under the last piece).
    Each piece is recorded for deletion as soon as Telegram has taken it."""
    pieces = chunks(text)
    for index, piece in enumerate(pieces):
        message = await app.bot.send_message(
            chat_id,
            piece,
            reply_markup=markup if index == len(pieces) - 1 else None,
            protect_content=True,
            link_preview_options=NO_PREVIEW,
        )
        await _remember(app, chat_id, [message])


async def send_document(app: Application, chat_id: int, document: InputFile, caption: str) -> None:
    """A decrypted file (evidence) to a staff chat; recorded for deletion."""
    message = await app.bot.send_document(chat_id, document, caption=caption, protect_content=True)
    await _remember(app, chat_id, [message])
