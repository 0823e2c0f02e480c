"""The "6 个 100%" rates (core.targets) computed from what the office holds, each with its formula, its
source and, where it has no value, why.

Two sources:

- **The tip ledger** (core.stats.TipRecord, plaintext facets only), by 承办部门 and by the month of
  receipt. 举报核实查处率 = tips verified ÷ tips accepted (the one definition: core.stats.Summary
  reads `accepted` and `verified` here). 违法行为依法查处率 = tips found true or partly true with at least
  one measure taken ÷ tips found true or partly true. 重大事故隐患企业曝光率 = substantiated tips of
  kind 重大事故隐患 whose enterprise stands exposed on the office's channel ÷ substantiated tips of
  that kind. 涉嫌犯罪移送率: tips record the measure 移送司法机关 (the numerator), but nothing says a
  tip was a suspected crime, so the denominator is missing. Coverage and 复查率 are not in tips.
- **The liaisons' monthly figures**, by the columns each report template declares
  (core.figures.RateColumns): template A's coverage is 现场监督检查企业数 ÷ 监管企业总数, for instance.
  A period longer than a month takes the unit's months sent in it as 累计数 does
  (core.figures.year_to_date: flows summed, a stock its latest value); all units together (合计) are
  the units that reported in the period, summed, stocks too.

A value is a Decimal percent to one decimal place, rounded half up. It may exceed 100%: a flow
over a stock (an enterprise inspected in three months counts three times against 监管企业总数 once),
or stand-in columns that do not match (hazards rectified this year of hazards found last year). A
rate has no value when a figure is missing (named), when its denominator is 0 (named: "本期现场监督
检查企业数为 0"), or when the unit sent no figures in the period (未报).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import astuple, dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from core import taxonomy
from core.casework import Verification
from core.figures import RateColumns, Template, year_to_date
from core.targets import RATE_BY_CODE, RATES, TARGET, RateDef
from core.taxonomy import Term

#: A value's precision: 66.7%.
PLACES = Decimal("0.1")
#: The kind of tip whose enterprises the exposure rate counts, and the measure that refers a tip to the courts.
HAZARD_KIND = "hazard"
JUDICIAL_MEASURE = "judicial"

#: Where a rate's figures come from.
TIPS = Term("tips", "举报台账", "tip ledger")
FIGURES = Term("figures", "各单位月报", "units' monthly figures")

_MISSING = Term("missing", "缺少：{}", "missing: {}")
_ZERO = Term("zero", "本期{}为 0", "{} is 0 in the period")
_UNREPORTED = Term("unreported", "未报", "not reported")
_DIVIDED = Term("divided", " ÷ ", " ÷ ")


def percent(numerator: int, denominator: int) -> Decimal | None:
    """numerator ÷ denominator as a percent to one decimal place; None when the denominator is 0."""
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Figure:
    """One side of a rate: what it counts, and its value (None: the data does not hold it)."""

    name: Term
    value: int | None


@dataclass(frozen=True)
class Result:
    """One rate from one source for one period (and unit): numerator ÷ denominator against 100%."""

    rate: RateDef
    source: Term
    numerator: Figure
    denominator: Figure
    note: Term | None = None  # how near the figures come to what the target means
    reported: bool = True  # False: the unit sent no figures in the period

    @property
    def missing(self) -> tuple[Term, ...]:
        return tuple(f.name for f in (self.numerator, self.denominator) if f.value is None)

    @property
    def value(self) -> Decimal | None:
        if not self.reported or self.missing:
            return None
        return percent(self.numerator.value, self.denominator.value)

    @property
    def target(self) -> Decimal:
        return TARGET

    def formula(self, lang: str) -> str:
        """现场监督检查企业数 ÷ 监管企业总数"""
        return _DIVIDED.label(lang).join(f.name.label(lang) for f in (self.numerator, self.denominator))

    def reason(self, lang: str) -> str | None:
        """Why there is no value, or None when there is one."""
        if not self.reported:
            return _UNREPORTED.label(lang)
        if self.missing:
            return _MISSING.label(lang).format(taxonomy.LIST_SEPARATOR.label(lang).join(
                m.label(lang) for m in self.missing))  # fmt: skip
        if not self.denominator.value:
            return _ZERO.label(lang).format(self.denominator.name.label(lang))
        return None

    def shown(self, lang: str) -> str:
        """The value as a text: "2 ÷ 3 = 66.7%", "— (missing: …)", or "5 ÷ — (missing: …)" where the
        numerator is known and only the denominator is missing."""
        value = self.value
        if value is not None:
            return f"{self.numerator.value} ÷ {self.denominator.value} = {value}%"
        dash = "—" + taxonomy.ASIDE.label(lang).format(self.reason(lang))
        if self.reported and self.numerator.value is not None and self.denominator.value is None:
            return f"{self.numerator.value} ÷ {dash}"
        return dash


# -- from the tips ------------------------------------------------------------------------------


class Tip(Protocol):
    """What a rate reads of a tip: core.stats.TipRecord has it."""

    received_on: date
    department: str
    kind: str
    accepted_on: date | None
    verification: Verification | None
    exposed_on: date | None


def accepted(tip: Tip) -> bool:
    """The tip was accepted (受理): 举报核实查处率's denominator."""
    return tip.accepted_on is not None


