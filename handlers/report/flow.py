"""The steps of filing a tip: their order, their numbers ("第 3 步 / 共 9 步"), back and edit.

The draft is the chat's state (handlers.state.ReportDraft, sealed by the persistence). Its `step` is
the current step, which is also the ConversationHandler's state.
"""

from __future__ import annotations

from core.office import OfficeConfig
from handlers.state import ReportDraft

TOTAL_STEPS = 9

#: step -> the number shown to the reporter; steps sharing a number form one group.
STEP_NUMBERS = {
    "who": 1,
    "kind": 2, "subtype": 2, "acc_when": 2, "acc_dead": 2, "acc_injured": 2,
    "industry": 3,
    "village": 4, "site": 4,
    "description": 5,
    "evidence": 6,
    "identity": 7, "id_name": 7, "id_phone": 7,
    "push": 8,
    "summary": 9,
}  # fmt: skip

#: The first step of each group, which the summary's "change" buttons open.
EDITABLE = ("who", "kind", "industry", "village", "description", "evidence", "identity", "push")


def new_draft(preset: dict[str, str] | None = None) -> ReportDraft:
    """A fresh draft. `preset` answers (a poster's industry and village, from its link) answer those
    steps, which are then skipped until the reporter changes them at the summary."""
    return ReportDraft(answers=dict(preset or {}), preset=sorted(preset or {}))


def sequence(draft: ReportDraft, office: OfficeConfig) -> list[str]:
    """Every step this draft goes through, in order, given what it answered so far."""
    answers = draft.answers
    steps = ["intro", "who", "kind"]
    if answers.get("kind") == "illegal":
        steps.append("subtype")
    if answers.get("kind") == "concealed":
        steps += ["acc_when", "acc_dead", "acc_injured"]
    preset = draft.preset
    if "industry" not in preset:
        steps.append("industry")
    if office.villages and "village" not in preset:
        steps.append("village")
    steps += ["site", "description", "evidence", "identity"]
    if answers.get("identity") == "named":
        steps += ["id_name", "id_phone"]
    steps += ["push", "summary"]
    return steps


def settle(draft: ReportDraft, office: OfficeConfig) -> None:
    """A saved step that no longer applies (the office removed its villages, say) becomes the next that does."""
    steps = sequence(draft, office)
    if draft.step in steps:
        return
    number = STEP_NUMBERS.get(draft.step, 0)
    draft.step = next((s for s in steps if STEP_NUMBERS.get(s, 0) >= number), "summary")
    draft.editing = None


def next_step(draft: ReportDraft, office: OfficeConfig) -> str:
    """The step after the current one; back to the summary once an edited group is done."""
    settle(draft, office)
    steps = sequence(draft, office)
    current = draft.step
    following = steps[steps.index(current) + 1]
    editing = draft.editing
    if editing and STEP_NUMBERS.get(following) != STEP_NUMBERS[editing]:
        draft.editing = None
        return "summary"
    return following


def previous_step(draft: ReportDraft, office: OfficeConfig) -> str:
    settle(draft, office)
    steps = sequence(draft, office)
    current = draft.step
    index = steps.index(current)
    return steps[max(index - 1, 0)]


def edit_target(group: str, office: OfficeConfig) -> str | None:
    """The step the summary's 'change' button opens, or None for an unknown one."""
    if group not in EDITABLE:
        return None
    if group == "village" and not office.villages:
        return "site"
    return group
