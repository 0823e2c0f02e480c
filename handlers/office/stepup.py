"""The step-up gate: an action that decrypts (a card, evidence, an identity, payee details, an export,
an approval) needs the staff member's authenticator code, once per `[security] session_minutes`.

`needs_code` wraps such a handler inside `staff_only` (`@staff_only(...)` then `@needs_code`) and marks
it (`__needs_code__`, which `staff_only` carries over: tests/test_stepup_gate.py walks the registered
handlers and fails on one that decrypts without it). With a session open, the handler runs. Without,
the chat's state becomes `StepUp` (only what resuming needs: the handler's name, the button's data or
the command's text, the chat, the button's message, the person; never what the action shows) and the
bot asks "Enter the 6 digits your authenticator shows". The next text of that chat is the code
(`on_code`, ahead of the conversations): its message is deleted whatever it holds; a right code runs
the asked action at once (`resume`: the button is not pressed again), a wrong or used one is said
and the person tries again, a lock-out says until when and tells the admins. /cancel, another command
or any button leaves the code entry. A staff member who has not set up an authenticator (and must) is
walked to it (handlers.office.totp.start_enrolment), which calls `resume` once set up.

Where tips are sealed to people (issue 20), the code is followed by the person's passphrase when their
keys are not unlocked in memory (after a restart, or in a new session): asked the same way, its message
deleted at once, the action resumed once it unlocks (handlers.office.unlock: what is checked and said).
While the code is in and the keys are not, the next text is the passphrase. Someone who has set no
passphrase is told to set one with /passphrase, and the action ends.
"""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram import CallbackQuery, Message, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from core.roles import StaffMember
from handlers.context import Context
from handlers.forms.form import CodeOutcome
from handlers.office.access import StaffHandler
from handlers.office.totp import start_enrolment
from handlers.office.unlock import (
    KeyNeed,
    Unlocked,
    check,
    check_passphrase,
    key_need,
    locked_text,
    passphrase_prompt,
    say_key_need,
)
from handlers.state import (
    STATE,
    CheckMark,
    Enrol,
    MonthFigures,
    StaffForm,
    StepUp,
    end_flow,
    flow_state,
    restored,
    save_state,
    state_of,
)
from handlers.writethrough import write_through
from services.stepup import CodeResult, Need

log = logging.getLogger("tipline.stepup")
#: How long a text is taken as the code asked for: after that the code entry is left, and the text is text.
CODE_ASKED_FOR = timedelta(minutes=10)

#: Every gated handler by its name (module.qualname): resuming runs only one of these.
GATED: dict[str, StaffHandler] = {}


def needs_code(handler: StaffHandler) -> StaffHandler:
    """The handler runs only for a staff member with an authenticator session open; else the code is
    asked (or the set-up begun) and the handler runs once it is in."""
    name = f"{handler.__module__}.{handler.__qualname__}"

    @functools.wraps(handler)
    async def gated(update: Update, context: Context, member: StaffMember) -> object:
        need = await context.services.stepup.need(member.user_id, context.now)
        if need == Need.LOCKED:
            await _refuse_locked(update, context, member)
            return None
        keys = await key_need(context, member.user_id) if need == Need.NONE else None
        if keys == KeyNeed.NONE:
            return await handler(update, context, member)
        if keys == KeyNeed.SET:  # no passphrase yet: as with no authenticator, the action ends
            await _answer(update)
            await say_key_need(update, context, keys)
            return None
        await _ask(update, context, member, name, need)
        return None

    gated.__needs_code__ = True  # type: ignore[attr-defined]
    GATED[name] = gated
    return gated


async def _answer(update: Update) -> None:
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer()
    except TelegramError as exc:
        log.info("a gated press was not answered: %s", type(exc).__name__)


async def _refuse_locked(update: Update, context: Context, member: StaffMember) -> None:
    """Locked out by wrong codes: said at once, with until when (no code is asked, none would be tried)."""
    await _answer(update)
    until = await context.services.stepup.locked_until(member.user_id, context.now)
    await context.bot.send_message(update.effective_chat.id, locked_text(context, until))
    log.info("a gated action refused: authenticator locked")


