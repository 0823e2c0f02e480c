"""Monthly figures: templates as data, what liaisons type, the checks, and 累计数 over a year."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from core.figures import (
    TEMPLATE_A,
    TEMPLATE_B,
    Stored,
    Template,
    form_text,
    format_value,
    jumps,
    next_version,
    parse_form,
    parse_value,
    ratio,
    violations,
    year_to_date,
)

A = TEMPLATE_A


@pytest.mark.parametrize(
    ("code", "typed", "value"),
    [
        ("inspected", "12", 12), ("inspected", "１２", 12), ("inspected", "十二", 12), ("inspected", "1,200", 1200),
        ("inspected", "12家", 12), ("inspected", "0", 0), ("inspected", "-3", None), ("inspected", "1.5", None),
        ("inspected", "许多", None), ("fines", "1.5", 15_000), ("fines", "0.0001", 1), ("fines", "2万元", 20_000),
        ("fines", "１２．３４５６", 123_456), ("fines", "0.00001", None), ("fines", "-1", None),
    ],
)  # fmt: skip
def test_values_as_liaisons_type_them(code, typed, value):
    assert parse_value(A.column(code), typed) == value


def test_money_shows_in_wan_yuan_exactly():
    assert format_value(A.column("fines"), 123_456) == "12.3456"
    assert format_value(A.column("fines"), 20_000) == "2"


def test_the_form_in_one_message_round_trips():
    text = form_text(A, "zh")
    assert "现场监督检查企业数（家）：" in text and "立案数占实际检查企业总数比例" not in text  # computed, never typed
    filled = text.replace("监管企业总数（家）：", "监管企业总数（家）：１２０").replace(
        "罚款金额（万元）：", "罚款金额（万元）：1.5"
    )
    filled = filled.replace("现场监督检查企业数（家）：", "现场监督检查企业数（家）： 三十")
    values, problems = parse_form(A, filled)
    assert values["enterprises"] == 120 and values["inspected"] == 30 and values["fines"] == 15_000
    assert values["cases"] is None  # blank: 0 only once the liaison confirms
    assert problems == {}


def test_a_line_not_understood_or_missing_is_a_problem():
    values, problems = parse_form(A, "监管企业总数：很多\n排查隐患数: 5")
    assert problems["enterprises"] == "很多" and problems["inspected"] == "" and values["hazards"] == 5


def test_the_year_to_date_sums_flows_and_keeps_the_latest_stock():
    months = [
        {"enterprises": 100, "inspected": 10, "hazards": 4, "fines": 15_000},
        {"enterprises": 104, "inspected": 12, "hazards": 0, "fines": 0},
        {"enterprises": None, "inspected": 3, "hazards": 1, "fines": 5_000},
    ]
    ytd = year_to_date(A, months)
    assert ytd["enterprises"] == 104 and ytd["inspected"] == 25 and ytd["hazards"] == 5 and ytd["fines"] == 20_000


def test_the_ratio_is_computed_and_never_divides_by_zero():
    column = A.column("case_ratio")
    assert ratio(A, column, {"cases": 1, "inspected": 3}) == Decimal("33.33")
    assert ratio(A, column, {"cases": 0, "inspected": 0}) is None


def test_the_rules_of_template_a():
    month = {"enterprises": 10, "inspected": 11, "hazards": 2, "rectified": 3, "cases": 12}
    ytd = {"hazards": 5, "rectified": 3}
    broken = {(r.left, r.right) for r in violations(A, month, ytd)}
    assert broken == {("inspected", "enterprises"), ("cases", "inspected")}  # rectified ≤ hazards holds for the year
    assert {(r.left, r.right) for r in violations(A, month, {"hazards": 2, "rectified": 3})} >= {
        ("rectified", "hazards")
    }


def test_a_tenfold_jump_needs_confirming():
    assert jumps(A, {"inspected": 101, "hazards": 3}, {"inspected": 10, "hazards": 3}) == ["inspected"]
    assert jumps(A, {"inspected": 100}, {"inspected": 10}) == []
    assert jumps(A, {"inspected": 5}, None) == []


def test_template_b_and_a_custom_template():
    assert [c.name for c in TEMPLATE_B.typed][:3] == [
        "组织（包括日常、集中、联合、专项等）执法活动",
        "出动执法人员",
        "检查生产经营单位",
    ]
    assert TEMPLATE_B.due_day == 0 and len(TEMPLATE_B.columns) == 11
    custom = Template.model_validate({
        "code": "mine", "title": "燃气安全检查月报",
        "columns": [{"code": "checked", "name": "检查户数", "unit": "户"},
                    {"code": "bottles", "name": "在用气瓶", "unit": "个", "stock": True},
                    {"code": "fines", "name": "罚款", "unit": "万元", "kind": "money"}],
        "rules": [{"left": "checked", "right": "bottles"}],
    })  # fmt: skip
    months = [{"checked": 1, "bottles": 9, "fines": 1}, {"checked": 2, "bottles": 7, "fines": 0}]
    assert year_to_date(custom, months) == {"checked": 3, "bottles": 7, "fines": 1}
    with pytest.raises(ValidationError, match="unknown column"):
        Template.model_validate({"code": "x", "title": "x", "columns": [{"code": "a", "name": "a", "unit": "家"}],
                                 "rules": [{"left": "a", "right": "b"}]})  # fmt: skip


def test_the_office_picks_a_template_in_its_toml(tmp_path):
    from bot.config import load_office
    from core.office import OfficeConfigError

    path = tmp_path / "office.toml"
    path.write_text('[figures]\ntemplate = "b"\n', encoding="utf-8")
    assert load_office(path).figures.chosen is TEMPLATE_B
    path.write_text(
        '[figures]\ntemplate = "gas"\n[figures.custom.gas]\ncode = "gas"\ntitle = "燃气安全检查月报"\n'
        'columns = [ { code = "checked", name = "检查户数", unit = "户" } ]\n',
        encoding="utf-8",
    )
    assert load_office(path).figures.chosen.title == "燃气安全检查月报"
    path.write_text('[figures]\ntemplate = "c"\n', encoding="utf-8")
    with pytest.raises(OfficeConfigError, match="unknown template"):
        load_office(path)


def test_names_and_units_as_people_write_them():
    from core.figures import TEMPLATE_B, Column, Template, parse_form, parse_value

    officers = TEMPLATE_B.column("officers")
    assert parse_value(officers, "12人次") == 12 and parse_value(officers, "12人（次）") == 12
    visits = Column(code="visits", name="入户检查（户次）", unit="户")
    custom = Template(
        code="c", title="入户检查月报", columns=(visits, Column(code="lpg", name="检查ＬＰＧ站", unit="家"))
    )
    values, problems = parse_form(custom, "入户检查（户次）（户）：5\n检查LPG站（家）：2")
    assert values == {"visits": 5, "lpg": 2} and problems == {}
    values, problems = parse_form(custom, "入户检查(户次)：7\n 检查ＬＰＧ站 ： 3 家")
    assert values == {"visits": 7, "lpg": 3} and problems == {}


def test_the_correction_rule():
    """A first version takes today's lateness; a correction is the next version with the first one's;
    the same content again is the latest version; a locked period takes no new version."""
    assert next_version(None, same=False, locked=False, late=True) == Stored(1, True)
    on_time = Stored(1, False)
    assert next_version(on_time, same=False, locked=False, late=True) == Stored(2, False)
    assert next_version(Stored(2, True), same=False, locked=False, late=False) == Stored(3, True)
    assert next_version(on_time, same=True, locked=False, late=True) == Stored(1, False, unchanged=True)
    assert next_version(on_time, same=True, locked=True, late=True) == Stored(1, False, unchanged=True)
    assert next_version(on_time, same=False, locked=True, late=False) is None
    assert next_version(None, same=False, locked=True, late=False) is None
