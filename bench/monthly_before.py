"""/monthly as it was before its files left the event loop (2026-12-01), kept as the baseline of
bench/monthly.py's "files ready": the same reads, then the .xlsx written with a new Font, Border and
Alignment object per cell and one merge_cells call per range (openpyxl compares each new range with
every earlier one), the CSV and the chart, one after another in a thread, and only then the summary
and the files. Frozen: not used by the bot; core's CSV and chart are today's (they did not change)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
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
from core.monthly_book import MonthData, month_chart, month_csv
from core.monthly_sheet import _group, _runs
from core.sheets import safe_cell

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def files_before(month: MonthData) -> tuple[bytes, bytes, bytes]:
    """The three files, made one after another as /monthly made them (in a thread beside the loop)."""
    return xlsx_before(month), month_csv(month), month_chart(month)


async def monthly_before(services, bot, chat_id: int, period: str, made_on: date, lang: str) -> None:
    """The old handler's body: read, make every file, then the summary and the files."""
    from handlers.liaison.monthly import read_month

    month = await read_month(services.units, services.submissions, services.office, period, made_on, lang)
    xlsx, csv, png = await asyncio.to_thread(files_before, month)
    missing = month.missing()
    await bot.send_message(chat_id, f"{period}: {len(month.units) - len(missing)} of {len(month.units)}")
    await bot.send_document(chat_id, xlsx, filename="before.xlsx")
    await bot.send_document(chat_id, csv, filename="before.csv")
    await bot.send_photo(chat_id, png)


def xlsx_before(month: MonthData) -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = month.period[:31]
    _sheet(ws, month.template, period=month.period, office=month.office, units=month.rows(), made_on=month.made_on,
           lang=month.lang)  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet(ws: Worksheet, template: Template, *, period: str, office: str | None,
                       units: Sequence[UnitFigures], made_on: date, lang: str) -> None:  # fmt: skip
    width = FIRST_COLUMN - 1 + len(template.columns)
    words = form_words(lang)
    day = form_date(made_on, lang)
    heading = ws.cell(row=1, column=1, value=safe_cell(title(template, period, lang)))
    heading.font = Font(bold=True, size=14)
    heading.alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    _left_right(ws, 2, width, words["office"] + (office or ""), words["date"] + day)
    _write_header(ws, template, lang)
    row = HEADER_ROWS + 1
    rows = blocks(template, units, lang)
    for index, (name, month, ytd, _status) in enumerate(rows):
        _write_unit(ws, row, template, name, (month, ytd), lang, bold=index == len(rows) - 1)
        row += 2
    ws.cell(row=row, column=1, value=safe_cell(note(units, lang)))
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    _left_right(ws, row + 1, width, words["signed"], words["blank_date"])
    _finish(ws, template, row - 1)


def _left_right(ws: Worksheet, row: int, width: int, left: str, right: str) -> None:
    """Text on the left of the row and on the right (over the last four columns), like the form."""
    split = max(width - 3, 2)
    ws.cell(row=row, column=1, value=safe_cell(left))
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=split - 1)
    ws.cell(row=row, column=split, value=safe_cell(right)).alignment = Alignment(horizontal="right")
    ws.merge_cells(start_row=row, start_column=split, end_row=row, end_column=width)


def _write_header(ws: Worksheet, template: Template, lang: str) -> None:
    words = form_words(lang)
    for index, text in ((1, words["unit"]), (2, words["item"])):
        ws.cell(row=3, column=index, value=text)
        ws.merge_cells(start_row=3, start_column=index, end_row=4, end_column=index)
    for group, first, last in _runs(template):
        if group is None:
            column = template.columns[first]
            ws.cell(row=3, column=FIRST_COLUMN + first, value=safe_cell(header(column, lang)))
            ws.merge_cells(start_row=3, start_column=FIRST_COLUMN + first, end_row=4, end_column=FIRST_COLUMN + first)
            continue
        ws.cell(row=3, column=FIRST_COLUMN + first, value=safe_cell(_group(group, lang)))
        if last > first:
            ws.merge_cells(start_row=3, start_column=FIRST_COLUMN + first, end_row=3, end_column=FIRST_COLUMN + last)
        for index in range(first, last + 1):
            ws.cell(row=4, column=FIRST_COLUMN + index, value=safe_cell(header(template.columns[index], lang)))


def _write_unit(ws: Worksheet, row: int, template: Template, name: str, values: tuple[dict | None, dict], lang: str,
                *, bold: bool) -> None:  # fmt: skip
    """A unit's two rows, 本月数 and 累计数, its name merged over both. A row the unit did not report
    has no figures: its cells are one merged cell saying 未报."""
    words = form_words(lang)
    ws.cell(row=row, column=1, value=safe_cell(name))
    ws.merge_cells(start_row=row, start_column=1, end_row=row + 1, end_column=1)
    last = FIRST_COLUMN - 1 + len(template.columns)
    for offset, (item, row_values) in enumerate(zip((words["month"], words["ytd"]), values, strict=True)):
        ws.cell(row=row + offset, column=2, value=item)
        if row_values is None:
            ws.cell(row=row + offset, column=FIRST_COLUMN, value=words["not_reported"])
            ws.merge_cells(start_row=row + offset, start_column=FIRST_COLUMN, end_row=row + offset, end_column=last)
            continue
        for index, column in enumerate(template.columns):
            target = ws.cell(row=row + offset, column=FIRST_COLUMN + index, value=cell(template, column, row_values))
            target.number_format = cell_format(column, target.value)
    for line in ws.iter_rows(min_row=row, max_row=row + 1, max_col=FIRST_COLUMN - 1 + len(template.columns)):
        for target in line:
            target.font = Font(bold=bold)


def _finish(ws: Worksheet, template: Template, last_row: int) -> None:
    """Borders and alignment over the table, the header bold, widths for Chinese text, panes frozen."""
    width = FIRST_COLUMN - 1 + len(template.columns)
    for line in ws.iter_rows(min_row=3, max_row=last_row, max_col=width):
        for target in line:
            target.border = _BORDER
            target.alignment = _CENTER
            if target.row <= HEADER_ROWS:
                target.font = Font(bold=True)
    names = [str(ws.cell(row=r, column=1).value or "") for r in range(HEADER_ROWS + 1, last_row + 1, 2)]
    ws.column_dimensions["A"].width = min(max([len(n) * 2 + 2 for n in names] + [10]), 30)
    ws.column_dimensions["B"].width = 10
    for index in range(FIRST_COLUMN, width + 1):
        ws.column_dimensions[get_column_letter(index)].width = 12
    longest = max(len(str(ws.cell(row=4, column=i).value or "")) for i in range(1, width + 1))
    ws.row_dimensions[4].height = 15 * max(2, -(-longest * 2 // 10))  # ~5 Chinese characters a line
    ws.freeze_panes = ws.cell(row=HEADER_ROWS + 1, column=FIRST_COLUMN)
    ws.print_title_rows = f"3:{HEADER_ROWS}"
    _print_setup(ws)


def _print_setup(ws: Worksheet) -> None:
    """A4, landscape, fitted to the width: core.sheets's print set-up as it was, in openpyxl (core now
    writes with XlsxWriter)."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


# -- the CSV and the chart ---------------------------------------------------------------------
