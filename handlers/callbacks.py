"""Every button's callback data, typed: one small class per prefix, in the shape of aiogram's
CallbackData. `pack()` gives the string a button carries (at most Telegram's 64 bytes), `parse(data)`
the instance back, or None for anything malformed (a forged or stale press), and `pattern` is what
its CallbackQueryHandler registers. No handler builds or splits callback data by hand: this module is
the one place (tests/test_callbacks.py holds it).

The wire format is `prefix:field:field…` in the order the fields are declared. A bool field is a flag
written as its own name (`case:ok:accept:JB2026-000001`); a field with a default is left out while it
has its default, so `case:open:<number>` and `case:to:<department>:<number>` are one class. Field types:
str (not empty, no colon), int (digits), a Literal (one of its values), an Enum (its value) and
TipNumber (a tip number as written, JB2026-000123).

Also here: the one keyboard builder (`keyboard`, `confirm_markup`) and the one answer to a press that
no longer fits (`button_expired`).
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any, ClassVar, Literal, NewType, Self

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from core.parsing import parse_tip_number
from core.periods import parse_month
from core.tips import Status
from handlers.context import Context
from handlers.i18n import Translate

#: Telegram's limit on a button's callback data, in bytes.
MAX_BYTES = 64
_SEP = ":"
#: A tip number exactly as the bot writes it (JB2026-000123).
TipNumber = NewType("TipNumber", str)


@dataclass(frozen=True)
class _Spec:
    name: str
    kind: Any  # str, int, bool, TipNumber, an Enum class, or a tuple of the Literal's values
    default: Any  # dataclasses.MISSING when required


@cache
def _specs(cls: type) -> tuple[_Spec, ...]:
    hints = typing.get_type_hints(cls)
    specs = []
    for f in dataclasses.fields(cls):
        kind = hints[f.name]
        if isinstance(kind, types.UnionType):  # `int | None`: the type, None its default
            kind = next(a for a in typing.get_args(kind) if a is not type(None))
        if typing.get_origin(kind) is Literal:
            kind = typing.get_args(kind)
        specs.append(_Spec(f.name, kind, f.default))
    return tuple(specs)


def _read(kind: Any, raw: str) -> Any:
    """One field from its text; ValueError if it is not one."""
    if isinstance(kind, tuple):
        if raw not in kind:
            raise ValueError(raw)
        return raw
    if kind is int:
        if not (raw.isascii() and raw.isdigit()):
            raise ValueError(raw)
        return int(raw)
    if kind is TipNumber:
        if parse_tip_number(raw) != raw:
            raise ValueError(raw)
        return raw
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(raw)
    if not raw:
        raise ValueError(raw)
    return raw


@dataclass(frozen=True, kw_only=True)
class CallbackData:
    """The base of every button's data; a subclass names its prefix: `class X(CallbackData, prefix="x")`."""

    prefix: ClassVar[str]
    #: The registration's pattern: every data of this prefix (a malformed one too, so the handler
    #: answers it with `button_expired`, not another handler).
    pattern: ClassVar[str]

    def __init_subclass__(cls, prefix: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.prefix = prefix
        cls.pattern = rf"^{re.escape(prefix)}(?::|$)"

    def __post_init__(self) -> None:
        """A subclass raises ValueError here for a combination of fields that means nothing."""

    def pack(self) -> str:
        parts = [self.prefix]
        for spec in _specs(type(self)):
            value = getattr(self, spec.name)
            if spec.kind is bool:
                parts += [spec.name] if value else []
            elif value != spec.default:
                parts.append(str(value.value if isinstance(value, Enum) else value))
        data = _SEP.join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"{self.prefix}: callback data over {MAX_BYTES} bytes")
        if type(self).parse(data) != self:  # a colon in a field, an empty one, a value out of its type
            raise ValueError(f"{self.prefix}: {self!r} does not pack into data that reads back")
        return data

    @classmethod
    def parse(cls, data: object) -> Self | None:
        """The button behind `data`, or None if it is not one of this class (malformed, forged)."""
        if not isinstance(data, str) or len(data.encode()) > MAX_BYTES:
            return None
        head, *parts = data.split(_SEP)
        if head != cls.prefix:
            return None
        specs = _specs(cls)
        values: dict[str, Any] = {}
        for spec in (s for s in specs if s.kind is bool):  # flags come first
            values[spec.name] = bool(parts) and parts[0] == spec.name
            parts = parts[1:] if values[spec.name] else parts
        fields = [s for s in specs if s.kind is not bool]
        optional = sum(1 for s in fields if s.default is not dataclasses.MISSING)
        extra = len(parts) - (len(fields) - optional)  # how many optional fields are given
        if not 0 <= extra <= optional:
            return None
        raw = iter(parts)
        try:
            for spec in fields:
                if spec.default is dataclasses.MISSING:
                    values[spec.name] = _read(spec.kind, next(raw))
                elif extra > 0:
                    values[spec.name], extra = _read(spec.kind, next(raw)), extra - 1
            return cls(**values)
        except (ValueError, TypeError):
            return None


