"""曝光 (seed 000 三(三); seed 002 (五)(六)): what a post on the office's public channel says, and all it
may say.

A case post is made from the office's own findings only: the verification result's facets (industry,
problem classes, measures, fine, its date) and what the drafting officer types from the penalty
decision (the enterprise's name, the decision's number). No text of the reporter's tip or dialogue
is ever an input here, so no word of theirs can reach the channel. A monthly post is made from counts
of facets: tips by kind and industry, 核实查处率 (as core.rates defines it), rewards paid. A count below
`SMALL` is said as "不足 3" (its breakdown, rate or amount left out), and the groups under it are said
together ("其余"), so that one unusual tip or one reward in a small township is not singled out.

The post's words are the office's language (the channel is public, one language); `lang` picks them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core import rates, taxonomy
from core.casework import Verification
from core.money import format_yuan
from core.monthly import form_date
from core.periods import month_label
from core.stats import TipRecord
from core.taxonomy import Term

#: A count below this is not said in a public monthly post ("不足 3"), nor broken down.
SMALL = 3
ENTERPRISE_MAX = 100
DECISION_MAX = 60


class ExposureKind(StrEnum):
    PENALTY = "penalty"  # 行政处罚决定公开 (阳光执法, seed 002 (六))
    BLACKLIST = "blacklist"  # 黑名单企业
    JOINT = "joint"  # 联合惩戒企业
    MONTHLY = "monthly"  # 月度举报情况通报


#: The kinds a case post takes (the drafting officer chooses), each with the post's heading.
CASE_KINDS: tuple[Term, ...] = (
    Term(ExposureKind.PENALTY, "行政处罚决定公开", "Administrative penalty decision"),
    Term(ExposureKind.BLACKLIST, "安全生产黑名单企业曝光", "Enterprise on the work-safety blacklist"),
    Term(ExposureKind.JOINT, "失信联合惩戒企业曝光", "Enterprise under joint sanctions"),
)
KIND_BY_CODE = {t.code: t for t in CASE_KINDS}


class ExposureState(StrEnum):
    """A draft waits for a second admin; approved, it is claimed and published (or goes back to approved
    when the channel refused it); a published post may be withdrawn. A pending or approved post may be
    cancelled (refused). Refused and withdrawn are final."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    PUBLISHING = "publishing"  # claimed by one admin's press: posted now, or interrupted (see /exposure)
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


_WORDS: dict[str, Term] = {code: Term(code, zh, en) for code, (zh, en) in {
    "enterprise": ("企业名称", "Enterprise"),
    "industry": ("行业领域", "Industry"),
    "problems": ("存在问题", "Problems found"),
    "measures": ("处理措施", "Measures taken"),
    "fine": ("罚款金额", "Fine"),
    "decision": ("处罚决定书文号", "Decision no."),
    "date": ("日期", "Date"),
    "by": ("发布单位", "Published by"),
    "month_head": ("{month}安全生产举报情况通报", "Work-safety tips: {month}"),
    "received": ("本月收到举报 {count} 件。", "Tips received this month: {count}."),
    "by_kind": ("按类型", "By kind"),
    "by_industry": ("按行业领域", "By industry"),
    "rate": ("核实查处率（已核查÷已受理）：{verified}/{accepted} = {rate}（目标100%）",
             "Verified among accepted: {verified}/{accepted} = {rate} (target 100%)"),
    "no_rate": ("核实查处率：—（本月无已受理的举报）", "Verified among accepted: — (no tip accepted this month)"),
    "rate_few": ("核实查处率：本月受理不足 {small} 件，不单列。",
                 "Verified among accepted: fewer than {small} tips accepted this month, not given."),
    "paid": ("本月兑现举报奖励 {count} 笔，共 {amount}。", "Rewards paid this month: {count}, {amount} in all."),
    "paid_few": ("本月兑现举报奖励不足 {small} 笔。", "Rewards paid this month: fewer than {small}."),
    "paid_none": ("本月未兑现举报奖励。", "No reward was paid this month."),
    "received_few": ("本月收到举报不足 {small} 件。", "Tips received this month: fewer than {small}."),
    "rest": ("其余 {count}", "others {count}"),
    "rest_few": ("其余不足 {small}", "others fewer than {small}"),
    "head": ("【{}】", "[{}]"),
    "invite": ("发现安全生产非法违法行为，欢迎通过本平台匿名举报；举报人信息严格保密。",
               "Report work-safety violations through this bot, anonymously; reporters are protected."),
}.items()}  # fmt: skip


def _w(code: str, lang: str) -> str:
    return _WORDS[code].label(lang)


def _line(code: str, value: str, lang: str) -> str:
    return _w(code, lang) + taxonomy.COLON.label(lang) + value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CaseFacts(_Model):
    """What a case post is drafted from: the verification's facets, as they were when drafted (checked
    again at approval: a changed result voids the draft)."""

    industry: str
    problems: tuple[str, ...]
    measures: tuple[str, ...]
    fine_fen: Annotated[int, Field(ge=0)] = 0
    verified_on: date

    @classmethod
    def of(cls, industry: str, result: Verification, verified_on: date) -> CaseFacts:
        return cls(industry=industry, problems=result.problems, measures=result.measures,
                   fine_fen=result.fine_fen, verified_on=verified_on)  # fmt: skip


