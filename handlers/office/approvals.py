"""The admin's decisions on requests: extending a verification deadline, disclosing an identity.

Each admin gets the request in a private chat with Approve / Refuse; the first decision counts,
a second press is told it was already decided. The requester is told the outcome; an approved
extension is told to the reporter (with its reason) by a push notice."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from core.roles import Role, StaffMember
from handlers.common import Context, now, services
from handlers.i18n import translator
from handlers.notify import notify_reporter
from handlers.office.access import staff_only
from handlers.office.alerts import send_to_staff
from storage.casework import CaseError
from storage.requests import CaseRequest

log = logging.getLogger("tipline.approvals")


def _text(req: CaseRequest, requester: str, lang: str) -> str:
    _ = translator(lang)
    if req.kind == "extension":
        head = _("⏳ {name} asks to extend the verification deadline of report {number} by {days} days.").format(
            name=requester, number=req.number, days=req.days
        )
    else:
        head = _("👤 {name} asks to see the name and phone the reporter of {number} left.").format(
            name=requester, number=req.number
        )
    return head + "\n" + _("Reason: {reason}").format(reason=req.reason)


async def ask_admins(context: Context, request_id: int) -> int:
    """Send the request to every admin; returns how many got it."""
    svc = services(context)
    req = await svc.requests.get(request_id)
    requester = await svc.staff.get(req.requested_by)
    lang = svc.language
    _ = translator(lang)
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(_("Approve"), callback_data=f"req:yes:{request_id}"),
        InlineKeyboardButton(_("Refuse"), callback_data=f"req:no:{request_id}"),
    ]])  # fmt: skip
    sent = 0
    admins = await svc.staff.with_role(Role.ADMIN)
    others = [a for a in admins if a.user_id != req.requested_by]
    for admin in others or admins:  # nobody decides their own request, unless they are the only admin
        text = _text(req, requester.name, lang)
        sent += await send_to_staff(context.application, admin.user_id, text, markup, "request to an admin")
    log.info("request %s (%s) sent to %s admins", request_id, req.kind, sent)
    return sent


@staff_only(Role.ADMIN)
async def decide(update: Update, context: Context, member: StaffMember) -> None:
    """req:<yes|no>:<id>"""
    query = update.callback_query
    await query.answer()
    svc = services(context)
    lang = svc.language
    _ = translator(lang)
    parts = query.data.split(":")
    if len(parts) != 3 or parts[1] not in ("yes", "no") or not parts[2].isdigit():
        await update.effective_message.reply_text(_("This button is no longer valid."))
        return
    try:
        req = await svc.requests.decide(int(parts[2]), member.user_id, parts[1] == "yes", now(context))
    except CaseError:
        await update.effective_message.reply_text(_("This request was already decided, or the report moved on."))
        return
    approved = req.state == "approved"
    await update.effective_message.reply_text(
        (_("Approved: request for report {number}.") if approved else _("Refused: request for report {number}."))
        .format(number=req.number)
    )  # fmt: skip
    await _tell_requester(context, req, approved)
    if approved and req.kind == "extension":
        await notify_reporter(context.application, req.number)


async def _tell_requester(context: Context, req: CaseRequest, approved: bool) -> None:
    _ = translator(services(context).language)
    markup = None
    if req.kind == "extension":
        text = (
            _("Your extension for report {number} was approved: {days} more days.")
            if approved
            else _("Your extension for report {number} was refused.")
        ).format(number=req.number, days=req.days)
    elif approved:
        text = _("Your request to see the reporter's identity for {number} was approved. Each view is recorded.")
        text = text.format(number=req.number)
        show = InlineKeyboardButton(_("👤 Show identity"), callback_data=f"case:identity:{req.number}")
        markup = InlineKeyboardMarkup([[show]])
    else:
        text = _("Your request to see the reporter's identity for {number} was refused.").format(number=req.number)
    await send_to_staff(context.application, req.requested_by, text, markup, "decision to the requester")
