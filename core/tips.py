"""Tips as the domain sees them: who reports what, where; numbers; statuses; deadlines.

What is plaintext (`TipFacets`) is only what routing, reminders and statistics need. Everything a
reporter wrote (`TipContent`) and who they are (`Identity`) is sealed by storage.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core import taxonomy

if TYPE_CHECKING:  # core.office reads report templates, which read numbers from here
    from core.office import Deadlines

DESCRIPTION_MIN = 10
DESCRIPTION_MAX = 4000
SITE_MAX = 500
NAME_MAX = 50


class ReporterType(StrEnum):
    PUBLIC = "public"
    EMPLOYEE = "employee"
    OTHER = "other"


class Status(StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    VERIFIED = "verified"
    REPLIED = "replied"
    UNDER_REVIEW = "under_review"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"


STATUS_NAMES = {
    Status.RECEIVED: ("已接收", "Received"),
    Status.ACCEPTED: ("已受理", "Accepted"),
    Status.NOT_ACCEPTED: ("不予受理", "Not accepted"),
    Status.VERIFIED: ("已核查，待答复", "Verified, reply pending"),
    Status.REPLIED: ("已答复", "Replied"),
    Status.UNDER_REVIEW: ("复查中", "Under review"),
    Status.CLOSED: ("已办结", "Closed"),
    Status.WITHDRAWN: ("已撤回", "Withdrawn"),
    Status.MERGED: ("已并案办理", "Merged with an earlier report"),
}

#: A reporter may withdraw until the office has replied (docs/DOMAIN.md section 4.2).
WITHDRAWABLE = {Status.RECEIVED, Status.ACCEPTED, Status.VERIFIED}
#: No more pushes, no more messages from the reporter. A merged tip is not finished: it follows
#: the earlier tip it was merged into, and closes with it.
FINISHED = {Status.NOT_ACCEPTED, Status.CLOSED, Status.WITHDRAWN}


#: Why a tip is not accepted (docs/DOMAIN.md section 4.3).
NOT_ACCEPTED_REASONS = {
    "duplicate": ("同一事项已经受理", "The same matter has already been accepted"),
    "unclear": ("没有明确的被举报对象或事实", "No clear target or facts"),
    "outside": ("不属于安全生产问题", "Not a work-safety matter"),
    "other_kind": ("属于其他类建议或投诉", "A suggestion or complaint of another kind"),
}


def status_name(status: str, lang: str) -> str:
    zh, en = STATUS_NAMES[Status(status)]
    return zh if lang == "zh" else en


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


#: What normalize_phone gives: the digits, or a landline with its area code's dash (0531-12345678).
PHONE_PATTERN = r"^(\+?[0-9]{5,15}|0[0-9]{2,3}-[0-9]{7,8})$"


class Identity(_Model):
    """A real name and phone the reporter chose to leave: sealed under the identity key."""

    name: Annotated[str, Field(min_length=1, max_length=NAME_MAX)]
    phone: Annotated[str, Field(pattern=PHONE_PATTERN)]


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

_NUMBER = re.compile(r"^JB(\d{4})-?(\d{1,6})$")


def format_tip_number(year: int, seq: int) -> str:
    return f"JB{year:04d}-{seq:06d}"


def parse_tip_number(text: str) -> str | None:
    """'jb2026-123', 'JB2026 000123', full-width characters… → 'JB2026-000123'; else None."""
    folded = unicodedata.normalize("NFKC", text).upper().replace(" ", "").replace("_", "-")
    match = _NUMBER.match(folded)
    if not match or int(match[2]) == 0:
        return None
    return format_tip_number(int(match[1]), int(match[2]))


# -- numbers people type -----------------------------------------------------------------------

_CHINESE_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_D, _D1 = "[一二两三四五六七八九]", "[一二三四五六七八九]"
#: The numerals parse_count reads: 三, 十二, 一十二, 三十五, 两百, 一百零五, 一百一十, 九百九十九.
_CHINESE_NUMBER = re.compile(rf"[零〇一二两三四五六七八九]|{_D}?十{_D1}?|{_D}?百(?:[零〇]{_D1}|{_D}?十{_D1}?)?")


def parse_count(text: str) -> int | None:
    """A whole number ≥ 0 as people type it: '3', '３', '三', '十二', '3人'; None if it is not one."""
    folded = unicodedata.normalize("NFKC", text).strip().rstrip("人名个")
    if folded.isdigit():
        try:
            return int(folded)
        except ValueError:  # ፩ is a digit but not a decimal one; ⑳×2200 is 4,400 digits, past int()'s limit
            return None
    if not _CHINESE_NUMBER.fullmatch(folded):  # 两三 (two or three), 一〇五: refused rather than misread
        return None
    total, current = 0, 0
    for ch in folded:
        if ch in _CHINESE_DIGITS:
            current = _CHINESE_DIGITS[ch]
        else:
            total += (current or 1) * (10 if ch == "十" else 100)
            current = 0
    return total + current


def parse_day(text: str, today: date) -> date | None:
    """'2026-11-23', '2026/11/23', '２０２６-１１-２３', 'today' or '今天' → a date not after today; else None."""
    folded = unicodedata.normalize("NFKC", text).strip().lower()
    if folded in ("today", "今天", "今日"):
        return today
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", folded)
    if not match:
        return None
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return day if day <= today else None


#: A landline written with its area code set apart: 0531-12345678, (0531)12345678, 010 - 1234 5678.
_LANDLINE = re.compile(r"\(?(0\d{2,3})\s*[-)]\s*(.+)")


def normalize_phone(text: str) -> str | None:
    """The phone number typed, without spaces and brackets; a landline keeps the dash after its area
    code, as it is written and dialled (0531-12345678); None if it is not a phone number."""
    folded = unicodedata.normalize("NFKC", text).strip()
    digits = re.sub(r"[\s\-()]", "", folded)
    if not re.fullmatch(r"\+?[0-9]{5,15}", digits):
        return None
    if (landline := _LANDLINE.fullmatch(folded)) and re.fullmatch(r"[0-9]{7,8}", rest := digits[len(landline[1]) :]):
        return f"{landline[1]}-{rest}"
    return digits


# -- deadlines ---------------------------------------------------------------------------------


def accept_due(received: date, deadlines: Deadlines) -> date:
    return received + timedelta(days=deadlines.accept_days)


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
