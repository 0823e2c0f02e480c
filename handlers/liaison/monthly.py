"""`/monthly 2026-10` (admin and intake officer): the consolidated table of the units' figures as an
.xlsx laid out like the county's form, the same as CSV, a chart of the year's main figures, and who
is missing or late; the admin can lock the month against further corrections. `python -m bot export
monthly` writes the same files through `write_monthly`."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from telegram import InlineKeyboardMarkup, Update

from core.charts import CjkFontMissing
from core.figures import Template
from core.monthly import UnitFigures, by_month, consolidate, monthly_chart, monthly_csv, title
from core.monthly_book import monthly_xlsx
from core.office import OfficeConfig
from core.periods import current_month, month_label, parse_month, year_months
from core.roles import Role, StaffMember
from handlers.callbacks import MonthLock, button_expired, confirm_markup, keyboard
from handlers.context import Context
from handlers.i18n import join, sentences
from handlers.office.access import staff_only
from handlers.office.stepup import needs_code
from storage.figures import Submissions
from storage.liaisons import Units

log = logging.getLogger("tipline.monthly")


@dataclass(frozen=True)
class MonthlyFiles:
    xlsx: Path
    csv: Path
    png: Path | None  # None when no Chinese font is installed (the table is still written)
    units: int
    missing: list[str]
    late: list[str]


async def write_monthly(units: Units, submissions: Submissions, office: OfficeConfig, period: str, folder: Path,
                        made_on: date, lang: str) -> MonthlyFiles:  # fmt: skip
    """Write the month's table (.xlsx, .csv) and chart (.png) into `folder`."""
    template = office.figures.chosen
    all_units = await units.all()
    latest = await submissions.of_periods(year_months(period))
    sent = {key: (s.values, s.late) for key, s in latest.items()}
    rows = consolidate(template, period, [(u.id, u.name) for u in all_units], sent)
    days = {unit_id: date.fromisoformat(s.submitted_at[:10]) for (unit_id, p), s in latest.items() if p == period}
    rows = [replace(row, sent_on=days.get(u.id)) for row, u in zip(rows, all_units, strict=True)]  # 填报时间
    chart = by_month(template, period, sent)
    args = (template, period, rows, chart, folder, office.unit(lang), made_on, lang)  # 填报单位: the formal name
    xlsx, csv, png = await asyncio.to_thread(_write_files, *args)
    return MonthlyFiles(xlsx, csv, png, len(rows), [r.unit for r in rows if r.month is None],
                        [r.unit for r in rows if r.late])  # fmt: skip


def _write_files(template: Template, period: str, rows: list[UnitFigures], chart: dict, folder: Path,
                 office: str | None, made_on: date, lang: str) -> tuple[Path, Path, Path | None]:  # fmt: skip
    stem = folder / f"monthly-{period}-{lang}"  # the language too: an English export never overwrites the Chinese
    xlsx, csv, png = stem.with_suffix(".xlsx"), stem.with_suffix(".csv"), stem.with_suffix(".png")
    xlsx.write_bytes(monthly_xlsx(template, period=period, office=office, units=rows, made_on=made_on, lang=lang))
    csv.write_bytes(monthly_csv(template, period=period, units=rows, lang=lang))
    try:
        year = parse_month(period)[0]
        png.write_bytes(
            monthly_chart(template, year=year, by_month=chart, lang=lang, title=title(template, period, lang))
        )
    except CjkFontMissing as exc:
        log.error("monthly chart not drawn: %s", exc)
        return xlsx, csv, None
    return xlsx, csv, png


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
    with tempfile.TemporaryDirectory() as folder:
        files = await write_monthly(svc.units, svc.submissions, svc.office, period, Path(folder), at.date(), lang)
        await svc.trail.note(actor=member.user_id, action="figures.table", at=at, detail=period)
        await update.effective_message.reply_text(_summary(files, period, lang, _), reply_markup=_lock_button(
            member, period, await svc.submissions.locked(period), _))  # fmt: skip
        for path in (files.xlsx, files.csv):
            await update.effective_message.reply_document(path.read_bytes(), filename=path.name)
        if files.png is not None:
            await update.effective_message.reply_photo(files.png.read_bytes())
        else:
            await update.effective_message.reply_text(_("The chart could not be drawn: no Chinese font is installed."))
    log.info("monthly table sent for %s", period)


def _summary(files: MonthlyFiles, period: str, lang: str, _) -> str:
    sent = files.units - len(files.missing)
    lines = [_.ngettext("{month}: {sent} of {units} unit has sent its figures.",
                        "{month}: {sent} of {units} units have sent their figures.", files.units).format(
        month=month_label(period, lang), sent=sent, units=files.units)]  # fmt: skip
    if files.missing:
        lines.append(sentences([_("Missing:"), join(files.missing, lang)], lang))
    if files.late:
        lines.append(sentences([_("Late:"), join(files.late, lang)], lang))
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
