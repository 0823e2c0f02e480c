"""Rewards for verified tips (docs/DOMAIN.md section 5): rule sets as configuration, the accident grade
of 国务院令第493号 Art. 3, and a suggested amount explained in words an officer can paste.

Money is integer fen throughout; rule sets are written in whole yuan (exact) in the office's TOML.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.casework import Verification
from core.money import format_yuan
from core.taxonomy import Named, Term, names

YUAN = 100  # fen
_Yuan = Annotated[int, Field(ge=0, le=10_000_000)]


class Grade(Named):
    """Accident grades of 国务院令第493号 Art. 3, highest first."""

    ESPECIALLY = "especially"
    MAJOR = "major"
    LARGER = "larger"
    GENERAL = "general"


GRADE_NAMES = names({
    Grade.ESPECIALLY: ("特别重大", "especially serious"),
    Grade.MAJOR: ("重大", "major"),
    Grade.LARGER: ("较大", "larger"),
    Grade.GENERAL: ("一般", "ordinary"),
})  # fmt: skip
#: (grade, deaths ≥, serious injuries ≥, direct loss ≥ in yuan), highest first.
#: "以上"包括本数: each threshold includes its number; the highest grade any measure reaches applies.
GRADES = (
    (Grade.ESPECIALLY, 30, 100, 100_000_000),
    (Grade.MAJOR, 10, 50, 50_000_000),
    (Grade.LARGER, 3, 10, 10_000_000),
    (Grade.GENERAL, 0, 0, 0),
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleSet(_Model):
    """A reward rule set. The national one (安监总财〔2018〕19号) is the default."""

    name: str
    #: Major hazard or illegal act: this percentage of the administrative fine…
    percent_of_fine: Annotated[Decimal, Field(ge=0, le=100)]
    #: …but at least / at most (yuan).
    fine_min_yuan: _Yuan
    fine_max_yuan: _Yuan
    #: Ordinary hazards (一般隐患 / 其他安全问题): a range the office decides in; None if not rewarded.
    ordinary_min_yuan: _Yuan | None = None
    ordinary_max_yuan: _Yuan | None = None
    #: Concealed or falsely reported accident: per verified concealed death, by grade (yuan).
    per_death_yuan: dict[str, _Yuan]
    accident_max_yuan: _Yuan

    @model_validator(mode="after")
    def _consistent(self) -> RuleSet:
        if self.fine_min_yuan > self.fine_max_yuan:
            raise ValueError("fine_min_yuan is above fine_max_yuan")
        if (self.ordinary_min_yuan is None) != (self.ordinary_max_yuan is None):
            raise ValueError("give both ordinary_min_yuan and ordinary_max_yuan, or neither")
        if self.ordinary_min_yuan is not None and self.ordinary_min_yuan > self.ordinary_max_yuan:
            raise ValueError("ordinary_min_yuan is above ordinary_max_yuan")
        if set(self.per_death_yuan) != set(GRADE_NAMES):
            raise ValueError(f"per_death_yuan needs exactly the grades {', '.join(GRADE_NAMES)}")
        return self


NATIONAL = RuleSet(
    name="安监总财〔2018〕19号",
    percent_of_fine=Decimal(15), fine_min_yuan=3_000, fine_max_yuan=300_000,
    per_death_yuan={"general": 30_000, "larger": 40_000, "major": 50_000, "especially": 60_000},
    accident_max_yuan=300_000,
)  # fmt: skip

#: Shandong 2021: 50% of the fine, ¥5,000 to ¥500,000; ordinary hazards ¥500-5,000. The Shandong
#: rules as we have them give no accident figures of their own: the national ones apply (docs/DOMAIN.md 5.1).
SHANDONG_2021 = RuleSet(
    name="山东省安全生产领域举报奖励办法（2021）",
    percent_of_fine=Decimal(50), fine_min_yuan=5_000, fine_max_yuan=500_000,
    ordinary_min_yuan=500, ordinary_max_yuan=5_000,
    per_death_yuan=NATIONAL.per_death_yuan, accident_max_yuan=NATIONAL.accident_max_yuan,
)  # fmt: skip

BUILTIN = {"national": NATIONAL, "shandong-2021": SHANDONG_2021}


@dataclass(frozen=True)
class AccidentFacts:
    """What the verification established of a concealed accident: the whole accident's deaths,
    serious injuries and direct loss (they decide its grade), and how many deaths were concealed
    or falsely reported (the reward is per such death); None: all of them."""

    deaths: int
    serious_injuries: int
    direct_loss_fen: int
    concealed_deaths: int | None = None

    @property
    def concealed(self) -> int:
        return self.deaths if self.concealed_deaths is None else min(self.concealed_deaths, self.deaths)


def accident_grade(facts: AccidentFacts) -> tuple[str, str]:
    """(grade code, which measure decided it, in zh) by 国务院令第493号 Art. 3."""
    loss_yuan = facts.direct_loss_fen / YUAN
    for code, deaths, injuries, loss in GRADES:
        if facts.deaths >= deaths and deaths:
            return code, f"死亡 {facts.deaths} 人"
        if facts.serious_injuries >= injuries and injuries:
            return code, f"重伤 {facts.serious_injuries} 人"
        if loss_yuan >= loss and loss:
            return code, f"直接经济损失 {format_yuan(facts.direct_loss_fen)}"
    return Grade.GENERAL, f"死亡 {facts.deaths} 人、重伤 {facts.serious_injuries} 人"


@dataclass(frozen=True)
class Suggestion:
    eligible: bool
    amount_fen: int
    #: The computation (or why none), in zh, to paste into the file: "罚款 ¥80,000 × 15% = ¥12,000".
    explanation: str
    #: Why not eligible, as a code: not_verified, duplicate, no_death, not_rewarded.
    reason: Refusal | None = None


def _refused(reason: Refusal, text: str) -> Suggestion:
    return Suggestion(False, 0, text, reason)


def _bounded(amount: int, low: int, high: int, text: str) -> Suggestion:
    if amount < low:
        return Suggestion(True, low, f"{text}，低于最低奖励 {format_yuan(low)}，按 {format_yuan(low)}")
    if amount > high:
        return Suggestion(True, high, f"{text}，高于最高奖励 {format_yuan(high)}，按 {format_yuan(high)}")
    return Suggestion(True, amount, text)


def suggest(
    kind: str,
    verification: Verification | None,
    rules: RuleSet,
    *,
    merged_into: str | None = None,
    accident: AccidentFacts | None = None,
) -> Suggestion:
    """The reward a tip earns under `rules`, with its computation; or why it earns none."""
    if merged_into is not None:
        return _refused(Refusal.DUPLICATE, f"与较早的举报 {merged_into} 为同一事项，奖励归最先受理的举报")
    if verification is None or not verification.substantiated:
        return _refused(Refusal.NOT_VERIFIED, "举报未经核查属实，不予奖励")
    if kind in ("hazard", "illegal"):
        fine = verification.fine_fen
        amount = int((Decimal(fine) * rules.percent_of_fine / 100).quantize(Decimal(1), ROUND_HALF_UP))
        text = f"罚款 {format_yuan(fine)} × {rules.percent_of_fine:g}% = {format_yuan(amount)}"
        return _bounded(amount, rules.fine_min_yuan * YUAN, rules.fine_max_yuan * YUAN, text)
    if kind == "concealed":
        if accident is None or accident.concealed == 0:
            return _refused(Refusal.NO_DEATH, "未查实瞒报谎报死亡人数，按每死亡 1 人计奖的规定无奖励额")
        grade, decided_by = accident_grade(accident)
        per = rules.per_death_yuan[grade] * YUAN
        amount = accident.concealed * per
        text = (f"{GRADE_NAMES[grade].zh}事故（{decided_by}）：查实瞒报死亡 {accident.concealed} 人 × "
                f"{format_yuan(per)} = {format_yuan(amount)}")  # fmt: skip
        return _bounded(amount, 0, rules.accident_max_yuan * YUAN, text)
    if rules.ordinary_min_yuan is None:
        return _refused(Refusal.NOT_REWARDED, "本奖励办法对一般事故隐患和其他安全问题不设奖励")
    low, high = rules.ordinary_min_yuan * YUAN, rules.ordinary_max_yuan * YUAN
    return Suggestion(True, low, f"一般事故隐患：{format_yuan(low)} 至 {format_yuan(high)}，由办理单位在此范围内确定")


# -- the ledger ------------------------------------------------------------------------------


class Refusal(Named):
    """Why a tip gets no reward."""

    NOT_VERIFIED = "not_verified"
    DUPLICATE = "duplicate"
    NO_DEATH = "no_death"
    NOT_REWARDED = "not_rewarded"
    KNOWN = "known"
    SUPERVISORY = "supervisory"
    ADMIN = "admin"


#: Why a tip gets no reward, as shown to the officer and the reporter.
REFUSALS = names({
    Refusal.NOT_VERIFIED: ("举报未经核查属实", "The tip was not verified as true"),
    Refusal.DUPLICATE: ("与较早举报为同一事项，奖励归最先受理的举报",
                        "A duplicate: the earliest accepted report gets the reward"),
    Refusal.NO_DEATH: ("未查实瞒报谎报死亡人数", "No concealed death was verified"),
    Refusal.NOT_REWARDED: ("本奖励办法对此类举报不设奖励", "The rule set gives no reward for this kind of tip"),
    Refusal.KNOWN: ("有关部门事先已掌握该事项", "The matter was already known to the regulator"),
    Refusal.SUPERVISORY: ("举报人声明负有安全监管职责（或为其近亲属）", "The reporter declared a supervisory duty"),
    Refusal.ADMIN: ("管理员未批准该奖励金额", "The admin did not approve the amount"),
})  # fmt: skip


class PayMethod(Named):
    """How a reward was paid."""

    BANK = "bank"
    CASH = "cash"
    OTHER = "other"


#: The ways of paying' names, in the order the reward officer is offered them.
PAY_METHOD_NAMES = names({
    PayMethod.BANK: ("银行转账", "Bank transfer"),
    PayMethod.CASH: ("现金", "Cash"),
    PayMethod.OTHER: ("其他", "Other"),
})  # fmt: skip
PAY_METHODS: tuple[Term, ...] = tuple(PAY_METHOD_NAMES.values())


class ClaimMethod(Named):
    """How the reporter claimed a reward: payee details left, or in person with a claim code."""

    PAYEE = "payee"
    IN_PERSON = "in_person"


CLAIM_METHODS = names({
    ClaimMethod.PAYEE: ("已留收款信息", "payee details left"),
    ClaimMethod.IN_PERSON: ("凭领奖码现场领取", "in person with a claim code"),
})  # fmt: skip


class RewardState(Named):
    """A reward's states: decided → (proposed, for the admin above the threshold) → approved →
    notified → claimed → paid; or refused, or lapsed after the claim window (and reopened)."""

    PROPOSED = "proposed"
    APPROVED = "approved"
    NOTIFIED = "notified"
    CLAIMED = "claimed"
    PAID = "paid"
    REFUSED = "refused"
    LAPSED = "lapsed"


#: The states' names: docs/DOMAIN.md section 5's, the officer's card and the exported ledger alike.
STATE_NAMES = names({
    RewardState.PROPOSED: ("待管理员审批", "awaiting the admin's approval"),
    RewardState.APPROVED: ("已批准", "approved"),
    RewardState.NOTIFIED: ("已告知，待申领", "notified, waiting for the claim"),
    RewardState.CLAIMED: ("已申领，待兑付", "claimed, to be paid"),
    RewardState.PAID: ("已兑付", "paid"),
    RewardState.LAPSED: ("逾期失效", "lapsed (not claimed in time)"),
    RewardState.REFUSED: ("不予奖励", "not rewarded"),
})  # fmt: skip


_S = RewardState
#: Which state a reward may go to from which: the ledger's compare-and-set writes only these.
TRANSITIONS: dict[RewardState, frozenset[RewardState]] = {
    _S.PROPOSED: frozenset({_S.APPROVED, _S.REFUSED}),
    _S.APPROVED: frozenset({_S.NOTIFIED}),
    _S.NOTIFIED: frozenset({_S.CLAIMED, _S.REFUSED, _S.LAPSED}),
    _S.CLAIMED: frozenset({_S.PAID}),
    _S.PAID: frozenset(),
    _S.REFUSED: frozenset({_S.PROPOSED, _S.APPROVED, _S.REFUSED}),  # the admin's refusal, decided again
    _S.LAPSED: frozenset({_S.APPROVED}),  # reopened, with a reason on the record
}


def may_move(state: RewardState, to: RewardState) -> bool:
    """Whether a reward in `state` may go to `to`."""
    return RewardState(to) in TRANSITIONS[RewardState(state)]


class Reward(_Model):
    """One tip's reward as the ledger holds it (no payee details: those are opened on their own)."""

    id: int
    number: str
    state: RewardState
    rule_set: str
    suggested_fen: int
    amount_fen: int
    explanation: str
    refusal: Refusal | None = None
    decided_on: date
    approved_on: date | None = None
    notified_on: date | None = None
    claim_due: date | None = None
    claim_method: ClaimMethod | None = None
    claimed_on: date | None = None
    code_checked: bool = False
    paid_on: date | None = None
    paid_fen: int | None = None
    paid_method: PayMethod | None = None
    paid_ref: str | None = None

    def claimable(self, today: date) -> bool:
        return self.state == RewardState.NOTIFIED and self.claim_due is not None and today <= self.claim_due


