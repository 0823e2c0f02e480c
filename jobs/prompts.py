"""The liaisons' schedule (core.periods): the prompt for the month (and the quarter), reminders to those
who have not sent, and, after the due day, the list of missing units to the admins.

Run at the office's prompt time daily and once shortly after start-up. Each message is queued in
the outbox (handlers.outbox, which retries what Telegram refuses for now) and recorded
(storage.reminders) under a key naming the period, the event and the person, in one transaction,
so a repeated run, a restart or a run after downtime never sends anything twice; a prompt missed
while the bot was down goes out when it comes back (and stands for any reminder that fell due
meanwhile).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from telegram import InlineKeyboardMarkup
from telegram.ext import Application

from core.periods import (
    Schedule,
    current_month,
    current_quarter,
    liaison_round,
    missing_list_now,
    month_label,
    nudge,
    quarter_label,
)
from core.roles import Role
from handlers.callbacks import FiguresButton, QuarterButton, keyboard
from handlers.context import app_services
from handlers.i18n import translator
from handlers.office.views import chunks
from handlers.outbox import drain
from services.notices import Notice
from storage.liaisons import Liaison
from storage.outbox import Message

log = logging.getLogger("tipline.prompts")


def _month_message(
    item: Liaison, schedule: Schedule, reminder: bool, overdue: bool
) -> tuple[str, InlineKeyboardMarkup]:
    _ = translator(item.lang)
    label = month_label(schedule.period, item.lang)
    if overdue:
        text = _("📊 The figures of {unit} for {month} were due by {date}: please send them as soon as you can.")
    elif reminder:
        text = _("⏰ Reminder: the figures of {unit} for {month} are due by {date}.")
    else:
        text = _("📊 Monthly figures: please send those of {unit} for {month} by {date}.")
    rows = [[
        (_("Step by step"), FiguresButton(mode="step", unit=item.unit.id, period=schedule.period)),
        (_("In one message"), FiguresButton(mode="text", unit=item.unit.id, period=schedule.period)),
    ]]  # fmt: skip
    return text.format(unit=item.unit.name, month=label, date=f"{schedule.due:%Y-%m-%d}"), keyboard(rows)


def _quarter_message(
    item: Liaison, schedule: Schedule, reminder: bool, overdue: bool
) -> tuple[str, InlineKeyboardMarkup]:
    _ = translator(item.lang)
    label = quarter_label(schedule.period, item.lang)
    if overdue:
        text = _("📄 The summary and typical cases of {unit} for {quarter} were due by {date}: please send them "
                 "as soon as you can.")  # fmt: skip
    elif reminder:
        text = _("⏰ Reminder: the summary and typical cases of {unit} for {quarter} are due by {date}.")
    else:
        text = _("📄 Please send the activity summary and typical cases (典型案例) of {unit} for {quarter} by {date}.")
    markup = keyboard([[(_("📄 Send the summary"), QuarterButton(unit=item.unit.id, period=schedule.period))]])
    return text.format(unit=item.unit.name, quarter=label, date=f"{schedule.due:%Y-%m-%d}"), markup


async def _fan_out(app: Application, kind: str, schedule: Schedule, sent_units: set[int], now: datetime) -> int:
    """Prompt (or remind) every liaison whose unit has not sent; returns messages queued."""
    services = app_services(app)
    round_ = liaison_round(schedule, now, services.office.figures.at)
    if round_ is None:
        return 0
    waiting = [item for item in await services.units.liaisons() if item.unit.id not in sent_units]
    render = _month_message if kind == "month" else _quarter_message
    prefix = f"{kind}:{schedule.period}"
    keys = {(item.unit.id, item.user_id): [f"{prefix}:{e}:{item.unit.id}@{item.user_id}" for e in round_.events]
            for item in waiting}  # fmt: skip
    unsent = await services.reminders.unsent(k for ks in keys.values() for k in ks)
    queue: list[tuple[list[str], Message]] = []
    prompts = 0
    for item in waiting:
        item_keys = keys[(item.unit.id, item.user_id)]
        kind_of = nudge(prompt_reached=item_keys[0] not in unsent, latest_reached=item_keys[-1] not in unsent)
        if kind_of is None:
            continue
        text, markup = render(item, schedule, kind_of == "reminder", round_.overdue)
        # A late prompt stands for the reminders it caught up with: all its keys are marked.
        queue.append((item_keys, Message(item.user_id, text, markup.to_dict())))
        prompts += kind_of == "prompt"
    count = await _queue(services, f"{kind} prompt", queue, now)
    if missing_list_now(round_, prompts):
        count += await _missing_list(app, kind, schedule, sent_units, now)
    return count


async def _queue(services, kind: str, queue: list[tuple[list[str], Message]], now: datetime) -> int:
    """Queue the messages and mark their keys sent, in one unit of work (services.notices): a crash
    half-way leaves all or none, and the outbox delivers them (retrying what Telegram refuses for now)."""
    await services.notices.queue(kind, [Notice(keys[-1], message, tuple(keys)) for keys, message in queue], now.date())
    return len(queue)


async def _missing_list(app: Application, kind: str, schedule: Schedule, sent: set[int], now: datetime) -> int:
    services = app_services(app)
    key = f"{kind}:{schedule.period}:missing"
    if not await services.reminders.unsent([key]):
        return 0
    units = await services.units.all()
    admins = await services.staff.with_role(Role.ADMIN)
    if not units or not admins:
        return 0
    absent = [u for u in units if u.id not in sent]
    lang = services.language
    _ = translator(lang)
    label = month_label(schedule.period, lang) if kind == "month" else quarter_label(schedule.period, lang)
    if absent:
        text = _("📋 {period}: due by {date}, not sent by:").format(period=label, date=f"{schedule.due:%Y-%m-%d}")
        text += "\n" + "\n".join(f"• {u.name}" for u in absent)
    else:
        text = _("📋 {period}: every unit has sent.").format(period=label)
    pieces = chunks(text)  # a thousand units missing is more than one message holds
    queue = [([key, f"{key}@{admin.user_id}#{index}"], Message(admin.user_id, piece))
             for admin in admins for index, piece in enumerate(pieces)]  # fmt: skip
    return await _queue(services, "missing list", queue, now)


async def run_prompts(app: Application) -> int:
    """The daily run; returns how many messages went out. One run at a time: the start-up run and
    the daily one may fall together."""
    async with app.bot_data.setdefault("liaison_prompts_running", asyncio.Lock()):
        return await _run(app)


async def _run(app: Application) -> int:
    services = app_services(app)
    now = services.clock()
    at = services.office.figures.at
    figures = services.office.figures
    month = current_month(figures.chosen, now, at)
    sent = {unit_id for (unit_id, _p) in await services.submissions.of_periods([month.period])}
    count = await _fan_out(app, "month", month, sent, now)
    quarter = current_quarter(now, at) if figures.quarterly else None
    if quarter is not None:
        done = {r.unit_id for r in await services.submissions.quarters(quarter.period)}
        count += await _fan_out(app, "quarter", quarter, done, now)
    log.info("liaison run: %d messages queued", count)
    if count:
        await drain(app)
    return count
