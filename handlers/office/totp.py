"""A staff member sets up their authenticator (TOTP): /totp, or the first action that needs a code.

The bot sends an `otpauth://` QR code (and the secret as text for typing) in a message that cannot be
forwarded or saved (`protect_content`), then reads two consecutive codes from the chat; each message
holding one is deleted at once, and the QR message once the authenticator is set up. An action that
walked the person here (the step-up gate, handlers.office.stepup) then goes ahead.

The codes are read ahead of every other handler (`on_code`, in a group of its own: see
handlers.register) while the chat's state is `Enrol`, so a code never lands in a form or a draft.
A staff member set up already gets no second secret: an admin resets it (/staff), or, for an office
with no admin who can sign in, `python -m bot staff totp-reset USER_ID` on the server.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Awaitable, Callable

import segno
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from core import totp
from core.roles import StaffMember
from handlers.context import Context
from handlers.office.access import staff_only
from handlers.state import (
    STATE,
    CheckMark,
    Enrol,
    Lost,
    ReportDraft,
    StepUp,
    end_flow,
    flow_state,
    restored,
    save_state,
    state_of,
)
from handlers.writethrough import write_through
from services.stepup import TotpError

log = logging.getLogger("tipline.totp")

#: The key of bot data under which handlers.register puts the step-up gate's `resume` (the action that
#: walked the person here goes on once set up): the gate imports this module, so this one cannot import it.
RESUME = "totp.resume"
Resume = Callable[[Update, Context], Awaitable[object]]
#: States that do not go on after the set-up (a draft waits inside `Enrol` and comes back by itself).
_NOT_RESUMED = (ReportDraft, CheckMark, Lost)


def qr_png(uri: str) -> bytes:
    """The QR code of the otpauth URI, as a PNG an authenticator app's camera reads at once."""
    buffer = io.BytesIO()
    segno.make(uri, error="m", micro=False).save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


@staff_only()
async def totp_command(update: Update, context: Context, member: StaffMember) -> None:
    """/totp: set up the authenticator; someone set up already is told how to reset it."""
    await start_enrolment(update, context, member)


async def start_enrolment(update: Update, context: Context, member: StaffMember) -> None:
    """Send the QR code and ask for the first code. Called by /totp and by the step-up gate for a staff
    member who must set up first; what was under way (the asked action) goes on once set up."""
    svc = context.services
    try:
        enrolment = await svc.stepup.begin_enrolment(member.user_id, member.name, context.now)
    except TotpError:
        await update.effective_message.reply_text(already_set_up(context))
        return
    chat_id = update.effective_chat.id
    previous = state_of(context, Enrol)
    if previous is not None:  # a set-up begun before: its QR code is stale now
        await _delete(context, chat_id, previous.qr_message)
        before = previous.before
    else:
        under_way = flow_state(context)
        before = None if under_way is None or isinstance(under_way, _NOT_RESUMED) else under_way.model_dump(mode="json")
    message = await context.bot.send_photo(
        chat_id,
        qr_png(enrolment.uri),
        caption=_setup_text(context, enrolment.secret, member.name),
        protect_content=True,
    )
    sent_at = int(context.now.timestamp())  # a set-up left half-way does not leave the secret in the chat
    await svc.expiring.add(chat_id, [message.message_id], sent_at, sent_at + svc.office.security.card_minutes * 60)
    save_state(context, Enrol(qr_message=message.message_id, before=before))
    log.info("authenticator set-up begun")


def _setup_text(context: Context, secret: str, account: str) -> str:
    _ = context.tr
    return _(
        "🔐 The office protects reports with a second step: a 6-digit code from an authenticator app on your "
        "phone. Set it up once:\n\n"
        "1. Install an authenticator app (Google Authenticator, Microsoft Authenticator, FreeOTP or another).\n"
        "2. Scan this QR code with it, or type the key: {key} (account: {account}).\n"
        "3. Send here the 6 digits it shows; then wait for the next code and send that one too.\n\n"
        "This message is deleted once you are set up. Show it to no one."
    ).format(key=totp.format_secret(secret), account=account)


def already_set_up(context: Context) -> str:
    _ = context.tr
    return _(
        "Your authenticator is set up already. Lost the phone or changed it? Ask an admin to reset it (in /staff), "
        "then send /totp again. An office with no admin who can sign in resets it on the "
        "server: python -m bot staff totp-reset USER_ID"
    )


