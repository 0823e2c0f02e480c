"""A liaison sends (or corrects) a month's figures: step by step, one question per field, or the whole
form in one message. Both end in the same checks: empty lines counted as 0 only once confirmed, the
template's rules (现场监督检查企业数 ≤ 监管企业总数…), values over ten times last month's confirmed,
then a preview of 本月数 beside the computed 累计数, and only then is it stored.

The entry lives in chat data (sealed at rest) and survives a restart. It is a state of the chat's one
conversation (handlers.reporter). On sending, the bot checks again that this person is still the
unit's liaison and that the admin has not locked the month.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, ConversationHandler

from core.figures import Template, jumps, parse_form, violations, year_to_date
from core.periods import monthly_schedule, parse_month, year_months
from handlers.callbacks import FiguresButton, FiguresStep, button_expired, keyboard
from handlers.context import Context
from handlers.forms.fields import check_typed, figure_field, figure_problem
from handlers.forms.flow import flow_ended, flow_state
from handlers.i18n import Translate, join
from handlers.liaison import figure_views as views
from handlers.liaison.home import leave_flow, stored_reply
from handlers.state import MonthFigures, save_state, state_of
from services.figures import NotLiaison, PeriodLocked

log = logging.getLogger("tipline.figures")
FIGURES = "liaison_figures"  # the state; the entry is the chat's state (handlers.state.MonthFigures)
NAME = "figures"
KIND = MonthFigures


def _template(context: Context) -> Template:
    return context.services.office.figures.chosen


def _state(context: Context) -> MonthFigures | None:
    return state_of(context, MonthFigures)


async def _may_enter(context: Context, user_id: int, unit_id: int, period: str) -> str | None:
    """None if this person may send this unit's figures for this period now, else why not."""
    _ = context.tr
    refusal = await context.services.figures.refusal("month", user_id, unit_id, period, context.now)
    if refusal == "liaison":
        return _("You are not the liaison of this unit (any more).")
    if refusal == "not_yet":
        return _("That month cannot be reported yet.")
    if refusal == "locked":
        return _("The office has locked this month. To change it, please call the office.")
    return None


async def _last_month(context: Context, unit_id: int, period: str) -> dict[str, int] | None:
    """Last month's values (None if not sent): shown with each question, and the base of the jump check."""
    year, month = parse_month(period)
    previous = f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"
    sent = await context.services.submissions.latest(unit_id, previous)
    return sent.values if sent else None


async def _year_around(context: Context, unit_id: int, period: str) -> tuple[list[dict], list[dict]]:
    """The year's months sent before this one and after it (a correction of an earlier month), oldest first."""
    months = year_months(f"{period[:4]}-12")
    sent = await context.services.submissions.of_periods(months)
    values = [(p, sent[(unit_id, p)].values) for p in months if (unit_id, p) in sent]
    return [v for p, v in values if p < period], [v for p, v in values if p > period]


# -- entering ----------------------------------------------------------------------------------


async def start(update: Update, context: Context) -> object:
    """lf:<step|text>:<unit>:<period>, from the prompt or the liaison's page."""
    query = update.callback_query
    button = FiguresButton.parse(query.data)
    if button is None:
        await context.bot.send_message(update.effective_chat.id, await button_expired(update, context))
        return ConversationHandler.END
    await query.answer()
    _ = context.tr
    unit_id, period = button.unit, button.period
    problem = await _may_enter(context, update.effective_user.id, unit_id, period)
    if problem is not None:
        await context.bot.send_message(update.effective_chat.id, problem)
        return ConversationHandler.END
    unit = await context.services.units.get(unit_id)
    last = await _last_month(context, unit_id, period)
    save_state(context, MonthFigures(unit=unit_id, unit_name=unit.name, period=period, mode=button.mode, last=last))
    log.info("figures started for unit %s, %s (%s)", unit_id, period, button.mode)
    if button.mode == "text":
        lang = context.lang
        text = views.heading(unit.name, period, lang) + "\n\n" + views.one_message_form(_template(context), lang, _)
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=_cancel_markup(_))
        return FIGURES
    return await _next(update, context)


def _cancel_markup(_: Translate):
    return keyboard([[(_("✖ Cancel"), FiguresStep(action="cancel"))]])


async def _say(
    update: Update, context: Context, text: str, rows: list[list[tuple[str, FiguresStep]]] | None = None
) -> object:
    _ = context.tr
    markup = keyboard([*(rows or []), [(_("✖ Cancel"), FiguresStep(action="cancel"))]])
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)
    return FIGURES


