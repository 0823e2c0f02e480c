"""The "6 个 100%" of the enforcement campaign (seed 000, 工作目标) as data: six rates, each with a 100%
target and the two figures it divides, named in both languages so that a figure the office's data
does not hold can be named ("缺少：存在重大事故隐患企业数").

The figures named here are what each target means in the seed's words. What the office's data gives
instead, and how near it comes, is said where it is computed: from the tips in core.rates, from the
liaisons' figures by each report template's `rates` (core.figures.RateColumns).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.taxonomy import Term

#: Every one of the six targets is 100%.
TARGET = Decimal(100)


@dataclass(frozen=True)
class RateDef:
    """One of the six: its code, its name, and the figures it divides (numerator ÷ denominator)."""

    code: str
    name: Term
    numerator: Term
    denominator: Term

    def label(self, lang: str) -> str:
        return self.name.label(lang)


def _rate(code: str, name: tuple[str, str], numerator: tuple[str, str], denominator: tuple[str, str]) -> RateDef:
    return RateDef(code, Term(code, *name), Term(f"{code}.n", *numerator), Term(f"{code}.d", *denominator))


#: The six, in the seed's order.
RATES: tuple[RateDef, ...] = (
    _rate("coverage", ("重点企业执法检查覆盖率", "Inspection coverage of key enterprises"),
          ("执法检查的重点企业数", "key enterprises inspected"), ("重点企业总数", "key enterprises")),
    _rate("handled", ("违法行为依法查处率", "Violations dealt with according to law"),
          ("依法查处的违法行为数", "violations dealt with"), ("检查发现的违法行为数", "violations found")),
    _rate("recheck", ("问题企业复查率", "Re-inspection of enterprises with problems"),
          ("复查的问题企业数", "enterprises with problems re-inspected"),
          ("检查发现存在问题企业数", "enterprises found with problems")),
    _rate("verified", ("举报核实查处率", "Tips verified and dealt with"),
          ("已核查的举报数", "tips verified"), ("已受理的举报数", "tips accepted")),
    _rate("exposed", ("重大事故隐患企业曝光率", "Exposure of enterprises with major hazards"),
          ("曝光的重大事故隐患企业数", "enterprises with major hazards exposed"),
          ("存在重大事故隐患企业数", "enterprises with major accident hazards")),
    _rate("referred", ("涉嫌犯罪移送率", "Suspected crimes referred"),
          ("移送的涉嫌犯罪案件数", "suspected crimes referred"), ("涉嫌犯罪案件数", "suspected crimes")),
)  # fmt: skip

RATE_BY_CODE = {rate.code: rate for rate in RATES}
