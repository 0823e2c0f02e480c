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

from core.figures import Template
from core.monthly import UnitFigures, cell, cell_format, form_date, form_words, title
from core.sheets import Book, Sheet, safe_cell
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
    """The unit's name as a sheet name Excel accepts: at most 31 characters (UTF-16 units, as Excel
    counts them), none of []:*?/\\, not already taken (case-insensitive, as Excel compares them):
    东平村, 东平村 (2)…"""
    base = _NOT_IN_NAMES.sub("_", unit).strip("'") or "_"
    name, number = _fit(base, 31), 1
    while name.lower() in taken:
        number += 1
        suffix = f" ({number})"
        name = _fit(base, 31 - len(suffix)) + suffix
    taken.add(name.lower())
    return name


def _fit(text: str, limit: int) -> str:
    """The longest start of `text` at most `limit` UTF-16 units long (a character beyond the BMP,
    an emoji, takes two), not ending with ' (which Excel refuses)."""
    while len(text.encode("utf-16-le")) > 2 * limit:
        text = text[:-1]
    return text.rstrip("'") or "_"


def add_unit_sheets(book: Book, template: Template, *, period: str, units: Sequence[UnitFigures],
                    lang: str) -> None:  # fmt: skip
    """A sheet per unit, after the sheets already in the book, named by the unit."""
    taken = {ws.name.lower() for ws in book.sheets}
    for unit in units:
        ws = book.sheet(sheet_name(unit.unit, taken))
        write_unit_sheet(ws, template, period=period, unit=unit, lang=lang)


def write_unit_sheet(ws: Sheet, template: Template, *, period: str, unit: UnitFigures, lang: str) -> None:
    """The unit's sheet; its cells take the book's named formats (core.sheets.STYLES)."""
    words = form_words(lang)
    last = FIRST_ITEM_ROW + len(template.columns) - 1
    ws.merge(1, 1, 1, 4, safe_cell(title(template, period, lang)), "title")
    ws.merge(2, 1, 2, 2, safe_cell(words["sealed"] + unit.unit))
    ws.merge(2, 3, 2, 4, words["sent_on"] + _day(unit.sent_on, lang), "right")
    for index, header in enumerate(_HEADERS, 1):
        ws.put(3, index, header.label(lang), "table_bold")
    for index, values in ((3, unit.month), (4, unit.ytd)):
        if values is None:  # 未报 in the first cell, merged down the column
            ws.merge(FIRST_ITEM_ROW, index, last, index, words["not_reported"], "table")
    for row, column in enumerate(template.columns, FIRST_ITEM_ROW):
        ws.put(row, 1, safe_cell(column.label(lang)), "table_left")
        ws.put(row, 2, column.unit_label(lang), "table")
        for index, values in ((3, unit.month), (4, unit.ytd)):
            if values is not None:
                value = cell(template, column, values)
                ws.put(row, index, value, "table", cell_format(column, value))
    if unit.month is None or unit.late:
        ws.merge(last + 1, 1, last + 1, 4, words["form_missing" if unit.month is None else "form_late"])
    _finish(ws)


def _day(sent_on: date | None, lang: str) -> str:
    if sent_on is None:
        return "　　年　　月　　日" if chinese(lang) else ""  # the paper form's blank date
    return form_date(sent_on, lang)


def _finish(ws: Sheet) -> None:
    ws.widths(zip(range(1, 5), (40, 12, 14, 14), strict=True))
    ws.freeze(FIRST_ITEM_ROW)
    ws.print_setup(landscape=False)
