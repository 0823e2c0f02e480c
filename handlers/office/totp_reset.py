"""The admin resets a staff member's authenticator (a lost or changed phone): /staff → "Reset
authenticator". The person must set it up again (/totp) before any action that needs a code.

Resetting an admin, where two or more admins are active, needs another admin's approval, as a
disclosure does: the other admins get the request with Approve / Refuse (each confirmed first), the
first decision counts, and the requester is told the outcome. Nobody resets their own authenticator
this way; an office with no admin who can sign in uses `python -m bot staff totp-reset USER_ID`.
Every reset, request and refusal is audited by the use case (services.stepup)."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Update

from core.roles import Role, StaffMember
from handlers.callbacks import StaffButton, TotpResetButton, button_expired, confirm_markup, keyboard
from handlers.context import Context
from handlers.i18n import Translate, translator
from handlers.office.access import staff_only
from handlers.office.alerts import send_to_staff
from handlers.office.stepup import needs_code
from services.stepup import TotpError

log = logging.getLogger("tipline.totp")


async def reset_rows(
    context: Context, members: list[StaffMember], admin: StaffMember
) -> list[list[tuple[str, StaffButton]]]:
    """/staff's buttons: one per colleague whose authenticator is set up (never the admin's own)."""
    _ = context.tr
    not_set_up = set(await context.services.stepup.not_enrolled())
    return [
        [(_("🔐 Reset {name}'s authenticator").format(name=m.name), StaffButton(action="totp", arg=str(m.user_id)))]
        for m in members
        if m.user_id != admin.user_id and m.user_id not in not_set_up
    ]


async def on_reset(update: Update, context: Context, admin: StaffMember, target: int, *, confirmed: bool) -> None:
    """/staff's totp:<user> asks to confirm; totp_yes:<user> resets, or asks the other admins."""
    _ = context.tr
    svc = context.services
    member = await svc.staff.get(target)
    if member is None:
        await update.effective_message.reply_text(_("Nothing changed."))
        return
    if not confirmed:
        text = _("Reset {name}'s authenticator? They cannot open reports until they set it up again with /totp.")
        confirm = StaffButton(action="totp_yes", arg=str(target))
        markup = confirm_markup(confirm, StaffButton(action="keep"), _)
        await update.effective_message.reply_text(text.format(name=member.name), reply_markup=markup)
        return
    try:
        outcome = await svc.stepup.reset(target, admin.user_id, context.now)
    except TotpError:
        await update.effective_message.reply_text(_("Nothing changed."))
        return
    if outcome.done:
        await update.effective_message.reply_text(
            _("Reset: {name} sets up the authenticator again with /totp.").format(name=member.name)
        )
        await tell_reset(context, target)
        return
    sent = await _ask_admins(context, outcome.request_id, admin, member)
    await update.effective_message.reply_text(
        _.ngettext(
            "{name} is an admin: another admin must approve the reset. Sent to {count} admin; you will be told.",
            "{name} is an admin: another admin must approve the reset. Sent to {count} admins; you will be told.",
            sent,
        ).format(name=member.name, count=sent)
    )


async def tell_reset(context: Context, target: int) -> None:
    """The person whose authenticator was reset is told, in their chat, to set it up again."""
    _ = translator(context.services.language)
    text = _("An admin reset your authenticator. Send /totp to set it up again: opening a report needs it.")
    await send_to_staff(context.application, target, text, None, "reset to its person")


def _request_text(requester: str, target: str, _: Translate) -> str:
    return _(
        "🔐 {requester} asks to reset the authenticator of the admin {name} (a lost or changed phone). Approve "
        "only once you have made sure {name} asked for it."
    ).format(requester=requester, name=target)


def _buttons(request_id: int, _: Translate) -> InlineKeyboardMarkup:
    return keyboard([[
        (_("Approve"), TotpResetButton(what="yes", request_id=request_id)),
        (_("Refuse"), TotpResetButton(what="no", request_id=request_id)),
    ]])  # fmt: skip


async def _ask_admins(context: Context, request_id: int, requester: StaffMember, target: StaffMember) -> int:
    """The request to the admins who may decide it: every admin but the requester and the one to be reset;
    with only those two, the one to be reset (with their own code, they confirm it was them)."""
    svc = context.services
    _ = translator(svc.language)
    text = _request_text(requester.name, target.name, _)
    sent = 0
    others = [a for a in await svc.staff.with_role(Role.ADMIN) if a.user_id != requester.user_id]
    deciders = [a for a in others if a.user_id != target.user_id] or others
    for admin in deciders:
        sent += await send_to_staff(
            context.application, admin.user_id, text, _buttons(request_id, _), "reset request to an admin"
        )
    log.info("authenticator reset request %s sent to %s admins", request_id, sent)
    return sent


@staff_only(Role.ADMIN)
@needs_code
async def decide(update: Update, context: Context, member: StaffMember) -> None:
    """otp:<yes|no>:<id> asks to confirm; otp:ok:<yes|no>:<id> decides; otp:back:<id> shows it again."""
    query = update.callback_query
    svc = context.services
    _ = translator(svc.language)
    button = TotpResetButton.parse(query.data)
    request = await svc.stepup.reset_request(button.request_id) if button is not None else None
    if request is None:
        await update.effective_message.reply_text(await button_expired(update, context))
        return
    await query.answer()
    requester, target = await svc.staff.get(request.requested_by), await svc.staff.get(request.user_id)
    names = (requester.name if requester else "—", target.name if target else "—")
    if button.what == "back":
        markup = _buttons(button.request_id, _)
        await update.effective_message.reply_text(_request_text(*names, _), reply_markup=markup)
    elif button.ok:
        await _decide(update, context, member, button, names)
    else:
        question = _("Approve resetting {name}'s authenticator?") if button.what == "yes" else _(
            "Refuse resetting {name}'s authenticator?")  # fmt: skip
        confirm = TotpResetButton(ok=True, what=button.what, request_id=button.request_id)
        markup = confirm_markup(confirm, TotpResetButton(what="back", request_id=button.request_id), _)
        await update.effective_message.reply_text(question.format(name=names[1]), reply_markup=markup)


async def _decide(
    update: Update, context: Context, member: StaffMember, button: TotpResetButton, names: tuple[str, str]
) -> None:
    svc = context.services
    _ = translator(svc.language)
    approve = button.what == "yes"
    try:
        target = await svc.stepup.decide_reset(button.request_id, member.user_id, approve, context.now)
    except TotpError as error:
        if str(error) == "self":
            text = _("You asked for this reset yourself: another admin must decide it.")
        elif str(error) == "target":
            text = _("It is your own authenticator: another admin must decide it.")
        else:
            text = _("This request was already decided.")
        await update.effective_message.reply_text(text)
        return
    request = await svc.stepup.reset_request(button.request_id)
    if approve:
        await update.effective_message.reply_text(_("Approved: {name}'s authenticator is reset.").format(name=names[1]))
        await tell_reset(context, target)
        told = _("Your request to reset {name}'s authenticator was approved: they set it up again with /totp.")
    else:
        await update.effective_message.reply_text(_("Refused: {name}'s authenticator stays.").format(name=names[1]))
        told = _("Your request to reset {name}'s authenticator was refused.")
    if request is not None:
        await send_to_staff(
            context.application, request.requested_by, told.format(name=names[1]), None, "reset decision"
        )
