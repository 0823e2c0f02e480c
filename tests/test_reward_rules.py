"""The reward rules of docs/DOMAIN.md section 5, at their boundaries, and rule sets as configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_office
from core.casework import Verification
from core.office import OfficeConfigError
from core.rewards import NATIONAL, SHANDONG_2021, AccidentFacts, accident_grade, suggest

YUAN = 100


def fined(yuan: int, outcome: str = "true") -> Verification:
    measures = ("fine",) if yuan else ("rectify",)
    return Verification(outcome=outcome, problems=("facilities",), measures=measures, fine_fen=yuan * YUAN)


@pytest.mark.parametrize(
    ("fine", "reward", "says"),
    [
        (80_000, 12_000, "罚款 ¥80,000 × 15% = ¥12,000"),
        (20_000, 3_000, "罚款 ¥20,000 × 15% = ¥3,000"),  # the minimum exactly
        (19_999, 3_000, "低于最低奖励 ¥3,000"),
        (0, 3_000, "罚款 ¥0 × 15% = ¥0，低于最低奖励 ¥3,000"),
        (2_000_000, 300_000, "罚款 ¥2,000,000 × 15% = ¥300,000"),  # the cap exactly
        (2_000_010, 300_000, "高于最高奖励 ¥300,000，按 ¥300,000"),
    ],
)
def test_major_hazards_and_illegal_acts_get_15_percent_within_the_bounds(fine, reward, says):
    for kind in ("hazard", "illegal"):
        suggestion = suggest(kind, fined(fine), NATIONAL)
        assert suggestion.eligible and suggestion.amount_fen == reward * YUAN
        assert says in suggestion.explanation


def test_fractions_of_a_fen_round_half_up():
    verification = Verification(outcome="true", measures=("fine",), fine_fen=2_000_003)  # ¥20,000.03
    assert suggest("hazard", verification, SHANDONG_2021).amount_fen == 1_000_002  # 50% of 2,000,003 = 1,000,001.5


@pytest.mark.parametrize(
    ("deaths", "injuries", "loss_yuan", "grade"),
    [
        (2, 9, 9_999_999, "general"),
        (3, 0, 0, "larger"),  # 3 deaths: 较大 ("以上"包括本数)
        (9, 0, 0, "larger"),
        (10, 0, 0, "major"),  # 10 deaths: 重大
        (29, 0, 0, "major"),
        (30, 0, 0, "especially"),
        (1, 10, 0, "larger"),  # injuries decide: 10 serious injuries make it 较大
        (1, 50, 0, "major"),
        (0, 100, 0, "especially"),
        (1, 0, 10_000_000, "larger"),  # a loss of exactly ¥10,000,000 is 较大
        (1, 0, 9_999_999, "general"),
        (1, 0, 50_000_000, "major"),
        (1, 0, 100_000_000, "especially"),
        (3, 60, 0, "major"),  # the highest grade any measure reaches
    ],
)
def test_accident_grades_by_state_council_decree_493(deaths, injuries, loss_yuan, grade):
    assert accident_grade(AccidentFacts(deaths, injuries, loss_yuan * YUAN))[0] == grade


@pytest.mark.parametrize(
    ("deaths", "injuries", "reward"),
    [(1, 0, 30_000), (2, 0, 60_000), (3, 0, 120_000), (7, 0, 280_000), (8, 0, 300_000), (1, 50, 50_000),
     (10, 0, 300_000)],
)  # fmt: skip
def test_concealed_accidents_pay_per_verified_death_by_grade_up_to_the_cap(deaths, injuries, reward):
    suggestion = suggest("concealed", fined(0), NATIONAL, accident=AccidentFacts(deaths, injuries, 0))
    assert suggestion.eligible and suggestion.amount_fen == reward * YUAN


def test_the_explanation_names_the_grade_and_what_decided_it():
    text = suggest("concealed", fined(0), NATIONAL, accident=AccidentFacts(3, 0, 0)).explanation
    assert text == "较大事故（死亡 3 人）：查实瞒报死亡 3 人 × ¥40,000 = ¥120,000"


def test_not_eligible_with_the_reason_shown():
    assert suggest("hazard", Verification(outcome="false"), NATIONAL).reason == "not_verified"
    assert suggest("hazard", None, NATIONAL).reason == "not_verified"
    duplicate = suggest("hazard", fined(80_000), NATIONAL, merged_into="JB2026-000001")
    assert duplicate.reason == "duplicate" and "JB2026-000001" in duplicate.explanation
    assert suggest("concealed", fined(0), NATIONAL, accident=AccidentFacts(0, 5, 0)).reason == "no_death"
    assert suggest("other", fined(0), NATIONAL).reason == "not_rewarded"
    assert suggest("hazard", fined(80_000, "partly"), NATIONAL).eligible  # 部分属实 counts


def test_shandong_2021():
    assert suggest("hazard", fined(80_000), SHANDONG_2021).amount_fen == 40_000 * YUAN
    assert suggest("hazard", fined(5_000), SHANDONG_2021).amount_fen == 5_000 * YUAN
    assert suggest("hazard", fined(2_000_000), SHANDONG_2021).amount_fen == 500_000 * YUAN
    ordinary = suggest("other", fined(0), SHANDONG_2021)
    assert ordinary.eligible and ordinary.amount_fen == 500 * YUAN and "¥500 至 ¥5,000" in ordinary.explanation


def test_an_office_defines_its_own_rule_set_in_toml(tmp_path: Path):
    path = tmp_path / "office.toml"
    path.write_text(
        '[rewards]\nrule_set = "mytown"\nadmin_approval_above_yuan = 20000\n'
        '[rewards.custom.mytown]\nname = "某县办法"\npercent_of_fine = 20\nfine_min_yuan = 1000\n'
        "fine_max_yuan = 100000\n"
        "per_death_yuan = { general = 10000, larger = 20000, major = 30000, especially = 40000 }\n"
        "accident_max_yuan = 100000\n",
        encoding="utf-8",
    )
    office = load_office(path)
    assert office.rewards.rules.name == "某县办法"
    assert suggest("hazard", fined(80_000), office.rewards.rules).amount_fen == 16_000 * YUAN
    assert (
        suggest("concealed", fined(0), office.rewards.rules, accident=AccidentFacts(3, 0, 0)).amount_fen
        == 60_000 * YUAN
    )


@pytest.mark.parametrize(
    ("toml", "says"),
    [
        ('[rewards]\nrule_set = "mytown"\n', "unknown rule set"),
        ('[rewards]\nrule_set = "x"\n[rewards.custom.x]\nname = "x"\npercent_of_fine = 10\nfine_min_yuan = 9\n'
         'fine_max_yuan = 1\nper_death_yuan = { general = 1, larger = 1, major = 1, especially = 1 }\n'
         "accident_max_yuan = 1\n", "fine_min_yuan is above"),
        ('[rewards]\nrule_set = "x"\n[rewards.custom.x]\nname = "x"\npercent_of_fine = 10\nfine_min_yuan = 1\n'
         'fine_max_yuan = 9\nper_death_yuan = { general = 1 }\naccident_max_yuan = 1\n', "per_death_yuan"),
    ],
)  # fmt: skip
def test_a_wrong_rule_set_is_refused_with_where_and_why(tmp_path: Path, toml, says):
    path = tmp_path / "office.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(OfficeConfigError, match=says):
        load_office(path)


def test_the_grade_is_the_whole_accidents_and_the_reward_counts_concealed_deaths():
    # 5 died, 2 of them concealed: a 较大 accident, so 2 × ¥40,000
    facts = AccidentFacts(deaths=5, serious_injuries=0, direct_loss_fen=0, concealed_deaths=2)
    suggestion = suggest("concealed", fined(0), NATIONAL, accident=facts)
    assert suggestion.amount_fen == 80_000 * YUAN
    assert suggestion.explanation == "较大事故（死亡 5 人）：查实瞒报死亡 2 人 × ¥40,000 = ¥80,000"


def test_the_reward_state_machine_is_data_in_core():
    from core.rewards import TRANSITIONS, RewardState, may_move

    assert set(TRANSITIONS) == set(RewardState)
    assert may_move("proposed", "approved") and may_move("lapsed", "approved") and may_move("claimed", "paid")
    assert not may_move("paid", "approved") and not may_move("notified", "paid") and not may_move("proposed", "claimed")
