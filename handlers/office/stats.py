"""/stats for the admin and auditors: tips by status, kind, industry, department, village and month,
核实查处率 against its 100% target, overdue tips, median days to reply, as text and as a PNG chart;
then the year's "6 个 100%" from the units' figures and the tips (handlers.office.stats_rates) and their
chart by month. Computed from plaintext facets only: no tip is decrypted to be counted."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date
from functools import partial
from typing import NamedTuple

from telegram import InputFile, Update

from core import taxonomy
from core.charts import CjkFontMissing, Panel, bar_panels
from core.money import format_yuan
from core.office import OfficeConfig
from core.periods import short_month
from core.rate_report import rates_panels, year_report
from core.roles import Role, StaffMember
from core.stats import Summary
from core.tips import Status
from handlers.context import Context
from handlers.i18n import Translate, colon
from handlers.office.access import staff_only
from handlers.office.stats_rates import rates_text, year_figures

log = logging.getLogger("tipline.stats")


class Chart(NamedTuple):
    title: str
    panels: list[Panel]
    footer: str


def _year(args: list[str], today: date) -> int | None:
    if not args:
        return today.year
    text = args[0].strip()
    return int(text) if text.isdigit() and 2000 <= int(text) <= today.year else None


def _labels(summary: Summary, office: OfficeConfig, lang: str, _: Translate) -> dict[str, list[tuple[str, int]]]:
    """Each breakdown as (label, count), in the vocabulary's order, empty entries left out."""
    villages = {v.code: v.label(lang) for v in office.villages}

    def ordered(counter: Counter, names: list[tuple[str, str]]) -> list[tuple[str, int]]:
        return [(name, counter[code]) for code, name in names if counter[code]]

    return {
        "status": ordered(summary.by_status, [(s, s.label(lang)) for s in Status]),
        "kind": ordered(summary.by_kind, [(t.code, t.label(lang)) for t in taxonomy.KINDS]),
        "industry": ordered(summary.by_industry, [(t.code, t.label(lang)) for t in taxonomy.INDUSTRIES]),
        "department": ordered(summary.by_department, [(d.code, d.label(lang)) for d in office.departments]),
        "village": ordered(summary.by_village, [*villages.items(), ("", _("village not given"))]),
    }


def stats_text(summary: Summary, year: int, today: date, office: OfficeConfig, lang: str, _: Translate) -> str:
    groups = _labels(summary, office, lang, _)
    titles = {"status": _("By status"), "kind": _("By kind"), "industry": _("By industry"),
              "department": _("By department"), "village": _("By village")}  # fmt: skip
    lines = [_("📊 Reports in {year} (as of {date})").format(year=year, date=f"{today:%Y-%m-%d}"),
             _("Reports received: {count}").format(count=summary.total)]  # fmt: skip
    for key, title in titles.items():
        if groups[key]:
            lines.append(title + colon(lang) + " · ".join(f"{name} {count}" for name, count in groups[key]))
    months = " · ".join(f"{short_month(int(m[5:]), lang)} {summary.by_month.get(m, 0)}" for m in _months(year, today))
    lines.append(_("By month: {months}").format(months=months))
    rate = summary.verified_rate
    lines.append(
        _("Verified-and-handled rate (verified among accepted): {verified}/{accepted} = {rate} (target 100%)").format(
            verified=summary.verified, accepted=summary.accepted, rate="—" if rate is None else f"{rate}%"
        )
    )
    lines.append(_("Found true or partly true: {count}").format(count=summary.substantiated))
    lines.append(_("Fines imposed: {amount}").format(amount=format_yuan(summary.fines_fen)))
    lines.append(_("Overdue now: {count}").format(count=summary.overdue))
    median = summary.median_days_to_reply
    lines.append(_("Median days from receipt to reply: {days}").format(days="—" if median is None else f"{median:g}"))
    if summary.deaths:
        lines.append(_("Reports of a death: {count}").format(count=summary.deaths))
    lines.append(_("Rewards decided: {count} ({amount}); paid: {paid} ({paid_amount})").format(
        count=summary.rewarded, amount=format_yuan(summary.rewarded_fen), paid=summary.paid,
        paid_amount=format_yuan(summary.paid_fen)))  # fmt: skip
    lines.append(_("Reports, verifications and rewards by month:"))
    for key in sorted(summary.monthly):
        tips, verified, rewarded, paid, paid_fen = summary.monthly[key]
        lines.append("  " + _("{month}: {tips} reported · {verified} verified · {rewarded} rewarded · {paid} paid "
                              "({amount})").format(month=key, tips=tips, verified=verified, rewarded=rewarded,
                                                   paid=paid, amount=format_yuan(paid_fen)))  # fmt: skip
    return "\n".join(lines)


