"""Step 9: submission, the receipt, and cancelling (the summary itself: handlers.report.review)."""

from __future__ import annotations

import logging

from pydantic import ValidationError
from telegram import Update

from core import receipts
from core.tips import AccidentDetails, Identity, Location, NewTip, ReporterType, TipContent
from handlers.context import Context
from handlers.erase import with_written_down
from handlers.i18n import Translate
from handlers.menu import menu_keyboard
from handlers.office.alerts import alert_new_tip
from handlers.outbox import send_now
from handlers.report.steps import END, draft_of, show
from handlers.state import ReportDraft, drop_draft
from handlers.writethrough import save_chat
from services.reports import DailyLimit, receipt_key
from storage.outbox import Message, OutboxStatus

log = logging.getLogger("tipline.tips")


def draft_to_tip(draft: ReportDraft) -> NewTip:
    """The draft as a submission; ValidationError if something is missing or wrong."""
    a = draft.answers
    accident = None
    if a.get("kind") == "concealed":
        accident = AccidentDetails(when=a.get("accident_when", ""), dead=a.get("dead"), injured=a.get("injured"))
    content = TipContent(
        reporter_type=ReporterType(a.get("who", "")),
        subtype=a.get("subtype"),
        accident=accident,
        site=a.get("site"),
        location=Location(**a["location"]) if a.get("location") else None,
        description=a.get("description", ""),
    )
    identity = Identity(name=a.get("name", ""), phone=a.get("phone", "")) if a.get("identity") == "named" else None
    village = a.get("village")
    return NewTip(
        kind=a.get("kind", ""),
        industry=a.get("industry", ""),
        village=None if village in (None, "none") else village,
        content=content,
        identity=identity,
        wants_push=a.get("push") == "yes",
    )


def _receipt_text(context: Context, number: str, code: str) -> str:
    _ = context.tr
    return _(
        "✅ Your report has been submitted.\n\n"
        "Tip number: {number}\n"
        "Receipt code: {code}\n\n"
        "Write both down now, on paper or somewhere safe. The receipt code is shown only this once; "
        "the office cannot see it and it cannot be recovered. With the number and code you can follow "
        "your report, add evidence and claim a reward.\n\n"
        "Once you have written them down, tap “I have written it down”: this message is then deleted from this chat."
    ).format(number=number, code=receipts.format_code(code))


async def submit(update: Update, context: Context) -> object:
    draft = draft_of(context)
    svc = context.services
    _ = context.tr
    chat_id = update.effective_chat.id
    day = context.today
    try:
        tip = draft_to_tip(draft)
    except ValidationError:
        return await show(update, context, _("Something is missing. Please check each part and change what is empty."))
    if draft.receipt is None:  # the summary made it; not if its update was lost in a crash
        draft.receipt = receipts.new_code()
        # The code is safe in the sealed chat state before the tip exists, so a crash after the commit
        # can still show it (a press again then finds the tip: `before` below).
        await save_chat(context.application, chat_id)  # this chat only, in one transaction
    code = draft.receipt  # this press's code, the one hashed and the one in the receipt
    # Started when the summary was shown (handlers.report.steps); made now after a restart.
    receipt_hash = await svc.receipts.hash_for(draft.token, code)
    markup = _receipt_markup(context).to_dict()

    def receipt(number: str) -> Message:  # written with the tip: both, or neither
        return Message(chat_id, _receipt_text(context, number, code), markup, protect=True)

    try:
        submitted = await svc.reports.submit(
            tip,
            chat_id=chat_id,
            day=day,
            receipt_hash=receipt_hash,
            draft_token=draft.token,
            receipt=receipt,
            receipt_code=code,
        )
    except DailyLimit as refused:
        return await show(update, context, daily_limit_text(_, refused.limit))
    if submitted.before:  # pressed twice at once, or again after a crash, the conversation not yet ended
        return await _submitted_before(update, context, submitted.number, code)
    log.info("a tip submitted")
    _end_draft(context)
    await send_now(context.application, submitted.receipt_row)  # never raises: if it fails, the outbox retries
    await alert_new_tip(context.application, submitted.number)
    return END


def _end_draft(context: Context) -> ReportDraft | None:
    """The draft leaves the chat's state (submitted, or cancelled), and its receipt hash made ahead leaves
    memory (services.receipts)."""
    draft = drop_draft(context)
    if draft is not None:
        context.services.receipts.forget(draft.token)
    return draft


async def _submitted_before(update: Update, context: Context, number: str, code: str | None) -> object:
    """Submit pressed again for a draft that became tip `number` (a second press processed at the same
    time, or a press after a crash): its receipt goes out if it has not yet (once), and is not repeated
    if it has."""
    queued = await context.services.outbox.status(receipt_key(number))
    _end_draft(context)
    _ = context.tr
    if queued is not None and queued[1] == OutboxStatus.PENDING:
        if not await send_now(context.application, queued[0]):
            text = _("Your report was submitted as {number}. Its receipt code is on its way: it will reach you in "
                     "a moment.").format(number=number)  # fmt: skip
            await context.bot.send_message(update.effective_chat.id, text)
        return END
    if (queued is not None and queued[1] == OutboxStatus.SENT) or code is None:
        text = _(
            "Your report was already submitted as {number}. Its receipt code was sent to you in the message "
            "after you submitted it: look for it above."
        ).format(number=number)
    else:  # the receipt never reached this chat (given up, or purged unsent): this is its first delivery
        text = _receipt_text(context, number, code)
        markup = _receipt_markup(context)
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup, protect_content=True)
        return END
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=menu_keyboard(context))
    return END


def _receipt_markup(context: Context):
    """The receipt's buttons: "I have written it down" (which deletes it), then the menu."""
    return with_written_down(menu_keyboard(context), context.tr)


def daily_limit_text(_: Translate, limit: int) -> str:
    return _.ngettext(
        "You have already filed {limit} report today, the most one chat may file in a day. Your draft is "
        "kept: please submit it tomorrow. If it is urgent, call the 12350 hotline.",
        "You have already filed {limit} reports today, the most one chat may file in a day. Your draft is "
        "kept: please submit it tomorrow. If it is urgent, call the 12350 hotline.",
        limit,
    ).format(limit=limit)


async def cancel(update: Update, context: Context) -> object:
    """/cancel or ✖ at any step: the draft and its files are destroyed."""
    draft = _end_draft(context)
    if draft is not None:
        await context.services.drafts.discard(draft.token)
    _ = context.tr
    await context.bot.send_message(
        update.effective_chat.id,
        _("Cancelled. What you entered has been discarded."),
        reply_markup=menu_keyboard(context),
    )
    return END
