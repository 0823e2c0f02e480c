"""Staff forms: a case action that needs typed input (a question, a reply, a verification result…)
as a persistent conversation, a field at a time, then a summary to confirm.

A form is a state of the chat's one conversation (handlers.reporter), beside filing and checking
a tip: starting one of them ends the others, so text meant for a check (a receipt code) never
lands in a form left open, nor a form's answer in a draft.

The form lives in chat data (sealed at rest) and survives a restart. Every step accepts only what
it asks for: a button of another step, a sticker where text is wanted, an amount that is not one,
each gets a plain answer and the same question again. On confirming, the role and the tip's state
are checked once more before anything is written.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler, filters

from core.parsing import parse_tip_number
from core.roles import Role, StaffMember
from handlers.context import Context
from handlers.forms.fields import Field, Intro, Values, check_typed, value_text
from handlers.i18n import N_, Translate
from handlers.office.access import refuse, refuse_tip, role_refusal
from handlers.report.flow import FLOW
from storage.casework import CaseError

log = logging.getLogger("tipline.forms")
FORM = "staff_form"  # the one state; chat_data["form"] says which form and step
_KEY = "form"

#: Checks a typed value: (the value to keep, None) or (None, the message saying what to type).
Check = Callable[[object, Update, Context, Translate], Awaitable[tuple[object, str | None]]]
#: Writes the form's result; returns the text to show. Raises CaseError if the tip moved on.
Submit = Callable[[Update, Context, StaffMember, str, Values], Awaitable[str]]
#: Whether this person may fill this form for this tip now (checked on entering and on confirming).
Allowed = Callable[[Context, StaffMember, str], Awaitable[bool]]
#: Who is filling the form in: a staff member by default; None refuses.
Actor = Callable[[Context, int], Awaitable[object | None]]


async def _staff(context: Context, user_id: int) -> StaffMember | None:
    return await context.services.staff.get(user_id)


@dataclass(frozen=True)
class Form:
    action: str
    title: str  # msgid, with {number}
    fields: tuple[Field, ...]
    submit: Submit
    checks: dict[str, Check] = field(default_factory=dict)  # extra checks of typed fields, by key
    allowed: Allowed | None = None  # default: a case action the tip's status allows, for its workers
    recap: Intro | None = None  # more text for the summary (what confirming will do)
    start: Callable[[Context, str], Awaitable[Values]] | None = None  # values known before the first question
    back: str | None = "case:open"  # the button after confirming: back to the tip's card (or the reward's)
    actor: Actor = _staff
    by_button: bool = True  # opened by a `form:` button; False: only by its own command (begin)
    subject: Callable[[str], str | None] = parse_tip_number  # what the button's last part must be
    stepback: bool = False  # a ⬅ Back button under each question after the first, and on the summary
    #: The summary's question, saying what confirming does: "Send this?" only where something is sent.
    confirm: str = N_("Submit this?")
    roles: tuple[Role, ...] = ()  # the staff roles it is for: a staff member without one is told which


FORMS: dict[str, Form] = {}


def define(form: Form) -> Form:
    FORMS[form.action] = form
    return form


# -- rendering ---------------------------------------------------------------------------------


def _state(context: Context) -> dict | None:
    state = context.chat_data.get(_KEY)
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


def _title(form: Form, state: dict, _: Translate) -> str:
    return _(form.title).format(number=state["number"], **state.get("args", {}))


def _keyboard(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in row] for row in rows])


def _field_markup(form: Form, item: Field, index: int, state: dict, lang: str, _: Translate) -> InlineKeyboardMarkup:
    rows: list[list[tuple[str, str]]] = []
    if item.kind in ("choice", "multi"):
        chosen = state.get("picked", [])
        labels = [(("✓ " if t.code in chosen else "") + t.label(lang), f"fv:{index}:{t.code}") for t in item.options]
        rows += [labels[i : i + 2] for i in range(0, len(labels), 2)]
        if item.kind == "multi":
            rows.append([(_("Done choosing"), f"fv:{index}:done")])
    if item.optional:
        rows.append([(_("Skip"), f"fv:{index}:skip")])
    if form.stepback and _previous(form, state, index) is not None:
        rows.append([(_("⬅ Back"), f"fv:{index}:back")])
    rows.append([(_("✖ Cancel"), "fv:cancel")])
    return _keyboard(rows)


async def _ask(update: Update, context: Context, notice: str = "") -> object:
    """Show the next question, or the summary when every field is filled."""
    state = _state(context)
    form = FORMS[state["action"]]
    _ = context.tr
    lang = context.lang
    index = _current(form, state)
    chat = update.effective_chat.id
    if index is None:
        return await _summary(update, context, form, state)
    item = form.fields[index]
    parts = [_title(form, state, _)]
    if item.intro is not None:
        parts.append(await item.intro(context, state["number"], state["values"], _))
    text = "\n\n".join([*parts, _(item.prompt)])
    if item.kind == "multi" and item.at_least:
        text += "\n" + _("Choose at least {count}, then tap “Done choosing”.").format(count=item.at_least)
    await context.bot.send_message(
        chat, f"{notice}\n\n{text}".strip(), reply_markup=_field_markup(form, item, index, state, lang, _)
    )
    return FORM


async def _summary(update: Update, context: Context, form: Form, state: dict) -> object:
    _ = context.tr
    lang = context.lang
    lines = [_title(form, state, _), ""]
    for item in form.fields:
        if item.when(state["values"]) and item.key in state["values"]:
            lines.append(f"{_(item.prompt)}\n→ {value_text(item, state['values'][item.key], lang, _)}")
    if form.recap is not None:
        lines += ["", await form.recap(context, state["number"], state["values"], _)]
    lines += ["", _(form.confirm)]
    back = [[(_("⬅ Back"), "fv:summary:back")]] if form.stepback else []
    markup = _keyboard([[(_("✅ Confirm"), "fv:confirm"), (_("✏ Start again"), "fv:restart")], *back,
                        [(_("✖ Cancel"), "fv:cancel")]])  # fmt: skip
    await context.bot.send_message(update.effective_chat.id, "\n".join(lines), reply_markup=markup)
    return FORM


# -- entering and leaving ----------------------------------------------------------------------


async def start_form(update: Update, context: Context) -> object:
    """form:<action>:<number>, from a tip card's button."""
    query = update.callback_query
    parts = query.data.split(":")
    form = FORMS.get(parts[1]) if len(parts) == 3 else None
    form = form if form is not None and form.by_button else None
    number = form.subject(parts[2]) if form is not None else None
    member = await form.actor(context, update.effective_user.id) if form else None
    if member is None or number is None:
        await refuse(update, context)
        return ConversationHandler.END
    await query.answer()
    if not await _may(context, member, parts[1], number):
        await _cannot(update, context, form, member, number)
        return ConversationHandler.END
    log.info("form %s started for tip %s", parts[1], number)
    return await begin(update, context, form, number)


