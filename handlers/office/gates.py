"""Who may fill the office's forms (the gates of handlers.forms): a staff member, with the roles a form
is for; a case action's form, while the tip's status allows that action, for the staff who work the
tip's department. What a refused person is told: strangers that it is for the office's staff, a staff
member which role it is for or whose tip it is, everyone else that the tip has moved on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from core.roles import Role, StaffMember
from handlers.callbacks import case_card
from handlers.context import Context
from handlers.forms.engine import Field, Form, Gate, define
from handlers.forms.form import CodeCheck, Submit
from handlers.office.access import refuse, refuse_tip, role_refusal
from handlers.office.stepup import form_ask, form_take
from storage.casework import CaseError

#: Whether this staff member may fill the form on this subject now (a reward in the right state…).
StaffAllowed = Callable[[Context, StaffMember, str], Awaitable[bool]]


async def _staff(context: Context, user_id: int) -> StaffMember | None:
    return await context.services.staff.get(user_id)


async def _case_action(context: Context, member: StaffMember, action: str, number: str) -> bool:
    """A case action the tip's status allows, for the staff who work its department."""
    svc = context.services
    facets = await svc.tips.facets(number)
    return (
        facets is not None
        and member.may_work(facets.department)
        and action in await svc.casework.actions(facets, context.today)
    )


def staff_gate(allowed: StaffAllowed | None = None, *roles: Role) -> Gate:
    """A gate for staff: `allowed` decides (default: the case action on a tip); `roles` name who it is for."""

    async def may(context: Context, member: object, action: str, subject: str) -> bool:
        if not isinstance(member, StaffMember) or (roles and not member.has(*roles)):
            return False
        if allowed is None:
            return await _case_action(context, member, action, subject)
        return await allowed(context, member, subject)

    async def refused(update: Update, context: Context, member: object | None, action: str, subject: str | None,
                      confirming: bool) -> None:  # fmt: skip
        if not isinstance(member, StaffMember) or subject is None:
            await refuse(update, context)
        elif confirming:
            _ = context.tr
            text = _("That is not possible for this report now. Nothing was sent.")
            await context.bot.send_message(update.effective_chat.id, text)
        elif roles and not member.has(*roles):
            await refuse(update, context, role_refusal(update, context, member, roles))
        elif allowed is None and not await _works_on(context, member, subject):
            await refuse_tip(update, context, member)
        else:
            _ = context.tr
            await update.effective_message.reply_text(_("That is not possible for this report now."))

    code = CodeCheck(ask=form_ask, take=form_take)  # the office's forms write to tips and reporters
    return Gate(actor=_staff, allowed=may, refused=refused, moved_on=(CaseError,), code=code)


async def _works_on(context: Context, member: StaffMember, number: str) -> bool:
    facets = await context.services.tips.facets(number)
    return facets is None or member.may_work(facets.department)


#: The case actions' gate.
CASE_ACTION = staff_gate()


def case_form(action: str, title: str, fields: tuple[Field, ...], submit: Submit, **options: object) -> Form:
    """A case action's form on a tip (its number): behind CASE_ACTION; after it, back to the tip's card."""
    return define(Form(action, title, fields, submit, gate=CASE_ACTION, back=case_card, **options))
