"""/join CODE for new staff; /staff for the admin: list, invite by one-time code, deactivate (their keys
revoked), reset an authenticator (handlers.office.totp_reset), grant keys (handlers.office.staff_keys)."""

from __future__ import annotations

import logging

from telegram import Update

from core.roles import INVITE_HOURS, Role, StaffMember
from handlers.callbacks import StaffButton, button_expired, confirm_markup, keyboard
from handlers.context import Context
from handlers.i18n import aside, colon
from handlers.i18n import join as join_list
from handlers.office import staff_keys, totp_reset
from handlers.office.access import staff_only
from handlers.office.commands import publish_for
from handlers.office.stepup import needs_code
from storage.staff import Invite, InviteError

log = logging.getLogger("tipline.staff")


def _describe(member: StaffMember, context: Context) -> str:
    lang = context.lang
    office = context.services.office
    roles = []
    for role in sorted(member.roles):
        if role == Role.DEPARTMENT:
            names = join_list((office.department(d).label(lang) for d in sorted(member.departments)), lang)
            roles.append(Role(role).label(lang) + aside(names, lang))
        else:
            roles.append(Role(role).label(lang))
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
    marks = await staff_keys.key_marks(context, members)
    lines = [_("Staff:")] + [f"• {_describe(m, context)}{marks.get(m.user_id, '')}" for m in members]
    rows = [[(_("➕ Invite a staff member"), StaffButton(action="invite"))]]
    rows += [
        [(_("Deactivate {name}").format(name=m.name), StaffButton(action="remove", arg=str(m.user_id)))]
        for m in members
        if m.user_id != admin.user_id
    ]
    rows += await totp_reset.reset_rows(context, members, admin)
    rows += await staff_keys.grant_rows(context, members, admin)
    await update.effective_message.reply_text("\n".join(lines), reply_markup=keyboard(rows))


@staff_only(Role.ADMIN)
@needs_code
async def staff_button(update: Update, context: Context, admin: StaffMember) -> None:
    query = update.callback_query
    button = StaffButton.parse(query.data)
    if button is None or not _fits(button, context, admin):
        await query.message.reply_text(await button_expired(update, context))
        return
    await query.answer()
    _ = context.tr
    lang = context.lang
    action, arg = button.action, button.arg
    if action == "invite":
        rows = [[(r.label(lang), StaffButton(action="role", arg=r.value))] for r in Role]
        await query.message.reply_text(_("Which role?"), reply_markup=keyboard(rows))
    elif action == "role" and arg == Role.DEPARTMENT.value:
        departments = context.services.office.departments
        rows = [[(d.label(lang), StaffButton(action="dep", arg=d.code))] for d in departments]
        await query.message.reply_text(_("Which department?"), reply_markup=keyboard(rows))
    elif action == "role":
        await _invite(update, context, admin, Invite("staff", Role(arg), ""))
    elif action == "dep":
        await _invite(update, context, admin, Invite("staff", Role.DEPARTMENT, arg))
    elif action == "remove":
        member = await context.services.staff.get(int(arg))
        if member is not None:
            text = _("Deactivate {name}? They lose every role at once.").format(name=member.name)
            confirm = StaffButton(action="remove_yes", arg=str(member.user_id))
            await query.message.reply_text(text, reply_markup=confirm_markup(confirm, StaffButton(action="keep"), _))
    elif action in ("totp", "totp_yes"):
        await totp_reset.on_reset(update, context, admin, int(arg), confirmed=action == "totp_yes")
    elif action in ("keys", "keys_yes"):
        await staff_keys.on_grant(update, context, admin, int(arg), confirmed=action == "keys_yes")
    elif action == "keep":
        await query.message.edit_text(_("Nothing changed."))
    else:  # remove_yes
        await context.services.people.deactivate(int(arg), admin.user_id, context.now)
        await context.services.keys.revoke(int(arg), admin.user_id, context.now)  # their copies of the keys go
        await publish_for(context.application, int(arg), None)  # back to the public menu
        await query.message.reply_text(_("Deactivated."))


def _fits(button: StaffButton, context: Context, admin: StaffMember) -> bool:
    """Whether the button's argument is one its action takes (a role, a department, another member)."""
    arg = button.arg
    if button.action == "role":
        return arg in {r.value for r in Role}
    if button.action == "dep":
        return arg in {d.code for d in context.services.office.departments}
    if button.action in ("remove", "remove_yes", "totp", "totp_yes", "keys", "keys_yes"):
        return arg.isascii() and arg.isdigit() and int(arg) != admin.user_id
    return not arg


async def _invite(update: Update, context: Context, admin: StaffMember, invite: Invite) -> None:
    _ = context.tr
    code = await context.services.people.invite_staff(invite, admin.user_id, context.now)
    text = _(
        "Invite code: {code}\n\nIt works once, for {hours} hours. The new colleague sends, in a private chat with "
        "this bot: /join {code}"
    ).format(code=code, hours=INVITE_HOURS)
    await update.effective_message.reply_text(text)