def verified(tip: Tip) -> bool:
    """The tip was accepted and its verification recorded (属实, 部分属实 or 不属实): the numerator."""
    return accepted(tip) and tip.verification is not None


@dataclass(frozen=True)
class TipCounts:
    """What the tip-based rates divide, counted over some tips: every field a flow (they add up)."""

    accepted: int = 0
    verified: int = 0
    substantiated: int = 0
    handled: int = 0  # substantiated, with at least one measure taken
    hazards: int = 0  # substantiated, of kind 重大事故隐患
    exposed: int = 0  # of those, the enterprise stands exposed on the office's channel
    judicial: int = 0  # the measure 移送司法机关 taken

    def __add__(self, other: TipCounts) -> TipCounts:
        return TipCounts(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))


def count_tip(tip: Tip) -> TipCounts:
    v = tip.verification
    true = v is not None and v.substantiated
    hazard = true and tip.kind == HAZARD_KIND
    return TipCounts(
        accepted=accepted(tip), verified=verified(tip), substantiated=true, handled=true and bool(v.measures),
        hazards=hazard, exposed=hazard and tip.exposed_on is not None,
        judicial=v is not None and JUDICIAL_MEASURE in v.measures,
    )  # fmt: skip


def count_tips(tips: Iterable[Tip]) -> dict[tuple[str, str], TipCounts]:
    """(承办部门 code, "YYYY-MM" of receipt) → the counts: the few numbers /monthly keeps of a year's ledger."""
    counts: dict[tuple[str, str], TipCounts] = defaultdict(TipCounts)
    for tip in tips:
        key = (tip.department, f"{tip.received_on:%Y-%m}")
        counts[key] = counts[key] + count_tip(tip)
    return dict(counts)


def tips_in(counts: Mapping[tuple[str, str], TipCounts], months: Collection[str],
            department: str | None = None) -> TipCounts:  # fmt: skip
    """The counts of tips received in these months, of one department or (None) of all."""
    total = TipCounts()
    for (dep, month), found in counts.items():
        if month in months and department in (None, dep):
            total = total + found
    return total


def _t(zh: str, en: str) -> Term:
    return Term(en, zh, en)


_TIP_FIGURES: dict[str, tuple[Term, Term]] = {
    "handled": (_t("有处理措施的属实举报数", "substantiated tips with a measure taken"),
                _t("属实（含部分属实）的举报数", "tips found true or partly true")),
    "exposed": (_t("企业已在本平台曝光的属实重大事故隐患举报数",
                   "of those, tips whose enterprise is exposed on the office's channel"),
                _t("属实的重大事故隐患举报数", "substantiated tips of a major accident hazard")),
    "referred": (_t("移送司法机关的举报数", "tips referred to the judicial authorities"),
                 _t("涉嫌犯罪的举报数", "tips of a suspected crime")),
}  # fmt: skip
#: The tip-based rates: code → (numerator, denominator) as fields of TipCounts; None: tips do not hold it.
_TIP_FIELDS: dict[str, tuple[str | None, str | None]] = {
    "coverage": (None, None),
    "handled": ("handled", "substantiated"),
    "recheck": (None, None),
    "verified": ("verified", "accepted"),
    "exposed": ("exposed", "hazards"),
    "referred": ("judicial", None),
}


