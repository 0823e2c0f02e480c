"""The township's monthly figures table (docs/DOMAIN.md section 7): the seed form 附件3 as an .xlsx, a CSV
of the same rows, and a chart of the year's main figures.

The .xlsx copies the paper form so the county can file it as it is:

    row 1      {year}年{month}月{title}, merged across the table
    row 2      填报单位：…  (left)                              填报日期：…年…月…日 (right)
    rows 3-4   单位 | 项目 | a group (检查情况…) merged over its columns in row 3, each column's
               name and unit in row 4; a column without a group, like 单位 and 项目, spans both rows
    then       two rows per unit, 本月数 and 累计数, the unit's name merged over both: （逾期报送）after
               the name of a late unit; a unit that has not reported has（未报）after its name and
               no figures: its 本月数 cells are blank, merged into one that says 未报 (and so are its
               累计数 cells if it sent nothing all year). Never zeros it did not send
    then       合计, the same two rows in bold: the month summed over the units that reported, the
               year to date over those that reported this year; a ratio column is computed from
               each row's own values
    then       注：how many of the units the month's total covers, and which did not report
    last       填报人签字： … 填报日期：

Money is kept as whole yuan and shown in 万元 with only the decimals it needs (exact: 4 at most).
The CSV has the header row (单位, 项目, one column each, 报送情况) and the same rows, for machines: a
unit that has not reported has empty cells and 未报 in the last column. A template whose form lists
its items as rows (template B) also gets one sheet per unit in that layout (core.unit_sheets; the
workbook is put together in core.monthly_book; the consolidated sheet is core.monthly_sheet).
English tables and charts use English units and punctuation only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.charts import Panel, bar_panels
from core.figures import YUAN_PER_WAN, Column, Template, format_value, ratio, year_to_date
from core.periods import parse_month, short_month, year_months
from core.rates import exposure_column, with_exposures
from core.sheets import Cell, csv_bytes
from core.taxonomy import LIST_SEPARATOR, Term, chinese

HEADER_ROWS = 4  # title, office and date, then the two-level header
FIRST_COLUMN = 3  # the template's columns start after 单位 and 项目
MAIN_COLUMNS = 4  # panels in the chart

#: The Excel template's words: the county's Chinese form, or an English copy.
_WORDS: dict[str, Term] = {code: Term(code, zh, en) for code, (zh, en) in {
    "unit": ("单位", "Unit"),
    "item": ("项目", "Item"),
    "month": ("本月数", "This month"),
    "ytd": ("累计数", "Year to date"),
    "total": ("合计", "Total"),
    "office": ("填报单位：", "Reporting unit: "),
    "date": ("填报日期：", "Date: "),
    "signed": ("填报人签字：", "Signed:"),
    "blank_date": ("填报日期：　　年　　月　　日", "Date:"),
    "late": ("（逾期报送）", " (late)"),
    "missing": ("（未报）", " (not reported)"),
    "not_reported": ("未报", "Not reported"),
    "status": ("报送情况", "Status"),
    "reported": ("已报送", "reported"),
    "was_late": ("逾期报送", "late"),
    "covered": ("已报 {sent}/{units}", "{sent} of {units} reported"),
    "note": ("注：本月数合计为已报送的 {sent} 个单位之和（共 {units} 个单位）；未报：{names}。",
             "Note: this month's total covers the {sent} of {units} units that reported; not reported: {names}."),
    "note_all": ("注：{units} 个单位均已报送，本月数合计为其之和。",
                 "Note: all {units} units reported; this month's total covers them all."),
    "exposed": ("本月曝光企业数合计含本平台曝光 {count} 家。",
                " This month's enterprises exposed in the total include {count} exposed on the office's channel."),
    "sealed": ("填报单位（盖章）：", "Reporting unit (seal): "),
    "sent_on": ("填报时间：", "Date: "),
    "form_late": ("注：逾期报送。", "Note: sent late."),
    "form_missing": ("注：未报。", "Note: not reported."),
}.items()}  # fmt: skip

_MONTH_NAMES_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True)
class UnitFigures:
    unit: str  # the unit's name (村/社区/部门), as shown in the table
    month: dict[str, int] | None  # this month's typed values by column code; None = not reported
    ytd: dict[str, int] | None  # 累计数 by column code (core.figures.year_to_date); None = nothing sent this year
    late: bool = False
    sent_on: date | None = None  # the day the unit sent the month's figures (its latest version)


#: What was sent: (unit id, period) → (the month's values, whether it came late).
Sent = Mapping[tuple[int, str], tuple[dict[str, int], bool]]


def consolidate(template: Template, period: str, units: Sequence[tuple[int, str]], sent: Sent) -> list[UnitFigures]:
    """Each unit's row for the period: its month (None if not sent) and 累计数 from its months of the
    year so far (flows summed, stocks the latest)."""
    months = year_months(period)
    rows = []
    for unit_id, name in units:
        earlier = [sent[(unit_id, p)][0] for p in months if (unit_id, p) in sent]
        this = sent.get((unit_id, period))
        ytd = year_to_date(template, earlier) if earlier else None
        rows.append(UnitFigures(name, this[0] if this else None, ytd, late=bool(this and this[1])))
    return rows


def by_month(template: Template, period: str, sent: Sent) -> dict[int, dict[str, int]]:
    """The year's months up to the period, each summed over the units: what the chart shows."""
    totals_by_month = {}
    for index, month in enumerate(year_months(period), 1):
        rows = [values for (_unit, p), (values, _late) in sent.items() if p == month]
        if rows:
            totals_by_month[index] = {c.code: sum(r.get(c.code, 0) for r in rows) for c in template.typed}
    return totals_by_month


