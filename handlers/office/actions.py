"""The office's actions on a tip card, as buttons: each re-checks the role, is audited, and tells the
reporter (by push, if they asked for notices) that there is news."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from core.roles import StaffMember
from core.tips import NOT_ACCEPTED_REASONS, TipFacets, office_actions
from handlers.common import Context, chat_language, now, services, tr
from handlers.i18n import Translate
from handlers.notify import notify_reporter
from handlers.office.access import refuse
from storage.casework import CaseError

log = logging.getLogger("tipline.casework")


def action_rows(facets: TipFacets, member: StaffMember, _: Translate) -> list[list[InlineKeyboardButton]]:
    """The card's action buttons that this person may press for this tip now."""
    if not member.may_work(facets.department):
        return []
    allowed = office_actions(facets)
    labels = {"accept": _("✅ Accept (受理)"), "not_accept": _("⛔ Not accept"), "reassign": _("↪ Reassign")}
    codes = {"accept": "accept", "not_accept": "reject", "reassign": "move"}
    return [
        [InlineKeyboardButton(labels[a], callback_data=f"case:{codes[a]}:{facets.number}")]
        for a in ("accept", "not_accept", "reassign")
        if a in allowed
    ]


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
            contact = await svc.casework.not_accept(number, member.user_id, arg, now(context))
            await message.reply_text(_("Report {number} not accepted.").format(number=number))
            await notify_reporter(context.application, number, chat_id=contact)
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
        else:
            raise CaseError(action)
    except CaseError:
        await message.reply_text(_("That is not possible for this report now."))
        return
    log.info("tip %s: %s by staff", number, action)
