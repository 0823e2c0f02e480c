"""Tables as files the county can open: .xlsx written with XlsxWriter, and CSV in UTF-8 with a
byte-order mark, which Excel needs to show Chinese from a CSV.

Why XlsxWriter (openpyxl only reads files back, in the tests): it writes a merged range, its text
and its format in one call, a format is built once per workbook and shared by every cell that takes
it, and it keeps no style object per cell. The county's table of 1,000 units took 0.6 s with
openpyxl's named styles and takes about 0.2 s with it (bench/monthly.py).

Every value is written by its type (write_string, write_number, write_datetime), never through
XlsxWriter's write(), which turns text starting with = into a formula and text like an address into a
link; the workbook's options (`OPTIONS`) turn both off as well. Text a spreadsheet would run as a
formula also gets a leading ' (`safe_cell`), as in the CSV, so that editing the cell keeps it text.

Dates are written as real dates (a date cell with a yyyy-mm-dd format, so Excel sorts and filters
them as dates) and as ISO text in the CSV. Every sheet prints on A4, landscape (or portrait), fitted
to the width. Rows and columns count from 1 here, as the forms do (A1 is row 1, column 1)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

Cell = str | int | float | Decimal | date | None
DATE_FORMAT = "yyyy-mm-dd"
HEADER_ROW = 3  # title, subtitle, then the headers
A4_PAPER = 9  # the OOXML paper size code

#: The file is built in memory; text is never turned into a formula, a link or a number.
OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}

#: Page margins in inches, as the files had them before (openpyxl's defaults): left, right, top, bottom,
#: then the header's and the footer's.
MARGINS = (0.75, 0.75, 1.0, 1.0)
HEADER_MARGIN = FOOTER_MARGIN = 0.5

#: A column `width` characters wide is drawn 7 pixels a character (Calibri 11's digit, padding
#: included): the widths the files had before, where the width was stored as given.
PIXELS_PER_CHARACTER = 7


#: What a spreadsheet may take as the start of a formula (OWASP's CSV injection list): =, +, -, @, and a
#: tab or carriage return, which Excel skips before looking at the next character.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(cell: Cell) -> Cell:
    """Text that a spreadsheet would run as a formula is kept as text, behind a '. Numbers written as
    numbers (a negative one too) stay numbers: only text is quoted."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


#: The tables' cell formats by name, as XlsxWriter's format properties. "table": a bordered cell,
#: centred and wrapped; "table_bold": the same in bold (headers, 合计); "table_left": bordered,
#: left-aligned and wrapped; "title": a sheet's title; "heading": a ledger's title; "bold": bold text;
#: "right": text on the right, unbordered.
_TABLE = {"border": 1, "align": "center", "valign": "vcenter", "text_wrap": True}
STYLES: dict[str, dict[str, object]] = {
    "table": _TABLE,
    "table_bold": {**_TABLE, "bold": True},
    "table_left": {**_TABLE, "align": "left"},
    "title": {"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"},
    "heading": {"bold": True, "font_size": 14, "align": "center"},
    "bold": {"bold": True},
    "right": {"align": "right"},
}


class Book:
    """A workbook written in memory. Its formats are built once each, by (style name, number
    format), the first time a cell asks for one, and shared by every cell after it."""

    def __init__(self) -> None:
        self._buffer = io.BytesIO()
        self._book = Workbook(self._buffer, OPTIONS)
        self._formats: dict[tuple[str | None, str | None], Format] = {}
        self.sheets: list[Sheet] = []

    def sheet(self, name: str) -> Sheet:
        """A new sheet after the others (`name` must be one Excel accepts: core.unit_sheets.sheet_name)."""
        sheet = Sheet(self, self._book.add_worksheet(name))
        self.sheets.append(sheet)
        return sheet

    def format(self, style: str | None, number_format: str | None = None) -> Format | None:
        if style is None and number_format is None:
            return None
        found = self._formats.get((style, number_format))
        if found is None:
            properties = dict(STYLES[style]) if style else {}
            if number_format:
                properties["num_format"] = number_format
            found = self._formats[style, number_format] = self._book.add_format(properties)
        return found

    def bytes(self) -> bytes:
        """The .xlsx file's bytes (the book is closed: nothing more can be written)."""
        self._book.close()
        return self._buffer.getvalue()


