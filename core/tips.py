"""Tips as the domain sees them: who reports what, where; numbers; statuses; deadlines.

What is plaintext (`TipFacets`) is only what routing, reminders and statistics need. Everything a
reporter wrote (`TipContent`) and who they are (`Identity`) is sealed by storage.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core import taxonomy

DESCRIPTION_MIN = 10
DESCRIPTION_MAX = 4000
SITE_MAX = 500
NAME_MAX = 50


class ReporterType(StrEnum):
    PUBLIC = "public"
    EMPLOYEE = "employee"
    OTHER = "other"


class Status(taxonomy.Named):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    VERIFIED = "verified"
    REPLIED = "replied"
    UNDER_REVIEW = "under_review"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"


STATUS_NAMES = taxonomy.names({
    Status.RECEIVED: ("已接收", "Received"),
    Status.ACCEPTED: ("已受理", "Accepted"),
    Status.NOT_ACCEPTED: ("不予受理", "Not accepted"),
    Status.VERIFIED: ("已核查，待答复", "Verified, reply pending"),
    Status.REPLIED: ("已答复", "Replied"),
    Status.UNDER_REVIEW: ("复查中", "Under review"),
    Status.CLOSED: ("已办结", "Closed"),
    Status.WITHDRAWN: ("已撤回", "Withdrawn"),
    Status.MERGED: ("已并案办理", "Merged with an earlier report"),
})  # fmt: skip

#: A reporter may withdraw until the office has replied (docs/DOMAIN.md section 4.2).
WITHDRAWABLE = {Status.RECEIVED, Status.ACCEPTED, Status.VERIFIED}
#: No more pushes, no more messages from the reporter. A merged tip is not finished: it follows
#: the earlier tip it was merged into, and closes with it.
FINISHED = {Status.NOT_ACCEPTED, Status.CLOSED, Status.WITHDRAWN}


class NotAcceptedReason(taxonomy.Named):
    """Why a tip is not accepted 不予受理 (docs/DOMAIN.md section 4.3)."""

    DUPLICATE = "duplicate"
    UNCLEAR = "unclear"
    OUTSIDE = "outside"
    OTHER_KIND = "other_kind"


#: The reasons' names, in the order the officer is offered them.
NOT_ACCEPTED_REASONS = taxonomy.names({
    NotAcceptedReason.DUPLICATE: ("同一事项已经受理", "The same matter has already been accepted"),
    NotAcceptedReason.UNCLEAR: ("没有明确的被举报对象或事实", "No clear target or facts"),
    NotAcceptedReason.OUTSIDE: ("不属于安全生产问题", "Not a work-safety matter"),
    NotAcceptedReason.OTHER_KIND: ("属于其他类建议或投诉", "A suggestion or complaint of another kind"),
})  # fmt: skip


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Location(_Model):
    latitude: Annotated[float, Field(ge=-90, le=90)]
    longitude: Annotated[float, Field(ge=-180, le=180)]


class AccidentDetails(_Model):
    """For a concealed, falsely or late reported accident: as far as the reporter knows."""

    when: Annotated[str, Field(min_length=1, max_length=200)]
    dead: Annotated[int, Field(ge=0, le=100_000)] | None = None  # None: not known
    injured: Annotated[int, Field(ge=0, le=100_000)] | None = None


class TipContent(_Model):
    """What the reporter wrote: sealed under the tip's content key."""

    reporter_type: ReporterType
    subtype: str | None = None
    accident: AccidentDetails | None = None
    site: Annotated[str, Field(max_length=SITE_MAX)] | None = None
    location: Location | None = None
    description: Annotated[str, Field(min_length=DESCRIPTION_MIN, max_length=DESCRIPTION_MAX)]


#: What core.parsing.normalize_phone gives: a mobile number, or a landline with its area code (the dash
#: where it was typed) and perhaps an extension: 13800138000, 0730-5172110, 07305172110-801.
PHONE_PATTERN = r"1[3-9][0-9]{9}|0(?:10|2[0-9]|[3-9][0-9]{2})-?[2-9][0-9]{6,7}(?:-[0-9]{1,6})?"
#: What a record may hold: PHONE_PATTERN, or a number kept under the looser rule before it (5 to 15
#: digits, perhaps a + in front; 0xx(x)-xxxxxxx(x)), so that those records still read.
KEPT_PHONE_PATTERN = rf"^(?:{PHONE_PATTERN}|\+?[0-9]{{5,15}}|0[0-9]{{2,3}}-[0-9]{{7,8}})$"


