"""The monthly figures table: the seed form's layout in .xlsx read back cell by cell, the CSV, the chart."""

from __future__ import annotations

import csv
import io
import re
import warnings
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from PIL import Image

import core.charts
from core.charts import CjkFontMissing
from core.figures import TEMPLATE_A, TEMPLATE_B, Template
from core.monthly import UnitFigures, cell, monthly_chart, monthly_csv, totals
from core.monthly_book import monthly_xlsx

A = TEMPLATE_A
B = TEMPLATE_B


def full(template: Template, **values: int) -> dict[str, int]:
    """Every typed column, 0 unless given."""
    assert set(values) <= {c.code for c in template.typed}
    return {c.code: values.get(c.code, 0) for c in template.typed}


DONGPING = UnitFigures(
    "东平村",
    full(A, enterprises=40, inspected=12, hazards=20, rectified=15, cases=3, seizures=1, fines=12_345, suspended=1,
         exposed=2, blacklisted=1, referred=1),
    full(A, enterprises=40, inspected=100, hazards=150, rectified=140, cases=10, seizures=4, fines=112_345,
         suspended=2, licences=1, exposed=5, blacklisted=2, joint=1, criminal=1, referred=3),
)  # fmt: skip
XISHAN = UnitFigures(
    "西山社区",
    full(A, enterprises=25, inspected=8, hazards=10, rectified=10, fines=15_000),
    full(A, enterprises=25, inspected=60, hazards=70, rectified=65, cases=4, fines=50_000, closures=1),
    late=True,
)
OFFICE = UnitFigures(
    "镇应急办", None, full(A, enterprises=10, inspected=30, hazards=5, rectified=5, cases=2, fines=20_000)
)
UNITS = [DONGPING, XISHAN, OFFICE]

# Column letters on template A: the template's columns start at C.
COL = {c.code: index for index, c in enumerate(A.columns, 3)}