class Typed(_Model):
    """What the drafting officer types, from the penalty decision: never the reporter's words."""

    kind: ExposureKind
    enterprise: Annotated[str, Field(min_length=2, max_length=ENTERPRISE_MAX)]
    decision_no: Annotated[str, Field(max_length=DECISION_MAX)] = ""
    #: The penalty decision's date, as the post shows it (never the verification's: that would date the tip).
    decided_on: date | None = None

    @field_validator("kind")
    @classmethod
    def _case_kind(cls, kind: ExposureKind) -> ExposureKind:
        if kind not in KIND_BY_CODE:
            raise ValueError("a case post is a penalty, a blacklisting or a joint sanction")
        return kind

    @field_validator("enterprise", "decision_no")
    @classmethod
    def _one_line(cls, text: str) -> str:
        return " ".join(text.split())


def case_post(facts: CaseFacts, typed: Typed, publisher: str, lang: str) -> str:
    """The case post as the channel shows it."""

    def names(codes: Iterable[str], index: dict[str, Term]) -> str:
        return taxonomy.LIST_SEPARATOR.label(lang).join(index[c].label(lang) for c in codes)

    head = _w("head", lang).format(KIND_BY_CODE[typed.kind].label(lang))
    lines = [head, _line("enterprise", typed.enterprise, lang),
             _line("industry", taxonomy.INDUSTRY_BY_CODE[facts.industry].label(lang), lang)]  # fmt: skip
    if facts.problems:
        lines.append(_line("problems", names(facts.problems, taxonomy.PROBLEM_CLASS_BY_CODE), lang))
    if facts.measures:
        lines.append(_line("measures", names(facts.measures, taxonomy.MEASURE_BY_CODE), lang))
    if facts.fine_fen:
        lines.append(_line("fine", format_yuan(facts.fine_fen), lang))
    if typed.decision_no:
        lines.append(_line("decision", typed.decision_no, lang))
    if typed.decided_on is not None:
        lines.append(_line("date", form_date(typed.decided_on, lang), lang))
    lines.append(_line("by", publisher, lang))
    return "\n".join(lines)  # no invitation to report here: it would tell that a tip began the case


class MonthFacts(_Model):
    """A month's counts, as drafted (the post applies SMALL when it says them)."""

    period: str
    received: int
    by_kind: dict[str, int]  # kind code → tips received
    by_industry: dict[str, int]
    accepted: int
    verified: int
    paid: int
    paid_fen: int


def month_facts(period: str, records: Iterable[TipRecord], paid: Iterable[tuple[date, int]]) -> MonthFacts:
    """The month's figures: tips received in it (by kind and industry), 核实查处率 of those accepted
    (core.rates' definition), rewards paid in it: `paid` is (day paid, fen)."""
    month = [r for r in records if f"{r.received_on:%Y-%m}" == period]
    payments = [fen for day, fen in paid if f"{day:%Y-%m}" == period]
    return MonthFacts(
        period=period, received=len(month), by_kind=dict(Counter(r.kind for r in month)),
        by_industry=dict(Counter(r.industry for r in month)), accepted=sum(map(rates.accepted, month)),
        verified=sum(map(rates.verified, month)), paid=len(payments), paid_fen=sum(payments),
    )  # fmt: skip


def _breakdown(counts: dict[str, int], index: tuple[Term, ...], lang: str) -> str | None:
    """The groups of SMALL or more by name; the rest as one count ("其余 4"), or "其余不足 3"."""
    parts = [f"{t.label(lang)} {counts[t.code]}" for t in index if counts.get(t.code, 0) >= SMALL]
    rest = sum(n for n in counts.values() if n < SMALL)
    if rest >= SMALL:
        parts.append(_w("rest", lang).format(count=rest))
    elif rest:
        parts.append(_w("rest_few", lang).format(small=SMALL))
    return taxonomy.LIST_SEPARATOR.label(lang).join(parts) if parts else None


def month_post(facts: MonthFacts, publisher: str, lang: str) -> str:
    """The monthly statistics post as the channel shows it: a count under SMALL is said as "不足 3", and
    its breakdown, rate or amount left out, so that no single tip or reward can be picked out."""
    head = _w("head", lang).format(_w("month_head", lang).format(month=month_label(facts.period, lang)))
    few = 0 < facts.received < SMALL
    lines = [head, _w("received_few" if few else "received", lang).format(count=facts.received, small=SMALL)]
    if facts.received >= SMALL:
        for code, counts, index in (("by_kind", facts.by_kind, taxonomy.KINDS),
                                    ("by_industry", facts.by_industry, taxonomy.INDUSTRIES)):  # fmt: skip
            if (parts := _breakdown(counts, index, lang)) is not None:
                lines.append(_line(code, parts, lang))
    rate = rates.percent(facts.verified, facts.accepted)
    if rate is None:
        lines.append(_w("no_rate", lang))
    elif facts.accepted < SMALL:
        lines.append(_w("rate_few", lang).format(small=SMALL))
    else:
        lines.append(_w("rate", lang).format(verified=facts.verified, accepted=facts.accepted, rate=f"{rate:f}%"))
    paid = "paid_none" if not facts.paid else "paid_few" if facts.paid < SMALL else "paid"
    lines.append(_w(paid, lang).format(count=facts.paid, amount=format_yuan(facts.paid_fen), small=SMALL))
    lines.append(_line("by", publisher, lang))
    lines.append(_w("invite", lang))
    return "\n".join(lines)
