"""Tables as files the county can open: .xlsx through openpyxl (well kept, and it reads files back,
so tests check what was written) and CSV in UTF-8 with a byte-order mark, which Excel needs to show
Chinese from a CSV.

Dates are written as real dates (a date cell with a yyyy-mm-dd format, so Excel sorts and filters
them as dates) and as ISO text in the CSV. Every sheet prints on A4, landscape, fitted to the width.

The county's tables (core.monthly_sheet, core.unit_sheets) style their cells by name: a workbook's
few styles (`STYLES`) are built once and each cell takes one of them (`put`), instead of new Font,
Border and Alignment objects per cell that openpyxl hashes one by one; and their merges, which never
overlap, are added at once (`merge_all`) instead of openpyxl's merge_cells, which compares each new
range with every earlier one."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from copy import copy
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.cell.cell import MergedCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
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


#: The tables' cell styles by name: (font, bordered, alignment). "table": a bordered cell, centred and
#: wrapped; "table_bold": the same in bold (headers, 合计); "table_left": bordered, left-aligned and
#: wrapped; "title": a sheet's title; "bold": bold text; "right": text on the right, unbordered.
STYLES: dict[str, tuple[dict, bool, dict]] = {
    "table": ({}, True, {"horizontal": "center", "vertical": "center", "wrap_text": True}),
    "table_bold": ({"bold": True}, True, {"horizontal": "center", "vertical": "center", "wrap_text": True}),
    "table_left": ({}, True, {"horizontal": "left", "vertical": "center", "wrap_text": True}),
    "title": ({"bold": True, "size": 14}, False, {"horizontal": "center", "vertical": "center"}),
    "bold": ({"bold": True}, False, {}),
    "right": ({}, False, {"horizontal": "right"}),
}


Styles = dict[str, StyleArray]  # a workbook's named styles by name (add_styles)


def add_styles(book: Workbook) -> Styles:
    """Build the tables' named styles once in this workbook; returns each one's style by name, for
    `put` (what `cell.style = "table"` sets, without looking the name up again for every cell)."""
    thin = Side(style="thin")
    for name, (font, bordered, alignment) in STYLES.items():
        if name not in book.named_styles:
            border = Border(left=thin, right=thin, top=thin, bottom=thin) if bordered else Border()
            book.add_named_style(NamedStyle(name, font=Font(**font), border=border, alignment=Alignment(**alignment)))
    return {name: book._named_styles[name].as_tuple() for name in STYLES}


def put(ws: Worksheet, row: int, column: int, value: Cell, style: StyleArray) -> SheetCell:
    """Write a cell (None leaves it empty) with one of the named styles (from add_styles); returns the cell."""
    target = ws.cell(row=row, column=column, value=value)
    target._style = copy(style)  # as `target.style = name` does
    return target


def merge_all(ws: Worksheet, ranges: Iterable[tuple[int, int, int, int]]) -> None:
    """Merge each (first row, first column, last row, last column), given that no two overlap. The
    covered cells become merged cells keeping the style they had (their borders draw the merged
    cell's edges), as Excel does when formatted cells are merged."""
    for first_row, first_column, last_row, last_column in ranges:
        merged = CellRange(
            min_col=first_column, min_row=first_row, max_col=last_column, max_row=last_row
        )  # what the file needs; a MergedCellRange would also work out edge borders
        ws.merged_cells.ranges.add(merged)
        cells = merged.cells
        next(cells)  # the top-left cell keeps its value
        for row, column in cells:
            covered = MergedCell(ws, row=row, column=column)
            before = ws._cells.get((row, column))  # openpyxl's own way to replace a cell
            if before is not None and before.has_style:
                covered._style = copy(before._style)
            ws._cells[row, column] = covered


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
