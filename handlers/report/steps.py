"""Answers to each step: one dispatcher per kind of input, checked against the draft's current step."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from telegram import Update

from core.parsing import normalize_phone, parse_count
from core.receipts import new_code
from core.tips import DESCRIPTION_MAX, DESCRIPTION_MIN, NAME_MAX, SITE_MAX
from handlers.context import Context
from handlers.erase import delete_read
from handlers.forms.fields import phone_problem
from handlers.i18n import Translate
from handlers.menu import menu_keyboard
from handlers.report.flow import next_step, settle
from handlers.report.questions import header, question
from handlers.report.review import summary
from handlers.state import ReportDraft, state_of

END = -1  # ConversationHandler.END, without importing the handler machinery here
#: Steps whose answer identifies the reporter: their message is deleted from the chat once read.
IDENTITY_STEPS = ("id_name", "id_phone")


def draft_of(context: Context) -> ReportDraft | None:
    """The draft of the report under way."""
    return state_of(context, ReportDraft)


Handler = Callable[[Update, Context], Awaitable[object]]


def needs_draft(handler: Handler) -> Handler:
    """Inside the conversation but the draft is gone (destroyed after days unused): say so and end."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: Context) -> object:
        if draft_of(context) is not None:
            return await handler(update, context)
        if update.callback_query:
            await update.callback_query.answer()
        _ = context.tr
        text = _("Your unfinished report was deleted after some days without changes. Please start again.")
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=menu_keyboard(context))
        return END

    return guarded


async def show(update: Update, context: Context, notice: str | None = None) -> str:
    """Send the current step's question (after `notice`); returns the step, the new state."""
    draft = draft_of(context)
    _ = context.tr
    office = context.services.office
    settle(draft, office)
    step = draft.step
    draft.updated = context.today.isoformat()  # housekeeping destroys drafts left for days
    if step == "summary":
        _hash_ahead(context, draft)
        text, markup = summary(draft, office, _, context.lang)
    else:
        text, markup = question(step, draft, office, _, context.lang)
    text = header(step, _) + text
    if notice:
        text = f"{notice}\n\n{text}"
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)
    return step


def _hash_ahead(context: Context, draft: ReportDraft) -> None:
    """The summary is the screen with Submit: the receipt code is made now (it does not depend on the
    answers, so changing a part and coming back keeps it) and its hash starts in a thread, so the
    press awaits a finished hash (services.receipts). The code is written through with this update,
    sealed in the draft."""
    if draft.receipt is None:
        draft.receipt = new_code()
    context.services.receipts.start(draft.token, draft.receipt)


async def advance(update: Update, context: Context, notice: str | None = None) -> str:
    draft = draft_of(context)
    draft.step = next_step(draft, context.services.office)
    return await show(update, context, notice)


# -- text --------------------------------------------------------------------------------------


def _text_answer(step: str, text: str, draft: ReportDraft, _: Translate) -> str | None:
    """Record a typed answer; returns what is wrong with it, or None when it is recorded."""
    answers = draft.answers
    if not text:
        return _("The message is empty. Please type your answer.")
    if step == "acc_when":
        if len(text) > 200:
            return _("Please keep it under 200 characters.")
        answers["accident_when"] = text
    elif step in ("acc_dead", "acc_injured"):
        count = parse_count(text)
        if count is None or count > 100_000:
            return _("Please type a whole number, 0 or more (for example 2), or tap “Not known”.")
        answers[step.removeprefix("acc_")] = count
    elif step == "site":
        if len(text) < 2 or len(text) > SITE_MAX:
            return _("Please type the name and address in 2 to {max} characters.").format(max=SITE_MAX)
        answers["site"] = text
    elif step == "description":
        if len(text) < DESCRIPTION_MIN:
            return _("That is too short: please describe the problem in at least {min} characters.").format(
                min=DESCRIPTION_MIN
            )
        if len(text) > DESCRIPTION_MAX:
            return _("That is too long ({length} characters): please shorten it to {max} at most.").format(
                length=len(text), max=DESCRIPTION_MAX
            )
        answers["description"] = text
    elif step == "id_name":
        if len(text) > NAME_MAX:
            return _("Please type a name of at most {max} characters.").format(max=NAME_MAX)
        answers["name"] = text
    elif step == "id_phone":
        phone = normalize_phone(text)
        if phone is None:
            return phone_problem(_)
        answers["phone"] = phone
    else:
        return _("Please choose with the buttons below.")
    return None


@needs_draft
async def on_text(update: Update, context: Context) -> object:
    draft = draft_of(context)
    if draft.step in IDENTITY_STEPS:  # gone from the chat first, valid or not
        await delete_read(update.message, "identity")
    problem = _text_answer(draft.step, update.message.text.strip(), draft, context.tr)
    if problem:
        return await show(update, context, problem)
    return await advance(update, context)


# -- everything else ---------------------------------------------------------------------------


@needs_draft
async def on_location(update: Update, context: Context) -> object:
    draft = draft_of(context)
    _ = context.tr
    if draft.step != "site":
        return await show(update, context, _("A location is only needed at step 4 (where). Please answer this step."))
    location = update.message.location
    draft.answers["location"] = {"latitude": location.latitude, "longitude": location.longitude}
    if draft.answers.get("site"):
        return await advance(update, context, _("Location received."))
    return await show(update, context)


@needs_draft
async def on_voice(update: Update, context: Context) -> object:
    _ = context.tr
    return await show(
        update, context, _("Voice messages are not accepted: a voice can identify you. Please type instead.")
    )


@needs_draft
async def on_other(update: Update, context: Context) -> object:
    _ = context.tr
    draft = draft_of(context)
    if draft.step in IDENTITY_STEPS:  # a photo of an ID card, a shared contact…: deleted too
        await delete_read(update.message, "identity")
    if draft.step in ("description", "site", "acc_when", *IDENTITY_STEPS):
        return await show(update, context, _("Please type your answer as text."))
    return await show(update, context, _("Please answer this step with the buttons below."))