@pytest.fixture
def sheet_a(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(monthly_xlsx(A, period="2026-10", office="东平镇安委办", units=UNITS, made_on=date(2026, 11, 3)))
    return load_workbook(path).active


def merged(ws) -> set[str]:
    return {str(r) for r in ws.merged_cells.ranges}


def test_totals_sum_the_month_of_units_that_reported_and_the_year_of_all():
    month, ytd = totals(A, UNITS)
    assert month["enterprises"] == 65 and month["inspected"] == 20 and month["cases"] == 3
    assert month["fines"] == 27_345
    assert ytd["enterprises"] == 75 and ytd["inspected"] == 190 and ytd["cases"] == 16 and ytd["closures"] == 1
    assert ytd["fines"] == 182_345
    assert "case_ratio" not in month  # computed per row, never summed


def test_a_cell_is_a_count_wan_yuan_or_the_row_s_ratio():
    values = full(A, inspected=12, cases=3, fines=12_345)
    assert cell(A, A.column("inspected"), values) == 12
    assert cell(A, A.column("fines"), values) == Decimal("1.2345")
    assert cell(A, A.column("case_ratio"), values) == Decimal("25.00")
    assert cell(A, A.column("case_ratio"), full(A, cases=3)) is None  # nothing inspected
    assert cell(A, A.column("inspected"), None) is None


def test_title_office_and_date_rows(sheet_a):
    ws = sheet_a
    assert ws["A1"].value == "2026年10月执法攻坚年活动执法情况统计表" and ws["A1"].font.bold
    assert ws["A1"].alignment.horizontal == "center"
    assert ws["A2"].value == "填报单位：东平镇安委办"
    assert ws["O2"].value == "填报日期：2026年11月3日"  # as the paper form writes it, no leading zeros
    assert {"A1:R1", "A2:N2", "O2:R2"} <= merged(ws)


def test_the_two_level_header_is_laid_out_like_the_form(sheet_a):
    ws = sheet_a
    assert (ws["A3"].value, ws["B3"].value) == ("单位", "项目")
    assert ws["C3"].value == "检查情况" and ws["D3"].value is None
    assert [ws.cell(row=4, column=c).value for c in range(3, 7)] == [
        "监管企业总数（家）", "现场监督检查企业数（家）", "排查隐患数（处）", "隐患整改数（处）",
    ]  # fmt: skip
    assert ws["G3"].value == "立案情况" and ws["H4"].value == "立案数占实际检查企业总数比例（%）"
    assert ws["I3"].value == "强制措施" and ws["I4"].value == "查封、扣押、停电处理（起）"
    assert ws["J3"].value == "经济处罚" and ws["J4"].value == "罚款金额（万元）"
    assert ws["K3"].value == "其他处罚情况" and ws["N3"].value == "曝光、惩戒情况"
    assert ws["Q3"].value == "移送追究刑事责任（人）" and ws["R3"].value == "移送其他部门处理（起）"
    header = {"A3:A4", "B3:B4", "C3:F3", "G3:H3", "K3:M3", "N3:P3", "Q3:Q4", "R3:R4"}
    units = {"A5:A6", "A7:A8", "A9:A10", "A11:A12"}
    not_reported = {"C9:R9"}  # 镇应急办's month: one cell saying 未报
    footer = {"A13:R13", "A14:N14", "O14:R14"}  # the note, the signature line
    assert merged(ws) == {"A1:R1", "A2:N2", "O2:R2"} | header | units | not_reported | footer  # I3, J3: no merge
    for ref in ("A3", "C3", "C4", "H4", "Q3"):
        assert ws[ref].font.bold and ws[ref].alignment.horizontal == "center" and ws[ref].alignment.wrap_text
        assert ws[ref].border.left.style == "thin" and ws[ref].border.bottom.style == "thin"
    assert ws.freeze_panes == "C5"


def test_each_unit_has_its_month_and_year_rows(sheet_a):
    ws = sheet_a
    assert [ws.cell(row=r, column=2).value for r in range(5, 13)] == ["本月数", "累计数"] * 4
    assert ws["A5"].value == "东平村" and ws["A6"].value is None  # merged over both rows
    assert ws.cell(row=5, column=3).value == 40 and ws.cell(row=5, column=COL["inspected"]).value == 12
    assert ws.cell(row=5, column=COL["cases"]).value == 3 and ws.cell(row=5, column=COL["referred"]).value == 1
    assert (
        ws.cell(row=5, column=COL["fines"]).value == 1.2345
        and ws.cell(row=5, column=COL["fines"]).number_format == "0.0000"
    )
    assert ws.cell(row=5, column=COL["case_ratio"]).value == 25.0  # 3 cases / 12 inspected
    assert ws.cell(row=5, column=COL["case_ratio"]).number_format == "0.00"
    assert ws.cell(row=6, column=COL["inspected"]).value == 100 and ws.cell(row=6, column=COL["fines"]).value == 11.2345
    assert ws.cell(row=6, column=COL["case_ratio"]).value == 10.0  # 10 / 100
    assert ws.cell(row=6, column=COL["criminal"]).value == 1
    assert ws.cell(row=5, column=COL["inspected"]).number_format == "0"


def test_a_late_unit_is_marked_and_a_missing_one_has_blank_month_cells_marked_not_reported(sheet_a):
    ws = sheet_a
    assert ws["A7"].value == "西山社区（逾期报送）"
    assert (
        ws.cell(row=7, column=COL["fines"]).value == 1.5 and ws.cell(row=7, column=COL["fines"]).number_format == "0.0"
    )
    assert ws.cell(row=7, column=COL["case_ratio"]).value == 0  # 0 cases / 8 inspected
    assert ws["A9"].value == "镇应急办（未报）"
    assert ws["C9"].value == "未报" and all(ws.cell(row=9, column=c).value is None for c in range(4, 19))
    assert ws.cell(row=10, column=COL["enterprises"]).value == 10 and ws.cell(row=10, column=COL["fines"]).value == 2
    assert ws.cell(row=10, column=COL["fines"]).number_format == "0"


def test_the_total_rows_are_the_hand_computed_sums_in_bold(sheet_a):
    ws = sheet_a
    assert ws["A11"].value == "合计" and ws["A11"].font.bold and ws.cell(row=11, column=COL["inspected"]).font.bold
    month = {
        "enterprises": 65,
        "inspected": 20,
        "hazards": 30,
        "rectified": 25,
        "cases": 3,
        "seizures": 1,
        "fines": 2.7345,
        "suspended": 1,
        "exposed": 2,
        "blacklisted": 1,
        "referred": 1,
        "case_ratio": 15.0,
    }
    ytd = {"enterprises": 75, "inspected": 190, "hazards": 225, "rectified": 210, "cases": 16, "seizures": 4,
           "fines": 18.2345, "suspended": 2, "licences": 1, "closures": 1, "exposed": 5, "blacklisted": 2, "joint": 1,
           "criminal": 1, "referred": 3, "case_ratio": 8.42}  # fmt: skip
    for code, column in COL.items():
        assert ws.cell(row=11, column=column).value == month.get(code, 0), code
        assert ws.cell(row=12, column=column).value == ytd.get(code, 0), code
    assert not ws["A5"].font.bold


def test_the_footer_says_how_many_units_the_total_covers_then_the_signature_line(sheet_a):
    ws = sheet_a
    assert ws["A13"].value == "注：本月数合计为已报送的 2 个单位之和（共 3 个单位）；未报：镇应急办。"
    assert ws["A14"].value == "填报人签字：" and ws["O14"].value.startswith("填报日期：")
    assert ws.max_row == 14


def test_template_b_has_no_groups_so_every_header_spans_both_rows(tmp_path):
    path = tmp_path / "b.xlsx"
    month = full(B, actions=3, officers=12, checked=9, investigations=1, fines=5_000, detained=2)
    units = [UnitFigures("北村", month, full(B, actions=20, officers=80, checked=50, investigations=4, fines=25_000))]
    path.write_bytes(monthly_xlsx(B, period="2026-03", office="东平镇", units=units, made_on=date(2026, 3, 31)))
    ws = load_workbook(path).active
    assert ws["A1"].value == "2026年3月安全监管“强执法防事故”行动情况月报表"
    assert ws["A2"].value == "填报单位：东平镇" and ws["J2"].value == "填报日期：2026年3月31日"
    assert [ws.cell(row=3, column=c).value for c in (3, 4, 7, 13)] == [
        "组织（包括日常、集中、联合、专项等）执法活动（次）", "出动执法人员（人次）", "经济处罚（万元）",
        "抓捕涉嫌犯罪人员（人）",
    ]  # fmt: skip
    assert all(ws.cell(row=4, column=c).value is None for c in range(1, 14))
    columns = "ABCDEFGHIJKLM"
    assert merged(ws) == {f"{c}3:{c}4" for c in columns} | {"A1:M1", "A2:I2", "J2:M2", "A5:A6", "A7:A8", "A9:M9",
                                                            "A10:I10", "J10:M10"}  # fmt: skip
    assert ws["A9"].value == "注：1 个单位均已报送，本月数合计为其之和。"
    assert [ws.cell(row=5, column=c).value for c in range(1, 14)] == [
        "北村", "本月数", 3, 12, 9, 1, 0.5, 0, 0, 0, 0, 2, 0,
    ]  # fmt: skip
    assert [ws.cell(row=6, column=c).value for c in range(2, 8)] == ["累计数", 20, 80, 50, 4, 2.5]
    assert ws["A7"].value == "合计" and ws.cell(row=7, column=3).value == 3 and ws.cell(row=8, column=7).value == 2.5


def test_the_english_table(tmp_path):
    path = tmp_path / "en.xlsx"
    path.write_bytes(
        monthly_xlsx(A, period="2026-10", office="Dongping", units=UNITS, made_on=date(2026, 11, 3), lang="en")
    )
    ws = load_workbook(path).active
    assert ws["A1"].value == "Enforcement campaign: enforcement statistics, October 2026"
    assert ws["A2"].value == "Reporting unit: Dongping" and ws["O2"].value == "Date: 2026-11-03"
    assert (ws["A3"].value, ws["B3"].value, ws["C3"].value) == ("Unit", "Item", "Inspections")
    assert ws["C4"].value == "Enterprises supervised (businesses)" and ws["J4"].value == "Fines (10,000 yuan)"
    assert ws["H4"].value == "Cases per enterprise inspected (%)" and ws["E4"].value == "Hazards found (items)"
    assert (ws["B5"].value, ws["B6"].value) == ("This month", "Year to date")
    assert ws["A7"].value == "西山社区 (late)" and ws["A11"].value == "Total"
    assert ws["A9"].value == "镇应急办 (not reported)" and ws["C9"].value == "Not reported"
    assert ws["A13"].value == "Note: this month's total covers the 2 of 3 units that reported; not reported: 镇应急办."
    assert ws["A14"].value == "Signed:" and ws["O14"].value == "Date:"
    chinese_punctuation = re.compile(r"[（）：，、。；“”]")
    texts = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert [t for t in texts if chinese_punctuation.search(t)] == []


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    path = tmp_path / "f.xlsx"
    units = [UnitFigures("=HYPERLINK(1)", full(B), full(B))]
    path.write_bytes(monthly_xlsx(B, period="2026-03", office="=1+1", units=units, made_on=date(2026, 3, 31)))
    ws = load_workbook(path).active
    assert ws["A5"].value == "'=HYPERLINK(1)" and ws["A2"].value == "填报单位：=1+1"


def test_the_csv_has_the_same_rows(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(monthly_csv(A, period="2026-10", units=UNITS))
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:4] == ["单位", "项目", "监管企业总数（家）", "现场监督检查企业数（家）"]
    assert len(rows[0]) == 19 and rows[0][9] == "罚款金额（万元）" and rows[0][18] == "报送情况" and len(rows) == 1 + 8
    assert rows[1][:8] == ["东平村", "本月数", "40", "12", "20", "15", "3", "25.00"]
    assert rows[1][9] == "1.2345" and rows[2][:2] == ["东平村", "累计数"] and rows[2][9] == "11.2345"
    assert rows[3][0] == rows[4][0] == "西山社区（逾期报送）" and rows[3][9] == "1.5" and rows[3][18] == "逾期报送"
    assert rows[1][18] == "已报送"
    assert rows[5][:2] == ["镇应急办（未报）", "本月数"] and rows[5][2:] == [""] * 16 + ["未报"]
    assert rows[6][2] == "10" and rows[6][9] == "2" and rows[6][7] == "6.67"  # 2 / 30
    assert rows[7][18] == rows[8][18] == "已报 2/3"
    assert rows[7][:4] == ["合计", "本月数", "65", "20"] and rows[7][7] == "15.00" and rows[7][9] == "2.7345"
    assert rows[8][:4] == ["合计", "累计数", "75", "190"] and rows[8][7] == "8.42" and rows[8][9] == "18.2345"


def test_the_period_must_be_a_month(tmp_path):
    with pytest.raises(ValueError, match="YYYY-MM"):
        (tmp_path / "x.csv").write_bytes(monthly_csv(A, period="2026-13", units=UNITS))


def test_the_chart_is_a_png_with_every_chinese_glyph():
    by_month = {m: full(A, inspected=10 + m, hazards=2 * m, rectified=m, cases=m % 3) for m in (1, 2, 3)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = monthly_chart(A, year=2026, by_month=by_month, title="2026年东平镇执法情况")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width > 600 and image.height > 4 * 250  # four panels stacked


def test_the_chart_in_english(tmp_path):
    png = monthly_chart(B, year=2026, by_month={10: full(B, actions=3)}, lang="en", title="Dongping, 2026")
    assert Image.open(io.BytesIO(png)).width > 600


def test_the_chart_says_when_no_chinese_font_is_installed(monkeypatch):
    def missing() -> str:
        raise CjkFontMissing("no font")

    monkeypatch.setattr(core.charts, "cjk_family", missing)
    with pytest.raises(CjkFontMissing):
        monthly_chart(A, year=2026, by_month={1: full(A)}, title="x")


def test_the_office_s_own_exposures_count_in_the_total_and_the_note(tmp_path):
    """Published through the office's channel: 3 in the month, 7 in the year; the units reported 2 and 5."""
    for lang, said in (
        ("zh", "本月曝光企业数合计含本平台曝光 3 家。"),
        ("en", "include 3 exposed on the office's channel."),
    ):
        path = tmp_path / f"{lang}.xlsx"
        path.write_bytes(monthly_xlsx(A, period="2026-10", office="x", units=UNITS, made_on=date(2026, 11, 3),
                                      lang=lang, exposed=(3, 7)))  # fmt: skip
        ws = load_workbook(path).active
        assert ws.cell(row=11, column=COL["exposed"]).value == 2 + 3  # 合计, 本月数
        assert ws.cell(row=12, column=COL["exposed"]).value == 5 + 7  # 合计, 累计数
        assert ws.cell(row=5, column=COL["exposed"]).value == 2  # the unit's own figure unchanged
        assert ws["A13"].value.endswith(said)
    plain = tmp_path / "plain.xlsx"
    plain.write_bytes(monthly_xlsx(A, period="2026-10", office="x", units=UNITS, made_on=date(2026, 11, 3)))
    assert "本平台" not in load_workbook(plain).active["A13"].value