def exactly(*buttons: CallbackData) -> str:
    """A pattern for these very buttons and no other data of their prefix."""
    return "^(?:" + "|".join(re.escape(b.pack()) for b in buttons) + ")$"


# -- the reporter ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class MenuButton(CallbackData, prefix="menu"):
    item: Literal["report", "check", "liaison", "help", "lang"]


@dataclass(frozen=True, kw_only=True)
class LanguageButton(CallbackData, prefix="lang"):
    lang: Literal["zh", "en"]


@dataclass(frozen=True, kw_only=True)
class WrittenDown(CallbackData, prefix="gone"):
    """ "I have written it down": it names nothing, so it works on any message that carries it."""


@dataclass(frozen=True, kw_only=True)
class TipButton(CallbackData, prefix="tip"):
    """tip:cancel, tip:<step>:<value> (an answer, or back), tip:summary:edit:<group>, tip:summary:submit."""

    step: str
    value: str = ""
    group: str = ""


@dataclass(frozen=True, kw_only=True)
class CheckButton(CallbackData, prefix="check"):
    """check:<action>, check:withdraw_yes:<number> (the tip it confirms for)."""

    action: Literal["exit", "again", "refresh", "write", "claim", "object", "withdraw", "withdraw_yes"]
    number: TipNumber | None = None

    def __post_init__(self) -> None:
        if (self.action == "withdraw_yes") != (self.number is not None):
            raise ValueError("only withdraw_yes names its tip, and it must")


@dataclass(frozen=True, kw_only=True)
class ClaimButton(CallbackData, prefix="claim"):
    choice: Literal["no", "yes", "refuse", "payee", "person"]


# -- the office ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class OfficeButton(CallbackData, prefix="office"):
    """An office entry on /start: the command's name."""

    name: str


@dataclass(frozen=True, kw_only=True)
class InboxButton(CallbackData, prefix="inbox"):
    """The inbox's filters ('-' for none) and page: a status of core.tips.Status, a department's code
    (the pattern core.office.Department.code allows)."""

    status: str
    due: Literal["-", "overdue", "week"]
    department: str
    page: int

    def __post_init__(self) -> None:
        if self.status != "-" and self.status not in {s.value for s in Status}:
            raise ValueError(self.status)
        if self.department != "-" and not re.fullmatch(r"[a-z0-9_-]{1,24}", self.department):
            raise ValueError(self.department)


@dataclass(frozen=True, kw_only=True)
class CaseButton(CallbackData, prefix="case"):
    """case:<action>[:<arg>]:<number>; `ok` confirms an action that cannot be undone."""

    ok: bool = False
    action: str
    arg: str = ""
    number: TipNumber


@dataclass(frozen=True, kw_only=True)
class FormButton(CallbackData, prefix="form"):
    """Opens a staff form: form:<action>:<subject> (a tip number, or `new`)."""

    action: str
    subject: str


@dataclass(frozen=True, kw_only=True)
class FormStep(CallbackData, prefix="fv"):
    """Inside a form: fv:<confirm|restart|cancel>, fv:<field index>:<code|skip|done|back>, fv:summary:back."""

    step: str
    code: str = ""


@dataclass(frozen=True, kw_only=True)
class RequestButton(CallbackData, prefix="req"):
    """An admin on an extension or disclosure request: yes/no asks to confirm, ok decides, back shows it again."""

    ok: bool = False
    what: Literal["yes", "no", "back"]
    request_id: int

    def __post_init__(self) -> None:
        if self.ok and self.what == "back":
            raise ValueError("back is not confirmed")


@dataclass(frozen=True, kw_only=True)
class RewardButton(CallbackData, prefix="rw"):
    """A reward officer: rw:open:<number>, rw:payee:<number> (asks to confirm), rw:ok:payee:<number>."""

    ok: bool = False
    what: Literal["open", "payee"]
    number: TipNumber

    def __post_init__(self) -> None:
        if self.ok and self.what != "payee":
            raise ValueError("only the payee view is confirmed")


@dataclass(frozen=True, kw_only=True)
class ApprovalButton(CallbackData, prefix="rwa"):
    """The admin on a reward proposal: that very proposal (tip, reward id, amount)."""

    ok: bool = False
    what: Literal["yes", "no", "back"]
    number: TipNumber
    reward_id: int
    amount_fen: int

    def __post_init__(self) -> None:
        if self.ok and self.what == "back":
            raise ValueError("back is not confirmed")


def case_card(number: str) -> CaseButton:
    """The button that opens a tip's card (the end of a case form: back to the report)."""
    return CaseButton(action="open", number=TipNumber(number))


def reward_card(number: str) -> RewardButton:
    """The button that opens a tip's reward card (the end of a reward form)."""
    return RewardButton(what="open", number=TipNumber(number))


