"""The month's consolidated sheet, laid out like the county's form (core.monthly's docstring draws it).

Every cell takes one of the workbook's named styles (core.sheets.STYLES, built once per workbook) as
it is written, and the merges (a unit's name over its two rows, 未报 over a row's figures, the group
headers: about 1,000 for 1,000 units) are added together at the end (core.sheets.merge_all). Writing
a new Font, Border and Alignment into every cell, and merging one range at a time, took three
quarters of /monthly's time with 1,000 units (bench/monthly.py measures both ways)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

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
from core.sheets import Styles, add_styles, merge_all, print_setup, put, safe_cell
from core.taxonomy import Term

Merge = tuple[int, int, int, int]  # first row, first column, last row, last column

_GROUPS_EN = {
    "检查情况": "Inspections", "立案情况": "Cases", "强制措施": "Enforcement measures", "经济处罚": "Fines",
    "其他处罚情况": "Other penalties", "曝光、惩戒情况": "Exposure and sanctions",
}  # fmt: skip


def consolidated_sheet(ws: Worksheet, template: Template, *, period: str, office: str | None,
                       units: Sequence[UnitFigures], made_on: date, lang: str) -> None:  # fmt: skip
    """The sheet, in `ws`'s workbook (which gets the named styles of core.sheets.add_styles)."""
    styles = add_styles(ws.parent)
    width = FIRST_COLUMN - 1 + len(template.columns)
    words = form_words(lang)
    merges: list[Merge] = [(1, 1, 1, width)]
    put(ws, 1, 1, safe_cell(title(template, period, lang)), styles["title"])
    merges += _left_right(
        ws, styles, 2, width, words["office"] + (office or ""), words["date"] + form_date(made_on, lang)
    )
    merges += _write_header(ws, styles, template, lang)
    row = HEADER_ROWS + 1
    rows = blocks(template, units, lang)
    for index, (name, month, ytd, _status) in enumerate(rows):
        merges += _write_unit(ws, styles, row, template, name, (month, ytd), lang, bold=index == len(rows) - 1)
        row += 2
    ws.cell(row=row, column=1, value=safe_cell(note(units, lang)))
    merges.append((row, 1, row, width))
    merges += _left_right(ws, styles, row + 1, width, words["signed"], words["blank_date"])
    merge_all(ws, merges)
    _finish(ws, template, row - 1)


def _left_right(ws: Worksheet, styles: Styles, row: int, width: int, left: str, right: str) -> list[Merge]:
    """Text on the left of the row and on the right (over the last four columns), like the form."""
    split = max(width - 3, 2)
    ws.cell(row=row, column=1, value=safe_cell(left))
    put(ws, row, split, safe_cell(right), styles["right"])
    return [(row, 1, row, split - 1), (row, split, row, width)]


def _write_header(ws: Worksheet, styles: Styles, template: Template, lang: str) -> list[Merge]:
    """Rows 3 and 4, bold and bordered: 单位 and 项目, each group over its columns, each column's name."""
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
    for row in (3, 4):
        for column in range(1, width + 1):
            put(ws, row, column, texts.get((row, column)), styles["table_bold"])
    return merges


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


def _write_unit(ws: Worksheet, styles: Styles, row: int, template: Template, name: str,
                values: tuple[dict | None, dict], lang: str, *, bold: bool) -> list[Merge]:  # fmt: skip
    """A unit's two rows, 本月数 and 累计数, its name merged over both. A row the unit did not report
    has no figures: its cells are one merged cell saying 未报."""
    words = form_words(lang)
    style = styles["table_bold" if bold else "table"]
    last = FIRST_COLUMN - 1 + len(template.columns)
    put(ws, row, 1, safe_cell(name), style)
    put(ws, row + 1, 1, None, style)
    merges: list[Merge] = [(row, 1, row + 1, 1)]
    for offset, (item, row_values) in enumerate(zip((words["month"], words["ytd"]), values, strict=True)):
        put(ws, row + offset, 2, item, style)
        if row_values is None:
            put(ws, row + offset, FIRST_COLUMN, words["not_reported"], style)
            for index in range(FIRST_COLUMN + 1, last + 1):
                put(ws, row + offset, index, None, style)
            merges.append((row + offset, FIRST_COLUMN, row + offset, last))
            continue
        for index, column in enumerate(template.columns):
            value = cell(template, column, row_values)
            put(ws, row + offset, FIRST_COLUMN + index, value, style).number_format = cell_format(column, value)
    return merges


def _finish(ws: Worksheet, template: Template, last_row: int) -> None:
    """Widths for Chinese text, the header's height, panes frozen, the header repeated on every page."""
    width = FIRST_COLUMN - 1 + len(template.columns)
    names = [str(ws.cell(row=r, column=1).value or "") for r in range(HEADER_ROWS + 1, last_row + 1, 2)]
    ws.column_dimensions["A"].width = min(max([len(n) * 2 + 2 for n in names] + [10]), 30)
    ws.column_dimensions["B"].width = 10
    for index in range(FIRST_COLUMN, width + 1):
        ws.column_dimensions[get_column_letter(index)].width = 12
    longest = max(len(str(ws.cell(row=4, column=i).value or "")) for i in range(1, width + 1))
    ws.row_dimensions[4].height = 15 * max(2, -(-longest * 2 // 10))  # ~5 Chinese characters a line
    ws.freeze_panes = ws.cell(row=HEADER_ROWS + 1, column=FIRST_COLUMN)
    ws.print_title_rows = f"3:{HEADER_ROWS}"
    print_setup(ws)
