"""`/monthly 2026-10` (admin and intake officer): the consolidated table of the units' figures as an
.xlsx laid out like the county's form, the same as CSV, a chart of the year's main figures, and who
is missing or late; the admin can lock the month against further corrections. The summary of who has
sent comes first, from the database alone; the files follow, made in the worker processes
(bot.workers), never on the event loop. `python -m bot export monthly` writes the same files through
`write_monthly`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from telegram import InlineKeyboardMarkup, Message, Update

from core.charts import CjkFontMissing
from core.monthly_book import MonthData, month_chart, month_csv, month_rates, month_xlsx
from core.office import OfficeConfig
from core.periods import current_month, month_label, parse_month, year_months
from core.rates import TipCounts, count_tips
from core.roles import Role, StaffMember
from handlers.callbacks import MonthLock, button_expired, confirm_markup, keyboard
from handlers.context import Context
from handlers.i18n import join, sentences
from handlers.liaison.monthly_rates import rates_summary
from handlers.office.access import staff_only
from handlers.office.stepup import needs_code
from storage.figures import Submissions
from storage.ledger import Ledger
from storage.liaisons import Units

log = logging.getLogger("tipline.monthly")
T = TypeVar("T")
#: Runs a function of core's off the event loop: the worker processes (bot.workers), or a thread.
Run = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class MonthlyFiles:
    xlsx: Path
    csv: Path
    png: Path | None  # None when no Chinese font is installed (the table is still written)
    units: int
    missing: list[str]
    late: list[str]


async def read_month(units: Units, submissions: Submissions, office: OfficeConfig, period: str, made_on: date,
                     lang: str, exposed: dict[str, int] | None = None,
                     tips: dict[tuple[str, str], TipCounts] | None = None) -> MonthData:  # fmt: skip
    """What the month's summary and files are made of: every active unit and the year's latest figures;
    `exposed`, the office's own exposures published by month ("YYYY-MM" → enterprises); `tips`, the
    year's tips as counts (core.rates.count_tips; None: the files leave the tips' rates out)."""
    all_units = await units.all()
    latest = await submissions.of_periods(year_months(period))
    return MonthData(
        template=office.figures.chosen, period=period, units=[(u.id, u.name) for u in all_units],
        sent={key: (s.values, s.late) for key, s in latest.items()},
        sent_on={unit_id: date.fromisoformat(s.submitted_at[:10]) for (unit_id, p), s in latest.items() if p == period},
        office=office.unit(lang), made_on=made_on, lang=lang,  # 填报单位: the formal name
        exposed=dict(exposed or {}), tips=tips, departments=[(d.code, d.label(lang)) for d in office.departments],
    )  # fmt: skip


async def write_monthly(units: Units, submissions: Submissions, office: OfficeConfig, period: str, folder: Path,
                        made_on: date, lang: str, *, ledger: Ledger,
                        exposed: dict[str, int]) -> MonthlyFiles:  # fmt: skip
    """Write the month's table (.xlsx, .csv) and chart (.png) into `folder` (`python -m bot export monthly`,
    a command of its own: a thread is enough, no one waits beside it), with the tips' rates from `ledger`
    and the office's own exposures by month (`exposed`), as /monthly makes them."""
    tips = await _tip_counts(ledger, _in_thread, period)
    month = await read_month(units, submissions, office, period, made_on, lang, exposed=exposed, tips=tips)
    xlsx, csv, png = await asyncio.to_thread(_write_files, month, folder)
    return MonthlyFiles(xlsx, csv, png, len(month.units), month.missing(), month.late())


async def _in_thread(fn: Callable[..., T], /, *args: object) -> T:
    return await asyncio.to_thread(fn, *args)


def _write_files(month: MonthData, folder: Path) -> tuple[Path, Path, Path | None]:
    stem = folder / _stem(month)
    xlsx, csv, png = stem.with_suffix(".xlsx"), stem.with_suffix(".csv"), stem.with_suffix(".png")
    xlsx.write_bytes(month_xlsx(month))
    csv.write_bytes(month_csv(month))
    try:
        png.write_bytes(month_chart(month))
    except CjkFontMissing as exc:
        log.error("monthly chart not drawn: %s", exc)
        return xlsx, csv, None
    return xlsx, csv, png


def _stem(month: MonthData) -> str:
    return f"monthly-{month.period}-{month.lang}"  # the language too: an English export never overwrites the Chinese


@staff_only(Role.ADMIN, Role.INTAKE)
@needs_code
async def monthly_command(update: Update, context: Context, member: StaffMember) -> None:
    _ = context.tr
    svc = context.services
    lang = context.lang
    at = context.now
    period = (
        context.args[0] if context.args else current_month(svc.office.figures.chosen, at, svc.office.figures.at).period
    )
    if parse_month(period) is None:
        await update.effective_message.reply_text(_("Please give the month like this: /monthly 2026-10"))
        return
    units, reported = await svc.units.all(), await svc.submissions.reported(period)
    await svc.trail.note(actor=member.user_id, action="figures.table", at=at, detail=period)
    locked = await svc.submissions.locked(period)
    names = [(u.name, reported.get(u.id)) for u in units]  # None: not sent; else whether late
    await update.effective_message.reply_text(_summary(period, names, lang, _), reply_markup=_lock_button(
        member, period, locked, _))  # fmt: skip
    month = await read_month(svc.units, svc.submissions, svc.office, period, at.date(), lang,
                             exposed=await svc.exposure.exposed_by_month(parse_month(period)[0]),
                             tips=await _tip_counts(svc.ledger, svc.workers.run, period))  # fmt: skip
    try:
        rates = await svc.workers.run(month_rates, month)
    except Exception as exc:  # whatever broke in the worker, the person hears of it, and the files still come
        log.error("monthly rates not computed for %s: %s", period, type(exc).__name__)
        await update.effective_message.reply_text(_("Sorry, the 6 × 100% rates could not be computed this time."))
    else:
        await update.effective_message.reply_text(rates_summary(rates, lang, _, tips_read=month.tips is not None))
    await _send_files(update.effective_message, context, month)
    log.info("monthly table sent for %s", period)