#: The reward ledger's columns, (zh, en): what `export rewards` writes. Never the payee details.
LEDGER_COLUMNS = tuple(Term(en, zh, en) for zh, en in (
    ("举报编号", "Tip number"), ("状态", "State"), ("奖励办法", "Rule set"), ("建议金额（元）", "Suggested (yuan)"),
    ("奖励金额（元）", "Amount (yuan)"), ("计算依据", "Computation"), ("不予奖励原因", "Why not rewarded"),
    ("决定日期", "Decided"), ("批准日期", "Approved by the admin"), ("告知日期", "Notified"),
    ("申领截止", "Claim by"), ("申领方式", "Claimed how"), ("申领日期", "Claimed"), ("兑付日期", "Paid"),
    ("兑付金额（元）", "Paid (yuan)"), ("兑付方式", "Paid how"), ("凭证号", "Reference"),
))  # fmt: skip


def ledger_headers(lang: str) -> list[str]:
    return [column.label(lang) for column in LEDGER_COLUMNS]


#: The built-in rule sets' names in English (a reward records the name of the set it was decided under).
RULE_SET_NAMES_EN = {
    NATIONAL.name: "National rules of 2018 (Anjian Zongcai [2018] No. 19)",
    SHANDONG_2021.name: "Shandong province rules of 2021",
}


def rule_set_name(name: str, lang: str) -> str:
    """A rule set's name: its own (Chinese) name, in English where one is known."""
    return Term(name, name, RULE_SET_NAMES_EN.get(name, name)).label(lang)


def ledger_row(reward: Reward, lang: str) -> list[object]:
    def yuan(fen: int | None) -> Decimal | None:
        return None if fen is None else Decimal(fen) / YUAN

    # Dates stay dates: a date cell in the sheet, ISO text in the CSV.
    return [
        reward.number, reward.state.label(lang), rule_set_name(reward.rule_set, lang),
        yuan(reward.suggested_fen), yuan(reward.amount_fen), reward.explanation,
        reward.refusal.label(lang) if reward.refusal else None,
        reward.decided_on, reward.approved_on, reward.notified_on, reward.claim_due,
        reward.claim_method.label(lang) if reward.claim_method else None, reward.claimed_on,
        reward.paid_on, yuan(reward.paid_fen), reward.paid_method.label(lang) if reward.paid_method else None,
        reward.paid_ref,
    ]  # fmt: skip
