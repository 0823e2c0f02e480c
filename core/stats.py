"""Statistics of tips, from plaintext facets only (no tip is decrypted to count it): by status,
kind, industry, department, village and month; 核实查处率; overdue; median days to reply.

`TipRecord` is one tip's ledger line: also what `python -m bot export tips` writes.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from core import rates, taxonomy
from core.casework import OFFICE_OWES, Verification
from core.office import OfficeConfig
from core.rewards import Reward, RewardState
from core.sheets import Cell
from core.tips import Status


@dataclass(frozen=True)
class TipRecord:
    number: str
    received_on: date
    kind: str
    industry: str
    village: str | None
    department: str
    status: Status
    involves_death: bool
    due_on: date | None
    merged_into: str | None
    accepted_on: date | None = None
    verified_on: date | None = None
    replied_on: date | None = None
    closed_on: date | None = None
    verification: Verification | None = None
    #: The day the office's public channel first published an exposure (曝光) of this tip's enterprise
    #: that still stands (not withdrawn); None if none (services.exposure).
    exposed_on: date | None = None


@dataclass
class Summary:
    total: int = 0
    by_status: Counter = field(default_factory=Counter)
    by_kind: Counter = field(default_factory=Counter)
    by_industry: Counter = field(default_factory=Counter)
    by_department: Counter = field(default_factory=Counter)
    by_village: Counter = field(default_factory=Counter)
    by_month: Counter = field(default_factory=Counter)  # "YYYY-MM"
    accepted: int = 0
    verified: int = 0
    substantiated: int = 0
    overdue: int = 0
    deaths: int = 0
    fines_fen: int = 0
    median_days_to_reply: float | None = None
    rewarded: int = 0
    rewarded_fen: int = 0
    paid: int = 0
    paid_fen: int = 0
    #: 举报、查核、奖励兑现量 by month "YYYY-MM": tips, verified, rewarded, paid, fen paid.
    monthly: dict[str, list[int]] = field(default_factory=dict)

    @property
    def verified_rate(self) -> Decimal | None:
        """举报核实查处率 in percent: tips verified among tips accepted (core.rates, target 100%)."""
        return rates.percent(self.verified, self.accepted)


#: Rewards that stand decided in the reporter's favour (a proposal awaits the admin; refused is none).
REWARDED_STATES = frozenset(
    {RewardState.APPROVED, RewardState.NOTIFIED, RewardState.CLAIMED, RewardState.PAID, RewardState.LAPSED}
)


def summarize(records: list[TipRecord], today: date, rewards: list[Reward] = (), year: int | None = None) -> Summary:
    """Figures of these tips; rewards are counted by the month they were decided and paid in `year`."""
    summary = Summary(total=len(records))
    reply_days = []

    def month(key: str) -> list[int]:
        return summary.monthly.setdefault(key, [0, 0, 0, 0, 0])

    for r in records:
        month(f"{r.received_on:%Y-%m}")[0] += 1
        if r.verified_on is not None and (year is None or r.verified_on.year == year):
            month(f"{r.verified_on:%Y-%m}")[1] += 1
    for reward in rewards:
        if reward.state in REWARDED_STATES and (year is None or reward.decided_on.year == year):
            summary.rewarded += 1
            summary.rewarded_fen += reward.amount_fen
            month(f"{reward.decided_on:%Y-%m}")[2] += 1
        if reward.paid_on is not None and (year is None or reward.paid_on.year == year):
            summary.paid += 1
            summary.paid_fen += reward.paid_fen
            paid = month(f"{reward.paid_on:%Y-%m}")
            paid[3] += 1
            paid[4] += reward.paid_fen
    for r in records:
        summary.by_status[r.status] += 1
        summary.by_kind[r.kind] += 1
        summary.by_industry[r.industry] += 1
        summary.by_department[r.department] += 1
        summary.by_village[r.village or ""] += 1
        summary.by_month[f"{r.received_on:%Y-%m}"] += 1
        summary.deaths += r.involves_death
        summary.accepted += rates.accepted(r)
        summary.verified += rates.verified(r)
        if r.verification is not None:
            summary.substantiated += r.verification.substantiated
            summary.fines_fen += r.verification.fine_fen
        if r.status in OFFICE_OWES and r.due_on is not None and r.due_on < today:
            summary.overdue += 1
        if r.replied_on is not None:
            reply_days.append((r.replied_on - r.received_on).days)
    if reply_days:
        summary.median_days_to_reply = statistics.median(reply_days)
    return summary


#: The tip ledger's columns, (zh, en): what `export tips` writes, one row per tip.
LEDGER_COLUMNS = tuple(
    taxonomy.Term(en, zh, en)
    for zh, en in (
        ("举报编号", "Tip number"),
        ("接收日期", "Received"),
        ("举报类型", "Kind"),
        ("行业领域", "Industry"),
        ("村（社区）", "Village"),
        ("承办部门", "Department"),
        ("办理状态", "Status"),
        ("涉及死亡", "Death reported"),
        ("受理日期", "Accepted"),
        ("核查日期", "Verified"),
        ("核查结论", "Outcome"),
        ("问题类别", "Problems"),
        ("处理措施", "Measures"),
        ("罚款（元）", "Fine (yuan)"),
        ("答复日期", "Replied"),
        ("办结日期", "Closed"),
        ("并入", "Merged into"),
        ("当前期限", "Next deadline"),
    )
)


def ledger_headers(lang: str) -> list[str]:
    return [column.label(lang) for column in LEDGER_COLUMNS]


def ledger_row(r: TipRecord, office: OfficeConfig, lang: str) -> list[Cell]:
    def names(codes: tuple[str, ...], index: dict[str, taxonomy.Term]) -> str:
        return taxonomy.LIST_SEPARATOR.label(lang).join(index[c].label(lang) for c in codes)

    villages = {v.code: v.label(lang) for v in office.villages}
    v = r.verification
    # Dates stay dates: the sheet writes date cells, the CSV ISO text.
    return [
        r.number, r.received_on, taxonomy.KIND_BY_CODE[r.kind].label(lang),
        taxonomy.INDUSTRY_BY_CODE[r.industry].label(lang), villages.get(r.village or "", r.village),
        office.department(r.department).label(lang), Status(r.status).label(lang),
        taxonomy.YES.label(lang) if r.involves_death else None, r.accepted_on, r.verified_on,
        taxonomy.OUTCOME_BY_CODE[v.outcome].label(lang) if v else None,
        names(v.problems, taxonomy.PROBLEM_CLASS_BY_CODE) if v else None,
        names(v.measures, taxonomy.MEASURE_BY_CODE) if v else None,
        Decimal(v.fine_fen) / 100 if v and v.fine_fen else None,
        r.replied_on, r.closed_on, r.merged_into, r.due_on,
    ]  # fmt: skip
