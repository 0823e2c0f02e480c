"""/join CODE for new staff; /staff for the admin: list, invite by one-time code, deactivate."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from core.roles import INVITE_HOURS, Role, StaffMember, role_name
from handlers.common import confirm_markup
from handlers.context import Context
from handlers.i18n import aside, colon
from handlers.i18n import join as join_list
from handlers.office.access import staff_only
from handlers.office.commands import publish_for
from storage.staff import Invite, InviteError

log = logging.getLogger("tipline.staff")


def _describe(member: StaffMember, context: Context) -> str:
    lang = context.lang
    office = context.services.office
    roles = []
    for role in sorted(member.roles):
        if role == Role.DEPARTMENT:
            names = join_list((office.department(d).label(lang) for d in sorted(member.departments)), lang)
            roles.append(role_name(role, lang) + aside(names, lang))
        else:
            roles.append(role_name(role, lang))
    return member.name + colon(lang) + join_list(roles, lang)


async def join(update: Update, context: Context) -> None:
    _ = context.tr
    if not context.args:
        await update.effective_message.reply_text(
            _("Please send the code with the command, like this: /join K7QX-M3PA")
        )
        return
    svc = context.services
    user = update.effective_user
    at = context.now
    try:
        invite = await svc.people.join(context.args[0], user.id, user.full_name, at)
    except InviteError as exc:
        reasons = {
            "unknown": _("That invite code is not right. Please check it, or ask the admin for a new one."),
            "used": _("That invite code has been used already. Please ask the admin for a new one."),
            "expired": _("That invite code has expired. Please ask the admin for a new one."),
        }
        await update.effective_message.reply_text(reasons[exc.reason])
        return
    log.info("a new staff member joined (%s)", invite.role.value)
    member = await svc.staff.get(user.id)
    await publish_for(context.application, user.id, member)  # their commands in their menu
    await update.effective_message.reply_text(
        _("Welcome. You are now: {roles}.").format(roles=_describe(member, context))
        + "\n\n"
        + _("Your commands are in the menu now; /help says what each does, /start shows them as buttons.")
    )


@staff_only(Role.ADMIN)
async def staff_panel(update: Update, context: Context, admin: StaffMember) -> None:
    _ = context.tr
    members = await context.services.staff.all()
    lines = [_("Staff:")] + [f"• {_describe(m, context)}" for m in members]
    rows = [[InlineKeyboardButton(_("➕ Invite a staff member"), callback_data="staff:invite")]]
    rows += [
        [InlineKeyboardButton(_("Deactivate {name}").format(name=m.name), callback_data=f"staff:remove:{m.user_id}")]
        for m in members
        if m.user_id != admin.user_id
    ]
    await update.effective_message.reply_text("\n".join(lines), reply_markup=InlineKeyboardMarkup(rows))


@staff_only(Role.ADMIN)
async def staff_button(update: Update, context: Context, admin: StaffMember) -> None:
    query = update.callback_query
    await query.answer()
    _ = context.tr
    lang = context.lang
    office = context.services.office
    parts = query.data.split(":")
    action = parts[1]
    if action == "invite":
        rows = [[InlineKeyboardButton(role_name(r, lang), callback_data=f"staff:role:{r.value}")] for r in Role]
        await query.message.reply_text(_("Which role?"), reply_markup=InlineKeyboardMarkup(rows))
    elif action == "role" and parts[2] == Role.DEPARTMENT.value:
        rows = [[InlineKeyboardButton(d.label(lang), callback_data=f"staff:dep:{d.code}")] for d in office.departments]
        await query.message.reply_text(_("Which department?"), reply_markup=InlineKeyboardMarkup(rows))
    elif action == "role" and parts[2] in {r.value for r in Role}:
        await _invite(update, context, admin, Invite("staff", Role(parts[2]), ""))
    elif action == "dep" and parts[2] in {d.code for d in office.departments}:
        await _invite(update, context, admin, Invite("staff", Role.DEPARTMENT, parts[2]))
    elif action == "remove" and len(parts) == 3 and parts[2].isdigit():
        member = await context.services.staff.get(int(parts[2]))
        if member is not None and member.user_id != admin.user_id:
            text = _("Deactivate {name}? They lose every role at once.").format(name=member.name)
            markup = confirm_markup(f"staff:remove_yes:{member.user_id}", "staff:keep", _)
            await query.message.reply_text(text, reply_markup=markup)
    elif action == "keep":
        await query.message.edit_text(_("Nothing changed."))
    elif action == "remove_yes" and len(parts) == 3 and parts[2].isdigit() and int(parts[2]) != admin.user_id:
        await context.services.people.deactivate(int(parts[2]), admin.user_id, context.now)
        await publish_for(context.application, int(parts[2]), None)  # back to the public menu
        await query.message.reply_text(_("Deactivated."))
    else:
        await query.message.reply_text(_("This button is no longer valid."))


async def _invite(update: Update, context: Context, admin: StaffMember, invite: Invite) -> None:
    _ = context.tr
    code = await context.services.people.invite_staff(invite, admin.user_id, context.now)
    text = _(
        "Invite code: {code}\n\nIt works once, for {hours} hours. The new colleague sends, in a private chat with "
        "this bot: /join {code}"
    ).format(code=code, hours=INVITE_HOURS)
    await update.effective_message.reply_text(text)
