"""Check a report: tip number + receipt code, then the status, deadlines and dialogue, and actions.

Wrong codes are limited per chat (storage.limits). A verified session lasts 15 minutes; after it
the code is asked again. The session (which tip this chat is looking at) lives in memory only, in
bot_data, which is never persisted, and so do the conversation's states here (transient_states,
bot.persistence): nothing stored links the chat to the tip, or says that it checked one. The logs
name the event, never the tip.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler, filters

from core import receipts
from core.parsing import parse_tip_number
from core.tips import open_deadlines, open_question, reporter_actions
from handlers.check_view import render
from handlers.common import Context, chat_language, is_private, now, services, today, tr
from handlers.erase import delete_read, with_written_down
from handlers.files import FILES, VOICE, in_background, receive
from handlers.menu import menu_keyboard
from handlers.office.alerts import alert_reporter_wrote
from handlers.report.flow import FLOW
from handlers.uploads import within_daily_bytes

log = logging.getLogger("tipline.check")
_SESSIONS = "check_sessions"  # bot_data key: chat id -> {"number", "until"}; memory only
SESSION_LENGTH = timedelta(minutes=15)
# Verifying against this when the tip does not exist costs the same time as a real check.
_DUMMY_HASH = receipts.hash_code("0" * receipts.DIGITS)
ActionHandler = Callable[[Update, Context, str], Awaitable[object]]
NUMBER, CODE, VIEW, WRITE, OBJECT, WITHDRAW = "number", "code", "view", "write", "object", "withdraw"


def _session(update: Update, context: Context) -> dict:
    return context.bot_data.setdefault(_SESSIONS, {}).setdefault(update.effective_chat.id, {})


def _drop_session(update: Update, context: Context) -> None:
    context.bot_data.setdefault(_SESSIONS, {}).pop(update.effective_chat.id, None)


def forget_ended_sessions(bot_data: dict, at: datetime) -> int:
    """Drop the sessions that timed out (or never got a right code): even in memory, no chat stays
    tied to a tip after its check. Returns how many went (housekeeping)."""
    sessions = bot_data.setdefault(_SESSIONS, {})
    ended = [chat for chat, s in sessions.items() if "until" not in s or datetime.fromisoformat(s["until"]) < at]
    for chat in ended:
        del sessions[chat]
    return len(ended)


def check_keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=f"check:{v}") for label, v in row] for row in rows]
    )


async def say(
    update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None = None, *, secret: bool = False
) -> None:
    """`secret`: the text holds a code shown once; it cannot be forwarded or saved, and has the button
    "I have written it down" that deletes it."""
    if secret:
        markup = with_written_down(markup, tr(context))
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup, protect_content=secret)


def _cancel_row(context: Context) -> list[tuple[str, str]]:
    _ = tr(context)
    return [(_("✖ Cancel"), "exit")]


async def _locked(update: Update, context: Context) -> bool:
    until = await services(context).limits.locked_until(update.effective_chat.id, now(context))
    if until is None:
        return False
    _ = tr(context)
    await say(update, context, _("Too many wrong codes. Please try again after {time}.").format(time=f"{until:%H:%M}"),
               menu_keyboard(context))  # fmt: skip
    _drop_session(update, context)
    return True


async def start(update: Update, context: Context) -> object:
    if update.callback_query:
        await update.callback_query.answer()
    if not is_private(update):
        _ = tr(context)
        await say(update, context, _("For your safety, please talk to me in a private chat, not in a group."))
        return ConversationHandler.END
    context.chat_data[FLOW] = "check"
    if await _locked(update, context):
        return ConversationHandler.END
    _drop_session(update, context)
    _ = tr(context)
    await say(
        update,
        context,
        _("Please type the tip number, for example JB2026-000123:"),
        check_keyboard(_cancel_row(context)),
    )
    return NUMBER


async def on_number(update: Update, context: Context) -> object:
    _ = tr(context)
    number = parse_tip_number(update.message.text)
    if number is None:
        await say(update, context, _("That is not a tip number. It looks like JB2026-000123. Please type it again:"),
                   check_keyboard(_cancel_row(context)))  # fmt: skip
        return NUMBER
    _drop_session(update, context)
    _session(update, context)["number"] = number
    return await _ask_code(update, context)


async def _ask_code(update: Update, context: Context, notice: str = "") -> object:
    _ = tr(context)
    text = _("Now type the 16-digit receipt code. For your safety, the message with the code is deleted after reading.")
    await say(
        update,
        context,
        f"{notice}\n\n{text}".strip(),
        check_keyboard([(_("Type the number again"), "again")], _cancel_row(context)),
    )
    return CODE


async def on_code(update: Update, context: Context) -> object:
    _ = tr(context)
    session = _session(update, context)
    typed = update.message.text
    await delete_read(update.message, "receipt code")
    if "number" not in session:
        return await start(update, context)
    if await _locked(update, context):
        return ConversationHandler.END
    svc = services(context)
    stored = await svc.tips.receipt_hash(session["number"])
    valid = await asyncio.to_thread(receipts.verify_code, typed, stored or _DUMMY_HASH)
    if not (valid and stored):
        until = await svc.limits.record_failure(update.effective_chat.id, now(context))
        log.info("wrong receipt code")
        if until is not None:
            await _locked(update, context)
            return ConversationHandler.END
        return await _ask_code(update, context, _("The tip number or the receipt code is not right."))
    session["until"] = (now(context) + SESSION_LENGTH).isoformat()
    return await show_view(update, context)


def _session_number(update: Update, context: Context) -> str | None:
    session = _session(update, context)
    until = session.get("until")
    if until is None or datetime.fromisoformat(until) < now(context):
        return None
    return session["number"]


async def _tip_now(context: Context, number: str):
    svc = services(context)
    facets = await svc.tips.facets(number)
    events, messages = await svc.tips.events(number), await svc.tips.messages(number)
    reward = await svc.rewards.get(number)
    actions = reporter_actions(facets, today(context))
    if reward is not None and reward.claimable(today(context)):
        actions.add("claim")
    return facets, events, messages, reward, actions


async def show_view(update: Update, context: Context, notice: str = "", *, secret: bool = False) -> object:
    number = _session_number(update, context)
    if number is None:
        return await _expired(update, context)
    _ = tr(context)
    facets, events, messages, reward, actions = await _tip_now(context, number)
    deadlines = open_deadlines(facets)
    text = render(facets, events, messages, deadlines, _, chat_language(context), reward)
    rows: list[list[tuple[str, str]]] = []
    if "write" in actions:
        question = open_question(messages)
        rows.append(
            [(_("✉ Answer the office's question") if question else _("✉ Message the office / add evidence"), "write")]
        )
    if "claim" in actions:
        rows.append([(_("💰 Claim the reward"), "claim")])
    if "object" in actions:
        rows.append([(_("↩ Object to the reply"), "object")])
    if "withdraw" in actions:
        rows.append([(_("Withdraw the report"), "withdraw")])
    rows.append([(_("Refresh"), "refresh"), (_("Leave"), "exit")])
    await say(update, context, f"{notice}\n\n{text}".strip(), check_keyboard(*rows), secret=secret)
    return VIEW


async def _expired(update: Update, context: Context) -> object:
    _ = tr(context)
    if _session(update, context).get("number"):
        return await _ask_code(update, context, _("For your safety the check has timed out."))
    return await start(update, context)


async def _allowed(update: Update, context: Context, action: str) -> str | None:
    """The session's tip number if `action` is allowed now; None after showing why not (or the view)."""
    number = _session_number(update, context)
    if number is None:
        await _expired(update, context)
        return None
    *_, actions = await _tip_now(context, number)
    if action not in actions:
        _ = tr(context)
        await show_view(update, context, _("That is not possible for this report now."))
        return None
    return number


