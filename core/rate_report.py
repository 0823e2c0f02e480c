"""The year's "6 个 100%" (core.rates) as /stats shows them: each rate from the units' figures (all units
together) and from the tips, for the year to date, each quarter begun and each month (the chart), and
the PNG of the rates by month against the 100% line. Plain data in, plain data out: a worker process
makes it (bot.workers) with the year's summary of tips in the same call, so the ledger crosses to the
worker once."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from core.charts import Panel, bar_panels
from core.figures import Template
from core.periods import short_month
from core.rates import (
    Periods,
    Result,
    Sent,
    TipCounts,
    count_tips,
    figure_rates,
    period_total,
    tip_rates,
    tips_in,
    with_exposures,
)
from core.rewards import Reward
from core.stats import Summary, TipRecord, summarize
from core.targets import TARGET
from core.taxonomy import ASIDE


@dataclass(frozen=True)
class RateLine:
    """One rate from one source: the year to date, each quarter begun, each month (1..last)."""

    year: Result
    quarters: list[tuple[int, Result]]
    months: list[tuple[int, Result]]


@dataclass(frozen=True)
class YearRates:
    year: int
    last_month: int
    #: Per rate in core.targets' order: the line from the units' figures, then the one from the tips.
    lines: list[tuple[RateLine, RateLine]]


def year_rates(template: Template, sent: Sent, counts: Mapping[tuple[str, str], TipCounts], year: int,
               last_month: int, exposed: Mapping[str, int] | None = None) -> YearRates:  # fmt: skip
    """The rates of every unit that sent figures (合计) and of every tip, for the year's periods up to
    `last_month`. `exposed`: the office's own published exposures by "YYYY-MM", added to 合计's
    exposure column (core.rates.with_exposures)."""
    periods = Periods(year, last_month)
    units = sorted({unit for unit, _period in sent})
    exposed = exposed or {}

    def figures(months: Collection[str]) -> list[Result]:
        total = period_total(template, sent, units, months)
        return figure_rates(template, with_exposures(template, total, sum(exposed.get(m, 0) for m in months)))

    def tips(months: Collection[str]) -> list[Result]:
        return tip_rates(tips_in(counts, months))

    def lines(compute: Callable[[Collection[str]], list[Result]]) -> list[RateLine]:
        whole = compute(periods.months)
        quarters = [(q, compute(months)) for q, months in periods.quarters]
        months = [(int(m[5:]), compute([m])) for m in periods.months]
        return [RateLine(result, [(q, r[i]) for q, r in quarters], [(m, r[i]) for m, r in months])
                for i, result in enumerate(whole)]  # fmt: skip

    return YearRates(year, last_month, list(zip(lines(figures), lines(tips), strict=True)))


def year_report(records: list[TipRecord], today: date, rewards: Sequence[Reward], year: int, template: Template,
                sent: Sent, last_month: int,
                exposed: Mapping[str, int] | None = None) -> tuple[Summary, YearRates]:  # fmt: skip
    """/stats' worker call: the year's summary of tips and its rates (`exposed`: as `year_rates` takes it)."""
    summary = summarize(records, today, rewards, year)
    return summary, year_rates(template, sent, count_tips(records), year, last_month, exposed)


def quarter_text(result: Result, lang: str) -> str:
    """A quarter's value beside the year's: "52.4%", or "—" with why (a zero denominator, 未报)."""
    if result.value is not None:
        return f"{result.value}%"
    return "—" + ASIDE.label(lang).format(result.reason(lang))


def rates_panels(rates: YearRates, lang: str) -> list[Panel]:
    """A panel per rate and source that has a value in some month: the month's value against 100%."""
    panels = []
    for pair in rates.lines:
        for line in pair:
            if all(result.value is None for _month, result in line.months):
                continue
            result = line.year
            title = f"{result.rate.label(lang)}{ASIDE.label(lang).format(result.source.label(lang))}"
            bars = [(short_month(month, lang), _number(r)) for month, r in line.months]
            panels.append(Panel(title, bars, target=float(TARGET)))
    return panels


def _number(result: Result) -> float | None:
    return None if result.value is None else float(result.value)


def rates_chart(title: str, rates: YearRates, lang: str, footer: str = "") -> bytes:
    """The rates by month as bars, the 100% target a dashed line; ValueError when no rate has a value."""
    panels = rates_panels(rates, lang)
    if not panels:
        raise ValueError("no rate has a value in any month")
    return bar_panels(title, panels, footer=footer)
