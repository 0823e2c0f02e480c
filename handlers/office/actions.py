"""The office's actions on a tip card, as buttons: each re-checks the role, is audited, and tells the
reporter (by push, if they asked for notices) that there is news.

Actions that need typed input open a staff form (`form:<action>:<number>`, handlers.forms);
the others act on buttons (`case:<action>[:<arg>]:<number>`). Those that cannot be undone (accept,
not accept for a reason, reassign, close, show the identity) first ask "确定…吗？": the confirm button
carries the same explicit data behind `case:ok:`, and pressing it checks the role and the tip's
status again, so a stale or forged confirm changes nothing.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Update

from core.casework import next_due
from core.roles import Role, StaffMember
from core.tips import NotAcceptedReason, Status, TipFacets
from handlers.callbacks import CallbackData, CaseButton, FormButton, button_expired, confirm_markup, in_rows, keyboard
from handlers.context import Context
from handlers.i18n import N_
from handlers.notify import notify_all, notify_reporter
from handlers.office import sensitive
from handlers.office.access import refuse_tip
from storage.casework import CaseError

log = logging.getLogger("tipline.casework")

#: The card's buttons in order: action → (label, the button's class, its action).
_BUTTONS: dict[str, tuple[str, type[CaseButton] | type[FormButton], str]] = {
    "accept": (N_("✅ Accept (受理)"), CaseButton, "accept"),
    "not_accept": (N_("⛔ Not accept"), CaseButton, "reject"),
    "reassign": (N_("↪ Reassign"), CaseButton, "move"),
    "ask": (N_("❓ Ask the reporter"), FormButton, "ask"),
    "merge": (N_("🔗 Merge as a duplicate (并案)"), FormButton, "merge"),
    "verify": (N_("🔍 Record the verification result"), FormButton, "verify"),
    "extend": (N_("⏳ Request an extension"), FormButton, "extend"),
    "reply": (N_("📨 Write the reply (答复)"), FormButton, "reply"),
    "review": (N_("♻ Record the review (复查)"), FormButton, "review"),
    "close": (N_("🏁 Close (办结)"), CaseButton, "close"),
    "disclose": (N_("👤 Request identity disclosure"), FormButton, "disclose"),
}


def _card_button(kind: type[CaseButton] | type[FormButton], action: str, number: str) -> CallbackData:
    return CaseButton(action=action, number=number) if kind is CaseButton else FormButton(action=action, subject=number)


#: Buttons that cannot be undone, asked to confirm: button action → the case action it applies.
CONFIRMED = {"accept": "accept", "reason": "not_accept", "to": "reassign", "close": "close", "identity": "disclose"}


async def action_rows(context: Context, facets: TipFacets, member: StaffMember) -> list[list[tuple[str, CallbackData]]]:
    """The card's action buttons that this person may press for this tip now."""
    if not member.may_work(facets.department):
        return []
    svc = context.services
    _ = context.tr
    allowed = await svc.casework.actions(facets, context.today)
    if "disclose" in allowed and await svc.requests.may_see_identity(facets.number, member.user_id):
        allowed.discard("disclose")
        rows = [[(_("👤 Show identity"), CaseButton(action="identity", number=facets.number))]]
    else:
        rows = []
    buttons = [
        (_(label), _card_button(kind, name, facets.number))
        for action, (label, kind, name) in _BUTTONS.items()
        if action in allowed
    ]
    if member.has(Role.ADMIN, Role.INTAKE) and await svc.exposure.draftable(facets.number):
        rows.append([(_("📢 Draft an exposure post (曝光)"), FormButton(action="expose", subject=facets.number))])
    return in_rows(buttons, 2) + rows


def back_to_card(context: Context, number: str) -> InlineKeyboardMarkup:
    _ = context.tr
    return keyboard([[(_("📂 Back to the report"), CaseButton(action="open", number=number))]])


