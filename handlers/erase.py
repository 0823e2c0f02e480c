"""What must not stay in a chat: deleting a message once read, and the "I have written it down" button.

- A reporter's own message holding their real name, phone, payee details or receipt code is deleted
  as soon as the bot has read it (`delete_read`), whatever happens next.
- The receipt (tip number and receipt code) and the claim code are sent with `protect_content` (they
  cannot be forwarded, saved or copied) and a button "I have written it down" (`WRITTEN_DOWN`) that
  deletes the message it is on. Its callback data names nothing, so it works after a restart and
  for any such message; pressed on a message without that button (a forged press), or in a group, it
  does nothing.
- `erase` deletes a message the bot sent, or, where Telegram refuses (a bot may delete a message only
  within 48 hours of sending it), replaces its text, so that what it said is gone either way.
"""

from __future__ import annotations

import logging
from enum import Enum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ExtBot

from handlers.callbacks import WrittenDown, button_expired
from handlers.context import Context
from handlers.i18n import Translate

log = logging.getLogger("tipline.erase")

#: The callback data of "I have written it down": the message to delete is the one the button is on.
GONE = WrittenDown().pack()


class Erased(Enum):
    DELETED = "deleted"
    BLANKED = "blanked"  # too old to delete: its text was replaced
    ALREADY = "already"  # deleted before (by the person, or an earlier try)
    FAILED = "failed"  # neither deleted nor blanked (a file's caption cannot hide the file)


async def delete_read(message: Message | None, what: str) -> None:
    """Delete a person's message the bot has read (name, phone, payee details, a code). Never raises:
    a message that cannot be deleted is logged by `what` (never its text) and left."""
    if message is None:
        return
    try:
        await message.delete()
    except TelegramError as exc:
        log.info("could not delete a %s message (%s)", what, type(exc).__name__)


def written_down_button(_: Translate) -> InlineKeyboardButton:
    return InlineKeyboardButton(_("I have written it down"), callback_data=GONE)


def with_written_down(markup: InlineKeyboardMarkup | None, _: Translate) -> InlineKeyboardMarkup:
    """The button "I have written it down" as the first row, above the buttons `markup` already has."""
    rows = list(markup.inline_keyboard) if markup else []
    return InlineKeyboardMarkup([[written_down_button(_)], *rows])


async def erase(bot: ExtBot, chat_id: int, message_id: int, placeholder: str) -> Erased:
    """Delete a message the bot sent; if Telegram refuses (older than 48 hours), replace its text with
    `placeholder`. RetryAfter, network errors and 5xx are raised: the caller tries again later."""
    try:
        await bot.delete_message(chat_id, message_id)
        return Erased.DELETED
    except BadRequest as exc:
        if "not found" in exc.message.lower():
            return Erased.ALREADY
    except Forbidden:
        return Erased.FAILED  # the person blocked the bot: the chat cannot be reached at all
    try:
        await bot.edit_message_text(placeholder, chat_id=chat_id, message_id=message_id)
        return Erased.BLANKED
    except BadRequest:
        return Erased.FAILED


def _without_gone(message: Message) -> list[list[InlineKeyboardButton]] | None:
    """The message's other buttons if it carries "I have written it down"; None if it does not."""
    rows = list(message.reply_markup.inline_keyboard) if message.reply_markup else []
    if not any(button.callback_data == GONE for row in rows for button in row):
        return None
    rest = [[b for b in row if b.callback_data != GONE] for row in rows]
    return [row for row in rest if row]


async def on_gone(update: Update, context: Context) -> None:
    """The button "I have written it down": its message goes; the other buttons it carried come back."""
    query = update.callback_query
    _ = context.tr
    message = query.message
    rest = _without_gone(message) if isinstance(message, Message) else None
    if rest is None:
        await button_expired(update, context)
        return
    try:
        erased = await erase(context.bot, message.chat_id, message.message_id, _("(deleted)"))
    except TelegramError as exc:
        log.info("a written-down message was not deleted (%s)", type(exc).__name__)
        erased = Erased.FAILED
    if erased is Erased.FAILED:
        text = _("Telegram did not let me delete it. Please delete it yourself: press and hold it, then Delete.")
        await query.answer(text, show_alert=True)
        return
    await query.answer()
    if rest:
        await context.bot.send_message(
            message.chat_id, _("Deleted from this chat."), reply_markup=InlineKeyboardMarkup(rest)
        )
