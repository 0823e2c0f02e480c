"""The admin grants a staff member the keys of their roles: /staff → "🔑 Grant keys" beside a member who
has set a passphrase (/passphrase) and lacks a key group their roles hold (services.keys.KeyService.missing).

The groups are sealed to the member's own key from the admin's unlocked keys (the admin's session, behind
the step-up gate like every /staff button), confirmed first and audited by the use case. An admin who
does not hold a group is told so (another admin, or the recovery words on the server, can). The
member is told, and their keys are unlocked afresh at their next action, so the new groups are in.
/staff's list marks who has set no passphrase, and who still lacks keys.
"""

from __future__ import annotations

import logging

from telegram import Update

from core import keys
from core.roles import StaffMember
from handlers.callbacks import StaffButton, confirm_markup
from handlers.context import Context, language_for
from handlers.i18n import join, translator
from handlers.office.alerts import send_to_staff
from services.keys import KeysError
from storage.keys import OFFICE, REWARDS

log = logging.getLogger("tipline.staff")


async def key_marks(context: Context, members: list[StaffMember]) -> dict[int, str]:
    """After a member's line in /staff: no passphrase yet, or keys still to grant (nothing where all is held,
    or where tips are not sealed to people)."""
    _ = context.tr
    svc = context.services
    if not await svc.keys.active():
        return {}
    marks = {}
    for member in members:
        if not await svc.keys.has_passphrase(member.user_id):
            marks[member.user_id] = " · " + _("no passphrase yet")
        elif await svc.keys.missing(member):
            marks[member.user_id] = " · " + _("keys to grant")
    return marks


async def grant_rows(
    context: Context, members: list[StaffMember], admin: StaffMember
) -> list[list[tuple[str, StaffButton]]]:
    """/staff's buttons: one per colleague with a passphrase who lacks a key of their roles."""
    _ = context.tr
    svc = context.services
    if not await svc.keys.active():
        return []
    rows = []
    for member in members:
        if member.user_id == admin.user_id or not await svc.keys.has_passphrase(member.user_id):
            continue
        if await svc.keys.missing(member):
            label = _("🔑 Grant keys: {name}").format(name=member.name)
            rows.append([(label, StaffButton(action="keys", arg=str(member.user_id)))])
    return rows


def group_label(name: str, context: Context) -> str:
    """A key group in words: the office's, the rewards', a department's."""
    _ = context.tr
    if name == OFFICE:
        return _("the office's (every report)")
    if name == REWARDS:
        return _("rewards (payee details)")
    code = name.removeprefix("dept:")
    department = next((d for d in context.services.office.departments if d.code == code), None)
    return department.label(context.lang) if department is not None else code


def _groups(names: list[str] | set[str], context: Context) -> str:
    return join((group_label(n, context) for n in sorted(names)), context.lang)


async def on_grant(update: Update, context: Context, admin: StaffMember, target: int, *, confirmed: bool) -> None:
    """/staff's keys:<user> asks to confirm; keys_yes:<user> grants, from the admin's unlocked keys."""
    _ = context.tr
    svc = context.services
    member = await svc.staff.get(target)
    missing = await svc.keys.missing(member) if member is not None else set()
    if member is None or not missing:
        await update.effective_message.reply_text(_("Nothing to grant: they hold every key of their role."))
        return
    if not confirmed:
        text = _(
            "Grant {name} the keys of: {groups}? Make sure it was they who set the passphrase (ask them): whoever "
            "holds these keys, with the authenticator, reads those reports."
        ).format(name=member.name, groups=_groups(missing, context))
        markup = confirm_markup(StaffButton(action="keys_yes", arg=str(target)), StaffButton(action="keep"), _)
        await update.effective_message.reply_text(text, reply_markup=markup)
        return
    try:
        granted = await svc.keys.grant(member, admin.user_id, keys.acting(), context.now)
    except KeysError as exc:
        await update.effective_message.reply_text(_refusal(context, exc, member))
        return
    svc.keys.lock(target)  # their next action unlocks afresh, with the new groups
    log.info("keys granted to a staff member: %s groups", len(granted))
    await update.effective_message.reply_text(
        _("Granted: {name} now holds the keys of: {groups}.").format(name=member.name, groups=_groups(granted, context))
    )
    await _tell_granted(context, target)


async def _tell_granted(context: Context, target: int) -> None:
    """The member is told in their own chat."""
    _ = translator(await language_for(context.application, target))
    text = _(
        "🔑 An admin granted you the keys of your role. Your next action asks your authenticator code (if its time "
        "is up) and your passphrase."
    )
    await send_to_staff(context.application, target, text, None, "keys granted")


def _refusal(context: Context, exc: KeysError, member: StaffMember) -> str:
    _ = context.tr
    if exc.reason == "no_passphrase":
        return _("{name} has not set a passphrase yet: they send /passphrase first.").format(name=member.name)
    if exc.reason == "not_held":
        names = [n for n in exc.detail.split(",") if n]
        return _(
            "You do not hold the keys of {groups} yourself, so you cannot grant them. Another admin who holds them "
            "can, or the server's holder with the office's recovery words (python -m bot keys recover)."
        ).format(groups=_groups(names, context))
    return _("Nothing changed.")
