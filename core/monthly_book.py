"""The month's .xlsx as a whole: the consolidated sheet of core.monthly and, for a template whose
form lists its items as rows, a sheet per unit from core.unit_sheets (which reads core.monthly's
words and cells, so the two are put together here rather than in either)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from openpyxl import Workbook

from core.figures import Template
from core.monthly import UnitFigures
from core.monthly_sheet import consolidated_sheet
from core.sheets import add_styles, book_bytes
from core.unit_sheets import add_unit_sheets


def monthly_xlsx(template: Template, *, period: str, office: str | None, units: Sequence[UnitFigures],
                 made_on: date, lang: str = "zh") -> bytes:  # fmt: skip
    """The month's table laid out like the seed form (see core.monthly's docstring), as the file's
    bytes; `office` is the 填报单位, the office's formal name (None: left blank, to fill in by
    hand). A template with `unit_sheets` adds a sheet per unit."""
    book = Workbook()
    ws = book.active
    ws.title = period[:31]
    add_styles(book)  # once for the whole book: every cell takes its style by name
    consolidated_sheet(ws, template, period=period, office=office, units=units, made_on=made_on, lang=lang)
    if template.unit_sheets:
        add_unit_sheets(book, template, period=period, units=units, lang=lang)
    return book_bytes(book)
