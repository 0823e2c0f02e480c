"""Check a report: tip number + receipt code, then the status, deadlines and dialogue, and actions.

Wrong codes are limited per chat (storage.limits). A verified session lasts 15 minutes; after it
the code is asked again. The session (which tip this chat is looking at) lives in memory only, in
bot_data, which is never persisted, and so do the conversation's states here (transient_states,
bot.persistence): nothing stored links the chat to the tip, or says that it checked one. The logs
name the event, never the tip.

The package: session.py is the kernel (the session, the code, the view), claim.py the reward
claim; this module is the rest of the conversation and its states.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler, filters

from handlers.callbacks import CheckButton, MenuButton, button_expired, exactly
from handlers.check import claim
from handlers.check.session import (
    CODE,
    NUMBER,
    OBJECT,
    VIEW,
    WITHDRAW,
    WRITE,
    allowed,
    check_keyboard,
    drop_session,
    forget_ended_sessions,
    log,
    on_code,
    on_number,
    requires,
    say,
    show_view,
    start,
    state_after_refusal,
)
from handlers.context import Context
from handlers.files import FILES, VOICE, in_background, receive
from handlers.i18n import Translate
from handlers.menu import menu_keyboard
from handlers.office.alerts import alert_reporter_wrote
from handlers.state import CheckMark, end_flow
from handlers.uploads import within_daily_bytes
from storage.casework import CaseError


async def on_view_button(update: Update, context: Context) -> object:
    query = update.callback_query
    button = CheckButton.parse(query.data)
    if button is None:
        return await show_view(update, context, await button_expired(update, context))
    if button.action == "withdraw_yes":
        return await _withdraw(update, context, button)
    await query.answer()
    action = button.action
    if action == "exit":
        return await leave(update, context)
    if action == "again":
        return await start(update, context)
    if action == "refresh":
        return await show_view(update, context)
    number = await allowed(update, context, action.removesuffix("_yes"))
    if number is None:
        return state_after_refusal(update, context)
    _ = context.tr
    if action == "write":
        prompt = _("Type your message to the office, or send photos or files. Tap Done when finished.")
        await say(update, context, prompt, check_keyboard([(_("Done"), "refresh")]))
        return WRITE
    if action == "claim":
        return await claim.ask_duty(update, context)
    if action == "object":
        prompt = _("Please write what you object to in the reply, and why:")
        await say(update, context, prompt, check_keyboard([(_("Back"), "refresh")]))
        return OBJECT
    text = _("Withdraw report {number}? The office stops working on it and you get no reply.").format(number=number)
    confirm = [(_("Yes, withdraw it"), CheckButton(action="withdraw_yes", number=number)), (_("No"), "refresh")]
    await say(update, context, text, check_keyboard(confirm))  # action == "withdraw"
    return WITHDRAW


async def _withdraw(update: Update, context: Context, button: CheckButton) -> object:
    """check:withdraw_yes:<number>, the confirmation: for the tip being checked now only."""
    number = await allowed(update, context, "withdraw")
    if number is None:
        await update.callback_query.answer()
        return state_after_refusal(update, context)
    if button.number != number:  # an old confirmation, for another tip
        return await show_view(update, context, await button_expired(update, context))
    await update.callback_query.answer()
    _ = context.tr
    try:
        await context.services.casework.withdraw(number, context.now)
    except CaseError:  # the office acted on the tip in the same moment (e.g. did not accept it)
        return await show_view(update, context, _("That is not possible for this report now."))
    log.info("a tip withdrawn by its reporter")
    drop_session(update, context)
    await say(update, context, _("Report {number} has been withdrawn.").format(number=number), menu_keyboard(context))
    return ConversationHandler.END


@requires("write")
async def on_message(update: Update, context: Context, number: str) -> object:
    _ = context.tr
    svc = context.services
    text = update.message.text.strip()
    if not text:
        await say(update, context, _("The message is empty. Please type your answer."))
        return WRITE
    try:
        kind = await svc.reports.write(number, text[:4000], context.today)
    except CaseError:  # the tip was finished (e.g. not accepted) since the reporter began writing
        return await show_view(update, context, _("That is not possible for this report now."))
    log.info("reporter %s added to a tip", kind)
    await alert_reporter_wrote(context.application, number, kind)
    await say(
        update,
        context,
        _("Sent to the office. You can send more, or tap Done."),
        check_keyboard([(_("Done"), "refresh")]),
    )
    return WRITE


def _full(limit: int, _: Translate) -> str:
    return _.ngettext(
        "This report already holds {limit} file, the most one report can hold.",
        "This report already holds {limit} files, the most one report can hold.",
        limit,
    ).format(limit=limit)


@in_background
@requires("write")
async def on_file(update: Update, context: Context, number: str) -> object:
    _ = context.tr
    svc = context.services
    if (limit := await svc.reports.files_full(number)) is not None:
        await say(update, context, _full(limit, _), check_keyboard([(_("Done"), "refresh")]))
        return WRITE
    if (over := within_daily_bytes(update, context)) is not None:
        await say(update, context, over, check_keyboard([(_("Done"), "refresh")]))
        return WRITE
    received = await receive(update, context)
    notice = received.problem(_)
    try:
        added = notice is None and await svc.reports.add_file(number, received.file, context.today)
    except CaseError:  # the tip was finished while the file was being received: it is not added
        return await show_view(update, context, _("That is not possible for this report now."))
    if notice is None and not added:
        notice = _full(svc.office.limits.max_files_per_tip, _)
    elif notice is None:
        log.info("reporter evidence added to a tip")
        await alert_reporter_wrote(context.application, number, "evidence")
        notice = _("File received and added to your report.")
    await say(update, context, notice, check_keyboard([(_("Done"), "refresh")]))
    return WRITE


@requires("object")
async def on_objection(update: Update, context: Context, number: str) -> object:
    _ = context.tr
    svc = context.services
    text = update.message.text.strip()
    if len(text) < 5:
        await say(update, context, _("Please write a little more: what you object to, and why."))
        return OBJECT
    try:
        await svc.casework.object(number, text[:4000], context.now)
    except CaseError:  # the tip moved on in the same moment
        return await show_view(update, context, _("That is not possible for this report now."))
    log.info("an objection to a tip's reply")
    await alert_reporter_wrote(context.application, number, "objection")
    days = svc.office.deadlines.review_days
    recorded = _.ngettext(
        "Your objection has been recorded. The office reviews the case within {days} day.",
        "Your objection has been recorded. The office reviews the case within {days} days.",
        days,
    )
    return await show_view(update, context, recorded.format(days=days))


async def on_voice(update: Update, context: Context) -> object:
    _ = context.tr
    await say(update, context, _("Voice messages are not accepted: a voice can identify you. Please type instead."))
    return None  # stay in the current state


async def on_other(update: Update, context: Context) -> object:
    _ = context.tr
    await say(update, context, _("Please type your answer as text."))
    return None


async def on_stray(update: Update, context: Context) -> object:
    _ = context.tr
    await say(update, context, _("Please answer this step with the buttons below."))
    return None


NAME = "check"
KIND = CheckMark


async def leave(update: Update, context: Context) -> object:
    drop_session(update, context)
    end_flow(context)
    _ = context.tr
    await say(update, context, _("You have left the report. Choose below:"), menu_keyboard(context))
    return ConversationHandler.END


def entry_points() -> list[CallbackQueryHandler]:
    return [CallbackQueryHandler(start, pattern=exactly(MenuButton(item="check")))]


def transient_states() -> frozenset[str]:
    """The states of checking a report (and claiming a reward), never written to the database: they
    serve the session, which is in memory only, so after a restart the check starts again."""
    return frozenset(states())


def states() -> dict[str, list]:
    buttons = CallbackQueryHandler(on_view_button, pattern=CheckButton.pattern)
    text = filters.TEXT & ~filters.COMMAND
    tail = [MessageHandler(VOICE, on_voice), MessageHandler(~filters.COMMAND, on_other)]
    stray = [MessageHandler(VOICE, on_voice), MessageHandler(~filters.COMMAND, on_stray)]
    return {
        NUMBER: [buttons, MessageHandler(text, on_number), *tail],
        CODE: [buttons, MessageHandler(text, on_code), *tail],
        VIEW: [buttons, *stray],
        WRITE: [buttons, MessageHandler(text, on_message), MessageHandler(FILES, on_file, block=False), *tail],
        OBJECT: [buttons, MessageHandler(text, on_objection), *tail],
        WITHDRAW: [buttons, *stray],
        **claim.states(buttons, text, tail, stray),
    }


cancel = leave  # /cancel (handlers.conversation.Flow)

__all__ = ["KIND", "NAME", "cancel", "entry_points", "forget_ended_sessions", "leave", "on_file", "start", "states",
           "transient_states"]  # fmt: skip