async def on_code(update: Update, context: Context) -> None:
    """Ahead of every handler: while the chat is setting up, a text is a code (deleted at once, whatever
    it holds) and /cancel leaves the set-up. Anything else goes on to its handler."""
    enrol = state_of(context, Enrol) if context.chat_data is not None else None
    message = update.message
    if enrol is None or message is None or message.text is None:
        return
    text = message.text.strip()
    if text.startswith("/"):
        if text.split()[0].split("@")[0].lower() != "/cancel":
            return  # another command: it goes ahead, the set-up waits
        await _cancel(update, context, enrol)
    else:
        await _delete(context, message.chat_id, message.message_id)
        await _take(update, context, enrol, text)
    await _handled(update, context)


async def _take(update: Update, context: Context, enrol: Enrol, text: str) -> None:
    _ = context.tr
    svc = context.services
    user_id = update.effective_user.id
    code = totp.normalize(text)
    if await svc.staff.get(user_id) is None:  # deactivated meanwhile
        end_flow(context)
        return
    if code is None:
        await _say(update, context, _("Please send the 6 digits your authenticator shows, or /cancel."))
    elif enrol.first is None:
        _keep(context, enrol, first=code)
        await _say(update, context, _("Got it. Now wait until the app shows the next code, and send that one."))
    elif await svc.stepup.confirm_enrolment(user_id, enrol.first, code, context.now):
        await _set_up(update, context, enrol)
    else:
        _keep(context, enrol, first=code)  # the newer code may begin a right pair
        await _say(
            update,
            context,
            _(
                "These two codes do not follow each other. Wait for the app's next code and send it. If this "
                "keeps happening, set the phone's date and time to automatic (network time): the codes depend on "
                "the clock."
            ),
        )


async def _set_up(update: Update, context: Context, enrol: Enrol) -> None:
    _ = context.tr
    await _delete(context, update.effective_chat.id, enrol.qr_message)
    if enrol.before is not None:
        context.chat_data.update(restored({STATE: enrol.before}))
    else:
        end_flow(context)
    minutes = context.services.stepup.session_minutes
    text = _.ngettext(
        "✅ Your authenticator is set up. Opening a report asks for its code once every {minutes} minute; "
        "keep the phone with you. Lost it? Ask an admin to reset it.",
        "✅ Your authenticator is set up. Opening a report asks for its code once every {minutes} minutes; "
        "keep the phone with you. Lost it? Ask an admin to reset it.",
        minutes,
    ).format(minutes=minutes)
    await _say(update, context, text + await _passphrase_next(update, context))
    log.info("authenticator set up")
    resume = context.application.bot_data.get(RESUME)
    if enrol.before is not None and resume is not None:
        await resume(update, context)


async def _passphrase_next(update: Update, context: Context) -> str:
    """The invitation to set a passphrase next, for someone who has none where tips are sealed to people's
    keys; none where an asked action goes on (the step-up gate says it then)."""
    svc = context.services
    user_id = update.effective_user.id
    if state_of(context, StepUp) is not None or not await svc.keys.active() or await svc.keys.has_passphrase(user_id):
        return ""
    _ = context.tr
    return "\n\n" + _(
        "🔑 Next, set your passphrase with /passphrase: with the code, it opens your keys to the reports. Then an "
        "admin grants you the keys of your role."
    )


async def _cancel(update: Update, context: Context, enrol: Enrol) -> None:
    _ = context.tr
    await _delete(context, update.effective_chat.id, enrol.qr_message)
    end_flow(context)
    await _say(update, context, _("Authenticator set-up cancelled. Send /totp to start again."))


def _keep(context: Context, enrol: Enrol, *, first: str) -> None:
    save_state(context, enrol.model_copy(update={"first": first}))


async def _say(update: Update, context: Context, text: str) -> None:
    await context.bot.send_message(update.effective_chat.id, text)


async def _delete(context: Context, chat_id: int, message_id: int) -> None:
    try:
        await context.bot.delete_message(chat_id, message_id)
    except TelegramError as exc:  # gone already, or older than Telegram lets a bot delete
        log.info("a set-up message was not deleted: %s", type(exc).__name__)


async def _handled(update: Update, context: Context) -> None:
    """No other handler sees this update: the chat's state is written through and the update marked
    as handled here, as the last group (handlers.PERSIST_GROUP) would have."""
    await write_through(update, context)
    raise ApplicationHandlerStop
