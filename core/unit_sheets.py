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
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.worksheet import Worksheet

from core.figures import Template
from core.monthly import UnitFigures, cell, cell_format, form_date, form_words, title
from core.sheets import print_setup, safe_cell
from core.taxonomy import Term, chinese

FIRST_ITEM_ROW = 4
_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
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
    words = form_words(lang)
    heading = ws.cell(row=1, column=1, value=safe_cell(title(template, period, lang)))
    heading.font = Font(bold=True, size=14)
    heading.alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells("A1:D1")
    day = _day(unit.sent_on, lang)
    ws.cell(row=2, column=1, value=safe_cell(words["sealed"] + unit.unit))
    ws.merge_cells("A2:B2")
    ws.cell(row=2, column=3, value=words["sent_on"] + day).alignment = Alignment(horizontal="right")
    ws.merge_cells("C2:D2")
    for index, header in enumerate(_HEADERS, 1):
        ws.cell(row=3, column=index, value=header.label(lang)).font = Font(bold=True)
    last = FIRST_ITEM_ROW + len(template.columns) - 1
    for row, column in enumerate(template.columns, FIRST_ITEM_ROW):
        ws.cell(row=row, column=1, value=safe_cell(column.label(lang))).alignment = _LEFT
        ws.cell(row=row, column=2, value=column.unit_label(lang))
        for index, values in ((3, unit.month), (4, unit.ytd)):
            if values is not None:
                target = ws.cell(row=row, column=index, value=cell(template, column, values))
                target.number_format = cell_format(column, target.value)
    for index, values in ((3, unit.month), (4, unit.ytd)):
        if values is None:
            ws.cell(row=FIRST_ITEM_ROW, column=index, value=words["not_reported"])
            ws.merge_cells(start_row=FIRST_ITEM_ROW, start_column=index, end_row=last, end_column=index)
    if unit.month is None or unit.late:
        ws.cell(row=last + 1, column=1, value=words["form_missing" if unit.month is None else "form_late"])
        ws.merge_cells(start_row=last + 1, start_column=1, end_row=last + 1, end_column=4)
    _finish(ws, last)


def _day(sent_on: date | None, lang: str) -> str:
    if sent_on is None:
        return "　　年　　月　　日" if chinese(lang) else ""  # the paper form's blank date
    return form_date(sent_on, lang)


def _finish(ws: Worksheet, last: int) -> None:
    for line in ws.iter_rows(min_row=3, max_row=last, max_col=4):
        for target in line:
            target.border = _BORDER
            if target.column > 1 or target.row == 3:
                target.alignment = _CENTER
    for letter, width in zip("ABCD", (40, 12, 14, 14), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A4"
    print_setup(ws, landscape=False)
