"""The kernel of checking a report: the session (which tip this chat may look at, in memory only),
the number and the receipt code, the view, and `requires`, which runs an action only while the tip
allows it. The conversation's other steps (handlers.check) and the reward claim
(handlers.check.claim) build on this module; it imports neither.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from core import keys
from core.parsing import parse_tip_number
from core.tips import open_deadlines, open_question, reporter_actions
from handlers.callbacks import CheckButton, keyboard
from handlers.check_view import render
from handlers.context import Context
from handlers.erase import delete_read, with_written_down
from handlers.menu import menu_keyboard
from handlers.state import CheckMark, save_state

log = logging.getLogger("tipline.check")
_SESSIONS = "check_sessions"  # bot_data key: chat id -> {"number", "until"}; memory only
SESSION_LENGTH = timedelta(minutes=15)
ActionHandler = Callable[[Update, Context, str], Awaitable[object]]
NUMBER, CODE, VIEW, WRITE, OBJECT, WITHDRAW = "number", "code", "view", "write", "object", "withdraw"


def _session(update: Update, context: Context) -> dict:
    return context.bot_data.setdefault(_SESSIONS, {}).setdefault(update.effective_chat.id, {})


def drop_session(update: Update, context: Context) -> None:
    context.bot_data.setdefault(_SESSIONS, {}).pop(update.effective_chat.id, None)


def forget_ended_sessions(bot_data: dict, at: datetime) -> int:
    """Drop the sessions that timed out (or never got a right code): even in memory, no chat stays
    tied to a tip after its check. Returns how many went (housekeeping)."""
    sessions = bot_data.setdefault(_SESSIONS, {})
    ended = [chat for chat, s in sessions.items() if "until" not in s or datetime.fromisoformat(s["until"]) < at]
    for chat in ended:
        del sessions[chat]
    return len(ended)


def check_keyboard(*rows: list[tuple[str, str | CheckButton]]) -> InlineKeyboardMarkup:
    """The check's buttons: (label, action) pairs, or (label, CheckButton) for one naming its tip."""
    return keyboard(
        [(label, v if isinstance(v, CheckButton) else CheckButton(action=v)) for label, v in row] for row in rows
    )


async def say(
    update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None = None, *, secret: bool = False
) -> None:
    """`secret`: the text holds a code shown once; it cannot be forwarded or saved, and has the button
    "I have written it down" that deletes it."""
    if secret:
        markup = with_written_down(markup, context.tr)
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup, protect_content=secret)


def _cancel_row(context: Context) -> list[tuple[str, str]]:
    _ = context.tr
    return [(_("✖ Cancel"), "exit")]


async def _locked(update: Update, context: Context) -> bool:
    until = await context.services.limits.locked_until(update.effective_chat.id, context.now)
    if until is None:
        return False
    _ = context.tr
    await say(update, context, _("Too many wrong codes. Please try again after {time}.").format(time=f"{until:%H:%M}"),
               menu_keyboard(context))  # fmt: skip
    drop_session(update, context)
    return True


async def start(update: Update, context: Context) -> object:
    if update.callback_query:
        await update.callback_query.answer()
    save_state(context, CheckMark())
    if await _locked(update, context):
        return ConversationHandler.END
    drop_session(update, context)
    _ = context.tr
    await say(
        update,
        context,
        _("Please type the tip number, for example JB2026-000123:"),
        check_keyboard(_cancel_row(context)),
    )
    return NUMBER


async def on_number(update: Update, context: Context) -> object:
    _ = context.tr
    number = parse_tip_number(update.message.text)
    if number is None:
        await say(update, context, _("That is not a tip number. It looks like JB2026-000123. Please type it again:"),
                   check_keyboard(_cancel_row(context)))  # fmt: skip
        return NUMBER
    drop_session(update, context)
    _session(update, context)["number"] = number
    return await _ask_code(update, context)


async def _ask_code(update: Update, context: Context, notice: str = "") -> object:
    _ = context.tr
    text = _("Now type the 16-digit receipt code. For your safety, the message with the code is deleted after reading.")
    await say(
        update,
        context,
        f"{notice}\n\n{text}".strip(),
        check_keyboard([(_("Type the number again"), "again")], _cancel_row(context)),
    )
    return CODE


