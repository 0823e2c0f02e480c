"""One sheet per unit in the layout of a form that lists its items as rows (template B, seed 002
附件1 "行动情况月报表"), beside the consolidated sheet of core.monthly:

    row 1      {year}年{month}月{title}, merged across the four columns
    row 2      填报单位（盖章）：{unit}          填报时间：the day the unit sent them (blank if it has not)
    row 3      项目 | 单位 | 本月数 | 累计数
    then       one row per item: its name, its unit, the month's figure, the year to date
    last       注：逾期报送。 / 注：未报。 when so

A unit that has not reported has no figures: its 本月数 cells are one merged cell saying 未报 (and
its 累计数 cells too if it sent nothing all year), never zeros.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from core.figures import Template
from core.monthly import UnitFigures, cell, cell_format, form_date, form_words, title
from core.sheets import add_styles, merge_all, print_setup, put, safe_cell
from core.taxonomy import Term, chinese

FIRST_ITEM_ROW = 4
_HEADERS = (
    Term("item", "项目", "Item"),
    Term("unit", "单位", "Unit"),
    Term("month", "本月数", "This month"),
    Term("ytd", "累计数", "Year to date"),
)
#: Characters Excel refuses in a sheet's name.
_NOT_IN_NAMES = re.compile(r"[\[\]:*?/\\]")


def sheet_name(unit: str, taken: set[str]) -> str:
    """The unit's name as a sheet name Excel accepts: at most 31 characters, none of []:*?/\\, not
    already taken (case-insensitive, as Excel compares them): 东平村, 东平村 (2)…"""
    base = _NOT_IN_NAMES.sub("_", unit).strip("'") or "_"
    name, number = base[:31], 1
    while name.lower() in taken:
        number += 1
        suffix = f" ({number})"
        name = base[: 31 - len(suffix)] + suffix
    taken.add(name.lower())
    return name


def add_unit_sheets(book: Workbook, template: Template, *, period: str, units: Sequence[UnitFigures],
                    lang: str) -> None:  # fmt: skip
    """A sheet per unit, after the sheets already in the book, named by the unit."""
    taken = {ws.title.lower() for ws in book.worksheets}
    for unit in units:
        ws = book.create_sheet(sheet_name(unit.unit, taken))
        write_unit_sheet(ws, template, period=period, unit=unit, lang=lang)


def write_unit_sheet(ws: Worksheet, template: Template, *, period: str, unit: UnitFigures, lang: str) -> None:
    """The unit's sheet; its cells take the workbook's named styles (core.sheets.add_styles)."""
    words, styles = form_words(lang), add_styles(ws.parent)
    last = FIRST_ITEM_ROW + len(template.columns) - 1
    put(ws, 1, 1, safe_cell(title(template, period, lang)), styles["title"])
    ws.cell(row=2, column=1, value=safe_cell(words["sealed"] + unit.unit))
    put(ws, 2, 3, words["sent_on"] + _day(unit.sent_on, lang), styles["right"])
    merges = [(1, 1, 1, 4), (2, 1, 2, 2), (2, 3, 2, 4)]
    for index, header in enumerate(_HEADERS, 1):
        put(ws, 3, index, header.label(lang), styles["table_bold"])
    for row, column in enumerate(template.columns, FIRST_ITEM_ROW):
        put(ws, row, 1, safe_cell(column.label(lang)), styles["table_left"])
        put(ws, row, 2, column.unit_label(lang), styles["table"])
        for index, values in ((3, unit.month), (4, unit.ytd)):
            if values is None:
                first = row == FIRST_ITEM_ROW  # 未报 in the first cell, merged down the column
                put(ws, row, index, words["not_reported"] if first else None, styles["table"])
                continue
            value = cell(template, column, values)
            put(ws, row, index, value, styles["table"]).number_format = cell_format(column, value)
    for index, values in ((3, unit.month), (4, unit.ytd)):
        if values is None:
            merges.append((FIRST_ITEM_ROW, index, last, index))
    if unit.month is None or unit.late:
        ws.cell(row=last + 1, column=1, value=words["form_missing" if unit.month is None else "form_late"])
        merges.append((last + 1, 1, last + 1, 4))
    merge_all(ws, merges)
    _finish(ws)


def _day(sent_on: date | None, lang: str) -> str:
    if sent_on is None:
        return "　　年　　月　　日" if chinese(lang) else ""  # the paper form's blank date
    return form_date(sent_on, lang)


def _finish(ws: Worksheet) -> None:
    for letter, width in zip("ABCD", (40, 12, 14, 14), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A4"
    print_setup(ws, landscape=False)
