"""The month's consolidated sheet, laid out like the county's form (core.monthly's docstring draws it).

Every cell takes one of the workbook's named formats (core.sheets.STYLES, built once per workbook)
as it is written, and each merged range (a unit's name over its two rows, 未报 over a row's figures,
the group headers: about 1,000 for 1,000 units) is written as one merged cell with its text, by
XlsxWriter (core.sheets says why). A new Font, Border and Alignment in every cell, and merges added
one at a time, took three quarters of /monthly's time with 1,000 units (bench/monthly.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from core.figures import Template
from core.monthly import (
    FIRST_COLUMN,
    HEADER_ROWS,
    UnitFigures,
    blocks,
    cell,
    cell_format,
    form_date,
    form_words,
    header,
    note,
    title,
)
from core.rates import exposure_column
from core.sheets import Cell, Sheet, safe_cell
from core.taxonomy import Term

Merge = tuple[int, int, int, int]  # first row, first column, last row, last column

_GROUPS_EN = {
    "检查情况": "Inspections", "立案情况": "Cases", "强制措施": "Enforcement measures", "经济处罚": "Fines",
    "其他处罚情况": "Other penalties", "曝光、惩戒情况": "Exposure and sanctions",
}  # fmt: skip


def consolidated_sheet(ws: Sheet, template: Template, *, period: str, office: str | None,
                       units: Sequence[UnitFigures], made_on: date, lang: str,
                       exposed: tuple[int, int] = (0, 0)) -> None:  # fmt: skip
    """The sheet, written into `ws` (a core.sheets.Sheet, its book's formats shared); `exposed`: the
    office's own exposures in the month and the year to date, in 合计 and named in the note."""
    width = FIRST_COLUMN - 1 + len(template.columns)
    words = form_words(lang)
    ws.merge(1, 1, 1, width, safe_cell(title(template, period, lang)), "title")
    _left_right(ws, 2, width, words["office"] + (office or ""), words["date"] + form_date(made_on, lang))
    headers = _write_header(ws, template, lang)
    row = HEADER_ROWS + 1
    rows = blocks(template, units, lang, exposed)
    for index, (name, month, ytd, _status) in enumerate(rows):
        _write_unit(ws, row, template, name, (month, ytd), lang, bold=index == len(rows) - 1)
        row += 2
    own = exposed[0] if rows[-1][1] is not None and exposure_column(template) else 0  # what 合计 includes
    ws.merge(row, 1, row, width, safe_cell(note(units, lang, own)))
    _left_right(ws, row + 1, width, words["signed"], words["blank_date"])
    _finish(ws, template, [safe_cell(name) for name, *_ in rows], headers)


def _left_right(ws: Sheet, row: int, width: int, left: str, right: str) -> None:
    """Text on the left of the row and on the right (over the last four columns), like the form."""
    split = max(width - 3, 2)
    ws.merge(row, 1, row, split - 1, safe_cell(left))
    ws.merge(row, split, row, width, safe_cell(right), "right")


def _write_header(ws: Sheet, template: Template, lang: str) -> list[str]:
    """Rows 3 and 4, bold and bordered: 单位 and 项目, each group over its columns, each column's name.
    Returns row 4's texts (the group's columns' names)."""
    words = form_words(lang)
    width = FIRST_COLUMN - 1 + len(template.columns)
    texts: dict[tuple[int, int], str] = {(3, 1): words["unit"], (3, 2): words["item"]}
    merges: list[Merge] = [(3, 1, 4, 1), (3, 2, 4, 2)]
    for group, first, last in _runs(template):
        start = FIRST_COLUMN + first
        if group is None:
            texts[3, start] = safe_cell(header(template.columns[first], lang))
            merges.append((3, start, 4, start))
            continue
        texts[3, start] = safe_cell(_group(group, lang))
        if last > first:
            merges.append((3, start, 3, FIRST_COLUMN + last))
        for index in range(first, last + 1):
            texts[4, FIRST_COLUMN + index] = safe_cell(header(template.columns[index], lang))
    covered = {(r, c) for r1, c1, r2, c2 in merges for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    for first_row, first_column, last_row, last_column in merges:
        ws.merge(first_row, first_column, last_row, last_column, texts.get((first_row, first_column)), "table_bold")
    for row in (3, 4):
        for column in range(1, width + 1):
            if (row, column) not in covered:
                ws.put(row, column, texts.get((row, column)), "table_bold")
    return [texts.get((4, column), "") for column in range(1, width + 1)]


def _runs(template: Template) -> list[tuple[str | None, int, int]]:
    """(group, first, last) column indexes: consecutive columns of one group; an ungrouped column alone."""
    runs: list[tuple[str | None, int, int]] = []
    for index, column in enumerate(template.columns):
        if runs and column.group is not None and runs[-1][0] == column.group and runs[-1][2] == index - 1:
            runs[-1] = (column.group, runs[-1][1], index)
        else:
            runs.append((column.group, index, index))
    return runs


def _group(group: str, lang: str) -> str:
    return Term(group, group, _GROUPS_EN.get(group, group)).label(lang)


def _write_unit(ws: Sheet, row: int, template: Template, name: str, values: tuple[dict | None, dict], lang: str,
                *, bold: bool) -> None:  # fmt: skip
    """A unit's two rows, 本月数 and 累计数, its name merged over both. A row the unit did not report
    has no figures: its cells are one merged cell saying 未报."""
    words = form_words(lang)
    style = "table_bold" if bold else "table"
    last = FIRST_COLUMN - 1 + len(template.columns)
    ws.merge(row, 1, row + 1, 1, safe_cell(name), style)
    for offset, (item, row_values) in enumerate(zip((words["month"], words["ytd"]), values, strict=True)):
        ws.put(row + offset, 2, item, style)
        if row_values is None:
            ws.merge(row + offset, FIRST_COLUMN, row + offset, last, words["not_reported"], style)
            continue
        for index, column in enumerate(template.columns):
            value = cell(template, column, row_values)
            ws.put(row + offset, FIRST_COLUMN + index, value, style, cell_format(column, value))


def _finish(ws: Sheet, template: Template, names: list[Cell], headers: list[str]) -> None:
    """Widths for Chinese text, the header's height, panes frozen, the header repeated on every page."""
    width = FIRST_COLUMN - 1 + len(template.columns)
    first = min(max([len(str(n or "")) * 2 + 2 for n in names] + [10]), 30)
    ws.widths([(1, first), (2, 10)] + [(index, 12) for index in range(FIRST_COLUMN, width + 1)])
    longest = max(len(h) for h in headers)
    ws.ws.set_row(3, 15 * max(2, -(-longest * 2 // 10)))  # row 4, ~5 Chinese characters a line
    ws.freeze(HEADER_ROWS + 1, FIRST_COLUMN)
    ws.print_setup(title_rows=(3, HEADER_ROWS))