def _months(year: int, today: date) -> list[str]:
    last = today.month if year == today.year else 12
    return [f"{year}-{m:02d}" for m in range(1, last + 1)]


def stats_chart(summary: Summary, year: int, today: date, office: OfficeConfig, lang: str, _: Translate) -> Chart:
    """The chart's title, panels and footer, in the reader's language: what a worker draws (core.charts)."""
    groups = _labels(summary, office, lang, _)
    panels = [
        Panel(_("Reports by month"), [(m[5:], summary.by_month.get(m, 0)) for m in _months(year, today)]),
        Panel(_("By status"), groups["status"], horizontal=True),
        Panel(_("By industry"), groups["industry"], horizontal=True),
        Panel(_("By department"), groups["department"], horizontal=True),
    ]
    title = _("{office}: reports in {year}").format(office=office.label(lang), year=year)
    footer = _("as of {date}").format(date=f"{today:%Y-%m-%d}")
    return Chart(title, [p for p in panels if p.bars], footer)


@staff_only(Role.ADMIN, Role.AUDITOR)
async def stats(update: Update, context: Context, member: StaffMember) -> None:
    """The ledger and the rewards are read here; the summary and the chart are made in the worker
    processes (bot.workers), so the loop answers everyone else meanwhile."""
    svc = context.services
    _ = context.tr
    lang = context.lang
    at = context.now
    year = _year(context.args or [], at.date())
    if year is None:
        await update.effective_message.reply_text(_("Please give a year, for example /stats 2026."))
        return
    first, last = date(year, 1, 1), date(year, 12, 31)
    last_month = at.month if year == at.year else 12
    records, rewards = await svc.ledger.records(first, last), await svc.rewards.touching(first, last)
    sent = await year_figures(svc.submissions, svc.units, year, last_month)
    exposed = await svc.exposure.exposed_by_month(year)  # the office's own 曝光企业数, in 合计 and 曝光率
    summary, rates = await svc.workers.run(
        year_report, records, at.date(), rewards, year, svc.office.figures.chosen, sent, last_month, exposed
    )
    await svc.trail.note(actor=member.user_id, action="stats.view", at=at, detail=str(year))
    await update.effective_message.reply_text(stats_text(summary, year, at.date(), svc.office, lang, _))
    await update.effective_message.reply_text(rates_text(rates, lang, _))  # its own message: 4,096 characters each
    footer = _("as of {date}").format(date=f"{at.date():%Y-%m-%d}")
    if summary.total:
        await _send_chart(update, context, stats_chart(summary, year, at.date(), svc.office, lang, _), f"stats-{year}")
    panels = rates_panels(rates, lang)
    if panels:
        title = _("{office}: 6 × 100% by month in {year} (dashed: the 100% target)").format(
            office=svc.office.label(lang), year=year
        )
        await _send_chart(update, context, Chart(title, panels, footer), f"rates-{year}")


async def _send_chart(update: Update, context: Context, chart: Chart, name: str) -> None:
    _ = context.tr
    try:
        png = await context.services.workers.run(partial(bar_panels, footer=chart.footer), chart.title, chart.panels)
    except CjkFontMissing as exc:
        log.error("chart not drawn: %s", exc)
        await update.effective_message.reply_text(_("The chart cannot be drawn: no Chinese font is installed."))
        return
    except Exception as exc:  # whatever broke in the worker, the person hears of it
        log.error("stats chart not drawn: %s", type(exc).__name__)
        await update.effective_message.reply_text(_("Sorry, the chart could not be drawn this time."))
        return
    await update.effective_message.reply_photo(InputFile(png, filename=f"{name}.png"))
