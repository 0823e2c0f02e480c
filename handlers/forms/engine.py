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

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler, filters

from handlers.context import Context
from handlers.files import FILES
from handlers.forms.fields import Field, Values, check_file, check_typed, value_text
from handlers.forms.form import FORMS, AskAgain, Form, Gate, define
from handlers.i18n import Translate
from handlers.report.flow import FLOW

__all__ = ["FORM", "KEY", "AskAgain", "Field", "Form", "Gate", "Values", "begin", "define", "keyboard"]

log = logging.getLogger("tipline.forms")
FORM = "staff_form"  # the one state; chat_data["form"] says which form and step
KEY = "form"  # chat_data[KEY]: which form, its subject, the answers so far


# -- rendering ---------------------------------------------------------------------------------


def _state(context: Context) -> dict | None:
    state = context.chat_data.get(KEY)
    return state if isinstance(state, dict) and state.get("action") in FORMS else None


def _current(form: Form, state: dict) -> int | None:
    """The index of the first field still to fill (skipping those that do not apply), or None."""
    values = state["values"]
    for index, item in enumerate(form.fields):
        if item.when(values) and item.key not in values:
            return index
    return None


def _previous(form: Form, state: dict, before: int | None) -> int | None:
    """The index of the last answered field before `before` (None: before the summary), if any."""
    values = state["values"]
    end = len(form.fields) if before is None else before
    answered = [i for i in range(end) if form.fields[i].when(values) and form.fields[i].key in values]
    return answered[-1] if answered else None


def _title(form: Form, state: dict, lang: str, _: Translate) -> str:
    args = state.get("args", {})
    if callable(form.title):
        return form.title(args, lang, _)
    return _(form.title).format(number=state["number"], **args)


