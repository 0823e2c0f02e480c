"""A staff member's passphrase (/passphrase) and /lock.

The passphrase wraps the person's own key, to which the office's key groups are granted (services.keys):
only someone who types it can unlock their keys, for a step-up session (handlers.office.unlock).

- Set: typed twice (at least 10 characters). The admins are then told to grant the keys of the
  person's roles in /staff.
- Change: the current one first (a wrong one counts towards the lock-out, as a wrong code does), then
  the new one twice; the keys are kept.
- Forgotten ("I forgot it"): a new one typed twice; a new key, so the admins must grant the keys again
  (they are told).

Each message holding a passphrase is deleted as it is read, and read ahead of every conversation
(`on_entry`, in a group of its own: handlers.register), so it never lands in a form or a draft. What
is typed is held in this process's memory only (bot data, which is never stored: bot.persistence),
until the entry ends: /cancel, another command or button, 10 minutes, or done. Never in chat data,
a log or the database.

/lock forgets the person's unlocked keys and ends their step-up session at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from core import keys
from core.roles import Role, StaffMember
from handlers.callbacks import PassphraseButton, button_expired, keyboard
from handlers.context import Context, language_for
from handlers.i18n import translator
from handlers.office.access import staff_only
from handlers.office.alerts import send_to_staff
from handlers.office.stepup import CODE_ASKED_FOR
from handlers.office.unlock import locked_text, tell_admins
from handlers.writethrough import write_through
from services.keys import KeysError
from services.stepup import CodeResult, Need

log = logging.getLogger("tipline.passphrase")

#: bot_data key: user id → _Entry, in memory only.
ENTRIES = "passphrase_entries"


@dataclass
class _Entry:
    step: Literal["old", "new", "again"]
    at: datetime
    old: str | None = None  # the current passphrase, checked: the change keeps the keys
    first: str | None = None  # the new one, typed once


def _entries(context: Context) -> dict[int, _Entry]:
    return context.application.bot_data.setdefault(ENTRIES, {})


@staff_only()
async def passphrase_command(update: Update, context: Context, member: StaffMember) -> None:
    """/passphrase: set one, or change it (the current one first; "I forgot it" sets a new one)."""
    _ = context.tr
    svc = context.services
    if not await svc.keys.active():
        await update.effective_message.reply_text(
            _("This office's reports are not sealed to people's keys yet: there is no passphrase to set.")
        )
        return
    if await svc.keys.has_passphrase(member.user_id):
        _entries(context)[member.user_id] = _Entry("old", context.now)
        text = _(
            "🔑 To change your passphrase, send the current one. Forgot it? Press the button: you set a new one, "
            "and an admin grants you the keys again.\n\nEach message with a passphrase is deleted once read. "
            "/cancel to stop."
        )
        markup = keyboard([[(_("I forgot it"), PassphraseButton(action="forgot"))]])
        await update.effective_message.reply_text(text, reply_markup=markup)
        return
    _entries(context)[member.user_id] = _Entry("new", context.now)
    await update.effective_message.reply_text(_choose(context))


@staff_only()
async def forgot_button(update: Update, context: Context, member: StaffMember) -> None:
    """The button "I forgot it": a new passphrase, typed twice; the keys must be granted again."""
    _ = context.tr
    if PassphraseButton.parse(update.callback_query.data) is None:
        await update.effective_message.reply_text(await button_expired(update, context))
        return
    await update.callback_query.answer()
    svc = context.services
    if await svc.stepup.enrolled(member.user_id) and await svc.stepup.need(member.user_id, context.now) != Need.NONE:
        # Whoever holds the Telegram account alone must not replace the key an admin then grants keys to.
        await update.effective_message.reply_text(_(
            "For your safety, a forgotten passphrase is replaced only within a session opened with your "
            "authenticator code: open a report from /inbox, type the code, send /cancel when the passphrase is "
            "asked, then send /passphrase again and press “I forgot it”."))  # fmt: skip
        return
    _entries(context)[member.user_id] = _Entry("new", context.now)
    text = _(
        "Then choose a new passphrase. Your keys go with the old one: once it is set, an admin must grant you "
        "the keys of your role again (they are told)."
    )
    await update.effective_message.reply_text(text + "\n\n" + _choose(context))


def _choose(context: Context) -> str:
    _ = context.tr
    return _(
        "🔑 Choose a passphrase: at least 10 characters, a sentence only you know and will remember. With it "
        "you open the reports' keys; nobody can recover it (an admin can only grant you new keys).\n\n"
        "Send it now: the message is deleted once read. /cancel to stop."
    )


@staff_only()
async def lock_command(update: Update, context: Context, member: StaffMember) -> None:
    """/lock: the unlocked keys forgotten and the step-up session ended, now."""
    _ = context.tr
    svc = context.services
    svc.keys.lock(member.user_id)
    await svc.stepup.end_session(member.user_id)
    keys.set_acting(keys.NOBODY)
    log.info("keys locked by their holder")
    await update.effective_message.reply_text(
        _("🔒 Locked: the next action asks your authenticator code and your passphrase again.")
    )


# -- the typed passphrases ---------------------------------------------------------------------


async def on_entry(update: Update, context: Context) -> None:
    """Ahead of the conversations: while a passphrase is asked, a text is it (deleted at once, whatever it
    holds), and so may anything else be (deleted, asked again); /cancel leaves; another command or any
    button leaves the entry and goes on."""
    user, chat = update.effective_user, update.effective_chat
    entries = context.application.bot_data.get(ENTRIES)
    entry = entries.get(user.id) if entries and user is not None else None
    if entry is None or chat is None or chat.id != user.id:  # the gate lets private chats only in; its own
        return
    message = update.message
    if context.now - entry.at > CODE_ASKED_FOR or update.callback_query is not None or message is None:
        entries.pop(user.id, None)  # stale, or a button: it goes on to its handler
        return
    _ = context.tr
    if message.text is not None and message.text.startswith("/"):
        entries.pop(user.id, None)
        if message.text.split()[0].split("@")[0].lower() != "/cancel":
            return  # the command goes on to its handler
        await context.bot.send_message(chat.id, _("Cancelled: your passphrase is unchanged."))
    else:
        await _delete(context, chat.id, message.message_id)
        if message.text is None:
            await context.bot.send_message(chat.id, _("Please type the passphrase as text, or /cancel."))
        else:
            await _take(update, context, entry, message.text)
    await write_through(update, context)  # handled here: the last group would have written it
    raise ApplicationHandlerStop


async def _take(update: Update, context: Context, entry: _Entry, text: str) -> None:
    _ = context.tr
    svc = context.services
    user_id = update.effective_user.id
    member = await svc.staff.get(user_id)
    if member is None:  # deactivated meanwhile
        _entries(context).pop(user_id, None)
        return
    entry.at = context.now  # each step has its 10 minutes
    if entry.step == "old":
        await _take_old(update, context, member, entry, text)
    elif entry.step == "new":
        problem = keys.passphrase_problem(text)
        if problem is not None:
            await _say(update, context, _problem(context, problem))
            return
        entry.first, entry.step = text, "again"
        await _say(update, context, _("Send it once more, to be sure it is typed as you mean it."))
    elif keys.normalize_passphrase(text) != keys.normalize_passphrase(entry.first or ""):
        entry.first, entry.step = None, "new"
        await _say(update, context, _("The two do not match. Send the new passphrase again."))
    else:
        _entries(context).pop(user_id, None)
        await _set(update, context, member, entry)


def _problem(context: Context, problem: str) -> str:
    _ = context.tr
    if problem == "short":
        return _("That is too short: a passphrase has at least {count} characters. Send a longer one.").format(
            count=keys.PASSPHRASE_MIN
        )
    return _("That is too long: a passphrase has at most {count} characters. Send a shorter one.").format(
        count=keys.PASSPHRASE_MAX
    )


async def _take_old(update: Update, context: Context, member: StaffMember, entry: _Entry, text: str) -> None:
    """The current passphrase: checked as unlocking is (a wrong one counts towards the lock-out)."""
    _ = context.tr
    svc = context.services
    now = context.now
    need = await svc.stepup.need(member.user_id, now)
    if need == Need.LOCKED:
        _entries(context).pop(member.user_id, None)
        await _say(update, context, locked_text(context, await svc.stepup.locked_until(member.user_id, now)))
        return
    until = await svc.stepup.session_end(member.user_id, now) if need == Need.NONE else now  # no session: none
    try:
        unlocked = await svc.keys.unlock(member.user_id, text, until, now)
    except KeysError as error:  # too many wrong passphrases lately
        _entries(context).pop(member.user_id, None)
        await _say(update, context, _("Too many wrong passphrases. Please try again after {time}.").format(
            time=error.detail))  # fmt: skip
        return
    if unlocked is not None:
        entry.old, entry.step = text, "new"
        await _say(update, context, _("Right. Now send the new passphrase (at least 10 characters)."))
        return
    verdict = await svc.stepup.wrong_passphrase(member.user_id, now)
    if verdict.result == CodeResult.LOCKED:
        _entries(context).pop(member.user_id, None)
        await _say(update, context, locked_text(context, verdict.locked_until, passphrase=True))
        if verdict.just_locked:
            await tell_admins(context, member, verdict, passphrase=True)
        return
    await _say(update, context, _("That is not your passphrase. Send it again, press “I forgot it”, or /cancel."))


async def _set(update: Update, context: Context, member: StaffMember, entry: _Entry) -> None:
    _ = context.tr
    svc = context.services
    kept = await svc.keys.set_passphrase(member.user_id, entry.first or "", context.now, old=entry.old)
    keys.set_acting(keys.NOBODY)  # the keys unlocked before are forgotten: the next action asks the new one
    log.info("passphrase set (keys %s)", "kept" if kept else "to be granted")
    if kept:
        await _say(update, context, _("✅ Passphrase changed. Your keys are kept; the next action asks the new one."))
        return
    told = await _tell_admins(context, member)
    if told:
        text = _(
            "✅ Passphrase set. An admin now grants you the keys of your role (in /staff): the admins have been "
            "told. Until then you open no report."
        )
    else:
        text = _(
            "✅ Passphrase set. No other admin can grant you the keys: on the server, run "
            "python -m bot keys recover {user_id} with the office's recovery words."
        ).format(user_id=member.user_id)
    await _say(update, context, text)


async def _tell_admins(context: Context, member: StaffMember) -> bool:
    """The other admins hear that the person needs their keys granted; False if there is none."""
    app = context.application
    others = [a for a in await context.services.staff.with_role(Role.ADMIN) if a.user_id != member.user_id]
    for admin in others:
        _ = translator(await language_for(app, admin.user_id))
        text = _(
            "🔑 {name} set a new passphrase and needs the keys of their role: make sure it was them, then press "
            "“Grant keys” beside them in /staff."
        ).format(name=member.name)
        await send_to_staff(app, admin.user_id, text, None, "keys to grant")
    if not others:
        log.warning("staff %s set a passphrase, and no other admin to grant their keys", member.user_id)
    return bool(others)


async def _say(update: Update, context: Context, text: str) -> None:
    await context.bot.send_message(update.effective_chat.id, text)


async def _delete(context: Context, chat_id: int, message_id: int) -> None:
    try:
        await context.bot.delete_message(chat_id, message_id)
    except TelegramError as exc:  # gone already
        log.info("a passphrase message was not deleted: %s", type(exc).__name__)