async def _ask(update: Update, context: Context, member: StaffMember, name: str, need: Need) -> None:
    """Keep the asked action in the chat's state; ask for the code, or begin the set-up."""
    query = update.callback_query
    await _answer(update)
    before = flow_state(context)
    kept = before.model_dump(mode="json") if isinstance(before, (StaffForm, MonthFigures, CheckMark)) else None
    if isinstance(before, StepUp):  # asked again, for another action: the flow before the first stays
        kept = before.before
    elif isinstance(before, Enrol):  # a set-up begun and left: its QR code (a secret now replaced) goes
        await _delete(context, update.effective_chat.id, before.qr_message)
    message = update.effective_message
    save_state(
        context,
        StepUp(
            handler=name,
            asked=query.data if query is not None else (message.text or ""),
            button=query is not None,
            chat=update.effective_chat.id,
            message=message.message_id,
            user=member.user_id,
            before=kept,
            asked_at=context.now,
        ),
    )
    if need == Need.ENROL:
        await start_enrolment(update, context, member)
    elif need == Need.NONE:  # the code is in: the passphrase is asked
        log.info("passphrase asked before %s", name)
        await context.bot.send_message(update.effective_chat.id, passphrase_prompt(context))
    else:
        log.info("authenticator code asked before %s", name)
        await context.bot.send_message(update.effective_chat.id, _prompt(context))


def _prompt(context: Context) -> str:
    _ = context.tr
    return (
        "🔐 "
        + _("Enter the 6 digits your authenticator shows")
        + "\n"
        + _("The message with the code is deleted once read. /cancel to stop.")
    )


def _leave(context: Context, state: StepUp) -> None:
    """The code entry ends: the flow under way before it is the chat's state again (or the draft)."""
    if state.before is not None:
        context.chat_data.update(restored({STATE: state.before}))
    else:
        end_flow(context)


# -- the code, then the passphrase -----------------------------------------------------------------


async def on_code(update: Update, context: Context) -> None:
    """Ahead of the conversations: while a code (or the passphrase) is asked, a text is it (deleted at once,
    whatever it holds); /cancel leaves; another command or any button leaves the entry and goes on. While
    the passphrase is asked, anything else sent (a sticker, a photo) is deleted too and asked again."""
    state = state_of(context, StepUp) if context.chat_data is not None else None
    message = update.message
    if state is None:
        return
    if state.asked_at is not None and context.now - state.asked_at > CODE_ASKED_FOR:
        _leave(context, state)  # asked long ago: this update is not the code, and goes on to its handler
        return
    if update.callback_query is not None:
        _leave(context, state)  # the button goes on to its handler
        return
    if message is None:
        return
    if message.text is None:
        if not await _asks_passphrase(context, state.user):
            return  # while a code is asked: as before, it goes on
        await _delete(context, message.chat_id, message.message_id)
        _ = context.tr
        await context.bot.send_message(message.chat_id, _("Please type your passphrase as text, or /cancel."))
    elif message.text.startswith("/"):
        _leave(context, state)
        if message.text.split()[0].split("@")[0].lower() != "/cancel":
            return  # the command goes on to its handler
        _ = context.tr
        await context.bot.send_message(message.chat_id, _("Cancelled: nothing was opened."))
    else:
        await _delete(context, message.chat_id, message.message_id)
        await _take(update, context, state, message.text)
    await _handled(update, context)


async def _asks_passphrase(context: Context, user_id: int) -> bool:
    """Whether the next text is the passphrase: the code is in, the keys are not unlocked."""
    need = await context.services.stepup.need(user_id, context.now)
    return need == Need.NONE and await key_need(context, user_id) == KeyNeed.PASSPHRASE


async def _take(update: Update, context: Context, state: StepUp, text: str) -> None:
    svc = context.services
    member = await svc.staff.get(update.effective_user.id)
    if member is None or member.user_id != state.user:  # deactivated meanwhile
        _leave(context, state)
        return
    if await _asks_passphrase(context, member.user_id):
        unlocked = await check_passphrase(update, context, member, text)
        if unlocked == Unlocked.OK:
            log.info("passphrase accepted: %s goes on", state.handler)
            await resume(update, context)
        elif unlocked == Unlocked.STOP:
            _leave(context, state)
        return
    result = await check(update, context, member, text)
    if result == CodeResult.OK:
        log.info("authenticator code accepted: %s goes on", state.handler)
        await _code_in(update, context, state, member)
    elif result == CodeResult.NOT_ENROLLED:  # reset meanwhile: set up again, then it goes on
        await start_enrolment(update, context, member)
    elif result == CodeResult.LOCKED:
        _leave(context, state)


async def _code_in(update: Update, context: Context, state: StepUp, member: StaffMember) -> None:
    """The code is in: the action goes on, or the passphrase is asked first (the entry waits for it
    afresh), or the person is told to set one (the action ends)."""
    need = await key_need(context, member.user_id)
    if need == KeyNeed.NONE:
        await resume(update, context)
        return
    if need == KeyNeed.SET:
        _leave(context, state)
    else:
        save_state(context, state.model_copy(update={"asked_at": context.now}))
        log.info("passphrase asked before %s", state.handler)
    await say_key_need(update, context, need)


# -- the forms' step-up (handlers.office.gates) ---------------------------------------------------


