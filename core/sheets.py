"""Tables as files the county can open: .xlsx through openpyxl (well kept, and it reads files back,
so tests check what was written) and CSV in UTF-8 with a byte-order mark, which Excel needs to show
Chinese from a CSV."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

Cell = str | int | float | Decimal | None


def _safe(cell: Cell) -> Cell:
    """Text that a spreadsheet would run as a formula (=, +, -, @) is kept as text."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@"):
        return "'" + cell
    return cell


def write_xlsx(path: Path, *, title: str, subtitle: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]],
               sheet: str = "Sheet1") -> None:  # fmt: skip
    """A title row, a subtitle row (who, when), bold headers, the rows; columns sized to their text."""
    book = Workbook()
    ws = book.active
    ws.title = sheet[:31]
    ws.append([title])
    ws.append([subtitle])
    ws.append(list(headers))
    for row in rows:
        ws.append([_safe(c) for c in row])
    width = max(len(headers), 1)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for index, header in enumerate(headers, 1):
        longest = max([len(str(header))] + [len(str(r[index - 1])) for r in rows if r[index - 1] is not None])
        ws.column_dimensions[get_column_letter(index)].width = min(max(longest * 2 + 2, 8), 60)
    ws.freeze_panes = "A4"
    book.save(path)


def write_csv(path: Path, headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows(["" if c is None else _safe(c) for c in row] for row in rows)