async def on_code(update: Update, context: Context) -> object:
    _ = context.tr
    session = _session(update, context)
    typed = update.message.text
    await delete_read(update.message, "receipt code")
    if "number" not in session:
        return await start(update, context)
    if await _locked(update, context):
        return ConversationHandler.END
    svc = context.services
    stored = await svc.tips.receipt_hash(session["number"])
    # An unknown tip costs the same derivation as a real check (ReceiptService.verify).
    if not await svc.receipts.verify(typed, stored):
        until = await svc.limits.record_failure(update.effective_chat.id, context.now)
        log.info("wrong receipt code")
        if until is not None:
            await _locked(update, context)
            return ConversationHandler.END
        return await _ask_code(update, context, _("The tip number or the receipt code is not right."))
    session["until"] = (context.now + SESSION_LENGTH).isoformat()
    # The tip's own key, opened with the code (sealed to people): in this memory-only session, for
    # this check's updates (handlers.acting), never in the chat's stored state.
    opened = await svc.keys.receipt_chain(session["number"], typed)
    if opened is not None:
        session["keys"] = opened
        keys.set_acting(keys.acting().merged(opened))
    return await show_view(update, context)


def session_keys(update: Update, context: Context) -> keys.KeyChain | None:
    """The tip key of this chat's open check, if the code opened one and the check has not timed out."""
    chat = update.effective_chat
    if chat is None:
        return None
    session = context.bot_data.get(_SESSIONS, {}).get(chat.id, {})
    return session["keys"] if "keys" in session and _open(session, context.now) else None


def _open(session: dict, now: datetime) -> bool:
    """Whether the check was opened with the right code and has not timed out."""
    until = session.get("until")
    return until is not None and datetime.fromisoformat(until) >= now


async def _messages(context: Context, number: str) -> list:
    """The dialogue as the reporter reads it; a tip sealed to people before it had a copy under its receipt
    code (one filed before `keys migrate`) shows each entry's date and kind with a sentence instead."""
    try:
        return await context.services.tips.messages(number)
    except keys.Locked:
        _ = context.tr
        unreadable = _("(This message cannot be shown here: the report was filed before the office changed how "
                       "reports are protected. Please call 12350 or the office to hear it.)")  # fmt: skip
        return [m.model_copy(update={"text": unreadable}) for m in await context.services.tips.labels(number)]


def _session_number(update: Update, context: Context) -> str | None:
    session = _session(update, context)
    return session["number"] if _open(session, context.now) else None


async def _tip_now(context: Context, number: str):
    svc = context.services
    facets = await svc.tips.facets(number)
    events, messages = await svc.tips.events(number), await _messages(context, number)
    reward = await svc.rewards.get(number)
    actions = reporter_actions(facets, context.today)
    if reward is not None and reward.claimable(context.today):
        actions.add("claim")
    return facets, events, messages, reward, actions


async def show_view(update: Update, context: Context, notice: str = "", *, secret: bool = False) -> object:
    number = _session_number(update, context)
    if number is None:
        return await _expired(update, context)
    _ = context.tr
    facets, events, messages, reward, actions = await _tip_now(context, number)
    deadlines = open_deadlines(facets)
    text = render(facets, events, messages, deadlines, _, context.lang, reward)
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
    _ = context.tr
    if _session(update, context).get("number"):
        return await _ask_code(update, context, _("For your safety the check has timed out."))
    return await start(update, context)


async def allowed(update: Update, context: Context, action: str) -> str | None:
    """The session's tip number if `action` is allowed now; None after showing why not (or the view)."""
    number = _session_number(update, context)
    if number is None:
        await _expired(update, context)
        return None
    *_, actions = await _tip_now(context, number)
    if action not in actions:
        _ = context.tr
        await show_view(update, context, _("That is not possible for this report now."))
        return None
    return number


def state_after_refusal(update: Update, context: Context) -> object:
    """After allowed said no: the view if the session holds, else the code is being asked."""
    return VIEW if _session_number(update, context) else CODE


def requires(action: str) -> Callable[[ActionHandler], Callable[[Update, Context], Awaitable[object]]]:
    """Run the handler with the session's tip number only while `action` is allowed for that tip."""

    def wrap(handler: ActionHandler) -> Callable[[Update, Context], Awaitable[object]]:
        @functools.wraps(handler)
        async def guarded(update: Update, context: Context, *args: object) -> object:
            number = await allowed(update, context, action)
            if number is None:
                return state_after_refusal(update, context)
            return await handler(update, context, number, *args)

        return guarded

    return wrap
