"""A liaison's page ("I am a liaison"): their units, what is due, and the buttons to send or correct
the monthly figures and the quarter's summary. Someone not registered is told how."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ConversationHandler

from core.figures import Stored
from core.periods import Schedule, current_month, current_quarter, month_label, quarter_label, year_months
from handlers.callbacks import FiguresButton, QuarterButton, keyboard
from handlers.context import Context
from handlers.i18n import Translate
from handlers.state import end_flow
from storage.liaisons import Liaison

#: Earlier months of the year offered on the page (to correct, or to send late), the latest first.
EARLIER_SHOWN = 3


def due_text(schedule: Schedule) -> str:
    return f"{schedule.due:%Y-%m-%d}"


async def stored_reply(update: Update, context: Context, stored: Stored, schedule: Schedule, unchanged: str) -> object:
    """What a liaison is told once figures or a summary are stored (`unchanged`: found stored
    already, with a {version} placeholder), lateness included; then the flow ends and home shows."""
    _ = context.tr
    text = unchanged if stored.unchanged else _("Received, thank you. Version {version} is stored.")
    text = text.format(version=stored.version)
    if stored.late:
        text += "\n" + _("It is marked late: it was due by {date}.").format(date=due_text(schedule))
    await leave_flow(update, context, text)
    await send_home(update, context)
    return ConversationHandler.END


async def _unit_block(context: Context, item: Liaison, month: Schedule, _: Translate):
    svc = context.services
    lang = context.lang
    unit = item.unit
    latest = await svc.submissions.latest(unit.id, month.period)
    label = month_label(month.period, lang)
    if latest is None:
        status = _("{month}: not sent yet, due {date}.").format(month=label, date=due_text(month))
    else:
        status = _("{month}: sent on {date} (version {version}).").format(
            month=label, date=latest.submitted_at[:10], version=latest.version
        )
    lines = [f"🏘 {unit.name}", status]
    rows = []
    if await svc.submissions.locked(month.period):
        lines.append(_("The office has locked {month}: no more changes.").format(month=label))
    else:
        verb = _("✏ Correct") if latest else _("📊 Send")
        rows.append([
            (f"{verb} · " + _("step by step"), FiguresButton(mode="step", unit=unit.id, period=month.period)),
            (f"{verb} · " + _("in one message"), FiguresButton(mode="text", unit=unit.id, period=month.period)),
        ])  # fmt: skip
    rows += await _earlier_months(context, unit.id, month.period, lang, _)
    await _quarter_block(context, item, lines, rows, _)
    return lines, rows


async def _earlier_months(context: Context, unit_id: int, period: str, lang: str, _: Translate) -> list:
    """Buttons for the year's earlier months not locked, the latest first: to send one that was
    missed (late) or to correct one that was sent."""
    svc = context.services
    rows = []
    for earlier in reversed(year_months(period)[:-1]):
        if len(rows) == EARLIER_SHOWN:
            break
        if await svc.submissions.locked(earlier):
            continue
        sent = await svc.submissions.latest(unit_id, earlier)
        text = (_("✏ Correct {month}") if sent else _("📊 Send {month} (late)")).format(
            month=month_label(earlier, lang)
        )
        rows.append([(text, FiguresButton(mode="step", unit=unit_id, period=earlier))])
    return rows


async def _quarter_block(context: Context, item: Liaison, lines: list[str], rows: list, _: Translate) -> None:
    svc = context.services
    if not svc.office.figures.quarterly:
        return
    quarter = current_quarter(context.now, svc.office.figures.at)
    if quarter is None or await svc.submissions.locked(quarter.period):
        return
    lang = context.lang
    label = quarter_label(quarter.period, lang)
    sent = await svc.submissions.quarter(item.unit.id, quarter.period)
    if sent is None:
        lines.append(_("Summary of {quarter}: not sent yet, due {date}.").format(quarter=label, date=due_text(quarter)))
    else:
        lines.append(_("Summary of {quarter}: sent on {date}.").format(quarter=label, date=sent.submitted_at[:10]))
    text = (_("✏ Correct the summary") if sent else _("📄 Send the summary")) + f" · {label}"
    rows.append([(text, QuarterButton(unit=item.unit.id, period=quarter.period))])


def how_to_register(_: Translate) -> str:
    return _(
        "To register as your unit's liaison (联络员), send the code the office gave you with the command, "
        "like this: /register K7QX-M3PA"
    )


async def send_home(update: Update, context: Context) -> None:
    _ = context.tr
    svc = context.services
    chat = update.effective_chat.id
    mine = await svc.units.of_user(update.effective_user.id)
    if not mine:
        await context.bot.send_message(chat, how_to_register(_))
        return
    month = current_month(svc.office.figures.chosen, context.now, svc.office.figures.at)
    for item in mine:
        lines, rows = await _unit_block(context, item, month, _)
        await context.bot.send_message(chat, "\n".join(lines), reply_markup=keyboard(rows) if rows else None)


async def leave_flow(update: Update, context: Context, text: str) -> object:
    """Leave a liaison's flow (the monthly figures or the quarter's summary): its entry is dropped."""
    end_flow(context)
    await context.bot.send_message(update.effective_chat.id, text)
    return ConversationHandler.END


async def on_liaison_button(update: Update, context: Context) -> None:
    """menu:liaison"""
    await update.callback_query.answer()
    await send_home(update, context)
