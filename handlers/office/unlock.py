"""What the step-up gate (handlers.office.stepup) checks and says: the authenticator's code, then the
staff member's passphrase, which unlocks their keys for the session; and the lock-out both lead to.

Once the code is in (or a session is open), where the office's tips are sealed to people
(`KeyService.active`), the person's keys must be unlocked in this process's memory: `key_need` says
whether they are, whether the passphrase is to be asked, or whether the person has none yet (they set
one with /passphrase first: the action ends). `check_passphrase` unlocks them until the step-up
session ends and makes them the keys this update acts with; a wrong passphrase counts as a wrong code
(services.stepup), and a text shorter than any passphrase is answered and not counted. The texts are
deleted by the caller before they get here; nothing here logs or keeps them.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum

from telegram import Update

from core import keys
from core.roles import Role, StaffMember
from handlers.context import Context, language_for
from handlers.i18n import translator
from handlers.office.alerts import send_to_staff
from services.keys import KeysError
from services.stepup import CodeResult, Verdict

log = logging.getLogger("tipline.stepup")


class KeyNeed(StrEnum):
    NONE = "none"  # the keys are unlocked now, or tips are not sealed to people here
    PASSPHRASE = "passphrase"  # noqa: S105 - ask the passphrase
    SET = "set"  # the person has set no passphrase: /passphrase first


async def key_need(context: Context, user_id: int) -> KeyNeed:
    """What the person must do, once the code is in, before an action that decrypts."""
    svc = context.services
    if svc.keys.chain(user_id, context.now) is not None or not await svc.keys.active():
        return KeyNeed.NONE
    return KeyNeed.PASSPHRASE if await svc.keys.has_passphrase(user_id) else KeyNeed.SET


def passphrase_prompt(context: Context) -> str:
    _ = context.tr
    return (
        "🔑 "
        + _("Enter your passphrase")
        + "\n"
        + _("The message with the passphrase is deleted once read. /cancel to stop.")
    )


def set_passphrase_first(context: Context) -> str:
    _ = context.tr
    return _(
        "This needs your passphrase, and you have not set one yet: set it with /passphrase, then an admin grants "
        "you the keys of your role (in /staff). Then try again."
    )


async def say_key_need(update: Update, context: Context, need: KeyNeed) -> None:
    """Ask the passphrase, or say to set one first."""
    text = passphrase_prompt(context) if need == KeyNeed.PASSPHRASE else set_passphrase_first(context)
    await context.bot.send_message(update.effective_chat.id, text)


# -- the passphrase ---------------------------------------------------------------------------------


class Unlocked(StrEnum):
    OK = "ok"  # the keys are unlocked and act for this update: the action goes on
    AGAIN = "again"  # wrong, or not a passphrase: said; the next text is taken again
    STOP = "stop"  # locked out (said, the admins told), or no passphrase to unlock: the action ends


async def check_passphrase(update: Update, context: Context, member: StaffMember, text: str) -> Unlocked:
    """Unlock the person's keys with `text` until their session ends; say what is wrong if it does not."""
    _ = context.tr
    svc = context.services
    chat = update.effective_chat.id
    if keys.passphrase_problem(text) == "short":  # shorter than any passphrase: not a guess, not counted
        await context.bot.send_message(chat, _("Please send your passphrase (at least 10 characters), or /cancel."))
        return Unlocked.AGAIN
    until = await svc.stepup.session_end(member.user_id, context.now)
    try:
        chain = await svc.keys.unlock(member.user_id, text, until, context.now)
    except KeysError as error:  # none set (the gate asks only someone who has one), or too many wrong ones
        if error.reason == "too_many":
            text = _("Too many wrong passphrases. Please try again after {time}.").format(time=error.detail)
            await context.bot.send_message(chat, text)
        else:
            await context.bot.send_message(chat, set_passphrase_first(context))
        return Unlocked.STOP
    if chain is not None:
        keys.set_acting(keys.acting().merged(chain))
        log.info("passphrase accepted: keys unlocked for the session")
        if await svc.keys.missing(member):
            text = _("Some keys of your role have not been granted to you yet: ask an admin to grant them (/staff).")
            await context.bot.send_message(chat, text)
        return Unlocked.OK
    verdict = await svc.stepup.wrong_passphrase(member.user_id, context.now)
    if verdict.result == CodeResult.LOCKED:
        await context.bot.send_message(chat, locked_text(context, verdict.locked_until, passphrase=True))
        if verdict.just_locked:
            await tell_admins(context, member, verdict, passphrase=True)
        return Unlocked.STOP
    await context.bot.send_message(chat, _("That is not your passphrase. Send it again, or /cancel."))
    return Unlocked.AGAIN


