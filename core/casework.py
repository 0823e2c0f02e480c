"""The life of a tip as the office works it (docs/DOMAIN.md section 4): which action fits which status,
what each deadline is, and the records an action leaves (verification result, reply, review).

Pure rules; storage.casework applies them, handlers.office shows them as buttons.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core import taxonomy
from core.money import MAX_FEN
from core.tips import Status, TipFacets

TEXT_MAX = 1500


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Verification(_Model):
    """核查结果: the outcome, the problem classes found, the measures taken, the fine in fen."""

    outcome: str
    problems: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    fine_fen: Annotated[int, Field(ge=0, le=MAX_FEN)] = 0

    @model_validator(mode="after")
    def _consistent(self) -> Verification:
        if self.outcome not in taxonomy.OUTCOME_BY_CODE:
            raise ValueError(f"unknown outcome {self.outcome!r}")
        if any(p not in taxonomy.PROBLEM_CLASS_BY_CODE for p in self.problems):
            raise ValueError("unknown problem class")
        if any(m not in taxonomy.MEASURE_BY_CODE for m in self.measures):
            raise ValueError("unknown measure")
        if self.outcome == taxonomy.Outcome.FALSE and (self.problems or self.measures):
            raise ValueError("a tip found not true has no problems and no measures")
        if ("fine" in self.measures) != (self.fine_fen > 0):
            raise ValueError("a fine amount goes with the measure 罚款, and only with it")
        return self

    @property
    def substantiated(self) -> bool:
        """属实 or 部分属实: what 核实查处率 and rewards count."""
        return self.outcome in taxonomy.SUBSTANTIATED


class Reply(_Model):
    """答复 (应急〔2023〕106号): the four parts every reply holds."""

    conclusion: Annotated[str, Field(min_length=1, max_length=TEXT_MAX)]
    findings: Annotated[str, Field(min_length=1, max_length=TEXT_MAX)]
    decision: Annotated[str, Field(min_length=1, max_length=TEXT_MAX)]
    reward: Annotated[str, Field(min_length=1, max_length=TEXT_MAX)]

    def text(self) -> str:
        """The reply as the reporter reads it; the headings are the official terms."""
        return "\n".join(
            (
                f"核查结论：{self.conclusion}",
                f"简要核查情况：{self.findings}",
                f"处理决定：{self.decision}",
                f"符合奖励条件情况：{self.reward}",
            )
        )


def review_entry(result: str, opinion: str) -> str:
    """A review's dialogue entry as stored: the result's code on the first line, then the opinion
    (word for word); each reader sees the result named in their own language."""
    return f"{result}\n{opinion}"


def read_review(text: str) -> tuple[taxonomy.Term, str] | None:
    """The result and opinion of a review entry; None for entries stored by older versions, whose text
    already holds the Chinese headings and is shown whole."""
    code, _newline, opinion = text.partition("\n")
    term = taxonomy.REVIEW_RESULT_BY_CODE.get(code)
    return (term, opinion) if term is not None else None


class Deadlines(_Model):
    """Days, per docs/DOMAIN.md section 4.1."""

    accept_days: Annotated[int, Field(ge=1, le=60)] = 5
    verify_days: Annotated[int, Field(ge=1, le=365)] = 60
    extension_max_days: Annotated[int, Field(ge=0, le=90)] = 30
    reply_days: Annotated[int, Field(ge=1, le=60)] = 10
    objection_days: Annotated[int, Field(ge=1, le=60)] = 10
    review_days: Annotated[int, Field(ge=1, le=90)] = 30
    reward_claim_days: Annotated[int, Field(ge=1, le=365)] = 60


def next_due(status: Status, on: date, deadlines: Deadlines) -> date | None:
    """The deadline a tip entering `status` on `on` gets; None when none applies."""
    days = {
        Status.RECEIVED: deadlines.accept_days,
        Status.ACCEPTED: deadlines.verify_days,
        Status.VERIFIED: deadlines.reply_days,
        Status.REPLIED: deadlines.objection_days,
        Status.UNDER_REVIEW: deadlines.review_days,
    }.get(status)
    return None if days is None else on + timedelta(days=days)


def office_actions(facets: TipFacets, *, extension_open: bool, today: date) -> set[str]:
    """What the office may do to a tip now. `extension_open`: an extension may still be requested
    (none is pending and none was granted: one extension per tip)."""
    status = facets.status
    actions: set[str] = set()
    if status == Status.RECEIVED:
        actions |= {"accept", "not_accept", "reassign", "ask", "merge"}
    elif status == Status.ACCEPTED:
        actions |= {"reassign", "ask", "merge", "verify"} | ({"extend"} if extension_open else set())
    elif status == Status.VERIFIED:
        actions |= {"ask", "verify", "reply"}
    elif status == Status.REPLIED:
        if facets.due_on is None or today > facets.due_on:
            actions.add("close")
    elif status == Status.UNDER_REVIEW:
        actions |= {"ask", "review"}
    if facets.has_identity:
        actions.add("disclose")
    return actions


def may_merge_into(later: TipFacets, earlier: TipFacets) -> bool:
    """A tip merges into an earlier one of the same matter that was accepted and not yet replied to
    (so that it gets that tip's reply), and that is not merged itself."""
    return (
        earlier.number != later.number
        and (earlier.received_on, earlier.number) < (later.received_on, later.number)
        and earlier.status in (Status.ACCEPTED, Status.VERIFIED)
    )


#: The statuses in which the office owes the next step (the objection window is the reporter's).
OFFICE_OWES = (Status.RECEIVED, Status.ACCEPTED, Status.VERIFIED, Status.UNDER_REVIEW)


def reminder_key(facets: TipFacets, today: date) -> str:
    """What a deadline reminder is about. Due soon: once per tip and due date. Overdue: once a day."""
    if facets.due_on < today:
        return f"overdue:{facets.number}:{facets.due_on}:{today}"
    return f"soon:{facets.number}:{facets.due_on}"


def status_before_merge(history: Iterable[Status]) -> Status:
    """The unmerge rule: a report merged into a tip that is then withdrawn is worked on its own again, in
    the status it had before the merge (the last of its statuses that is not MERGED)."""
    return [status for status in history if status != Status.MERGED][-1]