class Sheet:
    """A worksheet of a Book, its cells written by type with one of the named formats."""

    def __init__(self, book: Book, ws: Worksheet):
        self.book, self.ws, self.name = book, ws, ws.name

    def put(self, row: int, column: int, value: Cell, style: str | None = None,
            number_format: str | None = None) -> None:  # fmt: skip
        """Write a cell: text as text, numbers as numbers, a date as a date cell (yyyy-mm-dd unless
        told); None leaves it empty, with the format if there is one (a bordered empty cell)."""
        row, column = row - 1, column - 1
        if isinstance(value, int | float | Decimal):  # the commonest first: a table is mostly figures
            fmt = self.book.format(style, number_format)
            self.ws.write_number(row, column, float(value) if isinstance(value, Decimal) else value, fmt)
        elif isinstance(value, str):
            self.ws.write_string(row, column, value, self.book.format(style, number_format))
        elif isinstance(value, date):
            self.ws.write_datetime(row, column, value, self.book.format(style, number_format or DATE_FORMAT))
        elif (fmt := self.book.format(style, number_format)) is not None:
            self.ws.write_blank(row, column, None, fmt)

    def merge(self, first_row: int, first_column: int, last_row: int, last_column: int, value: Cell,
              style: str | None = None) -> None:  # fmt: skip
        """One merged cell over the range, holding `value`; every cell of it takes the format, so the
        borders are drawn all round (a single cell is just written)."""
        if (first_row, first_column) != (last_row, last_column):
            fmt = self.book.format(style)
            self.ws.merge_range(first_row - 1, first_column - 1, last_row - 1, last_column - 1, None, fmt)
        self.put(first_row, first_column, value, style)

    def widths(self, widths: Iterable[tuple[int, float]]) -> None:
        """(column, width in characters) for each column given."""
        for column, width in widths:
            self.ws.set_column_pixels(column - 1, column - 1, round(width * PIXELS_PER_CHARACTER))

    def freeze(self, row: int, column: int = 1) -> None:
        """The panes frozen above `row` and left of `column` (the cell that scrolls first)."""
        self.ws.freeze_panes(row - 1, column - 1)

    def print_setup(self, *, landscape: bool = True, title_rows: tuple[int, int] | None = None) -> None:
        """A4, landscape (or portrait for a narrow form), all columns on one page's width (as many pages
        down as it takes); `title_rows` (first, last) printed on every page."""
        self.ws.set_paper(A4_PAPER)
        if landscape:
            self.ws.set_landscape()
        else:
            self.ws.set_portrait()
        self.ws.fit_to_pages(1, 0)
        left, right, top, bottom = MARGINS
        self.ws.set_margins(left=left, right=right, top=top, bottom=bottom)
        self.ws.set_header("", {"margin": HEADER_MARGIN})
        self.ws.set_footer("", {"margin": FOOTER_MARGIN})
        if title_rows is not None:
            self.ws.repeat_rows(title_rows[0] - 1, title_rows[1] - 1)


def _width(cell: Cell) -> int:
    return 10 if isinstance(cell, date) else len(str(cell))


def xlsx_bytes(*, title: str, subtitle: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]],
               sheet: str = "Sheet1") -> bytes:  # fmt: skip
    """A title row, a subtitle row (who, when), bold headers with an autofilter, the rows; columns
    sized to their text; dates as date cells. Returns the file's bytes."""
    book = Book()
    ws = book.sheet(sheet[:31])
    width = max(len(headers), 1)
    ws.merge(1, 1, 1, width, safe_cell(title), "heading")
    ws.merge(2, 1, 2, width, safe_cell(subtitle))
    for column, header in enumerate(headers, 1):
        ws.put(HEADER_ROW, column, header, "bold")
    for number, row in enumerate(rows, HEADER_ROW + 1):
        for column, value in enumerate(row, 1):
            ws.put(number, column, safe_cell(value))
    widths = []
    for index, header in enumerate(headers, 1):
        longest = max([len(str(header))] + [_width(r[index - 1]) for r in rows if r[index - 1] is not None])
        widths.append((index, min(max(longest * 2 + 2, 8), 60)))
    ws.widths(widths)
    ws.ws.autofilter(HEADER_ROW - 1, 0, HEADER_ROW - 1 + len(rows), width - 1)
    ws.freeze(HEADER_ROW + 1)
    ws.print_setup(title_rows=(HEADER_ROW, HEADER_ROW))
    return book.bytes()


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
