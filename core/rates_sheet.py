"""The month's "6 个 100%" sheet of /monthly's .xlsx (core.rates): a row per unit, 本月数 and 累计数, and
合计, a column per rate the report template gives (its name and formula in the header), the value
as a percent cell, or "—" and the reason where there is none; the rates the template cannot give,
and each column's note, under the table. Then the rates from the tips by 承办部门, the month (of
receipt) and the year to date, when the tips were read.

    row 1      {year}年{month}月“6 个 100%”完成情况, merged
    row 2      目标均为 100%; what "—" means
    row 3      单位 | 项目 | one column per rate: name, then its formula
    then       two rows per unit (本月数, 累计数), then 合计 in bold (the office's own exposures in it)
    then       注 lines: each column's note; each rate the template does not give, and what is missing
    then       the tips: 承办部门 | 项目 | one column per rate the tips give; 合计; a note line
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.figures import Template
from core.monthly import UnitFigures, form_words, parse_period, totals
from core.periods import year_months
from core.rates import Result, TipCounts, declared, figure_rates, tip_rates, tips_in, with_exposures
from core.sheets import Book, Sheet, safe_cell
from core.targets import TARGET
from core.taxonomy import ASIDE, COLON, LIST_SEPARATOR, Term

PERCENT = "0.0%"

_WORDS = {code: Term(code, zh, en) for code, (zh, en) in {
    "sheet": ("6 个 100%", "6 x 100%"),
    "title": ("{year}年{month}月“6 个 100%”完成情况", "6 × 100% targets, {period}"),
    "target": ("目标均为 {target}%。“—”：无法计算，括号内为原因（缺少的数、为 0 的分母或未报）。",
               "Each target is {target}%. \"—\": no value, the reason in brackets (a figure missing, a "
               "denominator of 0, or not reported)."),
    "note": ("注：", "Note: "),
    "not_given": ("本表不能计算：", "Not from these figures: "),
    "tips": ("举报台账（按承办部门、受理月份）", "Tip ledger (by department, month received)"),
    "department": ("承办部门", "Department"),
    "tips_not_given": ("举报台账不能计算：", "Not from the tips: "),
}.items()}  # fmt: skip


@dataclass(frozen=True)
class TipPart:
    """The tips' share of the sheet: counts by (承办部门 code, "YYYY-MM" of receipt), and the departments
    (code, name in the sheet's language) in the office's order."""

    counts: Mapping[tuple[str, str], TipCounts]
    departments: Sequence[tuple[str, str]]


def add_rates_sheet(book: Book, template: Template, *, period: str, units: Sequence[UnitFigures],
                    exposed: tuple[int, int], tips: TipPart | None, lang: str) -> None:  # fmt: skip
    """The sheet, after the others: units' rates, then (with `tips`) the tips' rates by department."""
    words = {code: term.label(lang) for code, term in _WORDS.items()}
    form = form_words(lang)
    ws = book.sheet(words["sheet"])
    rates = declared(template)
    width = 2 + max(len(rates), 4)
    year, month = parse_period(period)
    heading = words["title"].format(year=year, month=month, period=period)
    ws.merge(1, 1, 1, width, safe_cell(heading), "title")
    ws.merge(2, 1, 2, width, words["target"].format(target=TARGET))
    codes = [rate.code for rate in rates]
    example = figure_rates(template, {})
    headers = [_header(r, lang) for r in example if r.rate.code in codes]
    _header_row(ws, 3, form["unit"], form["item"], headers)
    row = 4
    rows = [(u.unit, u.month, u.ytd) for u in units]
    month_total, ytd_total = totals(template, units)
    rows.append((form["total"], with_exposures(template, month_total, exposed[0]),
                 with_exposures(template, ytd_total, exposed[1])))  # fmt: skip
    for index, (name, month_values, ytd_values) in enumerate(rows):
        pair = [[r for r in figure_rates(template, v) if r.rate.code in codes] for v in (month_values, ytd_values)]
        _two_rows(ws, row, name, pair, lang, bold=index == len(rows) - 1)
        row += 2
    for line in _notes(template, example, codes, words, lang):
        ws.merge(row, 1, row, width, safe_cell(line), "table_left")
        row += 1
    if tips is not None:
        row = _tips(ws, row + 1, tips, period, width, words, lang)
    ws.widths([(1, 16), (2, 10)] + [(c, 22) for c in range(3, width + 1)])
    ws.freeze(4, 3)
    ws.print_setup(title_rows=(3, 3))


def _header(result: Result, lang: str) -> str:
    return f"{result.rate.label(lang)}\n{result.formula(lang)}"


def _header_row(ws: Sheet, row: int, first: str, second: str, headers: list[str]) -> None:
    ws.put(row, 1, first, "table_bold")
    ws.put(row, 2, second, "table_bold")
    for column, text in enumerate(headers, 3):
        ws.put(row, column, safe_cell(text), "table_bold")
    ws.ws.set_row(row - 1, 60)


def _two_rows(ws: Sheet, row: int, name: str, pair: list[list[Result]], lang: str, *, bold: bool) -> None:
    """本月数 and 累计数 of one unit or department, its name merged over both."""
    form = form_words(lang)
    style = "table_bold" if bold else "table"
    ws.merge(row, 1, row + 1, 1, safe_cell(name), style)
    for offset, (item, results) in enumerate(zip((form["month"], form["ytd"]), pair, strict=True)):
        ws.put(row + offset, 2, item, style)
        for column, result in enumerate(results, 3):
            value = result.value
            if value is None:
                ws.put(row + offset, column, safe_cell(result.shown(lang)), style)
            else:
                ws.put(row + offset, column, value / 100, style, PERCENT)


def _notes(template: Template, example: list[Result], codes: list[str], words: dict, lang: str) -> list[str]:
    """注 lines: the note of each column that has one; the rates the template does not give, and why."""
    lines = []
    for result in example:
        if result.rate.code in codes and result.note is not None:
            lines.append(words["note"] + result.rate.label(lang) + COLON.label(lang) + result.note.label(lang))
    missing = [r for r in example if r.rate.code not in codes]
    if missing:
        said = LIST_SEPARATOR.label(lang).join(
            r.rate.label(lang) + ASIDE.label(lang).format(r.reason(lang)) for r in missing
        )
        lines.append(words["note"] + words["not_given"] + said)
    return lines


def _tips(ws: Sheet, row: int, tips: TipPart, period: str, width: int, words: dict, lang: str) -> int:
    """The tips' rates by department: 本月数 (received in the month), 累计数 (the year to date), 合计."""
    form = form_words(lang)
    ws.merge(row, 1, row, width, safe_cell(words["tips"]), "bold")
    example = tip_rates(TipCounts())
    given = [r.rate.code for r in example if len(r.missing) < 2]
    _header_row(ws, row + 1, words["department"], form["item"],
                [_header(r, lang) for r in example if r.rate.code in given])  # fmt: skip
    row += 2
    ytd = year_months(period)
    seen = {dep for dep, month in tips.counts if month in ytd}
    departments = [(code, name) for code, name in tips.departments if code in seen]
    departments += [(code, code) for code in sorted(seen - {c for c, _ in tips.departments})]
    for index, (code, name) in enumerate([*departments, (None, form["total"])]):
        pair = [[r for r in tip_rates(tips_in(tips.counts, months, code)) if r.rate.code in given]
                for months in ([period], ytd)]  # fmt: skip
        _two_rows(ws, row, name, pair, lang, bold=index == len(departments))
        row += 2
    missing = [r for r in example if r.rate.code not in given]
    said = LIST_SEPARATOR.label(lang).join(r.rate.label(lang) + ASIDE.label(lang).format(r.reason(lang))
                                           for r in missing)  # fmt: skip
    ws.merge(row, 1, row, width, safe_cell(words["note"] + words["tips_not_given"] + said), "table_left")
    return row + 1


def rates_sheet_name(lang: str) -> str:
    return _WORDS["sheet"].label(lang)
