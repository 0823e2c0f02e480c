"""Tables as files the county can open: .xlsx through openpyxl (well kept, and it reads files back,
so tests check what was written) and CSV in UTF-8 with a byte-order mark, which Excel needs to show
Chinese from a CSV.

Dates are written as real dates (a date cell with a yyyy-mm-dd format, so Excel sorts and filters
them as dates) and as ISO text in the CSV. Every sheet prints on A4, landscape, fitted to the width."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

Cell = str | int | float | Decimal | date | None
DATE_FORMAT = "yyyy-mm-dd"
HEADER_ROW = 3  # title, subtitle, then the headers


#: What a spreadsheet may take as the start of a formula (OWASP's CSV injection list): =, +, -, @, and a
#: tab or carriage return, which Excel skips before looking at the next character.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(cell: Cell) -> Cell:
    """Text that a spreadsheet would run as a formula is kept as text, behind a '. Numbers written as
    numbers (a negative one too) stay numbers: only text is quoted."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def print_setup(ws: Worksheet, *, landscape: bool = True) -> None:
    """A4, landscape (or portrait for a narrow form), all columns on one page's width (as many pages
    down as it takes)."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE if landscape else ws.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _width(cell: Cell) -> int:
    return 10 if isinstance(cell, date) else len(str(cell))


def xlsx_bytes(*, title: str, subtitle: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]],
               sheet: str = "Sheet1") -> bytes:  # fmt: skip
    """A title row, a subtitle row (who, when), bold headers with an autofilter, the rows; columns
    sized to their text; dates as date cells. Returns the file's bytes."""
    book = Workbook()
    ws = book.active
    ws.title = sheet[:31]
    ws.append([title])
    ws.append([subtitle])
    ws.append(list(headers))
    for row in rows:
        ws.append([safe_cell(c) for c in row])
        for target, value in zip(ws[ws.max_row], row, strict=False):
            if isinstance(value, date):
                target.number_format = DATE_FORMAT
    width = max(len(headers), 1)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    for cell in ws[HEADER_ROW]:
        cell.font = Font(bold=True)
    for index, header in enumerate(headers, 1):
        longest = max([len(str(header))] + [_width(r[index - 1]) for r in rows if r[index - 1] is not None])
        ws.column_dimensions[get_column_letter(index)].width = min(max(longest * 2 + 2, 8), 60)
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(width)}{HEADER_ROW + len(rows)}"
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    print_setup(ws)
    return book_bytes(book)


def book_bytes(book: Workbook) -> bytes:
    """The .xlsx file of a workbook, written in memory."""
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _text(cell: Cell) -> Cell:
    if cell is None:
        return ""
    return cell.isoformat() if isinstance(cell, date) else safe_cell(cell)


def csv_bytes(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """The CSV file's bytes: UTF-8 with a byte-order mark, rows ended by CRLF."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    writer.writerows([_text(c) for c in row] for row in rows)
    return text.getvalue().encode("utf-8-sig")
