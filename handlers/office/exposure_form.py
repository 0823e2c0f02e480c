"""Drafting an exposure post (曝光) from a closed tip: a staff form on the tip's card, for the admin and
the intake officers, while the office has a channel and the tip may be exposed (services.exposure).

The post is made of the verification result's facets and what the officer types from the penalty
decision; the form says so before the first question, and shows the post word for word before it is
sent to the admins. The reporter is told nothing."""

from __future__ import annotations

from pydantic import ValidationError
from telegram import Update

from core.exposure import CASE_KINDS, DECISION_MAX, ENTERPRISE_MAX, Typed
from core.roles import Role, StaffMember
from handlers.callbacks import case_card
from handlers.context import Context
from handlers.forms.engine import Field, Form, Values, define
from handlers.forms.form import AskAgain
from handlers.i18n import N_, Translate
from handlers.office.exposure import ask_admins
from handlers.office.gates import staff_gate
from services.exposure import ExposureError
from storage.casework import CaseError


async def _may_expose(context: Context, member: StaffMember, number: str) -> bool:
    return await context.services.exposure.draftable(number) is not None


async def _why(context: Context, number: str, values: Values, _: Translate) -> str:
    return _(
        "The post is made only of the office's own verification result (industry, problems found, measures, "
        "fine) and of what you type now from the penalty decision. No word of the reporter's tip or of the "
        "dialogue is used, nor the dates of the report, so that nothing in the post can point to who "
        "reported. A second admin approves it before it is published in the office's channel; the reporter "
        "is not told."
    )


def _typed(values: Values) -> Typed:
    day = values.get("date") or None
    return Typed(kind=str(values["kind"]), enterprise=str(values["enterprise"]),
                 decision_no=str(values.get("decision") or ""), decided_on=day)  # fmt: skip


async def _preview(context: Context, number: str, values: Values, _: Translate) -> str:
    facts = await context.services.exposure.draftable(number)
    if facts is None:  # the tip moved on meanwhile: confirming will say so
        return _("This report can no longer be exposed.")
    post = context.services.exposure.preview(facts, _typed(values), context.services.language)
    return _("The post, as the channel will show it:") + "\n\n" + post


async def _draft(update: Update, context: Context, member: StaffMember, number: str, values: Values) -> str:
    _ = context.tr
    try:
        typed = _typed(values)
    except ValidationError as exc:  # a name of one character, after the spaces were folded
        raise AskAgain("enterprise", _("Please type the enterprise's full name.")) from exc
    try:
        exposure_id = await context.services.exposure.draft_case(number, member.user_id, typed, context.now)
    except ExposureError as error:
        if error.reason == "standing":
            return _("A post of report {number} is already waiting or published: see /exposure.").format(number=number)
        raise CaseError(error.reason) from error  # the tip moved on: the form says nothing was sent
    sent = await ask_admins(context, exposure_id)
    if not sent:
        return _("The draft is kept, but no admin could be told: ask an admin to open /exposure.")
    return _("The draft went to the admins: one of them approves it before it is published.")


define(Form("expose", N_("Exposure post (曝光) from report {number}"), (
    Field("kind", N_("What does the post publish?"), "choice", CASE_KINDS, intro=_why),
    Field("enterprise", N_("The enterprise's name, exactly as the penalty decision writes it:"), "text",
          max_len=ENTERPRISE_MAX),
    Field("decision", N_("The number of the penalty decision (处罚决定书文号), if there is one:"), "text",
          max_len=DECISION_MAX, optional=True),
    Field("date", N_("The date of the penalty decision (2026-11-23, or “today”), if the post is to show one:"),
          "date", optional=True),
), _draft, summary=_preview, confirm=N_("Send this draft to the admins for approval?"),
    gate=staff_gate(_may_expose, Role.ADMIN, Role.INTAKE), back=case_card))  # fmt: skip
