"""The admin's decisions on requests: extending a verification deadline, disclosing an identity.

Each admin gets the request in a private chat with Approve / Refuse, without its reason (sealed at rest:
a press asks the admin's authenticator code, then shows it with the question); the first decision counts,
a second press is told it was already decided. The requester is told the outcome; an approved
extension is told to the reporter (with its reason) by a push notice."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Update

from core.roles import Role, StaffMember
from handlers.callbacks import CaseButton, RequestButton, button_expired, confirm_markup, keyboard
from handlers.context import Context
from handlers.i18n import Translate, translator
from handlers.notify import notify_reporter
from handlers.office.access import staff_only
from handlers.office.alerts import send_to_staff
from handlers.office.stepup import needs_code
from storage.casework import CaseError
from storage.requests import CaseRequest, RequestState

log = logging.getLogger("tipline.approvals")


def _text(req: CaseRequest, requester: str, lang: str, *, reason: bool = True) -> str:
    """The request: who asks what for which report, and (`reason`) why, which is sealed at rest: the push
    to the admins leaves it out, and a press (asking the admin's code) shows it."""
    _ = translator(lang)
    if req.kind == "extension":
        head = _.ngettext(
            "⏳ {name} asks to extend the verification deadline of report {number} by {days} day.",
            "⏳ {name} asks to extend the verification deadline of report {number} by {days} days.",
            req.days,
        ).format(name=requester, number=req.number, days=req.days)
    else:
        head = _("👤 {name} asks to see the name and phone the reporter of {number} left.").format(
            name=requester, number=req.number
        )
    if not reason:
        return head + "\n" + _("Press a button to read the reason before you decide.")
    return head + "\n" + _("Reason: {reason}").format(reason=req.reason)


async def _shown(context: Context, req: CaseRequest) -> str:
    """The request with its reason, as a press (behind the admin's code) shows it."""
    requester = await context.services.staff.get(req.requested_by)
    return _text(req, requester.name if requester else "—", context.services.language)


def _buttons(request_id: int, _: Translate) -> InlineKeyboardMarkup:
    return keyboard([[
        (_("Approve"), RequestButton(what="yes", request_id=request_id)),
        (_("Refuse"), RequestButton(what="no", request_id=request_id)),
    ]])  # fmt: skip


async def ask_admins(context: Context, request_id: int) -> int:
    """Send the request to every admin; returns how many got it."""
    svc = context.services
    req = await svc.requests.get(request_id)
    requester = await svc.staff.get(req.requested_by)
    lang = svc.language
    _ = translator(lang)
    sent = 0
    admins = await svc.staff.with_role(Role.ADMIN)
    others = [a for a in admins if a.user_id != req.requested_by]
    for admin in others or admins:  # nobody decides their own request, unless they are the only admin
        text = _text(req, requester.name, lang, reason=False)
        sent += await send_to_staff(
            context.application, admin.user_id, text, _buttons(request_id, _), "request to an admin"
        )
    log.info("request %s (%s) sent to %s admins", request_id, req.kind, sent)
    return sent


@staff_only(Role.ADMIN)
@needs_code
async def decide(update: Update, context: Context, member: StaffMember) -> None:
    """req:<yes|no>:<id> asks to confirm; req:ok:<yes|no>:<id> decides; req:back:<id> shows the request again."""
    query = update.callback_query
    svc = context.services
    _ = translator(svc.language)
    button = RequestButton.parse(query.data)
    if button is None:
        await update.effective_message.reply_text(await button_expired(update, context))
        return
    await query.answer()
    confirmed, what, request_id = button.ok, button.what, button.request_id
    try:
        req = await svc.requests.decidable(request_id, member.user_id)
    except CaseError as error:
        await update.effective_message.reply_text(_refusal(error, _))
        return
    if what == "back":
        await update.effective_message.reply_text(await _shown(context, req), reply_markup=_buttons(request_id, _))
    elif confirmed:
        await _decide(update, context, member, req, what == "yes")
    else:
        question = _("Approve this request for report {number}?") if what == "yes" else _(
            "Refuse this request for report {number}?")  # fmt: skip
        confirm = RequestButton(ok=True, what=what, request_id=request_id)
        markup = confirm_markup(confirm, RequestButton(what="back", request_id=request_id), _)
        text = await _shown(context, req) + "\n\n" + question.format(number=req.number)
        await update.effective_message.reply_text(text, reply_markup=markup)


def _refusal(error: CaseError, _: Translate) -> str:
    if str(error) == "self":
        return _("You made this request yourself: another admin must decide it.")
    if str(error) == "no_passphrase":
        return _("The requester has not set a passphrase yet, so the name and phone cannot be sealed for them: "
                 "ask them to set one with /passphrase, then approve again. Nothing was decided.")  # fmt: skip
    if str(error) == "locked":
        return _("Your keys do not open this report's name and phone, so they cannot be shared. Nothing was "
                 "decided.")  # fmt: skip
    return _("This request was already decided, or the report moved on.")


async def _decide(update: Update, context: Context, member: StaffMember, req: CaseRequest, approve: bool) -> None:
    svc = context.services
    _ = translator(svc.language)
    try:
        req = await svc.requests.decide(req.id, member.user_id, approve, context.now)
    except CaseError as error:
        await update.effective_message.reply_text(_refusal(error, _))
        return
    approved = req.state == RequestState.APPROVED
    await update.effective_message.reply_text(
        (_("Approved: request for report {number}.") if approved else _("Refused: request for report {number}."))
        .format(number=req.number)
    )  # fmt: skip
    await _tell_requester(context, req, approved)
    if approved and req.kind == "extension":
        await notify_reporter(context.application, req.number)


async def _tell_requester(context: Context, req: CaseRequest, approved: bool) -> None:
    _ = translator(context.services.language)
    markup = None
    if req.kind == "extension":
        text = (
            _.ngettext(
                "Your extension for report {number} was approved: {days} more day.",
                "Your extension for report {number} was approved: {days} more days.",
                req.days,
            )
            if approved
            else _("Your extension for report {number} was refused.")
        ).format(number=req.number, days=req.days)
    elif approved:
        text = _("Your request to see the reporter's identity for {number} was approved. Each view is recorded.")
        text = text.format(number=req.number)
        markup = keyboard([[(_("👤 Show identity"), CaseButton(action="identity", number=req.number))]])
    else:
        text = _("Your request to see the reporter's identity for {number} was refused.").format(number=req.number)
    await send_to_staff(context.application, req.requested_by, text, markup, "decision to the requester")
