"""The county's tables and ledgers as files: units that did not report are blank and marked 未报
(never zeros), template B's per-unit sheets, English without Chinese punctuation or units, and the
sheets' print set-up. Each opened back with openpyxl."""

from __future__ import annotations

import csv
import re
from datetime import date

import pytest
from openpyxl import load_workbook

import core.monthly
from core.figures import TEMPLATE_A, TEMPLATE_B, Template
from core.monthly import UnitFigures, header, monthly_chart, monthly_csv, totals
from core.monthly_book import monthly_xlsx
from core.stats import TipRecord, ledger_row
from core.tips import Status

A, B = TEMPLATE_A, TEMPLATE_B
A4_PAPER = 9  # the OOXML paper size code of A4
CHINESE_PUNCTUATION = re.compile(r"[（）：，、。；“”]")


def full(template: Template, **values: int) -> dict[str, int]:
    return {c.code: values.get(c.code, 0) for c in template.typed}


SENT = UnitFigures(
    "东平村",
    full(B, actions=3, officers=12, fines=5_000),
    full(B, actions=20, officers=80, fines=25_000),
    sent_on=date(2026, 10, 28),
)
LATE = UnitFigures("西山村", full(B, actions=1), full(B, actions=4), late=True)
SILENT = UnitFigures("南河村", None, None)  # has sent nothing this year
UNITS = [SENT, LATE, SILENT]