# -- the checks, in order ----------------------------------------------------------------------


async def _next(update: Update, context: Context, notice: str = "", *, again: bool = False) -> object:
    """Ask what is missing, or go through the checks towards the preview; `again`: the lines were
    taken back because they broke a rule (the notice says which), so they are to be corrected."""
    state = _state(context)
    template = _template(context)
    _ = context.tr
    lang = context.lang
    missing = [c for c in template.typed if c.code not in state.values]
    head = views.heading(state.unit_name, state.period, lang)
    if missing and state.mode == "step":
        column = missing[0]
        index = template.typed.index(column)
        rows = [[("0", FiguresStep(action="zero", index=index))]]
        rows += [[(_("⬅ Back"), FiguresStep(action="back", index=index))]] if index else []
        question = views.field_question(template, column, state.last, lang, _)
        return await _say(update, context, "\n\n".join(p for p in (notice, head, question) if p), rows)
    if missing:
        names = join((c.label(lang) for c in missing), lang)
        text = (
            _("Please send these lines again, corrected: {names} (name, colon, number).")
            if again
            else _("Still missing: {names}. Please send those lines (name, colon, number).")
        ).format(names=names)
        return await _say(update, context, "\n\n".join(p for p in (notice, text) if p))
    return await _review(update, context, state, template, notice)


async def _review(
    update: Update, context: Context, state: MonthFigures, template: Template, notice: str = ""
) -> object:
    _ = context.tr

    async def say(text: str, rows: list | None = None) -> object:
        return await _say(update, context, f"{notice}\n\n{text}" if notice else text, rows)

    lang = context.lang
    values = state.values
    blanks = [c for c in template.typed if values.get(c.code) is None]
    if blanks and not state.blank_ok:
        names = join((c.label(lang) for c in blanks), lang)
        text = _("These lines are empty: {names}. Do they mean 0?").format(names=names)
        state.stage = "blanks"
        return await say(text, [[(_("Yes, they are 0"), FiguresStep(action="blank_yes")),
                                 (_("No, I will fill them in"), FiguresStep(action="blank_no"))]])  # fmt: skip
    month = {c.code: values.get(c.code) or 0 for c in template.typed}
    earlier, later = await _year_around(context, state.unit, state.period)
    ytd = year_to_date(template, [*earlier, month])
    broken = violations(template, month, ytd)
    for index in range(1, len(later) + 1):  # a correction must keep the later months' year to date right
        broken += [r for r in violations(template, month, year_to_date(template, [*earlier, month, *later[:index]]))
                   if r.scope == "year" and r not in broken]  # fmt: skip
    if broken:
        problems = [views.rule_problem(template, rule, month, ytd, lang, _) for rule in broken]
        for rule in broken:
            values.pop(rule.left, None)
        return await _next(update, context, "\n".join(["⚠ " + p for p in problems]), again=True)
    jumped = [code for code in jumps(template, month, state.last) if code not in state.jumps_ok]
    if jumped:
        lines = [_("These are more than 10 times last month's. Are they right?")]
        lines += [views.jump_line(template.column(c), month[c], state.last[c], lang, _) for c in jumped]
        state.stage = "jumps"
        return await say("\n".join(lines), [[(_("Yes, they are right"), FiguresStep(action="jump_yes")),
                                              (_("No, change them"), FiguresStep(action="jump_no"))]])  # fmt: skip
    state.stage = "preview"
    head = views.heading(state.unit_name, state.period, lang)
    text = head + "\n\n" + views.preview(template, month, ytd, lang, _)
    send, restart = FiguresStep(action="send"), FiguresStep(action="restart")
    return await say(text, [[(_("✅ Send"), send), (_("✏ Start again"), restart)]])


# -- answers -----------------------------------------------------------------------------------


async def on_text(update: Update, context: Context) -> object:
    state = _state(context)
    if state is None:
        return ConversationHandler.END
    state.stage = None
    template = _template(context)
    text = update.message.text
    if state.mode == "step":
        missing = [c for c in template.typed if c.code not in state.values]
        if not missing:
            return await _next(update, context)
        value, problem = await check_typed(figure_field(missing[0]), text, context, context.tr)
        if problem is not None:
            return await _next(update, context, problem)
        state.values[missing[0].code] = value
        return await _next(update, context)
    return await _merge_form(update, context, state, template, text)