@dataclass(frozen=True, kw_only=True)
class StaffButton(CallbackData, prefix="staff"):
    """The admin's /staff: invite, role:<role>, dep:<department>, remove:<user>, remove_yes:<user>, keep;
    totp:<user> asks to reset their authenticator, totp_yes:<user> resets (or asks the other admins);
    keys:<user> asks to grant them the keys of their roles, keys_yes:<user> grants them."""

    action: Literal["invite", "role", "dep", "remove", "remove_yes", "keep", "totp", "totp_yes", "keys", "keys_yes"]
    arg: str = ""


@dataclass(frozen=True, kw_only=True)
class PassphraseButton(CallbackData, prefix="pass"):
    """/passphrase: forgot (set a new one; the admins grant the keys again)."""

    action: Literal["forgot"]


@dataclass(frozen=True, kw_only=True)
class TotpResetButton(CallbackData, prefix="otp"):
    """Another admin on a request to reset an admin's authenticator: yes/no asks to confirm, ok decides,
    back shows the request again."""

    ok: bool = False
    what: Literal["yes", "no", "back"]
    request_id: int

    def __post_init__(self) -> None:
        if self.ok and self.what == "back":
            raise ValueError("back is not confirmed")


# -- liaisons and figures --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class UnitsButton(CallbackData, prefix="units"):
    """The admin's /units: page:<n> of units to invite for, invite:<unit id>."""

    what: Literal["page", "invite"]
    number: int


@dataclass(frozen=True, kw_only=True)
class FiguresButton(CallbackData, prefix="lf"):
    """Start a unit's monthly figures, step by step or in one message."""

    mode: Literal["step", "text"]
    unit: int
    period: str


@dataclass(frozen=True, kw_only=True)
class FiguresStep(CallbackData, prefix="lv"):
    """Inside the monthly figures: zero:<i>, back:<i>, blank_yes/no, jump_yes/no, send, restart, cancel."""

    action: Literal["zero", "back", "blank_yes", "blank_no", "jump_yes", "jump_no", "send", "restart", "cancel"]
    index: int | None = None


@dataclass(frozen=True, kw_only=True)
class QuarterButton(CallbackData, prefix="lq"):
    """Start a unit's quarter summary."""

    unit: int
    period: str


@dataclass(frozen=True, kw_only=True)
class MonthLock(CallbackData, prefix="mon"):
    """The admin locking a month: lock asks to confirm, ok:lock locks, back leaves it open."""

    ok: bool = False
    what: Literal["lock", "back"]
    period: str

    def __post_init__(self) -> None:
        if parse_month(self.period) is None or (self.ok and self.what != "lock"):
            raise ValueError(self.period)


@dataclass(frozen=True, kw_only=True)
class ExposureButton(CallbackData, prefix="xp"):
    """A post for the office's channel (曝光): yes/no shows it and asks to confirm, ok decides; back shows
    the draft with its decision; pub publishes an approved post (again); del, cancel, manual and restore
    ask to confirm withdrawing it, taking it back, recording it deleted by hand, or restoring an
    interrupted publishing; keep leaves it as it is."""

    ok: bool = False
    what: Literal["yes", "no", "back", "pub", "del", "keep", "cancel", "manual", "restore"]
    exposure_id: int

    def __post_init__(self) -> None:
        if self.ok and self.what not in ("yes", "no", "del", "cancel", "manual", "restore"):
            raise ValueError("only a decision, a withdrawal, a cancelling or a restoring is confirmed")


@dataclass(frozen=True, kw_only=True)
class ExposureList(CallbackData, prefix="xpl"):
    """/exposure's list of published posts from `offset` on (older pages)."""

    offset: int


@dataclass(frozen=True, kw_only=True)
class ExposureMonth(CallbackData, prefix="xpm"):
    """Draft the statistics post of a month: the press shows it, ok sends the draft to the admins."""

    ok: bool = False
    period: str

    def __post_init__(self) -> None:
        if parse_month(self.period) is None:
            raise ValueError(self.period)


# -- keyboards and the stale press -----------------------------------------------------------------

Row = Iterable[tuple[str, CallbackData]]


def keyboard(rows: Iterable[Row]) -> InlineKeyboardMarkup:
    """Rows of (label, button data): the one way a keyboard of callback buttons is built."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d.pack()) for t, d in row] for row in rows])


def in_rows(buttons: Sequence[tuple[str, CallbackData]], per_row: int) -> list[list[tuple[str, CallbackData]]]:
    """Buttons laid out `per_row` to a row."""
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


def confirm_markup(confirm: CallbackData, back: CallbackData, _: Translate) -> InlineKeyboardMarkup:
    """[Confirm] [Back] under a question about a step that cannot be undone; both carry explicit data."""
    return keyboard([[(_("Confirm"), confirm), (_("Back"), back)]])


async def button_expired(update: Update, context: Context, *, answer: bool = True) -> str:
    """The one answer to a press that no longer fits (an old message, another step, a forged press):
    the presser is told on the spot. Returns the notice, for a site that also shows it in the chat
    (or asks its current step again below it). `answer=False` where the press was answered already
    (a query is answered once)."""
    _ = context.tr
    notice = _("This button is no longer valid.")
    if answer and update.callback_query is not None:
        await update.callback_query.answer(notice)
    return notice