def _read_csv(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_a_unit_that_sent_nothing_is_blank_and_marked_never_zeros(tmp_path):
    (tmp_path / "b.xlsx").write_bytes(monthly_xlsx(B, period="2026-10", office="东平镇安委办", units=UNITS,
                       made_on=date(2026, 10, 31)))  # fmt: skip
    ws = load_workbook(tmp_path / "b.xlsx")["2026-10"]
    assert ws["A9"].value == "南河村（未报）"
    for row in (9, 10):  # 本月数 and 累计数: one merged cell saying 未报, nothing else
        assert ws.cell(row=row, column=3).value == "未报"
        assert all(ws.cell(row=row, column=c).value is None for c in range(4, 14))
        assert f"C{row}:M{row}" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A11"].value == "合计" and ws["C11"].value == 4 and ws["C12"].value == 24
    assert ws["A13"].value == "注：本月数合计为已报送的 2 个单位之和（共 3 个单位）；未报：南河村。"
    (tmp_path / "b.csv").write_bytes(monthly_csv(B, period="2026-10", units=UNITS))
    rows = _read_csv(tmp_path / "b.csv")
    assert rows[0][-1] == "报送情况"
    assert rows[5] == ["南河村（未报）", "本月数", *[""] * 11, "未报"]
    assert rows[6] == ["南河村（未报）", "累计数", *[""] * 11, "未报"]
    assert rows[1][-1] == "已报送" and rows[3][-1] == "逾期报送" and rows[7][-1] == "已报 2/3"
    assert "0" not in rows[5] + rows[6]


def test_when_no_unit_reported_the_total_is_not_reported_rather_than_zero(tmp_path):
    assert totals(B, [SILENT]) == (None, None)
    (tmp_path / "b.xlsx").write_bytes(
        monthly_xlsx(B, period="2026-10", office="x", units=[SILENT], made_on=date(2026, 10, 31))
    )
    ws = load_workbook(tmp_path / "b.xlsx")["2026-10"]
    assert ws["A7"].value == "合计" and ws["C7"].value == "未报" and ws["C8"].value == "未报"
    assert ws["A9"].value == "注：本月数合计为已报送的 0 个单位之和（共 1 个单位）；未报：南河村。"


def test_template_b_gives_each_unit_its_own_sheet_in_the_form_s_layout(tmp_path):
    path = tmp_path / "b.xlsx"
    path.write_bytes(monthly_xlsx(B, period="2026-10", office="东平镇安委办", units=UNITS, made_on=date(2026, 10, 31)))
    book = load_workbook(path)
    assert book.sheetnames == ["2026-10", "东平村", "西山村", "南河村"]
    ws = book["东平村"]
    assert ws["A1"].value == "2026年10月安全监管“强执法防事故”行动情况月报表"
    assert ws["A2"].value == "填报单位（盖章）：东平村" and ws["C2"].value == "填报时间：2026年10月28日"  # when it sent
    assert [c.value for c in ws[3]] == ["项目", "单位", "本月数", "累计数"]
    assert [c.value for c in ws[4]] == ["组织（包括日常、集中、联合、专项等）执法活动", "次", 3, 20]
    assert [c.value for c in ws[5]] == ["出动执法人员", "人（次）", 12, 80]
    assert [c.value for c in ws[8]] == ["经济处罚", "万元", 0.5, 2.5] and ws["C8"].number_format == "0.0"
    assert ws["A14"].value == "抓捕涉嫌犯罪人员" and ws.max_row == 14  # eleven items, nothing after
    assert ws.page_setup.paperSize == A4_PAPER and ws.sheet_properties.pageSetUpPr.fitToPage
    assert book["西山村"]["A15"].value == "注：逾期报送。"
    silent = book["南河村"]
    assert silent["C4"].value == silent["D4"].value == "未报"
    assert {"C4:C14", "D4:D14"} <= {str(r) for r in silent.merged_cells.ranges}
    assert all(silent.cell(row=r, column=c).value is None for r in range(5, 15) for c in (3, 4))
    assert silent["A15"].value == "注：未报。" and silent["C2"].value == "填报时间：　　年　　月　　日"


#: Seed 002 附件1, as printed: the title and each item with its unit, in order.
SEED_B_TITLE = "安全监管“强执法防事故”行动情况月报表"
SEED_B_ITEMS = [
    ("组织（包括日常、集中、联合、专项等）执法活动", "次"), ("出动执法人员", "人（次）"), ("检查生产经营单位", "家"),
    ("立案调查", "起"), ("经济处罚", "万元"), ("责令停产停业", "家"), ("暂扣或者吊销许可证照", "个"),
    ("取缔关闭", "处"), ("问责领导干部", "人"), ("行政拘留", "人"), ("抓捕涉嫌犯罪人员", "人"),
]  # fmt: skip


def test_template_b_is_written_in_the_seed_s_own_words(tmp_path):
    from core.figures import form_text, parse_form

    path = tmp_path / "b.xlsx"
    path.write_bytes(monthly_xlsx(B, period="2026-10", office="东平镇安委办", units=UNITS, made_on=date(2026, 10, 31)))
    book = load_workbook(path)
    form, table = book["东平村"], book["2026-10"]
    assert form["A1"].value == table["A1"].value == "2026年10月" + SEED_B_TITLE
    assert [(r[0].value, r[1].value) for r in form.iter_rows(min_row=4, max_row=14)] == SEED_B_ITEMS
    headers = [table.cell(row=3, column=c).value for c in range(3, 14)]
    assert headers == [f"{name}（{unit.replace('（', '').replace('）', '')}）" for name, unit in SEED_B_ITEMS]
    assert "出动执法人员（人次）" in headers and not any("）（" in h or "（人（" in h for h in headers)
    assert "出动执法人员（人次）：" in form_text(B, "zh")  # the liaison's form: no nested brackets either
    values, problems = parse_form(B, form_text(B, "zh").replace("：", "：1") + "\n组织执法活动：3")
    assert values["actions"] == 3 and values["officers"] == 1 and problems == {}  # the short name is understood


def test_template_a_has_no_unit_sheets(tmp_path):
    units = [UnitFigures("东平村", full(A, inspected=1, enterprises=2), full(A, inspected=1, enterprises=2))]
    (tmp_path / "a.xlsx").write_bytes(
        monthly_xlsx(A, period="2026-10", office="x", units=units, made_on=date(2026, 11, 3))
    )
    assert load_workbook(tmp_path / "a.xlsx").sheetnames == ["2026-10"]


def test_unit_sheet_names_are_names_excel_accepts(tmp_path):
    units = [UnitFigures(name, full(B), full(B)) for name in ("东平村/西区", "东平村_西区", "x" * 40, "2026-10")]
    (tmp_path / "b.xlsx").write_bytes(
        monthly_xlsx(B, period="2026-10", office="x", units=units, made_on=date(2026, 10, 31))
    )
    names = load_workbook(tmp_path / "b.xlsx").sheetnames
    assert names == ["2026-10", "东平村_西区", "东平村_西区 (2)", "x" * 31, "2026-10 (2)"]


def test_unit_sheet_names_fit_excel_s_31_utf16_units_and_never_end_with_a_quote(tmp_path):
    units = [UnitFigures(name, full(B), full(B)) for name in ("🏭" * 20, "a" * 30 + "'b")]
    (tmp_path / "b.xlsx").write_bytes(
        monthly_xlsx(B, period="2026-10", office="x", units=units, made_on=date(2026, 10, 31))
    )
    assert load_workbook(tmp_path / "b.xlsx").sheetnames == ["2026-10", "🏭" * 15, "a" * 30]


def test_the_monthly_table_prints_on_a4_landscape_fitted_to_the_width(tmp_path):
    (tmp_path / "b.xlsx").write_bytes(
        monthly_xlsx(B, period="2026-10", office="x", units=UNITS, made_on=date(2026, 10, 31))
    )
    ws = load_workbook(tmp_path / "b.xlsx")["2026-10"]
    assert ws.page_setup.paperSize == A4_PAPER and ws.page_setup.orientation == "landscape"
    # one page wide: a file that leaves fitToWidth out means 1 (OOXML), as XlsxWriter writes it
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1)
    assert ws.page_setup.fitToHeight == 0


