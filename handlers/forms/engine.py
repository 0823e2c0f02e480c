"""The form engine: a form (handlers.forms.form) as a persistent conversation, a field at a time, then
a summary to confirm. Case actions that need typed input and the reward officer's forms (handlers.office),
a liaison's registration and quarter summary (handlers.liaison) are forms.

A form is a state of the chat's one conversation (handlers.reporter), beside filing and checking
a tip: starting one of them ends the others, so text meant for a check (a receipt code) never
lands in a form left open, nor a form's answer in a draft.

The form lives in chat data (sealed at rest) and survives a restart. Every step accepts only what
it asks for: a button of another step, a sticker where text is wanted, an amount that is not one,
each gets a plain answer and the same question again. The engine knows no role: each form's gate
says who is filling it in and whether they may, asked on entering and again on confirming, before
anything is written.
"""

from __future__ import annotations

import logging
from typing import Literal

from telegram import Update
from telegram.ext import CallbackQueryHandler, ConversationHandler

from handlers.callbacks import FormButton, FormStep, button_expired, keyboard
from handlers.context import Context
from handlers.forms.fields import Field, Values, check_file, check_typed, value_text
from handlers.forms.flow import flow_ended, flow_state
from handlers.forms.form import FORMS, AskAgain, CodeOutcome, Form, Gate, define
from handlers.forms.layout import current, field_markup, previous, title
from handlers.state import StaffForm, end_flow, save_state, state_of

__all__ = ["FORM", "KIND", "NAME", "AskAgain", "Field", "Form", "Gate", "Values", "begin", "define", "keyboard"]

log = logging.getLogger("tipline.forms")
FORM = "staff_form"  # the one state; the chat's state (handlers.state.StaffForm) says which form and step
NAME = "form"
KIND = StaffForm


# -- rendering ---------------------------------------------------------------------------------


def _state(context: Context) -> StaffForm | None:
    state = state_of(context, StaffForm)
    return state if state is not None and state.action in FORMS else None


def subject(context: Context) -> str:
    """The subject of the form being filled in (a tip number…), for a field's check."""
    state = _state(context)
    return state.number if state is not None else ""


async def _ask(update: Update, context: Context, notice: str = "") -> object:
    """Show the next question, or the summary when every field is filled."""
    state = _state(context)
    form = FORMS[state.action]
    _ = context.tr
    lang = context.lang
    index = current(form, state)
    if index is None:
        return await _summary(update, context, form, state, notice)
    item = form.fields[index]
    parts = [title(form, state, lang, _)]
    if item.intro is not None:
        parts.append(await item.intro(context, state.number, state.values, _))
    prompt = _(item.prompt)
    if item.kind == "documents":
        prompt = prompt.format(count=len(state.files))
    text = "\n\n".join([*parts, prompt])
    if item.kind == "multi" and item.at_least:
        text += "\n" + _("Choose at least {count}, then tap “Done choosing”.").format(count=item.at_least)
    markup = field_markup(form, item, index, state, lang, _)
    await context.bot.send_message(update.effective_chat.id, f"{notice}\n\n{text}".strip(), reply_markup=markup)
    return FORM


async def _summary(update: Update, context: Context, form: Form, state: StaffForm, notice: str) -> object:
    _ = context.tr
    lang = context.lang
    lines = [notice, ""] if notice else []
    lines += [title(form, state, lang, _), ""]
    if form.summary is not None:
        lines.append(await form.summary(context, state.number, state.values, _))
    for item in form.fields if form.summary is None else ():
        if item.when(state.values) and item.key in state.values:
            lines.append(f"{_(item.prompt)}\n→ {value_text(item, state.values[item.key], lang, _)}")
    if form.recap is not None:
        lines += ["", await form.recap(context, state.number, state.values, _)]
    if form.confirm:
        lines += ["", _(form.confirm)]
    rows = [[(_(form.send), FormStep(step="confirm"))]]
    rows[0] += [(_("✏ Start again"), FormStep(step="restart"))] if form.restart else []
    rows += [[(_("⬅ Back"), FormStep(step="summary", code="back"))]] if form.stepback else []
    markup = keyboard([*rows, [(_("✖ Cancel"), FormStep(step="cancel"))]])
    await context.bot.send_message(update.effective_chat.id, "\n".join(lines), reply_markup=markup)
    return FORM


# -- entering and leaving ----------------------------------------------------------------------


async def start_form(update: Update, context: Context) -> object:
    """form:<action>:<subject>, from a button (a tip card's…)."""
    query = update.callback_query
    button = FormButton.parse(query.data)
    form = FORMS.get(button.action) if button is not None else None
    if form is None or not form.by_button:
        await context.bot.send_message(update.effective_chat.id, await button_expired(update, context))
        return ConversationHandler.END
    subject = form.subject(button.subject)
    actor = await form.gate.actor(context, update.effective_user.id)
    if actor is None or subject is None:
        await form.gate.refused(update, context, actor, form.action, subject, False)
        return ConversationHandler.END
    await query.answer()
    if not await form.gate.allowed(context, actor, form.action, subject):
        await form.gate.refused(update, context, actor, form.action, subject, False)
        return ConversationHandler.END
    log.info("form %s started for %s", form.action, subject)
    return await begin(update, context, form, subject)


