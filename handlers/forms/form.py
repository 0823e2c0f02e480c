"""What a form is: its fields, what confirming does, and its gate (who may fill it and who is filling it
in). The engine (handlers.forms.engine) knows no role: the office's gates are in handlers.office.gates,
the liaisons' in handlers.liaison.gates."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum

from telegram import Update

from core.parsing import parse_tip_number
from handlers.callbacks import CallbackData
from handlers.context import Context
from handlers.forms.fields import Field, Intro, Values
from handlers.i18n import N_, Translate

#: Checks a typed value: (the value to keep, None) or (None, the message saying what to type).
Check = Callable[[object, Update, Context, Translate], Awaitable[tuple[object, str | None]]]
#: Writes the form's result; returns the text to show ("" when it said everything itself). Raises one
#: of its gate's `moved_on` errors if the subject moved on, AskAgain if an answer proves wrong now.
Submit = Callable[[Update, Context, object, str, Values], Awaitable[str]]
#: Who is filling the form in (a staff member, a person's user id…); None: not someone it is for.
Actor = Callable[[Context, int], Awaitable[object | None]]
#: Whether this actor may fill this form (its action) on this subject now: asked on entering and on confirming.
Allowed = Callable[[Context, object, str, str], Awaitable[bool]]
#: Tells the person why not: the actor (None: not someone the form is for), the action, the subject (None:
#: not one the form takes), and whether it was on confirming (then nothing was written).
Refused = Callable[[Update, Context, object | None, str, str | None, bool], Awaitable[None]]
#: The title above each question, from the values `begin` was given (args) and the chat's language.
Title = Callable[[dict[str, str], str, Translate], str]
#: The summary's body instead of a line a field (a preview of what will be sent).
Summary = Callable[[Context, str, Values, Translate], Awaitable[str]]


class CodeOutcome(StrEnum):
    """What a form does after its gate's step-up was asked, or given a text as the code."""

    GO = "go"  # a session is open (or just opened): the form goes on
    WAIT = "wait"  # a code was asked (or a wrong one answered): the next text is the code
    STOP = "stop"  # locked out, or no authenticator set up: the person was told, the form ends


@dataclass(frozen=True)
class CodeCheck:
    """A gate's step-up (handlers.office.stepup): `ask` before the first question and again before
    confirming, by the person's user id; `take` checks a text sent as the code (and deletes it)."""

    ask: Callable[[Update, Context, int], Awaitable[CodeOutcome]]
    take: Callable[[Update, Context, int, str], Awaitable[CodeOutcome]]


@dataclass(frozen=True)
class Gate:
    """Who may use a form, and what to tell the others; `code`: an authenticator code is needed first."""

    actor: Actor
    allowed: Allowed
    refused: Refused
    moved_on: tuple[type[Exception], ...] = ()  # raised by submit: the subject moved on (refused, confirming)
    code: CodeCheck | None = None


class AskAgain(Exception):
    """Raised by a form's submit: the answer to `key` proves wrong on confirming (a document that could
    not be fetched or fails its content check); it is asked again with `notice`, nothing is written."""

    def __init__(self, key: str, notice: str) -> None:
        super().__init__(key)
        self.key, self.notice = key, notice


@dataclass(frozen=True)
class Form:
    action: str
    title: str | Title  # a msgid with {number} and begin's args, or a function of them
    fields: tuple[Field, ...]
    submit: Submit
    checks: dict[str, Check] = field(default_factory=dict)  # extra checks of typed fields, by key
    recap: Intro | None = None  # more text for the summary (what confirming will do)
    summary: Summary | None = None  # the summary's body (default: each question and its answer)
    start: Callable[[Context, str], Awaitable[Values]] | None = None  # values known before the first question
    back: Callable[[str], CallbackData] | None = None  # the button after confirming (back to a tip's card…)
    by_button: bool = True  # opened by a `form:` button; False: only by its own entry (begin)
    subject: Callable[[str], str | None] = parse_tip_number  # what the button's last part must be
    stepback: bool = False  # a ⬅ Back button under each question after the first, and on the summary
    restart: bool = True  # a "Start again" button on the summary
    #: The summary's question, saying what confirming does: "Send this?" only where something is sent.
    confirm: str = N_("Submit this?")
    send: str = N_("✅ Confirm")  # the confirming button
    at_summary: str = N_("Please confirm or cancel with the buttons.")  # the answer to text typed at the summary
    cancelled: str = N_("Cancelled. Nothing was sent.")
    gate: Gate = field(kw_only=True)

    @property
    def takes_files(self) -> bool:
        return any(item.kind == "documents" for item in self.fields)


FORMS: dict[str, Form] = {}


def define(form: Form) -> Form:
    FORMS[form.action] = form
    return form
