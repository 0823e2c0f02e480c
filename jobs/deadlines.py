"""The daily deadline run: replied tips past their objection window are closed, unclaimed rewards
past their claim window lapse; each assignee hears
what falls due within days_ahead and what is overdue; the admins get the overdue list.

Run daily at the configured time and once shortly after start-up, so a day missed while the bot
was down is caught up. Each reminder is recorded (storage.reminders) and never sent twice.
Reminders name tip numbers, deadlines and departments only: never content.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from telegram import InlineKeyboardMarkup
from telegram.ext import Application

from core.casework import OFFICE_OWES, reminder_key
from core.roles import Role, responsible
from core.tips import Status, TipFacets, open_deadlines
from handlers.callbacks import CaseButton, keyboard
from handlers.context import app_services
from handlers.i18n import N_, Translate, translator
from handlers.notify import notify_all, notify_reporter
from handlers.office.alerts import send_to_staff

log = logging.getLogger("tipline.reminders")
_BUTTONS_MAX = 20
_TASKS = {
    "accept": N_("decide on accepting"),
    "verify": N_("verify and handle"),
    "reply": N_("reply (答复)"),
    "review": N_("review (复查)"),
}


def task_line(facets: TipFacets, today: date, office, lang: str, _: Translate) -> str:
    [(what, due)] = open_deadlines(facets)
    if due < today:
        days = (today - due).days
        when = _.ngettext("overdue since {date} ({days} day)", "overdue since {date} ({days} days)", days)
        when = when.format(date=f"{due:%m-%d}", days=days)
    else:
        days = (due - today).days
        when = _.ngettext("due {date} (in {days} day)", "due {date} (in {days} days)", days)
        when = when.format(date=f"{due:%m-%d}", days=days)
    department = office.department(facets.department).label(lang)
    return f"{facets.number} · {_(_TASKS[what])} · {department} · {when}"


def _digest(title: str, tips: list[TipFacets], today: date, office, lang: str) -> tuple[str, InlineKeyboardMarkup]:
    _ = translator(lang)
    lines = [title, *(task_line(f, today, office, lang, _) for f in tips)]
    buttons = [[(f.number, CaseButton(action="open", number=f.number))] for f in tips[:_BUTTONS_MAX]]
    return "\n".join(lines), keyboard(buttons)


async def _assignees(services, facets: TipFacets) -> set[int]:
    """Those responsible for the tip (core.roles.responsible); intake officers too for a decision on accepting."""
    staff = await services.staff.all()
    return {m.user_id for m in responsible(staff, facets.department, with_intake=facets.status == Status.RECEIVED)}


async def run_deadlines(app: Application) -> int:
    """The daily run; returns how many reminder messages went out."""
    services = app_services(app)
    at = services.clock()
    today = at.date()
    await notify_all(app, await services.casework.close_expired(at))
    for number in await services.rewards.lapse_expired(at):
        await notify_reporter(app, number)
    office, lang = services.office, services.language
    _ = translator(lang)
    due = await services.tips.due_by(OFFICE_OWES, today + timedelta(days=office.reminders.days_ahead))
    keys: dict[tuple[str, int], str] = {}  # (tip, person) → what was told to whom, once
    for facets in due:
        for user_id in await _assignees(services, facets):
            keys[(facets.number, user_id)] = f"{reminder_key(facets, today)}@{user_id}"
    unsent = await services.reminders.unsent(keys.values())
    by_number = {f.number: f for f in due}
    per_person: dict[int, list[TipFacets]] = {}
    for (number, user_id), key in keys.items():
        if key in unsent:
            per_person.setdefault(user_id, []).append(by_number[number])
    delivered: set[str] = set()
    sent = 0
    title = _("⏰ Deadlines on {date}:").format(date=f"{today:%Y-%m-%d}")
    for user_id, tips in per_person.items():
        if await send_to_staff(app, user_id, *_digest(title, tips, today, office, lang), "reminder"):
            delivered |= {keys[(f.number, user_id)] for f in tips}
            sent += 1
    sent += await _admin_list(app, [f for f in due if f.due_on < today], today, delivered)
    await services.notices.record_sent(delivered, today)
    log.info("deadline run: %d tips due or overdue, %d reminders sent", len(due), sent)
    return sent


async def _admin_list(app: Application, overdue: list[TipFacets], today: date, delivered: set[str]) -> int:
    services = app_services(app)
    key = f"admin-overdue:{today}"
    if not overdue or not await services.reminders.unsent([key]):
        return 0
    _ = translator(services.language)
    title = _.ngettext("⚠ {count} report is overdue:", "⚠ {count} reports are overdue:", len(overdue))
    title = title.format(count=len(overdue))
    text, markup = _digest(title, overdue, today, services.office, services.language)
    sent = 0
    for admin in await services.staff.with_role(Role.ADMIN):
        sent += await send_to_staff(app, admin.user_id, text, markup, "overdue list")
    if sent:
        delivered.add(key)
    return sent