def totals(template: Template, units: Sequence[UnitFigures]) -> tuple[dict[str, int] | None, dict[str, int] | None]:
    """The 合计 rows: the month summed over the units that reported (the sheet's note says how many),
    the year to date over the units that reported this year; None where no unit did. Stocks add up
    too: enterprises across units."""

    def summed(rows: list[dict[str, int]]) -> dict[str, int] | None:
        return {c.code: sum(r.get(c.code, 0) for r in rows) for c in template.typed} if rows else None

    return summed([u.month for u in units if u.month is not None]), summed([u.ytd for u in units if u.ytd is not None])


def note(units: Sequence[UnitFigures], lang: str, exposed: int = 0) -> str:
    """The line under the table: how many units the month's total covers, and which did not report;
    and how many of the month's 曝光企业数 are the office's own exposures (`exposed`, added to 合计)."""
    words = form_words(lang)
    missing = [u.unit for u in units if u.month is None]
    own = words["exposed"].format(count=exposed) if exposed else ""
    if not missing:
        return words["note_all"].format(units=len(units)) + own
    names = LIST_SEPARATOR.label(lang).join(missing)
    return words["note"].format(sent=len(units) - len(missing), units=len(units), names=names) + own


def status(unit: UnitFigures, lang: str) -> str:
    """报送情况: reported, late, or not reported."""
    words = form_words(lang)
    return words["not_reported"] if unit.month is None else words["was_late"] if unit.late else words["reported"]


def cell(template: Template, column: Column, values: dict[str, int] | None) -> Cell:
    """One sheet cell: None when the unit has not reported (or the value is missing); a count as
    int; money as Decimal 万元 (exact, ≤ 4 decimals); a ratio computed from the same row's values
    (None when its denominator is 0)."""
    if values is None:
        return None
    if column.ratio_of:
        return ratio(template, column, values)
    value = values.get(column.code)
    if value is None:
        return None
    return Decimal(value) / YUAN_PER_WAN if column.kind == "money" else value


def header(column: Column, lang: str) -> str:
    """A column's header: its name and unit, 监管企业总数（家）; in English with an English unit in
    ASCII brackets, or none: Enterprises supervised (businesses)."""
    if chinese(lang):  # the paper form's layout
        return column.bracketed()
    unit = column.unit_label(lang)
    return f"{column.label(lang)} ({unit})" if unit else column.label(lang)


def parse_period(period: str) -> tuple[int, int]:
    """ "2026-10" → (2026, 10); ValueError if it is not a month."""
    parsed = parse_month(period)
    if parsed is None:
        raise ValueError(f"period {period!r} is not YYYY-MM")
    return parsed


def title(template: Template, period: str, lang: str) -> str:
    year, month = parse_period(period)
    if chinese(lang):  # the paper form's title: the month first
        return f"{year}年{month}月{template.title}"
    return f"{template.heading(lang)}, {_MONTH_NAMES_EN[month - 1]} {year}"


def form_date(day: date, lang: str) -> str:
    """A date on a form, as the paper writes it: 2026年3月1日 (no leading zeros); in English ISO."""
    return f"{day.year}年{day.month}月{day.day}日" if chinese(lang) else day.isoformat()