async def form_ask(update: Update, context: Context, user_id: int) -> CodeOutcome:
    """Before a staff form's first question and before confirming it: go on with a session open and the
    keys unlocked; else ask the code or the passphrase (the form takes the next text as it), or end it
    (locked out; no authenticator or passphrase set up yet)."""
    need = await context.services.stepup.need(user_id, context.now)
    chat = update.effective_chat.id
    if need == Need.NONE:
        keys = await key_need(context, user_id)
        if keys == KeyNeed.NONE:
            return CodeOutcome.GO
        await say_key_need(update, context, keys)
        return CodeOutcome.WAIT if keys == KeyNeed.PASSPHRASE else CodeOutcome.STOP
    if need == Need.LOCKED:
        until = await context.services.stepup.locked_until(user_id, context.now)
        await context.bot.send_message(chat, locked_text(context, until))
        return CodeOutcome.STOP
    if need == Need.ENROL:
        await context.bot.send_message(chat, _set_up_first(context))
        return CodeOutcome.STOP
    log.info("authenticator code asked before a form")
    await context.bot.send_message(chat, _prompt(context))
    return CodeOutcome.WAIT


async def form_take(update: Update, context: Context, user_id: int, text: str) -> CodeOutcome:
    """A text a staff form took as the code or the passphrase: deleted whatever it holds, then checked."""
    await _delete(context, update.effective_chat.id, update.effective_message.message_id)
    member = await context.services.staff.get(user_id)
    if member is None:
        return CodeOutcome.STOP
    if await _asks_passphrase(context, user_id):
        unlocked = await check_passphrase(update, context, member, text)
        return {Unlocked.OK: CodeOutcome.GO, Unlocked.AGAIN: CodeOutcome.WAIT}.get(unlocked, CodeOutcome.STOP)
    result = await check(update, context, member, text)
    if result == CodeResult.OK:
        log.info("authenticator code accepted: the form goes on")
        return await form_ask(update, context, user_id)  # the passphrase may be asked now
    if result == CodeResult.NOT_ENROLLED:  # reset meanwhile
        await context.bot.send_message(update.effective_chat.id, _set_up_first(context))
        return CodeOutcome.STOP
    return CodeOutcome.STOP if result == CodeResult.LOCKED else CodeOutcome.WAIT


def _set_up_first(context: Context) -> str:
    _ = context.tr
    return _("This needs your authenticator code: set up your authenticator first with /totp, then try again.")


# -- resuming ------------------------------------------------------------------------------------


class _Resumed(CallbackQuery):
    """The press the person made before the code: already answered, so answering again does nothing."""

    async def answer(self, *args: Any, **kwargs: Any) -> bool:
        return True


async def resume(update: Update, context: Context) -> None:
    """The action asked before the code (or the set-up) goes on, as if pressed or sent again now: its
    handler (its role checks, and the gate, open now) runs on an update rebuilt from the kept state."""
    state = state_of(context, StepUp)
    if state is None:
        return
    _leave(context, state)
    handler = _handler(state.handler)
    if handler is None or update.effective_user is None or update.effective_user.id != state.user:
        log.warning("asked action %s not resumed", state.handler)
        return
    again = _rebuilt(update, context, state)
    context.args = [] if state.button else state.asked.split()[1:]
    await handler(again, context)


def _handler(name: str) -> Callable[[Update, Context], Awaitable[object]] | None:
    """The registered (role-checking) handler of a gated function, by its name; None for any other."""
    if name not in GATED:
        return None
    module, _dot, qualname = name.rpartition(".")
    handler = getattr(importlib.import_module(module), qualname, None)
    return handler if getattr(handler, "__needs_code__", False) else None


def _rebuilt(update: Update, context: Context, state: StepUp) -> Update:
    user = update.effective_user.to_dict()
    chat = {"id": state.chat, "type": "private"}
    date = int(context.now.timestamp())
    if not state.button:
        message = {"message_id": state.message, "date": date, "chat": chat, "from": user, "text": state.asked}
        return Update(update.update_id, message=Message.de_json(message, context.bot))
    query = {
        "id": f"resumed-{update.update_id}",
        "from": user,
        "chat_instance": "resumed",
        "data": state.asked,
        "message": {"message_id": state.message, "date": date, "chat": chat},
    }
    return Update(update.update_id, callback_query=_Resumed.de_json(query, context.bot))


# -- plumbing ------------------------------------------------------------------------------------


async def _delete(context: Context, chat_id: int, message_id: int) -> None:
    try:
        await context.bot.delete_message(chat_id, message_id)
    except TelegramError as exc:  # gone already
        log.info("a code message was not deleted: %s", type(exc).__name__)


async def _handled(update: Update, context: Context) -> None:
    """No other handler sees this update: the chat's state written through and the update marked as
    handled here, as the last group (handlers.PERSIST_GROUP) would have."""
    await write_through(update, context)
    raise ApplicationHandlerStop
