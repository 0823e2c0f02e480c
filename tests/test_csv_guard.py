"""Text a spreadsheet would run as a formula stays text in every CSV and .xlsx the office opens (OWASP
CSV injection): a cell that starts with =, +, -, @, a tab or a carriage return gets a leading '. A
number written as a number, a negative one too, stays a number."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.utils.escape import unescape

from core.figures import TEMPLATE_B
from core.monthly import UnitFigures, monthly_csv
from core.sheets import csv_bytes, xlsx_bytes

HOSTILE = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=HYPERLINK(1)", "\r=cmd|'/c calc'!A0", "\t\r=1", "\r\n=1"]


def _csv_rows(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


@pytest.mark.parametrize("text", HOSTILE, ids=repr)
def test_formula_like_text_is_quoted_in_the_csv(tmp_path, text):
    path = tmp_path / "t.csv"
    path.write_bytes(csv_bytes(["a", "b"], [[text, "plain"]]))
    [_, row] = _csv_rows(path)
    assert row == ["'" + text, "plain"]


@pytest.mark.parametrize("text", HOSTILE, ids=repr)
def test_formula_like_text_is_quoted_in_the_xlsx(tmp_path, text):
    path = tmp_path / "t.xlsx"
    path.write_bytes(xlsx_bytes(title="T", subtitle="S", headers=["a"], rows=[[text]]))
    cell = load_workbook(path).active["A4"]
    # A carriage return is kept as Excel keeps it, escaped as _x000D_ (which openpyxl reads as it is)
    assert unescape(cell.value) == "'" + text and cell.data_type == "s"


def test_a_title_like_a_formula_and_text_like_a_link_stay_plain_text(tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_bytes(xlsx_bytes(title="=1+1", subtitle="@SUM(A1)", headers=["a"], rows=[["https://example.com/x"]]))
    ws = load_workbook(path).active
    assert (ws["A1"].value, ws["A2"].value) == ("'=1+1", "'@SUM(A1)")
    assert ws["A1"].data_type == ws["A2"].data_type == ws["A4"].data_type == "s"
    assert ws["A4"].value == "https://example.com/x" and ws["A4"].hyperlink is None


def test_numbers_stay_numbers(tmp_path):
    rows = [[-5, Decimal("-1.50"), -0.25, 0, date(2026, 11, 30), "text with - and = inside", None]]
    path = tmp_path / "t.csv"
    path.write_bytes(csv_bytes(list("abcdefg"), rows))
    assert _csv_rows(path)[1] == ["-5", "-1.50", "-0.25", "0", "2026-11-30", "text with - and = inside", ""]
    book = tmp_path / "t.xlsx"
    book.write_bytes(xlsx_bytes(title="T", subtitle="S", headers=list("abcdefg"), rows=rows))
    values = [c.value for c in load_workbook(book).active[4]]
    assert values[:4] == [-5, -1.5, -0.25, 0] and values[5] == "text with - and = inside"


def test_a_unit_named_like_a_formula_stays_text_in_the_monthly_csv(tmp_path):
    path = tmp_path / "m.csv"
    values = {c.code: 0 for c in TEMPLATE_B.columns}
    path.write_bytes(monthly_csv(TEMPLATE_B, period="2026-10", units=[UnitFigures("\t=1+1", values, values)]))
    names = {row[0] for row in _csv_rows(path)[1:]}
    assert "'\t=1+1" in names and "\t=1+1" not in names