async def _cannot(update: Update, context: Context, form: Form, member: object, number: str) -> None:
    """Why a form does not open: the role it is for, another department's tip, or the tip moved on."""
    if isinstance(member, StaffMember) and form.roles and not member.has(*form.roles):
        await refuse(update, context, role_refusal(update, context, member, form.roles))
        return
    if isinstance(member, StaffMember) and form.allowed is None:
        facets = await context.services.tips.facets(number)
        if facets is not None and not member.may_work(facets.department):
            await refuse_tip(update, context, member)
            return
    _ = context.tr
    await update.effective_message.reply_text(_("That is not possible for this report now."))


async def begin(update: Update, context: Context, form: Form, subject: str, *, carry: Values | None = None,
                args: dict[str, str] | None = None) -> object:  # fmt: skip
    """Open a form on a subject (a tip number, or what the form is about), once the caller has checked
    that this person may fill it. `carry` goes to submit with the answers, never shown; `args` fill
    the title."""
    context.chat_data[FLOW] = "form"
    context.chat_data[_KEY] = {
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


async def _may(context: Context, member: StaffMember, action: str, number: str) -> bool:
    svc = context.services
    if FORMS[action].allowed is not None:
        return await FORMS[action].allowed(context, member, number)
    facets = await svc.tips.facets(number)
    return (
        facets is not None
        and member.may_work(facets.department)
        and action in await svc.casework.actions(facets, context.today)
    )


async def cancel(update: Update, context: Context) -> object:
    context.chat_data.pop(_KEY, None)
    context.chat_data.pop(FLOW, None)
    _ = context.tr
    await context.bot.send_message(update.effective_chat.id, _("Cancelled. Nothing was sent."))
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
        state["values"], state["picked"] = await _start_values(context, state["action"], state["number"]), []
        return await _ask(update, context)
    if data == "confirm":
        return await _confirm(update, context, state)
    return await _pick(update, context, state, data)


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
            state["picked"] = []
        return await _ask(update, context)
    if item is not None and step == str(index) and item.optional and code == "skip":
        state["values"][item.key] = ""
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
    _ = context.tr
    if _current(form, state) is not None:
        return await _ask(update, context, _("Please answer the question first."))
    member = await form.actor(context, update.effective_user.id)
    number = state["number"]
    if member is None:
        context.chat_data.pop(_KEY, None)
        await refuse(update, context)
        return ConversationHandler.END
    try:
        if not await _may(context, member, form.action, number):
            raise CaseError(form.action)
        done = await form.submit(update, context, member, number, {**state["carry"], **state["values"]})
    except CaseError:
        context.chat_data.pop(_KEY, None)
        await context.bot.send_message(
            update.effective_chat.id, _("That is not possible for this report now. Nothing was sent.")
        )
        return ConversationHandler.END
    context.chat_data.pop(_KEY, None)
    log.info("form %s done for %s", form.action, number)
    back = _keyboard([[(_("📂 Back to the report"), f"{form.back}:{number}")]]) if form.back else None
    if done:
        await context.bot.send_message(update.effective_chat.id, done, reply_markup=back)
    return ConversationHandler.END


async def on_other(update: Update, context: Context) -> object:
    """A sticker, photo, voice… where the form wants text or a button."""
    _ = context.tr
    if _state(context) is None:
        return ConversationHandler.END
    return await _ask(update, context, _("Please type the answer as text, or use the buttons."))


def entry_points() -> list[CallbackQueryHandler]:
    return [CallbackQueryHandler(start_form, pattern=r"^form:")]


def states() -> dict[str, list]:
    """The form's one state, for the chat's one conversation (handlers.reporter)."""
    return {
        FORM: [
            CallbackQueryHandler(on_button, pattern=r"^fv:"),
            MessageHandler(filters.TEXT & ~filters.COMMAND, on_text),
            MessageHandler(~filters.COMMAND & ~filters.StatusUpdate.ALL, on_other),
        ]
    }