def test_english_tables_and_charts_have_english_units_and_punctuation(tmp_path, monkeypatch):
    assert header(B.column("officers"), "en") == "Enforcement officers deployed (person-times)"
    assert header(A.column("enterprises"), "en") == "Enterprises supervised (businesses)"
    (tmp_path / "b.xlsx").write_bytes(monthly_xlsx(B, period="2026-10", office="Dongping", units=UNITS,
                       made_on=date(2026, 10, 31), lang="en"))  # fmt: skip
    book = load_workbook(tmp_path / "b.xlsx")
    assert book["东平村"]["A2"].value == "Reporting unit (seal): 东平村"
    assert [c.value for c in book["东平村"][5]] == ["Enforcement officers deployed", "person-times", 12, 80]
    texts = [c for ws in book for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert [t for t in texts if CHINESE_PUNCTUATION.search(t)] == []
    (tmp_path / "b.csv").write_bytes(monthly_csv(B, period="2026-10", units=UNITS, lang="en"))
    table = _read_csv(tmp_path / "b.csv")
    assert table[5][-1] == "Not reported" and table[7][-1] == "2 of 3 reported"
    drawn = {}

    def capture(title, panels, *, footer=""):
        drawn.update(title=title, panels=[p.title for p in panels], footer=footer)
        return b""

    monkeypatch.setattr(core.monthly, "bar_panels", capture)
    monthly_chart(A, year=2026, by_month={10: full(A, inspected=3)}, lang="en", title="Dongping, 2026")
    assert drawn["panels"][0] == "Enterprises inspected on site (businesses)"
    assert not any(CHINESE_PUNCTUATION.search(t) for t in [drawn["footer"], *drawn["panels"]])


def test_the_english_tip_ledger_joins_lists_with_commas():
    from core.casework import Verification
    from core.office import OfficeConfig

    verified = Verification(outcome="true", problems=("facilities", "training"), measures=("rectify", "fine"),
                            fine_fen=100)  # fmt: skip
    record = TipRecord(number="JB2026-000001", received_on=date(2026, 3, 1), kind="hazard", industry="hazchem",
                       village=None, department="emergency", status=Status.VERIFIED, involves_death=False,
                       due_on=date(2026, 3, 20), merged_into=None, verified_on=date(2026, 3, 9),
                       verification=verified)  # fmt: skip
    en = ledger_row(record, OfficeConfig(), "en")
    zh = ledger_row(record, OfficeConfig(), "zh")
    assert "、" not in en[11] and ", " in en[11] and ", " in en[12]
    assert "、" in zh[11]
    assert en[1] == date(2026, 3, 1) and en[9] == date(2026, 3, 9) and en[17] == date(2026, 3, 20)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_csv_marks_are_in_the_table_s_language(tmp_path, lang):
    (tmp_path / "x.csv").write_bytes(monthly_csv(B, period="2026-10", units=UNITS, lang=lang))
    table = _read_csv(tmp_path / "x.csv")
    marks = [c for row in table for c in row if CHINESE_PUNCTUATION.search(c)]
    if lang == "en":
        assert (
            marks == []
            and table[5][0] == "南河村 (not reported)"
            and table[0][3] == "Enforcement officers deployed (person-times)"
        )
    else:
        assert "南河村（未报）" in marks and table[0][3] == "出动执法人员（人次）"
