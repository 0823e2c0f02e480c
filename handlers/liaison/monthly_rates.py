"""/monthly's "6 个 100%" message: each rate of the month and of the year to date, all units together and
all tips, with its formula and source (core.rate_report's YearRates, made in a worker process)."""

from __future__ import annotations

from core.periods import month_label
from core.rate_report import YearRates
from core.targets import TARGET
from handlers.i18n import Translate


def rates_summary(rates: YearRates, lang: str, _: Translate, *, tips_read: bool = True) -> str:
    """A line per rate and source that holds a figure of it (a rate no source holds: what is missing).
    `tips_read` False: the ledger could not be read this time; the tips' lines are left out and it says so
    (rather than showing their zeros)."""
    period = f"{rates.year}-{rates.last_month:02d}"
    lines = [_("📈 6 × 100% for {month} and the year to date (all units together; each target {target}%)").format(
        month=month_label(period, lang), target=TARGET)]  # fmt: skip
    if not tips_read:
        lines.append(_("The tip ledger could not be read this time: the rates from tips are left out."))
    for pair in rates.lines:
        pair = pair if tips_read else pair[:1]
        shown = [line for line in pair if len(line.year.missing) < 2]
        if not shown:
            result = pair[0].year
            lines.append(
                "• " + _("{rate}: {missing}").format(rate=result.rate.label(lang), missing=result.reason(lang))
            )
        for line in shown:
            result, month = line.year, line.months[-1][1]
            lines.append("• " + _("{rate} ({formula}, {source}): this month {month}; year to date {ytd}").format(
                rate=result.rate.label(lang), formula=result.formula(lang), source=result.source.label(lang),
                month=month.shown(lang), ytd=result.shown(lang)))  # fmt: skip
    return "\n".join(lines)
