"""/stats' "6 个 100%" block: each rate of the year (core.rate_report) from the units' figures and from the
tips, with its formula and source beside it, and per quarter; the units' figures it is made of read
here, the rates computed in a worker process with the year's summary."""

from __future__ import annotations

from core.rate_report import RateLine, YearRates, quarter_text
from core.rates import Sent
from core.targets import TARGET
from core.taxonomy import SEMICOLON
from handlers.i18n import Translate
from storage.figures import Submissions
from storage.liaisons import Units


async def year_figures(submissions: Submissions, units: Units, year: int, last_month: int) -> Sent:
    """Every active unit's latest figures for the year's months up to `last_month`: (unit id, "YYYY-MM")
    → values (the units /monthly's table counts, so both give the same 合计)."""
    active = {unit.id for unit in await units.all()}
    latest = await submissions.of_periods([f"{year}-{m:02d}" for m in range(1, last_month + 1)])
    return {key: s.values for key, s in latest.items() if key[0] in active}


def rates_text(rates: YearRates, lang: str, _: Translate) -> str:
    lines = [_("📈 6 × 100% in {year} (each target {target}%)").format(year=rates.year, target=TARGET)]
    for pair in rates.lines:
        lines.append("• " + pair[0].year.rate.label(lang))
        lines.extend("  " + _line(line, lang, _) for line in pair)
    return "\n".join(lines)


def _line(line: RateLine, lang: str, _: Translate) -> str:
    """One source's year: value, formula, source (and how near its figures come); then each quarter."""
    result = line.year
    source = result.source.label(lang)
    if result.reported and len(result.missing) == 2:  # the source holds neither figure
        return _("{source}: no figures ({missing})").format(source=source, missing=result.reason(lang))
    note = result.note.label(lang) if result.note else None
    text = (_("{value} ({formula}, {source}; {note})") if note else _("{value} ({formula}, {source})")).format(
        value=result.shown(lang), formula=result.formula(lang), source=source, note=note
    )
    if result.missing or not result.reported:
        return text
    named = _("Q{quarter}")
    quarters = " · ".join(f"{named.format(quarter=q)} {quarter_text(r, lang)}" for q, r in line.quarters)
    return text + SEMICOLON.label(lang) + quarters if quarters else text
