"""One vocabulary: every status, role, refusal reason, reward state, pay method and accident grade
is a StrEnum whose names (zh and en) are core.taxonomy Terms, read one way (`.label(lang)`); no
text anywhere picks its language by hand (`zh if lang == "zh" else en`), so two places cannot name
one thing differently again (已告知，待申领 vs 已告知，等待申领)."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

import pytest

from core import taxonomy
from core.rewards import ClaimMethod, Grade, PayMethod, Refusal, Reward, RewardState, ledger_row
from core.roles import Role
from core.tips import NotAcceptedReason, Status
from handlers.i18n import translator
from handlers.office.rewards import reward_lines
from tests.conftest import ROOT

SOURCES = ("bot", "core", "handlers", "jobs", "services", "storage")
#: A language test written by hand: `lang == "zh"`, `"en" != language`.
#: Or a table picked by hand: `words["zh" if chinese(lang) else "en"]`.
_PICK = re.compile(r"""(==|!=)\s*["'](zh|en)["']|["'](zh|en)["']\s*(==|!=)|["'](zh|en)["']\s+if\b""")
#: Where a language is tested: the one helper, core.taxonomy.chinese (Term.label uses it).
_HELPER = ROOT / "core" / "taxonomy.py"
#: Who calls core.taxonomy.chinese: only for a form, never a label (which is a Term or a gettext
#: text): a date or month as Chinese writes it, the county's Excel template in Chinese, a figures form's
#: Chinese layout and measure words.
STRUCTURAL = {
    "core/figures.py",  # the figures form's Chinese layout: 名称（单位）：
    "core/monthly.py",  # the county's Excel template, its title and headers; a date on the form
    "core/periods.py",  # 2026年10月, 第四季度, 10月
    "core/unit_sheets.py",  # the per-unit sheet's Chinese header and blank date
    "handlers/liaison/figure_views.py",  # a Chinese count has its measure word: 118 家
}

ENUMS: tuple[type[StrEnum], ...] = (
    taxonomy.Outcome,
    Status,
    NotAcceptedReason,
    Role,
    RewardState,
    Refusal,
    PayMethod,
    ClaimMethod,
    Grade,
)


def _sources():
    for folder in SOURCES:
        if (ROOT / folder).is_dir():
            yield from sorted((ROOT / folder).rglob("*.py"))


def test_no_text_picks_its_language_by_hand():
    picks = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _sources()
        if path != _HELPER
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _PICK.search(line)
    ]
    assert picks == [], "a text in a language is a gettext text or a core.taxonomy Term (term.label(lang))"


def test_the_language_test_is_called_only_for_forms_not_labels():
    callers = {
        str(path.relative_to(ROOT))
        for path in _sources()
        if path != _HELPER and re.search(r"\bchinese\(", path.read_text(encoding="utf-8"))
    }
    assert callers <= STRUCTURAL, callers - STRUCTURAL


def test_the_grep_catches_the_pick_it_forbids():
    assert _PICK.search('return zh if lang == "zh" else en')
    assert _PICK.search("x = 'en' != args.lang")
    assert _PICK.search('return _WORDS["zh" if chinese(lang) else "en"]')
    assert not _PICK.search('LANGUAGES = ("zh", "en")')


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__name__)
def test_every_member_has_its_names_in_both_languages(enum):
    for member in enum:
        zh, en = member.label("zh"), member.label("en")
        assert zh and en and zh != en, member
        assert re.search(r"[\u4e00-\u9fff]", zh), (member, zh)
        assert not re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", en), (member, en)


def test_every_named_enum_is_built_one_way_and_names_every_member():
    """Each enum with names derives from taxonomy.Named and gives its Term table once (taxonomy.names)."""
    assert {kind for kind in taxonomy.Named.__subclasses__() if kind.__module__.startswith("core.")} == set(ENUMS)
    for enum in ENUMS:
        for member in enum:
            assert isinstance(member, taxonomy.Named) and member.label("zh") and member.label("en"), member


def test_a_named_enum_with_a_member_left_unnamed_is_refused():
    class Colour(taxonomy.Named):
        RED = "red"
        BLUE = "blue"

    with pytest.raises(ValueError, match="blue"):
        taxonomy.names({Colour.RED: ("红", "red")})


def test_the_default_language_is_chinese_for_any_other_code():
    assert Status.CLOSED.label("zh") == "已办结" and Status.CLOSED.label("en") == "Closed"
    assert taxonomy.COLON.label("zh") == "：" and taxonomy.COLON.label("en") == ": "


def _reward(state: RewardState, **fields) -> Reward:
    return Reward(
        id=1, number="2026-0001", state=state, rule_set="安监总财〔2018〕19号", suggested_fen=300_000,
        amount_fen=300_000, explanation="罚款 ¥20,000 × 15% = ¥3,000", decided_on=date(2026, 11, 2), **fields,
    )  # fmt: skip


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_officers_card_and_the_exported_ledger_name_a_reward_state_alike(lang):
    """The card said 已告知，等待申领 while the ledger said 已告知，待申领: one name now, docs/DOMAIN.md's."""
    for state in RewardState:
        card = reward_lines(_reward(state, refusal=Refusal.KNOWN if state == RewardState.REFUSED else None),
                            lang, translator(lang))  # fmt: skip
        row = ledger_row(_reward(state), lang)
        assert row[1] == state.label(lang) and state.label(lang) in card[0], (state, card[0], row[1])
    assert RewardState.NOTIFIED.label("zh") == "已告知，待申领"
    assert RewardState.CLAIMED.label("zh") == "已申领，待兑付"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_card_and_the_ledger_name_how_a_reward_was_claimed_and_paid_alike(lang):
    reward = _reward(
        RewardState.PAID, claim_method=ClaimMethod.IN_PERSON, claimed_on=date(2026, 11, 20),
        paid_on=date(2026, 11, 21), paid_fen=300_000, paid_method=PayMethod.BANK, paid_ref="T-1",
    )  # fmt: skip
    card = "\n".join(reward_lines(reward, lang, translator(lang)))
    row = ledger_row(reward, lang)
    assert row[11] in card and row[15] in card
    assert row[11] == ClaimMethod.IN_PERSON.label(lang) and row[15] == PayMethod.BANK.label(lang)
