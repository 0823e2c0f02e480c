"""The "6 个 100%" rates (core.rates) against figures computed by hand: from the tips by department and
period, from the liaisons' figures by unit, month, quarter and year; zero denominators, missing
figures, a stock in a quarter, template B, a custom template from the office's TOML, a unit that
did not report."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.casework import Verification
from core.figures import TEMPLATE_A, TEMPLATE_B
from core.office import OfficeConfigError, parse_office
from core.rates import (
    Periods,
    all_units,
    count_tips,
    figure_rates,
    period_total,
    tip_rates,
    tips_in,
    unit_values,
    with_exposures,
)
from core.stats import TipRecord, summarize
from core.tips import Status

A, B = TEMPLATE_A, TEMPLATE_B
Q1 = ["2026-01", "2026-02", "2026-03"]


def by_code(results):
    return {r.rate.code: r for r in results}


def month(**values: int) -> dict[str, int]:
    return {c.code: values.get(c.code, 0) for c in A.typed}


#: 东平村 (1) sends January to April; 西山村 (2) January only; 镇应急办 (3) nothing.
SENT = {
    (1, "2026-01"): month(enterprises=40, inspected=10, hazards=8, rectified=6, cases=2, exposed=1),
    (1, "2026-02"): month(enterprises=42, inspected=12, hazards=4, rectified=4, cases=3, criminal=1),
    (1, "2026-03"): month(enterprises=42, inspected=0, hazards=0, rectified=2, cases=0),
    (1, "2026-04"): month(enterprises=45, inspected=20, hazards=10, rectified=5, cases=4),
    (2, "2026-01"): month(enterprises=20, inspected=5, hazards=2, rectified=1, cases=1),
}


def test_a_unit_s_quarter_sums_its_flows_and_takes_the_stock_s_latest_value():
    q1 = unit_values(A, SENT, 1, Q1)
    assert q1["enterprises"] == 42 and q1["inspected"] == 22 and q1["cases"] == 5
    rates = by_code(figure_rates(A, q1))
    assert rates["coverage"].value == Decimal("52.4")  # 22 ÷ 42 = 52.38…
    assert rates["handled"].value == Decimal("22.7")  # 5 ÷ 22 = 22.72…
    assert rates["recheck"].value == Decimal("100.0")  # 12 ÷ 12
    assert rates["coverage"].shown("zh") == "22 ÷ 42 = 52.4%"
    assert rates["coverage"].formula("zh") == "现场监督检查企业数 ÷ 监管企业总数"
    assert rates["recheck"].formula("zh") == "隐患整改数 ÷ 排查隐患数"
    assert "最接近" in rates["recheck"].note.label("zh")


def test_all_units_together_are_the_units_that_reported_in_the_period():
    q1 = period_total(A, SENT, [1, 2, 3], Q1)
    assert q1["enterprises"] == 62 and q1["inspected"] == 27  # 42 + 20; 22 + 5
    rates = by_code(figure_rates(A, q1))
    assert rates["coverage"].value == Decimal("43.5")  # 27 ÷ 62 = 43.548…
    assert rates["handled"].value == Decimal("22.2")  # 6 ÷ 27
    assert rates["recheck"].value == Decimal("92.9")  # 13 ÷ 14 = 92.857…
    ytd = period_total(A, SENT, [1, 2, 3], [*Q1, "2026-04"])
    assert by_code(figure_rates(A, ytd))["coverage"].shown("en") == "47 ÷ 65 = 72.3%"  # 45 + 20 enterprises
    assert period_total(A, SENT, [3], Q1) is None and all_units(A, [None]) is None


def test_a_zero_denominator_says_which_figure_is_zero():
    march = by_code(figure_rates(A, unit_values(A, SENT, 1, ["2026-03"])))
    assert march["coverage"].value == Decimal("0.0")  # 0 ÷ 42: a value, not a missing one
    handled = march["handled"]
    assert handled.value is None and handled.reason("zh") == "本期现场监督检查企业数为 0"
    assert handled.shown("zh") == "—（本期现场监督检查企业数为 0）"
    assert handled.reason("en") == "Enterprises inspected on site is 0 in the period"


def test_a_missing_figure_is_named_and_a_known_numerator_still_shown():
    feb = by_code(figure_rates(A, SENT[(1, "2026-02")]))
    assert feb["referred"].value is None
    assert feb["referred"].shown("zh") == "1 ÷ —（缺少：涉嫌犯罪案件数）"
    assert feb["exposed"].shown("zh") == "0 ÷ —（缺少：存在重大事故隐患企业数）"
    assert feb["verified"].shown("zh") == "—（缺少：已核查的举报数、已受理的举报数）"  # template A has none
    assert feb["exposed"].reason("en") == "missing: enterprises with major accident hazards"


def test_the_office_s_own_exposures_add_to_the_exposure_column():
    jan = period_total(A, SENT, [1, 2], ["2026-01"])
    assert with_exposures(A, jan, 3)["exposed"] == 4  # 1 reported + 3 published by the office
    assert with_exposures(B, {"checked": 1}, 3) == {"checked": 1}  # template B has no such column
    assert with_exposures(A, None, 3) is None


def test_a_unit_that_did_not_report_has_no_rates_and_says_so():
    none = by_code(figure_rates(A, unit_values(A, SENT, 3, Q1)))
    assert all(r.value is None for r in none.values())
    assert none["coverage"].reason("zh") == "未报" and none["coverage"].shown("en") == "— (not reported)"


def test_a_rate_may_exceed_100_percent():
    twice = {(1, "2026-01"): month(enterprises=10, inspected=8), (1, "2026-02"): month(enterprises=10, inspected=7)}
    ytd = unit_values(A, twice, 1, ["2026-01", "2026-02"])
    assert by_code(figure_rates(A, ytd))["coverage"].value == Decimal("150.0")  # inspected in both months


def test_template_b_gives_the_handled_rate_only_and_names_the_rest():
    rates = by_code(figure_rates(B, {c.code: 0 for c in B.typed} | {"checked": 8, "investigations": 3}))
    assert rates["handled"].shown("zh") == "3 ÷ 8 = 37.5%"
    assert rates["handled"].formula("zh") == "立案调查 ÷ 检查生产经营单位"
    assert rates["coverage"].reason("zh") == "缺少：执法检查的重点企业数、重点企业总数"
    assert rates["exposed"].reason("zh") == "缺少：曝光的重大事故隐患企业数、存在重大事故隐患企业数"


GAS = """
[figures]
template = "gas"
[figures.custom.gas]
code = "gas"
title = "燃气安全检查月报"
columns = [
  { code = "households", name = "重点用户数", unit = "户", stock = true },
  { code = "checked", name = "检查重点用户数", unit = "户" },
  { code = "found", name = "发现隐患户数", unit = "户" },
  { code = "fines", name = "罚款", unit = "万元", kind = "money" },
]
rates = [
  { rate = "coverage", numerator = "checked", denominator = "households", note = "燃气重点用户" },
  { rate = "recheck", denominator = "found" },
]
"""


def test_a_custom_template_from_toml_declares_its_own_rates():
    gas = parse_office(GAS, "office.toml").figures.chosen
    sent = {(1, "2026-01"): {"households": 30, "checked": 9, "found": 4, "fines": 0},
            (1, "2026-02"): {"households": 32, "checked": 7, "found": 0, "fines": 10_000}}  # fmt: skip
    rates = by_code(figure_rates(gas, unit_values(gas, sent, 1, Q1)))
    assert rates["coverage"].shown("zh") == "16 ÷ 32 = 50.0%" and rates["coverage"].note.label("en") == "燃气重点用户"
    assert rates["recheck"].shown("zh") == "—（缺少：复查的问题企业数）"
    assert rates["handled"].reason("zh") == "缺少：依法查处的违法行为数、检查发现的违法行为数"


@pytest.mark.parametrize(
    ("rates", "problem"),
    [
        ('[ { rate = "speed", numerator = "checked" } ]', "unknown rate 'speed'"),
        ('[ { rate = "coverage", numerator = "fines", denominator = "households" } ]', "'fines' is not a count"),
        ('[ { rate = "coverage" } ]', "names no column"),
        ('[ { rate = "coverage", numerator = "checked" }, { rate = "coverage", numerator = "found" } ]', "twice"),
    ],
)
def test_a_custom_template_s_rates_are_checked(rates, problem):
    text = GAS.replace(GAS[GAS.index("rates = [") :], f"rates = {rates}\n")
    with pytest.raises(OfficeConfigError, match=problem):
        parse_office(text, "office.toml")


TRUE = Verification(outcome="true", problems=("facilities",), measures=("rectify",))


def tip(number: int, department: str, month: int, kind: str, *, accepted: bool = True,
        verification: Verification | None = None, exposed: bool = False) -> TipRecord:  # fmt: skip
    received = date(2026, month, 10)
    return TipRecord(
        number=f"2026-{number:06d}", received_on=received, kind=kind, industry="hazchem", village=None,
        department=department, status=Status.ACCEPTED, involves_death=False, due_on=None, merged_into=None,
        accepted_on=received if accepted else None, verification=verification,
        exposed_on=date(2026, 5, 1) if exposed else None,
    )  # fmt: skip


TIPS = [
    tip(1, "emergency", 1, "hazard", verification=TRUE, exposed=True),
    tip(2, "emergency", 1, "hazard", verification=Verification(outcome="partly", problems=("facilities",))),
    tip(
        3,
        "emergency",
        2,
        "illegal",
        verification=Verification(outcome="true", problems=("facilities",), measures=("case", "judicial")),
    ),
    tip(4, "urban", 2, "other", verification=Verification(outcome="false")),
    tip(5, "urban", 2, "hazard"),
    tip(6, "urban", 3, "hazard", accepted=False),
]


def test_tip_rates_by_hand():
    counts = count_tips(TIPS)
    rates = by_code(tip_rates(tips_in(counts, Q1)))
    assert rates["verified"].shown("zh") == "4 ÷ 5 = 80.0%"  # 5 accepted, 4 verified (one found not true)
    assert rates["handled"].shown("zh") == "2 ÷ 3 = 66.7%"  # 3 found true, 2 with a measure taken
    assert rates["exposed"].shown("zh") == "1 ÷ 2 = 50.0%"  # 2 substantiated major hazards, 1 exposed
    assert rates["referred"].shown("zh") == "1 ÷ —（缺少：涉嫌犯罪的举报数）"
    assert rates["coverage"].reason("zh") == "缺少：执法检查的重点企业数、重点企业总数"
    assert rates["recheck"].reason("en") == (
        "missing: enterprises with problems re-inspected, enterprises found with problems"
    )
    assert rates["verified"].formula("zh") == "已核查的举报数 ÷ 已受理的举报数"
    assert summarize(TIPS, date(2026, 4, 1)).verified_rate == Decimal("80.0")  # one definition


def test_tip_rates_by_department_and_month():
    counts = count_tips(TIPS)
    assert len(counts) == 4  # (department, month) pairs: what /monthly keeps of the ledger
    emergency = by_code(tip_rates(tips_in(counts, Q1, "emergency")))
    assert emergency["verified"].shown("zh") == "3 ÷ 3 = 100.0%"
    urban = by_code(tip_rates(tips_in(counts, Q1, "urban")))
    assert urban["verified"].value == Decimal("50.0")
    assert urban["handled"].reason("zh") == "本期属实（含部分属实）的举报数为 0"
    january = by_code(tip_rates(tips_in(counts, ["2026-01"])))
    assert january["verified"].shown("en") == "2 ÷ 2 = 100.0%"
    assert by_code(tip_rates(tips_in(counts, ["2026-04"])))["verified"].reason("en") == (
        "tips accepted is 0 in the period"
    )


def test_the_year_s_periods_up_to_a_month():
    periods = Periods(2026, 4)
    assert periods.quarters == [(1, Q1), (2, ["2026-04"])]
    assert periods.months[-1] == "2026-04" and len(Periods(2026, 12).quarters) == 4