def keyboard(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Buttons from rows of (label, callback data)."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in row] for row in rows])


def _field_markup(form: Form, item: Field, index: int, state: dict, lang: str, _: Translate) -> InlineKeyboardMarkup:
    rows: list[list[tuple[str, str]]] = []
    if item.kind in ("choice", "multi"):
        chosen = state.get("picked", [])
        labels = [(("✓ " if t.code in chosen else "") + t.label(lang), f"fv:{index}:{t.code}") for t in item.options]
        rows += [labels[i : i + 2] for i in range(0, len(labels), 2)]
        if item.kind == "multi":
            rows.append([(_("Done choosing"), f"fv:{index}:done")])
    if item.kind == "documents":
        rows.append([(_("Done"), f"fv:{index}:done")])
    if item.optional:
        rows.append([(_(item.skip), f"fv:{index}:skip")])
    if form.stepback and _previous(form, state, index) is not None:
        rows.append([(_("⬅ Back"), f"fv:{index}:back")])
    rows.append([(_("✖ Cancel"), "fv:cancel")])
    return keyboard(rows)


async def _ask(update: Update, context: Context, notice: str = "") -> object:
    """Show the next question, or the summary when every field is filled."""
    state = _state(context)
    form = FORMS[state["action"]]
    _ = context.tr
    lang = context.lang
    index = _current(form, state)
    if index is None:
        return await _summary(update, context, form, state, notice)
    item = form.fields[index]
    parts = [_title(form, state, lang, _)]
    if item.intro is not None:
        parts.append(await item.intro(context, state["number"], state["values"], _))
    prompt = _(item.prompt)
    if item.kind == "documents":
        prompt = prompt.format(count=len(state.get("files", [])))
    text = "\n\n".join([*parts, prompt])
    if item.kind == "multi" and item.at_least:
        text += "\n" + _("Choose at least {count}, then tap “Done choosing”.").format(count=item.at_least)
    markup = _field_markup(form, item, index, state, lang, _)
    await context.bot.send_message(update.effective_chat.id, f"{notice}\n\n{text}".strip(), reply_markup=markup)
    return FORM


async def _summary(update: Update, context: Context, form: Form, state: dict, notice: str) -> object:
    _ = context.tr
    lang = context.lang
    lines = [notice, ""] if notice else []
    lines += [_title(form, state, lang, _), ""]
    if form.summary is not None:
        lines.append(await form.summary(context, state["number"], state["values"], _))
    for item in form.fields if form.summary is None else ():
        if item.when(state["values"]) and item.key in state["values"]:
            lines.append(f"{_(item.prompt)}\n→ {value_text(item, state['values'][item.key], lang, _)}")
    if form.recap is not None:
        lines += ["", await form.recap(context, state["number"], state["values"], _)]
    if form.confirm:
        lines += ["", _(form.confirm)]
    rows = [[(_(form.send), "fv:confirm")] + ([(_("✏ Start again"), "fv:restart")] if form.restart else [])]
    rows += [[(_("⬅ Back"), "fv:summary:back")]] if form.stepback else []
    markup = keyboard([*rows, [(_("✖ Cancel"), "fv:cancel")]])
    await context.bot.send_message(update.effective_chat.id, "\n".join(lines), reply_markup=markup)
    return FORM


# -- entering and leaving ----------------------------------------------------------------------


async def start_form(update: Update, context: Context) -> object:
    """form:<action>:<subject>, from a button (a tip card's…)."""
    query = update.callback_query
    parts = query.data.split(":")
    form = FORMS.get(parts[1]) if len(parts) == 3 else None
    if form is None or not form.by_button:
        await query.answer()
        _ = context.tr
        await context.bot.send_message(update.effective_chat.id, _("This button is no longer valid."))
        return ConversationHandler.END
    subject = form.subject(parts[2])
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
    context.chat_data[FLOW] = "form"
    context.chat_data[KEY] = {
        "action": form.action,
        "number": subject,
        "values": await _start_values(context, form.action, subject),
        "carry": carry or {},
        "args": args or {},
    }
    return await _ask(update, context)


async def _start_values(context: Context, action: str, number: str) -> Values:
    start = FORMS[action].start
    return await start(context, number) if start is not None else {}


def _leave(context: Context) -> None:
    context.chat_data.pop(KEY, None)
    context.chat_data.pop(FLOW, None)


async def cancel(update: Update, context: Context) -> object:
    state = _state(context)
    _leave(context)
    _ = context.tr
    text = FORMS[state["action"]].cancelled if state is not None else Form.cancelled
    await context.bot.send_message(update.effective_chat.id, _(text))
    return ConversationHandler.END


# -- answers -----------------------------------------------------------------------------------


async def on_text(update: Update, context: Context) -> object:
    state = _state(context)
    if state is None:
        return ConversationHandler.END
    form = FORMS[state["action"]]
    index = _current(form, state)
    _ = context.tr
    if index is None:
        return await _ask(update, context, _("Please confirm or cancel with the buttons."))
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
    state["values"][item.key] = value
    return await _ask(update, context)


async def on_button(update: Update, context: Context) -> object:
    query = update.callback_query
    await query.answer()
    state = _state(context)
    _ = context.tr
    if state is None:
        await context.bot.send_message(update.effective_chat.id, _("This button is no longer valid."))
        return ConversationHandler.END
    data = query.data.removeprefix("fv:")
    if data == "cancel":
        return await cancel(update, context)
    if data == "restart":
        state["values"] = await _start_values(context, state["action"], state["number"])
        _unpick(state)
        return await _ask(update, context)
    if data == "confirm":
        return await _confirm(update, context, state)
    return await _pick(update, context, state, data)


def _unpick(state: dict) -> None:
    """Forget the choices and files of a question not answered yet."""
    state["picked"] = []
    state.pop("files", None)


async def _pick(update: Update, context: Context, state: dict, data: str) -> object:
    form = FORMS[state["action"]]
    index = _current(form, state)
    _ = context.tr
    step, _sep, code = data.partition(":")
    item = form.fields[index] if index is not None else None
    if form.stepback and code == "back" and step == ("summary" if index is None else str(index)):
        previous = _previous(form, state, index)
        if previous is not None:  # the answer before is asked again
            state["values"].pop(form.fields[previous].key)
            _unpick(state)
        return await _ask(update, context)
    if item is not None and step == str(index) and item.optional and code == "skip":
        state["values"][item.key] = ""
        return await _ask(update, context)
    if item is not None and step == str(index) and item.kind == "documents" and code == "done":
        state["values"][item.key] = state.pop("files", [])
        return await _ask(update, context)
    if item is None or step != str(index) or item.kind not in ("choice", "multi"):
        return await _ask(update, context, _("This button is no longer valid."))
    codes = {t.code for t in item.options}
    if item.kind == "choice" and code in codes:
        state["values"][item.key] = code
        return await _ask(update, context)
    picked = state.setdefault("picked", [])
    if code == "done":
        if len(picked) < item.at_least:
            return await _ask(update, context, _("Please choose at least {count}.").format(count=item.at_least))
        state["values"][item.key] = [c for c in (t.code for t in item.options) if c in picked]
        state["picked"] = []
        return await _ask(update, context)
    if code not in codes:
        return await _ask(update, context, _("This button is no longer valid."))
    if code in picked:
        picked.remove(code)
    else:
        picked.append(code)
    markup = _field_markup(form, item, index, state, context.lang, _)
    await update.callback_query.edit_message_reply_markup(reply_markup=markup)
    return FORM


async def _confirm(update: Update, context: Context, state: dict) -> object:
    form = FORMS[state["action"]]
    gate = form.gate
    _ = context.tr
    if _current(form, state) is not None:
        return await _ask(update, context, _("Please answer the question first."))
    actor = await gate.actor(context, update.effective_user.id)
    number = state["number"]
    try:
        if actor is None or not await gate.allowed(context, actor, form.action, number):
            raise _NotNow
        done = await form.submit(update, context, actor, number, {**state["carry"], **state["values"]})
    except AskAgain as again:
        state["values"].pop(again.key, None)
        _unpick(state)
        return await _ask(update, context, again.notice)
    except (_NotNow, *gate.moved_on):
        _leave(context)
        await gate.refused(update, context, actor, form.action, number, True)
        return ConversationHandler.END
    _leave(context)
    log.info("form %s done for %s", form.action, number)
    back = keyboard([[(_("📂 Back to the report"), f"{form.back}:{number}")]]) if form.back else None
    if done:
        await context.bot.send_message(update.effective_chat.id, done, reply_markup=back)
    return ConversationHandler.END


class _NotNow(Exception):
    """The gate refuses on confirming."""


async def on_file(update: Update, context: Context) -> object:
    """A file: kept for a documents field (checked by name and size now, by content on confirming)."""
    state = _state(context)
    if state is None:
        return ConversationHandler.END
    form = FORMS[state["action"]]
    index = _current(form, state)
    if not form.takes_files:
        return await on_other(update, context)
    _ = context.tr
    if index is None or form.fields[index].kind != "documents":
        return await _ask(update, context, _("Documents come after the text: please answer the question first."))
    files = state.setdefault("files", [])
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
    if FORMS[state["action"]].takes_files:
        return await _ask(update, context, _("Please type the text, send a document, or use the buttons."))
    return await _ask(update, context, _("Please type the answer as text, or use the buttons."))


def entry_points() -> list[CallbackQueryHandler]:
    return [CallbackQueryHandler(start_form, pattern=r"^form:")]


def states() -> dict[str, list]:
    """The form's one state, for the chat's one conversation (handlers.reporter)."""
    return {
        FORM: [
            CallbackQueryHandler(on_button, pattern=r"^fv:"),
            MessageHandler(filters.TEXT & ~filters.COMMAND, on_text),
            MessageHandler(FILES, on_file),
            MessageHandler(~filters.COMMAND & ~filters.StatusUpdate.ALL, on_other),
        ]
    }
