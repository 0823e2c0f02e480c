"""曝光 (seed 000 三(三); seed 002 (五)(六)): what a post on the office's public channel says, and all it
may say.

A case post is made from the office's own findings only: the verification result's facets (industry,
problem classes, measures, fine, its date) and what the drafting officer types from the penalty
decision (the enterprise's name, the decision's number). No text of the reporter's tip or dialogue
is ever an input here, so no word of theirs can reach the channel. A monthly post is made from counts
of facets: tips by kind and industry, 核实查处率 (as core.rates defines it), rewards paid. A count below
`SMALL` is folded into "other" (其他) so that one unusual tip in a small township is not singled out.

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

#: A breakdown's count below this is folded into 其他 in a public monthly post.
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
    """A draft waits for a second admin; approved, it is published (or stays approved when the channel
    refused it); a published post may be withdrawn. Refused and withdrawn are final."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
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
    "paid": ("本月兑现举报奖励 {count} 笔，共 {amount}。", "Rewards paid this month: {count}, {amount} in all."),
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
    lines.append(_line("date", form_date(facts.verified_on, lang), lang))
    lines.append(_line("by", publisher, lang))
    lines.append(_w("invite", lang))
    return "\n".join(lines)


class MonthFacts(_Model):
    """A month's statistics as a public post says them: counts only, small ones folded (SMALL)."""

    period: str
    received: int
    by_kind: dict[str, int]  # kind code → count; the small ones folded into "other"
    by_industry: dict[str, int]
    accepted: int
    verified: int
    paid: int
    paid_fen: int


def month_facts(period: str, records: Iterable[TipRecord], paid: Iterable[tuple[date, int]]) -> MonthFacts:
    """The month's figures: tips received in it (by kind and industry), 核实查处率 of those accepted
    (verified among accepted, as /stats counts it), rewards paid in it: `paid` is (day paid, fen)."""
    month = [r for r in records if f"{r.received_on:%Y-%m}" == period]
    payments = [fen for day, fen in paid if f"{day:%Y-%m}" == period]
    return MonthFacts(
        period=period, received=len(month), by_kind=_folded(Counter(r.kind for r in month)),
        by_industry=_folded(Counter(r.industry for r in month)), accepted=sum(map(rates.accepted, month)),
        verified=sum(map(rates.verified, month)), paid=len(payments), paid_fen=sum(payments),
    )  # fmt: skip


def _folded(counts: Counter) -> dict[str, int]:
    """Counts of SMALL and more as they are; the smaller ones added to "other" (其他: a code of both the
    kinds and the industries)."""
    kept = {code: n for code, n in counts.items() if n >= SMALL}
    small = sum(n for n in counts.values() if n < SMALL)
    if small:
        kept["other"] = kept.get("other", 0) + small
    return kept


def month_post(facts: MonthFacts, publisher: str, lang: str) -> str:
    """The monthly statistics post as the channel shows it."""
    head = _w("head", lang).format(_w("month_head", lang).format(month=month_label(facts.period, lang)))
    lines = [head, _w("received", lang).format(count=facts.received)]
    for code, counts, index in (("by_kind", facts.by_kind, taxonomy.KINDS),
                                ("by_industry", facts.by_industry, taxonomy.INDUSTRIES)):  # fmt: skip
        parts = [f"{t.label(lang)} {counts[t.code]}" for t in index if counts.get(t.code)]
        if parts:
            lines.append(_line(code, taxonomy.LIST_SEPARATOR.label(lang).join(parts), lang))
    rate = rates.percent(facts.verified, facts.accepted)
    if rate is None:
        lines.append(_w("no_rate", lang))
    else:
        lines.append(_w("rate", lang).format(verified=facts.verified, accepted=facts.accepted, rate=f"{rate:f}%"))
    lines.append(_w("paid", lang).format(count=facts.paid, amount=format_yuan(facts.paid_fen)))
    lines.append(_line("by", publisher, lang))
    lines.append(_w("invite", lang))
    return "\n".join(lines)