async def on_view_button(update: Update, context: Context) -> object:
    query = update.callback_query
    await query.answer()
    action, _sep, argument = query.data.removeprefix("check:").partition(":")
    if action == "exit":
        return await leave(update, context)
    if action == "again":
        return await start(update, context)
    if action == "refresh":
        return await show_view(update, context)
    number = await _allowed(update, context, action.removesuffix("_yes"))
    if number is None:
        return _state_after_refusal(update, context)
    _ = tr(context)
    if action == "write":
        prompt = _("Type your message to the office, or send photos or files. Tap Done when finished.")
        await say(update, context, prompt, check_keyboard([(_("Done"), "refresh")]))
        return WRITE
    if action == "claim":
        from handlers import claim  # claim builds on this module

        return await claim.ask_duty(update, context)
    if action == "object":
        prompt = _("Please write what you object to in the reply, and why:")
        await say(update, context, prompt, check_keyboard([(_("Back"), "refresh")]))
        return OBJECT
    if action == "withdraw":
        text = _("Withdraw report {number}? The office stops working on it and you get no reply.").format(number=number)
        confirm = [(_("Yes, withdraw it"), f"withdraw_yes:{number}"), (_("No"), "refresh")]
        await say(update, context, text, check_keyboard(confirm))
        return WITHDRAW
    if action != "withdraw_yes" or argument != number:  # an old confirmation, for another tip
        return await show_view(update, context, _("This button is no longer valid."))
    await services(context).casework.withdraw(number, now(context))
    log.info("a tip withdrawn by its reporter")
    _drop_session(update, context)
    await say(update, context, _("Report {number} has been withdrawn.").format(number=number), menu_keyboard(context))
    return ConversationHandler.END