def form_words(lang: str) -> dict[str, str]:
    """The Excel template's words in its language (the county's Chinese form, or an English copy)."""
    return {code: term.label(lang) for code, term in _WORDS.items()}


Block = tuple[str, dict | None, dict | None, str]


def blocks(
    template: Template, units: Sequence[UnitFigures], lang: str, exposed: tuple[int, int] = (0, 0)
) -> list[Block]:
    """(name as shown, month, year to date, 报送情况) for each unit, then 合计 (its 报送情况: how
    many units it covers). The last block is the total; `exposed`: the office's own exposures published
    in the month and in the year to date, which 合计's exposure column includes (core.rates)."""
    words = form_words(lang)
    blocks = []
    for unit in units:
        mark = words["missing"] if unit.month is None else words["late"] if unit.late else ""
        blocks.append((unit.unit + mark, unit.month, unit.ytd, status(unit, lang)))
    month, ytd = totals(template, units)
    month, ytd = _with_own(template, month, exposed[0]), _with_own(template, ytd, exposed[1])
    sent = sum(u.month is not None for u in units)
    blocks.append((words["total"], month, ytd, words["covered"].format(sent=sent, units=len(units))))
    return blocks


def _with_own(template: Template, values: dict[str, int] | None, exposed: int) -> dict[str, int] | None:
    """合计 with the office's own exposures: added to the units' 曝光企业数, or, when no unit reported,
    that column alone (the office's own figure; the others stay blank, never zeros)."""
    column = exposure_column(template)
    if values is None and exposed and column is not None:
        return {column: exposed}
    return with_exposures(template, values, exposed)


# -- the .xlsx (core.monthly_sheet lays it out) ---------------------------------------------


def cell_format(column: Column, value: Cell) -> str:
    """Counts whole; ratios to 2 decimals; money in 万元 with the decimals it has (1.5, 1.2345, 2)."""
    if column.ratio_of:
        return "0.00"
    if column.kind == "money" and isinstance(value, Decimal):
        places = max(0, -int(value.as_tuple().exponent))
        return "0." + "0" * places if places else "0"
    return "0"


# -- the CSV and the chart ---------------------------------------------------------------------


def monthly_csv(template: Template, *, period: str, units: Sequence[UnitFigures], lang: str = "zh",
                exposed: tuple[int, int] = (0, 0)) -> bytes:  # fmt: skip
    """The same rows as the .xlsx under one header row; the unit's name on both of its rows, money
    as 万元 text, "" where there is nothing, and 报送情况 last (未报 for a unit that has not
    reported; for 合计, how many units it covers). The period is checked; the file's name carries it."""
    parse_period(period)
    words = form_words(lang)
    headers = [words["unit"], words["item"], *(header(c, lang) for c in template.columns), words["status"]]
    rows = []
    for name, month, ytd, state in blocks(template, units, lang, exposed):
        for item, values in ((words["month"], month), (words["ytd"], ytd)):
            rows.append([name, item, *(_text(template, c, values) for c in template.columns), state])
    return csv_bytes(headers, rows)


def _text(template: Template, column: Column, values: dict[str, int] | None) -> str:
    if values is None:
        return ""
    if column.ratio_of:
        value = ratio(template, column, values)
        return "" if value is None else str(value)
    return "" if values.get(column.code) is None else format_value(column, values[column.code])


def main_columns(template: Template) -> tuple[Column, ...]:
    """The chart's columns: the first four typed counts that are flows (not stocks)."""
    flows = [c for c in template.typed if c.kind == "count" and not c.stock]
    return tuple(flows[:MAIN_COLUMNS])


def monthly_chart(template: Template, *, year: int, by_month: dict[int, dict[str, int]], lang: str = "zh",
                  title: str, more: Sequence[Panel] = ()) -> bytes:  # fmt: skip
    """A PNG: one bar panel per main column, a bar per month present (1..12), then `more` panels. Raises
    core.charts.CjkFontMissing without a Chinese font."""
    columns = main_columns(template)
    if not columns:
        raise ValueError(f"template {template.code!r} has no count column to chart")
    months = sorted(m for m in by_month if 1 <= m <= 12)
    labels = [short_month(m, lang) for m in months]
    panels = [
        Panel(header(column, lang), list(zip(labels, [by_month[m].get(column.code, 0) for m in months], strict=True)))
        for column in columns
    ]
    footer = Term("footer", "{year}年各月", "By month, {year}").label(lang).format(year=year)
    return bar_panels(title, [*panels, *more], footer=footer)