async def _merge_form(update: Update, context: Context, state: MonthFigures, template: Template, text: str) -> object:
    """The one-message form, or some of its lines sent again: what is understood is kept."""
    values, problems = parse_form(template, text)
    state.values.update(values)
    lang = context.lang
    _ = context.tr
    shown = [figure_problem(template.column(code), answer, lang, _) for code, answer in problems.items()
             if answer or code not in state.values]  # fmt: skip
    if not values and not any(answer for answer in problems.values()):
        return await _next(update, context, _("I could not find the form's lines in that message."))
    for code, answer in problems.items():
        if answer:
            state.values.pop(code, None)
    if shown:
        notice = "\n".join(["⚠ " + p for p in shown])
        return await _say(
            update, context, notice + "\n\n" + _("Please send those lines again, like “Cases opened: 3”.")
        )
    return await _next(update, context)


async def on_button(update: Update, context: Context) -> object:
    state = _state(context)
    if state is None:
        return await flow_ended(update, context)
    query = update.callback_query
    button = FiguresStep.parse(query.data)
    if button == FiguresStep(action="cancel"):
        await query.answer()
        return await cancel(update, context)
    if button == FiguresStep(action="send") and state.stage == "preview":
        await query.answer()
        return await _send(update, context, state)
    if button is None or _apply_button(state, _template(context), button) is None:
        return await _next(update, context, await button_expired(update, context))
    await query.answer()
    state.stage = None
    return await _next(update, context)


def _apply_button(state: MonthFigures, template: Template, button: FiguresStep) -> bool | None:
    """Change the entry for a button; None when the button does not fit where the entry is."""
    values = state.values
    missing = [c for c in template.typed if c.code not in values]
    name, index = button.action, button.index
    here = template.typed.index(missing[0]) if missing and state.mode == "step" else None
    if name == "zero" and here is not None and index == here:
        values[missing[0].code] = 0
    elif name == "back" and here is not None and index == here != 0:
        values.pop(template.typed[here - 1].code)
    elif name in ("blank_yes", "blank_no") and state.stage == "blanks":
        if name == "blank_yes":
            state.blank_ok = True
        else:
            for code in [c for c, v in values.items() if v is None]:
                values.pop(code)
    elif name in ("jump_yes", "jump_no") and state.stage == "jumps":
        month = {c: v or 0 for c, v in values.items()}
        jumped = jumps(template, month, state.last)
        if name == "jump_yes":
            state.jumps_ok = jumped
        else:
            for code in jumped:
                values.pop(code)
    elif name == "restart" and state.stage == "preview":
        state.values, state.blank_ok, state.jumps_ok = {}, False, []
    else:
        return None
    return True


async def _send(update: Update, context: Context, state: MonthFigures) -> object:
    _ = context.tr
    template = _template(context)
    user = update.effective_user.id
    problem = await _may_enter(context, user, state.unit, state.period)
    if problem is not None:
        return await _end(update, context, problem + "\n" + _("Nothing was stored."))
    month = {c.code: state.values.get(c.code) or 0 for c in template.typed}
    try:
        stored = await context.services.figures.submit_month(
            state.unit, state.period, template, month, user, context.now
        )
    except NotLiaison:
        return await _end(update, context, _("You are not the liaison of this unit (any more).") + "\n"
                          + _("Nothing was stored."))  # fmt: skip
    except PeriodLocked:
        return await _end(update, context, _("The office has just locked this month. Nothing was stored."))
    log.info("figures %s for unit %s, %s, version %d", "unchanged" if stored.unchanged else "stored",
             state.unit, state.period, stored.version)  # fmt: skip
    unchanged = _("These figures are version {version}, stored already: nothing changed.")
    return await stored_reply(update, context, stored, monthly_schedule(template, state.period), unchanged)


async def _end(update: Update, context: Context, text: str) -> object:
    return await leave_flow(update, context, text)


async def cancel(update: Update, context: Context) -> object:
    _ = context.tr
    return await _end(update, context, _("Cancelled. Nothing was stored."))


async def on_other(update: Update, context: Context) -> object:
    """A sticker, photo, voice… where numbers are wanted."""
    _ = context.tr
    if _state(context) is None:
        return ConversationHandler.END
    return await _next(update, context, _("Please type the numbers as text, or use the buttons."))


def entry_points() -> list[CallbackQueryHandler]:
    return [CallbackQueryHandler(start, pattern=FiguresButton.pattern)]


def states() -> dict[str, list]:
    return flow_state(FIGURES, FiguresStep.pattern, on_button, on_text, on_other)


def transient_states() -> frozenset[str]:
    """None: the entry resumes where it stopped after a restart."""
    return frozenset()