async def begin(update: Update, context: Context, form: Form, subject: str, *, carry: Values | None = None,
                args: dict[str, str] | None = None) -> object:  # fmt: skip
    """Open a form on a subject (a tip number, or what the form is about), once the caller has checked
    with its gate that this person may fill it. `carry` goes to submit with the answers, never shown;
    `args` fill the title."""
    values = await _start_values(context, form.action, subject)
    save_state(context, StaffForm(action=form.action, number=subject, values=values, carry=carry or {},
                                  args=args or {}))  # fmt: skip
    waiting = await _code_first(update, context, "start")
    return waiting if waiting is not None else await _ask(update, context)


# -- the gate's authenticator code ---------------------------------------------------------------


async def _code_first(update: Update, context: Context, then: Literal["start", "confirm"]) -> object | None:
    """Where the gate needs an authenticator code and none was given lately: ask it (the form waits, and
    `then` says what goes on once it is in), or end the form (locked out, nothing set up). None: go on."""
    state = _state(context)
    code = FORMS[state.action].gate.code
    if code is None:
        return None
    outcome = await code.ask(update, context, update.effective_user.id)
    if outcome == CodeOutcome.GO:
        state.code_for = None
        return None
    if outcome == CodeOutcome.STOP:
        _leave(context)
        return ConversationHandler.END
    state.code_for = then
    return FORM


async def _take_code(update: Update, context: Context, state: StaffForm) -> object:
    """A text while a code is asked is the code: right, the form goes on where it was asked."""
    then = state.code_for
    outcome = await FORMS[state.action].gate.code.take(update, context, update.effective_user.id, update.message.text)
    if outcome == CodeOutcome.STOP:
        _leave(context)
        return ConversationHandler.END
    if outcome == CodeOutcome.WAIT:
        return FORM
    state.code_for = None
    return await _go_on(update, context, state, then)


async def _go_on(update: Update, context: Context, state: StaffForm, then: str | None) -> object:
    """The code is in: the form goes on where it was asked (its first question, or confirming)."""
    return await _ask(update, context) if then == "start" else await _confirm(update, context, state)


async def _code_again(update: Update, context: Context, state: StaffForm) -> object:
    """Anything but the code, or a button, while it is asked: asked again (or on, if a session opened)."""
    then = state.code_for
    waiting = await _code_first(update, context, then)
    if waiting is not None:
        return waiting
    return await _go_on(update, context, state, then)


async def _start_values(context: Context, action: str, number: str) -> Values:
    start = FORMS[action].start
    return await start(context, number) if start is not None else {}


def _leave(context: Context) -> None:
    """The form ends: a draft it kept is the chat's state again (handlers.state)."""
    end_flow(context)


async def cancel(update: Update, context: Context) -> object:
    state = _state(context)
    _leave(context)
    _ = context.tr
    text = FORMS[state.action].cancelled if state is not None else Form.cancelled
    await context.bot.send_message(update.effective_chat.id, _(text))
    return ConversationHandler.END


# -- answers -----------------------------------------------------------------------------------


async def on_text(update: Update, context: Context) -> object:
    state = _state(context)
    if state is None:
        return ConversationHandler.END
    if state.code_for is not None:
        return await _take_code(update, context, state)
    form = FORMS[state.action]
    index = current(form, state)
    _ = context.tr
    if index is None:
        return await _ask(update, context, _(form.at_summary))
    item = form.fields[index]
    if item.kind in ("choice", "multi"):
        return await _ask(update, context, _("Please answer with the buttons below."))
    if item.kind == "documents":
        return await _ask(update, context, _("Please use the buttons below."))
    value, problem = await check_typed(item, update.message.text, context, _)
    if problem is None and item.key in form.checks:
        value, problem = await form.checks[item.key](value, update, context, _)
    if problem is not None:
        return await _ask(update, context, problem)
    state.values[item.key] = value
    return await _ask(update, context)


async def on_button(update: Update, context: Context) -> object:
    query = update.callback_query
    state = _state(context)
    button = FormStep.parse(query.data)
    if state is None:
        return await flow_ended(update, context)
    if button is None or not _fits(FORMS[state.action], state, button):
        return await _ask(update, context, await button_expired(update, context))
    await query.answer()
    if button.step == "cancel":
        return await cancel(update, context)
    if state.code_for is not None:
        return await _code_again(update, context, state)
    if button.step == "restart":
        state.values = await _start_values(context, state.action, state.number)
        _unpick(state)
        return await _ask(update, context)
    if button.step == "confirm":
        return await _confirm(update, context, state)
    return await _pick(update, context, state, button.code)


