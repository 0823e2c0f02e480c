"""The report's buttons (`tip:<step>:<value>`): an answer the current step offers, back, a change
at the summary, submit and cancel. A stale or forged press is refused and the step asked again."""

from __future__ import annotations

from typing import Any

from telegram import Update

from core import taxonomy
from core.office import OfficeConfig
from handlers.callbacks import TipButton, button_expired
from handlers.context import Context
from handlers.report.flow import STEP_NUMBERS, edit_target, previous_step
from handlers.report.steps import END, advance, draft_of, needs_draft, show
from handlers.report.summary import cancel, submit
from handlers.state import ReportDraft


def _button_answer(step: str, value: str, draft: ReportDraft, office: OfficeConfig) -> bool:
    """Record a button's answer; False if the value is not one this step offers (a forged press)."""
    answers = draft.answers
    choices: dict[str, Any] = {
        "intro": {"start"},
        "who": {"public", "employee", "other"},
        "kind": taxonomy.KIND_BY_CODE,
        "subtype": taxonomy.SUBTYPE_BY_CODE,
        "acc_dead": {"unknown"},
        "acc_injured": {"unknown"},
        "industry": taxonomy.INDUSTRY_BY_CODE,
        "village": {v.code for v in office.villages} | {"none"},
        "site": {"skip"} if answers.get("location") else set(),
        "evidence": {"done"},
        "identity": {"anonymous", "named"},
        "push": {"yes", "no"},
    }
    if value not in choices.get(step, ()):
        return False
    if step == "kind" and answers.get("kind") != value:
        for stale in ("subtype", "acc_when", "acc_dead", "acc_injured"):
            answers.pop(stale, None)
    if step == "identity" and value == "anonymous":
        answers.pop("name", None)
        answers.pop("phone", None)
    if step in ("acc_dead", "acc_injured"):
        answers[step.removeprefix("acc_")] = None  # not known
    elif step not in ("intro", "site", "evidence"):
        answers[step] = value
    return True


@needs_draft
async def on_button(update: Update, context: Context) -> object:
    query = update.callback_query
    draft = draft_of(context)
    button = TipButton.parse(query.data)
    if button == TipButton(step="cancel"):
        await query.answer()
        return await cancel(update, context)
    if draft is None or button is None or not button.value or button.step != draft.step:
        await button_expired(update, context)
        return await show(update, context) if draft else END
    office = context.services.office
    if button.value == "back" and not button.group:
        await query.answer()
        return await _back(update, context, draft, office)
    if button.step == "summary":
        return await _summary(update, context, draft, button)
    if button.group or not _button_answer(button.step, button.value, draft, office):
        return await show(update, context, await button_expired(update, context))
    await query.answer()
    return await advance(update, context)


async def _summary(update: Update, context: Context, draft: ReportDraft, button: TipButton) -> object:
    """tip:summary:submit, or tip:summary:edit:<group> to ask a part again."""
    if button == TipButton(step="summary", value="submit"):
        await update.callback_query.answer()
        return await submit(update, context)
    target = edit_target(button.group, context.services.office) if button.value == "edit" else None
    if target is None:
        return await show(update, context, await button_expired(update, context))
    await update.callback_query.answer()
    draft.editing, draft.step = target, target
    if target in draft.preset:
        draft.preset.remove(target)  # asked again, so it is in the sequence again
    return await show(update, context)


async def _back(update: Update, context: Context, draft: ReportDraft, office: OfficeConfig) -> str:
    previous = previous_step(draft, office)
    editing = draft.editing
    if editing and STEP_NUMBERS.get(previous) != STEP_NUMBERS[editing]:
        draft.editing, previous = None, "summary"
    draft.step = previous
    return await show(update, context)
