"""The office's TOML configuration: docs/DOMAIN.md's defaults, the example file, and clear errors."""

import pytest

from bot.config import load_office
from core import taxonomy
from core.office import OfficeConfig, OfficeConfigError
from tests.conftest import EXAMPLE_CONFIG

DOMAIN_TABLE = {
    "mining": "应急站",
    "hazchem": "应急站",
    "fireworks": "应急站",
    "industry": "应急站",
    "transport": "应急站",
    "construction": "城建站",
    "selfbuilt": "城建站",
    "gas": "城建站",
    "fire": "消防工作所",
    "crowded": "消防工作所",
    "agri": "农技站 / 农经站 / 畜牧站",
    "water": "水利站",
    "tourism": "宣传部门",
    "school": "中心校",
    "forest": "林业站",
    "equipment": "市场监管",
    "other": "应急站",
}


def test_the_default_routing_is_domain_section_3():
    office = OfficeConfig()
    assert {code: office.route(code).name for code in taxonomy.INDUSTRY_BY_CODE} == DOMAIN_TABLE


def test_the_example_file_is_valid_and_complete():
    office = load_office(EXAMPLE_CONFIG)
    assert office.departments == OfficeConfig().departments
    assert office.deadlines == OfficeConfig().deadlines
    assert [v.name for v in office.villages] == ["东平社区", "西山村", "南河村"]
    assert office.deadlines.verify_days == 60 and office.deadlines.reply_days == 10


def test_no_file_means_the_defaults():
    assert load_office(None) == OfficeConfig()


def test_a_custom_routing_table(tmp_path):
    path = tmp_path / "office.toml"
    path.write_text(
        'intake_department = "ajb"\n'
        '[[departments]]\ncode = "ajb"\nname = "镇安委办"\nindustries = []\n'
        '[[departments]]\ncode = "fire"\nname = "消防中队"\nindustries = ["fire", "人员密集场所", "燃气（镇村燃气）"]\n'
    )
    office = load_office(path)
    assert office.route("gas").name == "消防中队"
    assert office.route("crowded").name == "消防中队"
    assert office.route("construction").name == "镇安委办"  # unmatched goes to intake


@pytest.mark.parametrize(
    "toml, message",
    [
        ('[[departments]]\ncode = "a"\nname = "A"\nindustries = ["核电"]\n', "unknown industry"),
        (
            '[[departments]]\ncode = "emergency"\nname = "A"\nindustries = ["fire"]\n'
            '[[departments]]\ncode = "b"\nname = "B"\nindustries = ["消防"]\n',
            "routed to both",
        ),
        ('intake_department = "nobody"\n', "intake_department"),
        ("[deadlines]\nverify_days = -5\n", "deadlines.verify_days"),
        ('[rewards]\nrule_set = "generous"\n', "unknown rule set"),
        ('colour = "red"\n', "colour"),
        ('[[villages]]\ncode = "A B"\nname = "x"\n', r"villages\[1\]\.code: use 1 to 24 lower-case"),
    ],
)
def test_mistakes_are_named(tmp_path, toml, message):
    path = tmp_path / "office.toml"
    path.write_text(toml)
    with pytest.raises(OfficeConfigError, match=message):
        load_office(path)