async def act(
    update: Update, context: Context, member: StaffMember, action: str, arg: str, number: str, *, confirmed: bool
) -> bool:
    """case:[ok:]<action>[:<arg>]:<number> — the role is checked again here, whatever the card showed.
    Returns whether the card should be shown again (its next actions)."""
    svc = context.services
    _ = context.tr
    facets = await svc.tips.facets(number)
    message = update.effective_message
    if facets is None:
        await message.reply_text(await button_expired(update, context))
        return False
    if not member.may_work(facets.department):
        await refuse_tip(update, context, member)
        return False
    try:
        if action in CONFIRMED and not await _possible(context, member, facets, action, arg):
            raise CaseError(action)  # checked before asking, and again on confirming
        if action in CONFIRMED and not confirmed:
            await _ask_to_confirm(update, context, facets, action, arg)
            return False
        return await _apply(update, context, member, facets, action, arg)
    except CaseError as error:
        text = _("That is not possible for this report now.")
        if str(error) == "locked":
            text = _("Your keys do not open this report, so it cannot be sealed for the other department: nothing "
                     "was changed.")  # fmt: skip
        await message.reply_text(text, reply_markup=back_to_card(context, number))
        return False


async def _possible(context: Context, member: StaffMember, facets: TipFacets, action: str, arg: str) -> bool:
    """Whether the action (with its argument) fits the tip now, before asking to confirm it."""
    svc = context.services
    if action == "identity":
        return await svc.requests.may_see_identity(facets.number, member.user_id)
    return await svc.casework.fits(facets, CONFIRMED[action], arg, context.today)


async def _ask_to_confirm(update: Update, context: Context, facets: TipFacets, action: str, arg: str) -> None:
    svc = context.services
    _ = context.tr
    lang = context.lang
    number = facets.number
    if action == "accept":
        due = next_due(Status.ACCEPTED, context.today, svc.office.deadlines)
        text = _("Accept (受理) report {number}? The verification is then due by {date}.").format(
            number=number, date=f"{due:%Y-%m-%d}"
        )
    elif action == "reason":
        text = _("Not accept report {number}, for this reason: {reason}? The reporter is told; it cannot be undone.")
        text = text.format(number=number, reason=NotAcceptedReason(arg).label(lang))
    elif action == "to":
        text = _("Reassign report {number} to {name}?").format(
            number=number, name=svc.office.department(arg).label(lang)
        )
    elif action == "close":
        text = _("Close (办结) report {number}? It cannot be undone.").format(number=number)
    else:
        text = _("Show the name and phone the reporter of {number} left? This view is recorded.").format(number=number)
    confirm = CaseButton(ok=True, action=action, arg=arg, number=number)
    markup = confirm_markup(confirm, CaseButton(action="open", number=number), _)
    await update.effective_message.reply_text(text, reply_markup=markup)


async def _apply(
    update: Update, context: Context, member: StaffMember, facets: TipFacets, action: str, arg: str
) -> bool:
    svc = context.services
    _ = context.tr
    lang = context.lang
    number = facets.number
    message = update.effective_message
    back = back_to_card(context, number)
    if action == "accept":
        await svc.casework.accept(number, member.user_id, context.now)
        await message.reply_text(_("Report {number} accepted (受理).").format(number=number))
        await notify_reporter(context.application, number)
    elif action == "reject":
        rows = [
            [(reason.label(lang), CaseButton(action="reason", arg=str(reason), number=number))]
            for reason in NotAcceptedReason
        ]
        await message.reply_text(_("Why is it not accepted?"), reply_markup=keyboard(rows))
    elif action == "reason":
        notices = await svc.casework.not_accept(number, member.user_id, arg, context.now)
        await message.reply_text(_("Report {number} not accepted.").format(number=number), reply_markup=back)
        await notify_all(context.application, notices)
    elif action == "move":
        rows = [
            [(d.label(lang), CaseButton(action="to", arg=d.code, number=number))]
            for d in svc.office.departments
            if d.code != facets.department
        ]
        await message.reply_text(_("Reassign to which department?"), reply_markup=keyboard(rows))
    elif action == "to":
        await svc.casework.reassign(number, member.user_id, arg, context.now)
        name = svc.office.department(arg).label(lang)
        text = _("Report {number} reassigned to {name}.").format(number=number, name=name)
        await message.reply_text(text, reply_markup=back if member.may_see(arg) else None)
    elif action == "close":
        notices = await svc.casework.close(number, member.user_id, context.now)
        await message.reply_text(_("Report {number} closed (办结).").format(number=number), reply_markup=back)
        await notify_all(context.application, notices)
    elif action == "identity":
        identity = await svc.requests.disclose(number, member.user_id, context.now)
        text = _("The reporter of {number}: {name}, {phone}. This view is recorded.").format(
            number=number, name=identity.name, phone=identity.phone
        )
        await sensitive.send_text(context.application, message.chat_id, text)
    else:
        raise CaseError(action)
    log.info("tip %s: %s by staff", number, action)
    return action == "accept"
