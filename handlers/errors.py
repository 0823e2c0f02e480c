"""The production error handler: log what broke and where, never what anyone wrote or who they are.

A database that cannot be written (locked by another program, such as a backup tool, for longer
than the busy timeout; or a full disk) gets its own answer: the step was not saved, nothing before
it is lost, try again. Every write is one transaction, so nothing half-written remains; when the
condition clears, the same step goes through. A full disk is also told to the admins, once an hour.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
import time
import traceback
from collections import deque

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application

from core.keys import Locked
from core.roles import Role
from handlers.context import Context, app_services
from handlers.i18n import translator
from handlers.office.alerts import send_to_staff

log = logging.getLogger("tipline.errors")
#: Seconds between two alerts to the admins about a full disk.
FULL_ALERT_EVERY = 3600.0


def _where(error: BaseException) -> str:
    """file:line:function of the innermost frames; exception messages can quote user text, frames cannot."""
    frames = traceback.extract_tb(error.__traceback__)[-3:]
    return " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in reversed(frames))


def storage_problem(error: BaseException | None) -> str | None:
    """ "busy" (the database is locked), "full" (no space left), "locked" (the acting person's keys do not
    open what was asked: core.keys.Locked), or None, looking through the causes."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, Locked):
            return "locked"
        if isinstance(error, sqlite3.Error):
            code = getattr(error, "sqlite_errorcode", None)
            if code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                return "busy"
            if code is not None and code & 0xFF == sqlite3.SQLITE_FULL:
                return "full"
            reason = str(error).lower()  # SQLite's own words, never user text (aiosqlite may drop the code)
            if "locked" in reason or "busy" in reason:
                return "busy"
            if "full" in reason:
                return "full"
        if isinstance(error, OSError) and error.errno == errno.ENOSPC:
            return "full"
        error, seen = error.__cause__ or error.__context__, seen + 1
    return None


def _answer(context: Context, problem: str | None) -> str:
    _ = context.tr
    if problem == "locked":
        return _(
            "Your keys do not open this report: either your role does not give them, or an admin has not yet "
            "granted you the keys of your role (/staff). Nothing was changed."
        )
    if problem == "busy":
        return _(
            "The office's system is busy for a moment and could not save your last step. Nothing you entered "
            "before is lost. Please do the same step again in a minute."
        )
    if problem == "full":
        return _(
            "The office's system cannot save anything right now (its storage is full), so your last step was not "
            "saved. Nothing you entered before is lost, and the office has been told. Please do the same step "
            "again later; if it is urgent, call the 12350 work-safety hotline."
        )
    return _(
        "Sorry, something went wrong and your last step was not completed. Please try again, or send /cancel to "
        "start over."
    )


async def _tell_admins_disk_full(app: Application) -> None:
    last = app.bot_data.get("disk_full_alert_at")
    if last is not None and time.monotonic() - last < FULL_ALERT_EVERY:
        return
    app.bot_data["disk_full_alert_at"] = time.monotonic()
    services = app_services(app)
    _ = translator(services.language)
    text = _(
        "⚠️ The bot cannot save anything: the disk of its server is full. Reports and figures are refused "
        "until space is freed; people are told to try again later. Free space on the server now."
    )
    try:
        admins = await services.staff.with_role(Role.ADMIN)
    except sqlite3.Error:
        log.error("disk full, and the admins could not be read to be told")
        return
    for admin in admins:
        await send_to_staff(app, admin.user_id, text, None, "disk-full alert")


async def ask_to_retry(update: Update, context: Context) -> None:
    """An update put off because its chat could not be read (handlers._skip_if_seen): in a private chat
    the person is told the database is busy and to do the same step again; a group is left in silence."""
    if update.effective_chat is None or update.effective_chat.type != "private":
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
        await context.bot.send_message(update.effective_chat.id, _answer(context, "busy"))
    except TelegramError as exc:
        log.warning("could not ask to retry update %s: %s", update.update_id, type(exc).__name__)


async def on_error(update: object, context: Context) -> None:
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    problem = storage_problem(error)
    log.error(
        "handler error %s%s in update %s at %s",
        type(error).__name__,
        f" ({problem})" if problem else "",
        update_id,
        _where(error) if error else "-",
    )
    if problem == "full":  # after the person's answer below, and never in the way of it
        context.application.create_task(_tell_admins_disk_full(context.application), name="disk-full alert")
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != "private":
        return
    answered = context.application.bot_data.setdefault("errors_answered", deque(maxlen=100))
    if update_id in answered:  # several handler groups failed on one update: one answer
        return
    answered.append(update_id)
    try:
        await context.bot.send_message(update.effective_chat.id, _answer(context, problem))
    except TelegramError as exc:
        log.warning("could not tell the user about error in update %s: %s", update_id, type(exc).__name__)
