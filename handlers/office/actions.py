"""The office's actions on a tip card, as buttons: each re-checks the role, is audited, and tells the
reporter (by push, if they asked for notices) that there is news.

Actions that need typed input open a staff form (`form:<action>:<number>`, handlers.office.forms);
the others act at once (`case:<action>[:<arg>]:<number>`).
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from core.roles import StaffMember
from core.tips import NOT_ACCEPTED_REASONS, TipFacets
from handlers.common import Context, chat_language, now, services, today, tr
from handlers.i18n import N_
from handlers.notify import notify_all, notify_reporter
from handlers.office.access import refuse
from storage.casework import CaseError

log = logging.getLogger("tipline.casework")

#: The card's buttons in order: action → (label, callback data prefix).
_BUTTONS = {
    "accept": (N_("✅ Accept (受理)"), "case:accept"),
    "not_accept": (N_("⛔ Not accept"), "case:reject"),
    "reassign": (N_("↪ Reassign"), "case:move"),
    "ask": (N_("❓ Ask the reporter"), "form:ask"),
    "merge": (N_("🔗 Merge as a duplicate (并案)"), "form:merge"),
    "verify": (N_("🔍 Record the verification result"), "form:verify"),
    "extend": (N_("⏳ Request an extension"), "form:extend"),
    "reply": (N_("📨 Write the reply (答复)"), "form:reply"),
    "review": (N_("♻ Record the review (复查)"), "form:review"),
    "close": (N_("🏁 Close (办结)"), "case:close"),
    "disclose": (N_("👤 Request identity disclosure"), "form:disclose"),
}


async def action_rows(context: Context, facets: TipFacets, member: StaffMember) -> list[list[InlineKeyboardButton]]:
    """The card's action buttons that this person may press for this tip now."""
    if not member.may_work(facets.department):
        return []
    svc = services(context)
    _ = tr(context)
    allowed = await svc.casework.actions(facets, today(context))
    if "disclose" in allowed and await svc.requests.may_see_identity(facets.number, member.user_id):
        allowed.discard("disclose")
        show = InlineKeyboardButton(_("👤 Show identity"), callback_data=f"case:identity:{facets.number}")
        rows = [[show]]
    else:
        rows = []
    buttons = [
        InlineKeyboardButton(_(label), callback_data=f"{prefix}:{facets.number}")
        for action, (label, prefix) in _BUTTONS.items()
        if action in allowed
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)] + rows


async def act(update: Update, context: Context, member: StaffMember, action: str, arg: str, number: str) -> None:
    """case:<action>[:<arg>]:<number> — the role is checked again here, whatever the card showed."""
    svc = services(context)
    _ = tr(context)
    lang = chat_language(context)
    facets = await svc.tips.facets(number)
    if facets is None or not member.may_work(facets.department):
        await refuse(update, context)
        return
    message = update.effective_message
    try:
        if action == "accept":
            await svc.casework.accept(number, member.user_id, now(context))
            await message.reply_text(_("Report {number} accepted (受理).").format(number=number))
            await notify_reporter(context.application, number)
        elif action == "reject":
            rows = [
                [InlineKeyboardButton(zh if lang == "zh" else en, callback_data=f"case:reason:{code}:{number}")]
                for code, (zh, en) in NOT_ACCEPTED_REASONS.items()
            ]
            await message.reply_text(_("Why is it not accepted?"), reply_markup=InlineKeyboardMarkup(rows))
        elif action == "reason":
            notices = await svc.casework.not_accept(number, member.user_id, arg, now(context))
            await message.reply_text(_("Report {number} not accepted.").format(number=number))
            await notify_all(context.application, notices)
        elif action == "move":
            rows = [
                [InlineKeyboardButton(d.label(lang), callback_data=f"case:to:{d.code}:{number}")]
                for d in svc.office.departments
                if d.code != facets.department
            ]
            await message.reply_text(_("Reassign to which department?"), reply_markup=InlineKeyboardMarkup(rows))
        elif action == "to":
            await svc.casework.reassign(number, member.user_id, arg, now(context))
            name = svc.office.department(arg).label(lang)
            await message.reply_text(_("Report {number} reassigned to {name}.").format(number=number, name=name))
        elif action == "close":
            notices = await svc.casework.close(number, member.user_id, now(context))
            await message.reply_text(_("Report {number} closed (办结).").format(number=number))
            await notify_all(context.application, notices)
        elif action == "identity":
            identity = await svc.requests.disclose(number, member.user_id, now(context))
            await message.reply_text(
                _("The reporter of {number}: {name}, {phone}. This view is recorded.").format(
                    number=number, name=identity.name, phone=identity.phone
                )
            )
        else:
            raise CaseError(action)
    except CaseError:
        await message.reply_text(_("That is not possible for this report now."))
        return
    log.info("tip %s: %s by staff", number, action)