# -- the code ------------------------------------------------------------------------------------


async def check(update: Update, context: Context, member: StaffMember, text: str) -> CodeResult:
    """Verify a text as the person's code and say what is wrong with it (a wrong, used or malformed code;
    a lock-out, with until when: then the admins are told). OK and NOT_ENROLLED are the caller's to say."""
    _ = context.tr
    verdict = await context.services.stepup.verify(member.user_id, text, context.now)
    chat = update.effective_chat.id
    if verdict.result == CodeResult.LOCKED:
        await context.bot.send_message(chat, locked_text(context, verdict.locked_until))
        if verdict.just_locked:
            await tell_admins(context, member, verdict)
    elif verdict.result == CodeResult.REPLAYED:
        await context.bot.send_message(
            chat, _("That code was used already. Wait for the next one (it changes every 30 seconds) and send it.")
        )
    elif verdict.result == CodeResult.NOT_A_CODE:
        await context.bot.send_message(chat, _("Please send the 6 digits your authenticator shows, or /cancel."))
    elif verdict.result == CodeResult.WRONG:
        await context.bot.send_message(
            chat, _("That is not the code. Send the 6 digits your authenticator shows now, or /cancel.")
        )
    return verdict.result


# -- the lock-out ----------------------------------------------------------------------------------


def locked_text(context: Context, until: datetime | None, *, passphrase: bool = False) -> str:
    _ = context.tr
    if passphrase:
        if until is None:
            return _("Too many wrong passphrases: please try again later.")
        return _("Too many wrong passphrases: please try again after {time}.").format(time=_when(until, context))
    if until is None:
        return _("Too many wrong codes: please try again later.")
    return _("Too many wrong codes: please try again after {time}.").format(time=_when(until, context))


def _when(at: datetime, context: Context) -> str:
    return f"{at.astimezone(context.services.tz):%Y-%m-%d %H:%M}"


async def tell_admins(context: Context, member: StaffMember, verdict: Verdict, *, passphrase: bool = False) -> None:
    """Every other admin hears of a lock-out (never the codes): someone may hold the person's account."""
    app = context.application
    others = [a for a in await context.services.staff.with_role(Role.ADMIN) if a.user_id != member.user_id]
    if not others:  # the only admin: whoever holds the server reads it in the log (and the audit log)
        log.warning("authenticator locked for staff %s, and no other admin to tell", member.user_id)
        return
    until = _when(verdict.locked_until, context) if verdict.locked_until else "—"
    for admin in others:
        _ = translator(await language_for(app, admin.user_id))
        if passphrase:
            text = _(
                "⚠ {name} entered a wrong passphrase too many times and is locked until {time}. Their authenticator "
                "code was right: ask them whether it was them. If not, reset their authenticator and deactivate "
                "them (/staff)."
            )
        else:
            text = _(
                "⚠ {name} entered wrong authenticator codes too many times and is locked until {time}. If it was "
                "not them, someone else may hold their Telegram account: ask them, and reset their authenticator "
                "(/staff)."
            )
        text = text.format(name=member.name, time=until)
        await send_to_staff(app, admin.user_id, text, None, "authenticator lock-out")
    log.info("authenticator locked for staff %s: admins told", member.user_id)