async def _tip_counts(ledger: Ledger, run: Run, period: str) -> dict[tuple[str, str], TipCounts] | None:
    """The year's tips as counts by department and month, made by `run` (the worker processes for
    /monthly: a year's 100,000 ledger records become a few dozen numbers before they go into
    MonthData; a thread for the export command); None if that failed: the files then leave the tips'
    rates out."""
    year = parse_month(period)[0]
    records = await ledger.records(date(year, 1, 1), date(year, 12, 31))
    try:
        return await run(count_tips, records)
    except Exception as exc:
        log.error("tips not counted for %s: %s", period, type(exc).__name__)
        return None


async def _send_files(message: Message, context: Context, month: MonthData) -> None:
    """The table, the CSV and the chart, made at once in the worker processes and sent in that order as
    each is ready; one that could not be made is said politely, and the others still come."""
    _ = context.tr
    stem = _stem(month)
    # the chart before the CSV: with two workers the .xlsx and the chart, the longest two, start at once
    made = {suffix: asyncio.ensure_future(context.services.workers.run(_FILES[suffix], month))
            for suffix in (".xlsx", ".png", ".csv")}  # fmt: skip
    try:
        for suffix in _FILES:
            try:
                body = await made[suffix]
            except CjkFontMissing as exc:
                log.error("monthly chart not drawn: %s", exc)
                await message.reply_text(_("The chart could not be drawn: no Chinese font is installed."))
                continue
            except Exception as exc:  # whatever broke in the worker, the person hears of it
                log.error("monthly %s not made for %s: %s", suffix, month.period, type(exc).__name__)
                await message.reply_text(_("Sorry, {file} could not be made this time. Please try again later.")
                                         .format(file=stem + suffix))  # fmt: skip
                continue
            if suffix == ".png":
                await message.reply_photo(body)
            else:
                await message.reply_document(body, filename=stem + suffix)
    finally:
        for task in made.values():
            task.cancel()


#: The month's files, each made by a function of core's in a worker process.
_FILES = {".xlsx": month_xlsx, ".csv": month_csv, ".png": month_chart}


def _summary(period: str, units: list[tuple[str, bool | None]], lang: str, _) -> str:
    """Who has sent, who is missing, who was late: the first answer, before any file is made. `units`:
    each unit's name and None if it has not sent, else whether it was late."""
    missing = [name for name, late in units if late is None]
    late = [name for name, was_late in units if was_late]
    lines = [_.ngettext("{month}: {sent} of {units} unit has sent its figures.",
                        "{month}: {sent} of {units} units have sent their figures.", len(units)).format(
        month=month_label(period, lang), sent=len(units) - len(missing), units=len(units))]  # fmt: skip
    if missing:
        lines.append(sentences([_("Missing:"), join(missing, lang)], lang))
    if late:
        lines.append(sentences([_("Late:"), join(late, lang)], lang))
    return "\n".join(lines)


def _lock_button(member: StaffMember, period: str, locked: bool, _) -> InlineKeyboardMarkup | None:
    if locked or not member.has(Role.ADMIN):
        return None
    return keyboard([[(_("🔒 Lock this month"), MonthLock(what="lock", period=period))]])


@staff_only(Role.ADMIN)
async def lock_button(update: Update, context: Context, admin: StaffMember) -> None:
    """mon:lock:<period> asks to confirm; mon:ok:lock:<period> locks the month against corrections; mon:back:<period>
    leaves it open. Locking cannot be undone in the bot, so it is never one tap."""
    query = update.callback_query
    button = MonthLock.parse(query.data)
    if button is None:
        await query.message.reply_text(await button_expired(update, context))
        return
    await query.answer()
    _ = context.tr
    period = button.period
    label = month_label(period, context.lang)
    if button.what == "back":
        await query.message.edit_text(_("{month} stays open: nothing changed.").format(month=label))
    elif not button.ok:
        question = _("Lock {month}? Liaisons can then no longer correct its figures, and the bot cannot unlock it.")
        back = MonthLock(what="back", period=period)
        markup = confirm_markup(MonthLock(ok=True, what="lock", period=period), back, _)
        await query.message.reply_text(question.format(month=label), reply_markup=markup)
    else:
        done = await context.services.figures.lock(period, admin.user_id, context.now)
        text = _("{month} is locked: liaisons can no longer change it.") if done else _("{month} was locked already.")
        await query.message.edit_text(text.format(month=label))