class Identity(_Model):
    """A real name and phone the reporter chose to leave: sealed under the identity key."""

    name: Annotated[str, Field(min_length=1, max_length=NAME_MAX)]
    phone: Annotated[str, Field(pattern=KEPT_PHONE_PATTERN)]


class NewTip(_Model):
    """Everything a submission holds, checked as a whole before anything is written."""

    kind: str
    industry: str
    village: str | None = None
    content: TipContent
    identity: Identity | None = None
    wants_push: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> NewTip:
        if self.kind not in taxonomy.KIND_BY_CODE:
            raise ValueError(f"unknown kind {self.kind!r}")
        if self.industry not in taxonomy.INDUSTRY_BY_CODE:
            raise ValueError(f"unknown industry {self.industry!r}")
        if (self.kind == "illegal") != (self.content.subtype is not None):
            raise ValueError("a sub-type goes with an illegal act, and only with it")
        if self.content.subtype is not None and self.content.subtype not in taxonomy.SUBTYPE_BY_CODE:
            raise ValueError(f"unknown sub-type {self.content.subtype!r}")
        if (self.kind == "concealed") != (self.content.accident is not None):
            raise ValueError("accident details go with a concealed accident, and only with it")
        if not self.content.site and self.content.location is None:
            raise ValueError("a tip needs a site or a location")
        return self

    @property
    def involves_death(self) -> bool:
        """A death reported: the county government must handle it (安全生产法 第七十三条)."""
        accident = self.content.accident
        return accident is not None and bool(accident.dead)


class TipFacets(_Model):
    """The plaintext of a stored tip."""

    number: str
    kind: str
    industry: str
    village: str | None
    department: str
    involves_death: bool
    status: Status
    received_on: date
    accept_due: date
    has_identity: bool
    wants_push: bool
    #: The next deadline of whatever kind, None when none applies (a finished tip).
    due_on: date | None = None
    #: The earlier tip this one was merged into as a duplicate.
    merged_into: str | None = None


class TipEvent(_Model):
    on: date
    status: Status


class TipMessage(_Model):
    """One entry of the anonymous dialogue between the office and the reporter."""

    on: date
    sender: str  # "reporter" or "office"
    kind: str  # message, question, answer, reply, objection, evidence
    text: str


def open_question(messages: list[TipMessage]) -> bool:
    """Whether the office's last question still waits for the reporter's answer."""
    waiting = False
    for message in messages:
        if message.sender == "office" and message.kind == "question":
            waiting = True
        elif message.sender == "reporter" and message.kind == "answer":
            waiting = False
    return waiting


def reporter_actions(facets: TipFacets, today: date) -> set[str]:
    """What the reporter may do now: "write" (messages, answers, evidence), "object", "withdraw"."""
    actions = set()
    if facets.status not in FINISHED:
        actions.add("write")
    if facets.status == Status.REPLIED and facets.due_on is not None and today <= facets.due_on:
        actions.add("object")
    if facets.status in WITHDRAWABLE:
        actions.add("withdraw")
    return actions


# -- tip numbers -------------------------------------------------------------------------------


def format_tip_number(year: int, seq: int) -> str:
    return f"JB{year:04d}-{seq:06d}"


# -- deadlines ---------------------------------------------------------------------------------


def open_deadlines(facets: TipFacets) -> list[tuple[str, date]]:
    """The deadline that applies now, as (what, date): accept, verify, reply, object or review."""
    what = {
        Status.RECEIVED: "accept",
        Status.ACCEPTED: "verify",
        Status.VERIFIED: "reply",
        Status.REPLIED: "object",
        Status.UNDER_REVIEW: "review",
    }.get(facets.status)
    return [] if what is None or facets.due_on is None else [(what, facets.due_on)]