def tip_rates(counts: TipCounts) -> list[Result]:
    """The six rates from these tips, in core.targets' order (those tips cannot give name what is missing)."""
    results = []
    for rate in RATES:
        names = _TIP_FIGURES.get(rate.code, (rate.numerator, rate.denominator))
        fields = _TIP_FIELDS[rate.code]
        figures = [
            Figure(name, None if f is None else getattr(counts, f)) for name, f in zip(names, fields, strict=True)
        ]
        results.append(Result(rate, TIPS, *figures))
    return results


# -- from the liaisons' figures -----------------------------------------------------------------

#: What the units sent: (unit id, "YYYY-MM") → the month's values by column code.
Sent = Mapping[tuple[int, str], Mapping[str, int]]


def unit_values(template: Template, sent: Sent, unit_id: int, months: Iterable[str]) -> dict[str, int] | None:
    """A unit's figures for a period of these months: its months sent, flows summed and stocks the
    latest (core.figures.year_to_date); None if it sent none of them."""
    present = [dict(sent[(unit_id, m)]) for m in months if (unit_id, m) in sent]
    return year_to_date(template, present) if present else None


def all_units(template: Template, values: Iterable[Mapping[str, int] | None]) -> dict[str, int] | None:
    """合计: the units that reported, summed column by column (a stock too: enterprises across units)."""
    rows = [row for row in values if row is not None]
    if not rows:
        return None
    return {c.code: sum(row.get(c.code, 0) for row in rows) for c in template.typed}


def period_total(template: Template, sent: Sent, unit_ids: Iterable[int], months: Collection[str]) -> dict | None:
    """All units together for a period: each unit's figures of its months sent in it, then 合计."""
    return all_units(template, (unit_values(template, sent, u, months) for u in unit_ids))


def exposure_column(template: Template) -> str | None:
    """The column the exposure rate counts (template A: 曝光企业数), where the office's own exposures
    published through its channel add in; None if the template has none."""
    given = next((r for r in template.rates if r.rate == "exposed"), None)
    return None if given is None else given.numerator


def with_exposures(template: Template, values: Mapping[str, int] | None, exposed: int) -> dict[str, int] | None:
    """合计's figures with the office's own published exposures added to the exposure column."""
    column = exposure_column(template)
    if values is None or column is None or not exposed:
        return None if values is None else dict(values)
    return {**values, column: values.get(column, 0) + exposed}


def figure_rates(template: Template, values: Mapping[str, int] | None) -> list[Result]:
    """The six rates from one unit's (or 合计's) figures for a period, in core.targets' order; `values`
    None: not reported. A rate the template does not declare is missing both its figures."""
    given: dict[str, RateColumns] = {r.rate: r for r in template.rates}
    results = []
    for rate in RATES:
        columns = given.get(rate.code)
        if columns is None:
            results.append(Result(rate, FIGURES, Figure(rate.numerator, None), Figure(rate.denominator, None),
                                  reported=values is not None))  # fmt: skip
            continue
        sides = []
        for code, name in ((columns.numerator, rate.numerator), (columns.denominator, rate.denominator)):
            if code is None:
                sides.append(Figure(name, None))
            else:
                column = template.column(code)
                label = Term(code, column.name, column.name_en or column.name)
                sides.append(Figure(label, None if values is None else values.get(code, 0)))
        results.append(Result(rate, FIGURES, *sides, note=columns.remark(), reported=values is not None))
    return results


def declared(template: Template) -> list[RateDef]:
    """The rates the template gives at least one figure of, in core.targets' order: the sheet's columns."""
    codes = {r.rate for r in template.rates}
    return [RATE_BY_CODE[code] for code in RATE_BY_CODE if code in codes]


# -- periods -------------------------------------------------------------------------------------


def quarter_months(year: int, quarter: int) -> list[str]:
    return [f"{year}-{m:02d}" for m in range(quarter * 3 - 2, quarter * 3 + 1)]


@dataclass(frozen=True)
class Periods:
    """A year's periods up to a month: each quarter begun, and the year to date."""

    year: int
    last_month: int
    quarters: list[tuple[int, list[str]]] = field(init=False)

    def __post_init__(self) -> None:
        quarters = [(q, [m for m in quarter_months(self.year, q) if int(m[5:]) <= self.last_month])
                    for q in range(1, (self.last_month - 1) // 3 + 2)]  # fmt: skip
        object.__setattr__(self, "quarters", quarters)

    @property
    def months(self) -> list[str]:
        return [f"{self.year}-{m:02d}" for m in range(1, self.last_month + 1)]