def _state_after_refusal(update: Update, context: Context) -> object:
    """After _allowed said no: the view if the session holds, else the code is being asked."""
    return VIEW if _session_number(update, context) else CODE


def requires(action: str) -> Callable[[ActionHandler], Callable[[Update, Context], Awaitable[object]]]:
    """Run the handler with the session's tip number only while `action` is allowed for that tip."""

    def wrap(handler: ActionHandler) -> Callable[[Update, Context], Awaitable[object]]:
        @functools.wraps(handler)
        async def guarded(update: Update, context: Context, *args: object) -> object:
            number = await _allowed(update, context, action)
            if number is None:
                return _state_after_refusal(update, context)
            return await handler(update, context, number, *args)

        return guarded

    return wrap


@requires("write")
async def on_message(update: Update, context: Context, number: str) -> object:
    _ = tr(context)
    svc = services(context)
    text = update.message.text.strip()
    if not text:
        await say(update, context, _("The message is empty. Please type your answer."))
        return WRITE
    kind = "answer" if open_question(await svc.tips.messages(number)) else "message"
    await svc.tips.add_message(number, "reporter", kind, text[:4000], today(context))
    log.info("reporter %s added to a tip", kind)
    await alert_reporter_wrote(context.application, number, kind)
    await say(
        update,
        context,
        _("Sent to the office. You can send more, or tap Done."),
        check_keyboard([(_("Done"), "refresh")]),
    )
    return WRITE


@in_background
@requires("write")
async def on_file(update: Update, context: Context, number: str) -> object:
    _ = tr(context)
    svc = services(context)
    limit = svc.office.limits.max_files_per_tip
    if await svc.tips.file_count(number) >= limit:
        notice = _.ngettext(
            "This report already holds {limit} file, the most one report can hold.",
            "This report already holds {limit} files, the most one report can hold.",
            limit,
        ).format(limit=limit)
        await say(update, context, notice, check_keyboard([(_("Done"), "refresh")]))
        return WRITE
    if (over := within_daily_bytes(update, context)) is not None:
        await say(update, context, over, check_keyboard([(_("Done"), "refresh")]))
        return WRITE
    received = await receive(update, context)
    notice = received.problem(_)
    if notice is None:
        await svc.tips.add_file(number, received.file, today(context))
        log.info("reporter evidence added to a tip")
        await alert_reporter_wrote(context.application, number, "evidence")
        notice = _("File received and added to your report.")
    await say(update, context, notice, check_keyboard([(_("Done"), "refresh")]))
    return WRITE


@requires("object")
async def on_objection(update: Update, context: Context, number: str) -> object:
    _ = tr(context)
    svc = services(context)
    text = update.message.text.strip()
    if len(text) < 5:
        await say(update, context, _("Please write a little more: what you object to, and why."))
        return OBJECT
    await svc.casework.object(number, text[:4000], now(context))
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
    _ = tr(context)
    await say(update, context, _("Voice messages are not accepted: a voice can identify you. Please type instead."))
    return None  # stay in the current state


async def on_other(update: Update, context: Context) -> object:
    _ = tr(context)
    await say(update, context, _("Please type your answer as text."))
    return None


async def on_stray(update: Update, context: Context) -> object:
    _ = tr(context)
    await say(update, context, _("Please answer this step with the buttons below."))
    return None


async def leave(update: Update, context: Context) -> object:
    _drop_session(update, context)
    _ = tr(context)
    await say(update, context, _("You have left the report. Choose below:"), menu_keyboard(context))
    return ConversationHandler.END


def entry_points() -> list[CallbackQueryHandler]:
    return [CallbackQueryHandler(start, pattern=r"^menu:check$")]


def claim_states(buttons, text, tail, stray) -> dict[str, list]:
    from handlers import claim  # claim builds on this module

    return claim.states(buttons, text, tail, stray)


def transient_states() -> frozenset[str]:
    """The states of checking a report (and claiming a reward), never written to the database: they
    serve the session, which is in memory only, so after a restart the check starts again."""
    return frozenset(states())


def states() -> dict[str, list]:
    buttons = CallbackQueryHandler(on_view_button, pattern=r"^check:")
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
        **claim_states(buttons, text, tail, stray),
    }