def _fits(form: Form, state: StaffForm, button: FormStep) -> bool:
    """Whether a press fits the question asked now: fv:<index>:<code> of that question (or
    fv:summary:back on the summary); else it is an old message's, or forged."""
    if button.step in ("cancel", "restart", "confirm"):
        return not button.code
    index = current(form, state)
    if button.step != ("summary" if index is None else str(index)):
        return False
    code = button.code
    if code == "back" and form.stepback:
        return True
    item = form.fields[index] if index is not None else None
    if item is None:
        return False
    if (code == "skip" and item.optional) or (code == "done" and item.kind in ("documents", "multi")):
        return True
    return item.kind in ("choice", "multi") and code in {t.code for t in item.options}


def _unpick(state: StaffForm) -> None:
    """Forget the choices and files of a question not answered yet."""
    state.picked = []
    state.files = []


async def _pick(update: Update, context: Context, state: StaffForm, code: str) -> object:
    """A press that fits the question asked now (`_fits`): back, skip, done, or an option."""
    form = FORMS[state.action]
    index = current(form, state)
    _ = context.tr
    if code == "back" and form.stepback:
        before = previous(form, state, index)
        if before is not None:  # the answer before is asked again
            state.values.pop(form.fields[before].key)
            _unpick(state)
        return await _ask(update, context)
    item = form.fields[index]
    if code == "skip" and item.optional:
        state.values[item.key] = ""
        return await _ask(update, context)
    if item.kind == "documents":  # done
        state.values[item.key] = state.take_files()
        return await _ask(update, context)
    if item.kind == "choice":
        state.values[item.key] = code
        return await _ask(update, context)
    picked = state.picked
    if code == "done":
        if len(picked) < item.at_least:
            return await _ask(update, context, _("Please choose at least {count}.").format(count=item.at_least))
        state.values[item.key] = [c for c in (t.code for t in item.options) if c in picked]
        state.picked = []
        return await _ask(update, context)
    if code in picked:
        picked.remove(code)
    else:
        picked.append(code)
    markup = field_markup(form, item, index, state, context.lang, _)
    await update.callback_query.edit_message_reply_markup(reply_markup=markup)
    return FORM


async def _confirm(update: Update, context: Context, state: StaffForm) -> object:
    form = FORMS[state.action]
    gate = form.gate
    _ = context.tr
    if current(form, state) is not None:
        return await _ask(update, context, _("Please answer the question first."))
    waiting = await _code_first(update, context, "confirm")  # a session may have ended while filling it in
    if waiting is not None:
        return waiting
    actor = await gate.actor(context, update.effective_user.id)
    number = state.number
    try:
        if actor is None or not await gate.allowed(context, actor, form.action, number):
            raise _NotNow
        done = await form.submit(update, context, actor, number, {**state.carry, **state.values})
    except AskAgain as again:
        state.values.pop(again.key, None)
        _unpick(state)
        return await _ask(update, context, again.notice)
    except (_NotNow, *gate.moved_on):
        _leave(context)
        await gate.refused(update, context, actor, form.action, number, True)
        return ConversationHandler.END
    _leave(context)
    log.info("form %s done for %s", form.action, number)
    back = keyboard([[(_("📂 Back to the report"), form.back(number))]]) if form.back else None
    if done:
        await context.bot.send_message(update.effective_chat.id, done, reply_markup=back)
    return ConversationHandler.END


class _NotNow(Exception):
    """The gate refuses on confirming."""


async def on_file(update: Update, context: Context) -> object:
    """A file: kept for a documents field (checked by name and size now, by content on confirming)."""
    state = _state(context)
    form = FORMS[state.action] if state is not None else None
    if form is None or not form.takes_files or state.code_for is not None:
        return await on_other(update, context)
    index = current(form, state)
    _ = context.tr
    if index is None or form.fields[index].kind != "documents":
        return await _ask(update, context, _("Documents come after the text: please answer the question first."))
    files = state.files
    document, problem = check_file(form.fields[index], update, len(files), _)
    if problem is not None:
        return await _ask(update, context, problem)
    files.append(document)
    return await _ask(update, context)


async def on_other(update: Update, context: Context) -> object:
    """A sticker, photo, voice… where the form wants text or a button."""
    _ = context.tr
    state = _state(context)
    if state is None:
        return ConversationHandler.END
    if state.code_for is not None:
        return await _code_again(update, context, state)
    if FORMS[state.action].takes_files:
        return await _ask(update, context, _("Please type the text, send a document, or use the buttons."))
    return await _ask(update, context, _("Please type the answer as text, or use the buttons."))


def entry_points() -> list[CallbackQueryHandler]:
    return [CallbackQueryHandler(start_form, pattern=FormButton.pattern)]


def states() -> dict[str, list]:
    """The form's one state, for the chat's one conversation (handlers.reporter)."""
    return flow_state(FORM, FormStep.pattern, on_button, on_text, on_other, on_file=on_file)


def transient_states() -> frozenset[str]:
    """None: a form resumes where it stopped after a restart."""
    return frozenset()
