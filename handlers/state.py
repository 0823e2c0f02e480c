"""The chat's state: which flow is under way and what it holds, as one typed model in chat data.

Every flow of the chat's one conversation (handlers.reporter) keeps its entry under `STATE`, one of
the models of `FlowState` (told apart by `flow`): the report's draft, a form (a staff member's, or a
liaison's registration or quarter summary), a liaison's month figures, or a check (which holds nothing
but the marker). A draft started earlier is kept inside the other flow's state (`draft`) and is the
chat's state again once that flow ends: starting a check or a form does not lose the unfinished report.

Nothing else reads or writes chat data by a flow's key: the flows use `flow_state`/`state_of`,
`save_state`, `end_flow` and `report_draft`. The chat's language stays in `chat_data["lang"]`.

At rest (bot.persistence) the state is `model_dump(mode="json")`, sealed; a check keeps only the draft
it holds. On loading, `stored` reads the shape an older Tipline left (`tip`, `form`, `figures`
beside each other) into the new one; a state that fits no model (or a quarter summary from before it
was a form) becomes `Lost`, and the chat is told once (handlers.reporter) that what it was entering
could not be kept.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from handlers.context import Context

log = logging.getLogger("tipline.state")

#: The one key of chat data that holds the flow under way.
STATE = "state"
#: The keys an older Tipline kept each flow's entry under (read once, then gone).
_OLD_KEYS = ("tip", "form", "figures", "quarter")
#: Conversation states of older versions that this one no longer has (the quarter's summary before it
#: was a form): a chat kept in one is told its entry could not be kept (handlers.reporter).
RETIRED_STATES = ("liaison_quarter",)
_OLD_MARKER = "flow"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReportDraft(_Model):
    """A tip being filed. `step` is the current step (the conversation's state too); `token` names its
    files in storage; `preset` answers came from a poster's link; `updated` (ISO day) dates it for
    housekeeping; `receipt` is the code, made when the summary is first shown (its hash starts then:
    services.receipts) and kept when a part is changed."""

    flow: Literal["report"] = "report"
    token: str = Field(default_factory=lambda: secrets.token_urlsafe(16))
    step: str = "intro"
    answers: dict[str, Any] = Field(default_factory=dict)
    files: int = 0
    editing: str | None = None
    preset: list[str] = Field(default_factory=list)
    updated: str = ""
    receipt: str | None = None


class _Beside(_Model):
    """A flow that may run while a draft waits: the draft comes back when this flow ends."""

    draft: ReportDraft | None = None


class StaffForm(_Beside):
    """A form (handlers.forms: a staff member's case or reward form, a liaison's registration or quarter
    summary): which form, its subject, the answers so far."""

    flow: Literal["form"] = "form"
    action: str
    number: str
    values: dict[str, Any] = Field(default_factory=dict)
    carry: dict[str, Any] = Field(default_factory=dict)
    args: dict[str, str] = Field(default_factory=dict)
    picked: list[str] = Field(default_factory=list)
    files: list[dict[str, Any]] = Field(default_factory=list)  # received for a documents field, not yet its value
    #: An authenticator code was asked ("start": before the first question; "confirm": before confirming).
    code_for: Literal["start", "confirm"] | None = None

    def take_files(self) -> list[dict[str, Any]]:
        files, self.files = self.files, []
        return files


class MonthFigures(_Beside):
    """A liaison's month figures (handlers.liaison.figures); a value of None is a line left empty."""

    flow: Literal["figures"] = "figures"
    unit: int
    unit_name: str
    period: str
    mode: Literal["step", "text"]
    values: dict[str, int | None] = Field(default_factory=dict)
    last: dict[str, int] | None = None
    blank_ok: bool = False
    jumps_ok: list[str] = Field(default_factory=list)
    stage: str | None = None


class CheckMark(_Beside):
    """Checking a report: its session is in memory only (handlers.check), so at rest only the draft stays."""

    flow: Literal["check"] = "check"


class Enrol(_Beside):
    """A staff member setting up their authenticator (handlers.office.totp): the QR message to delete
    once set up, the first of the two codes (None until sent), and the flow under way before (the
    step-up's asked action: it goes on once set up), as stored."""

    flow: Literal["enrol"] = "enrol"
    qr_message: int
    first: str | None = None
    before: dict[str, Any] | None = None


class StepUp(_Beside):
    """A staff member asked for their authenticator's code before an action that decrypts
    (handlers.office.stepup): only what resuming that action needs (the gated handler's name, the
    button's data or the command's text, the chat, the button's message, the person), never what it
    shows; and the flow under way before (a form), as stored, which comes back once the code is in."""

    flow: Literal["stepup"] = "stepup"
    handler: str
    asked: str  # the button's data, or the command's text
    button: bool
    chat: int
    message: int
    user: int
    before: dict[str, Any] | None = None
    asked_at: datetime | None = None  # when the code was asked: a text long after is no longer taken as one


class Lost(_Model):
    """A state kept by an older Tipline that this one cannot read: the chat is told, once."""

    flow: Literal["lost"] = "lost"


FlowState = Annotated[
    ReportDraft | StaffForm | MonthFigures | CheckMark | Enrol | StepUp | Lost, Field(discriminator="flow")
]
_ADAPTER: TypeAdapter[Any] = TypeAdapter(FlowState)
S = TypeVar("S", bound=BaseModel)


# -- in a handler ------------------------------------------------------------------------------


def flow_state(context: Context) -> FlowState | None:
    """The state of the flow under way, or None."""
    return context.chat_data.get(STATE) if context.chat_data is not None else None


def state_of(context: Context, kind: type[S]) -> S | None:
    """The flow's state if the flow under way is of this kind, else None."""
    state = flow_state(context)
    return state if isinstance(state, kind) else None


def save_state(context: Context, state: FlowState) -> None:
    """Make `state` the flow under way; a draft waiting (or under way) is kept inside it."""
    if isinstance(state, _Beside) and state.draft is None:
        state.draft = report_draft(context)
    context.chat_data[STATE] = state


def end_flow(context: Context) -> None:
    """The flow under way (not a draft) ends: the draft it kept is the chat's state again, or there is
    none. Ending it twice does no more."""
    state = flow_state(context)
    if isinstance(state, _Beside) and state.draft is not None:
        context.chat_data[STATE] = state.draft
    elif isinstance(state, _Beside):
        del context.chat_data[STATE]


def report_draft(context: Context) -> ReportDraft | None:
    """The chat's unfinished report, under way or waiting."""
    return chat_draft(context.chat_data)


def drop_draft(context: Context) -> ReportDraft | None:
    """Forget the unfinished report (submitted or cancelled); returns it."""
    return drop_chat_draft(context.chat_data)


def take_lost(context: Context) -> bool:
    """Whether the chat's state was one this version cannot read (it is forgotten now)."""
    return context.chat_data is not None and drop_lost(context.chat_data)


# -- a chat's data, where there is no context (jobs) ------------------------------------------


def chat_draft(data: dict[str, Any] | None) -> ReportDraft | None:
    """The unfinished report in a chat's data, under way or waiting."""
    return draft_in(data.get(STATE)) if data is not None else None


def drop_chat_draft(data: dict[str, Any]) -> ReportDraft | None:
    state = data.get(STATE)
    if isinstance(state, ReportDraft):
        return data.pop(STATE)
    if isinstance(state, _Beside) and state.draft is not None:
        draft, state.draft = state.draft, None
        return draft
    return None


def drop_lost(data: dict[str, Any]) -> bool:
    """Forget an unreadable state (told, or the chat was not back before housekeeping)."""
    if isinstance(data.get(STATE), Lost):
        del data[STATE]
        return True
    return False


def draft_in(state: Any) -> ReportDraft | None:
    if isinstance(state, ReportDraft):
        return state
    return state.draft if isinstance(state, _Beside) else None


# -- at rest -----------------------------------------------------------------------------------


def stored(data: dict[str, Any]) -> dict[str, Any]:
    """The chat data as kept at rest: the state as JSON (a check: its draft), an older shape read into
    the new one, an unreadable state as `Lost`."""
    kept = {key: value for key, value in data.items() if key not in _OLD_KEYS and key not in (_OLD_MARKER, STATE)}
    state = _at_rest(data.get(STATE) if STATE in data else _from_old(data))
    if state is not None:
        kept[STATE] = state.model_dump(mode="json")
    return kept


def restored(data: dict[str, Any]) -> dict[str, Any]:
    """The chat data as loaded (already `stored`): the state as its model again."""
    if STATE in data:
        data[STATE] = _parse(data[STATE])
    return data


def _at_rest(state: Any) -> BaseModel | None:
    state = _parse(state) if isinstance(state, dict) else state
    return draft_in(state) if isinstance(state, CheckMark) else state


def _parse(raw: Any) -> BaseModel | None:
    if raw is None or isinstance(raw, BaseModel):
        return raw
    try:
        return _ADAPTER.validate_python(raw)
    except ValidationError as exc:
        log.warning("a chat's state could not be read (%d problems): the chat will be told", exc.error_count())
        return Lost()


def _from_old(data: dict[str, Any]) -> dict[str, Any] | None:
    """The shape before one STATE: each flow's entry under its own key, a draft beside a form's."""
    draft = _old_draft(data.get("tip"))
    if isinstance(data.get("quarter"), dict):  # a quarter summary was no form then: it cannot go on as one
        return Lost().model_dump()
    for key in ("form", "figures"):
        if isinstance(data.get(key), dict):
            return {**data[key], "flow": key, "draft": draft}
    return draft


def _old_draft(draft: Any) -> Any:
    return {**draft, "flow": "report"} if isinstance(draft, dict) else draft
