"""/inbox for staff, and the tip card: decrypted on opening, in a private chat, every view audited."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import InputFile, Update

from core.parsing import parse_tip_number
from core.roles import StaffMember
from core.tips import Status, TipFacets
from handlers.callbacks import CaseButton, InboxButton, button_expired, in_rows, keyboard
from handlers.context import Context
from handlers.files import staff_copy
from handlers.office import sensitive
from handlers.office.access import refuse, refuse_tip, staff_only
from handlers.office.actions import CONFIRMED, act, action_rows
from handlers.office.stepup import needs_code
from handlers.office.views import card_text, inbox_line, pseudonym

log = logging.getLogger("tipline.inbox")
PAGE = 8
_STATUSES = ("-", Status.RECEIVED, Status.ACCEPTED, Status.VERIFIED, Status.REPLIED, Status.UNDER_REVIEW)


async def _show(
    update: Update, context: Context, member: StaffMember, status: str, due: str, dep: str, page: int
) -> None:
    svc = context.services
    _ = context.tr
    lang = context.lang
    office = svc.office
    # the button's data is checked by InboxButton.parse (a status, a code's pattern); the office names the codes
    if dep != "-" and dep not in {d.code for d in office.departments}:
        await update.effective_message.reply_text(await button_expired(update, context))
        return
    departments = None if member.sees_all_tips() else member.departments
    if dep != "-":
        departments = frozenset({dep}) if departments is None or dep in departments else frozenset()
    day = context.today
    due_before = {"overdue": day, "week": day + timedelta(days=7), "-": None}[due]
    tips, total = await svc.tips.page(
        departments=departments, status=None if status == "-" else status, due_before=due_before,
        offset=page * PAGE, limit=PAGE,
    )  # fmt: skip
    lines = [_.ngettext("Inbox: {total} report", "Inbox: {total} reports", total).format(total=total)]
    lines += [inbox_line(t, office, lang, day, _) for t in tips] or [_("Nothing here.")]

    def link(s: str = status, d: str = due, p: str = dep, n: int = 0) -> InboxButton:
        return InboxButton(status=s, due=d, department=p, page=n)

    rows = [[(t.number, CaseButton(action="open", number=t.number))] for t in tips]
    rows.append([
        (("• " if status == s else "") + (_("All") if s == "-" else Status(s).label(lang)), link(s=str(s)))
        for s in _STATUSES
    ][:3])  # fmt: skip
    rows.append([(("• " if status == s else "") + Status(s).label(lang), link(s=str(s))) for s in _STATUSES[3:]])
    rows.append([
        (("• " if due == "overdue" else "") + _("Overdue"), link(d="overdue")),
        (("• " if due == "week" else "") + _("Due this week"), link(d="week")),
        (("• " if due == "-" else "") + _("Any date"), link(d="-")),
    ])  # fmt: skip
    if member.sees_all_tips():
        deps = [("-", _("All departments"))] + [(d.code, d.label(lang)) for d in office.departments]
        rows += in_rows([(("• " if dep == c else "") + n, link(p=c)) for c, n in deps], 3)
    paging = []
    if page > 0:
        paging.append((_("◀ Newer"), link(n=page - 1)))
    if (page + 1) * PAGE < total:
        paging.append((_("Older ▶"), link(n=page + 1)))
    if paging:
        rows.append(paging)
    await update.effective_message.reply_text("\n".join(lines), reply_markup=keyboard(rows))


@staff_only()
async def inbox(update: Update, context: Context, member: StaffMember) -> None:
    await _show(update, context, member, "-", "-", "-", 0)


@staff_only()
async def inbox_button(update: Update, context: Context, member: StaffMember) -> None:
    button = InboxButton.parse(update.callback_query.data)
    if button is None:
        await update.effective_message.reply_text(await button_expired(update, context))
        return
    await update.callback_query.answer()
    await _show(update, context, member, button.status, button.due, button.department, button.page)


async def _may_see(update: Update, context: Context, member: StaffMember, facets: TipFacets | None) -> bool:
    """Whether this staff member may read the tip here; if not, they are told why."""
    if facets is None:
        await refuse(update, context)
        return False
    if not member.may_see(facets.department):
        await refuse_tip(update, context, member)
        return False
    return True


async def open_card(update: Update, context: Context, member: StaffMember, number: str) -> None:
    """Decrypt and show a tip to a staff member whose role allows it; the view is audited first."""
    svc = context.services
    _ = context.tr
    facets = await svc.tips.facets(number)
    if not await _may_see(update, context, member, facets):
        return
    await svc.trail.note(actor=member.user_id, action="tip.view", at=context.now, tip=number)
    log.info("tip %s opened by staff", number)
    text = card_text(
        facets, await svc.tips.content(number), await svc.tips.events(number), await svc.tips.messages(number),
        await svc.tips.file_count(number), verification=await svc.casework.verification(number),
        merged_from=await svc.tips.merged_from(number), office=svc.office,
        alias=pseudonym(svc.vault.ring, number), lang=context.lang, _=_,
    )  # fmt: skip
    rows = await action_rows(context, facets, member)
    rows += [[(_("📎 Evidence files"), CaseButton(action="files", number=number))],
             [(_("Refresh"), CaseButton(action="open", number=number))]]  # fmt: skip
    await sensitive.send_text(context.application, update.effective_chat.id, text, keyboard(rows))


async def send_files(update: Update, context: Context, member: StaffMember, number: str) -> bool:
    """The tip's evidence files as documents; False if refused."""
    svc = context.services
    if not await _may_see(update, context, member, await svc.tips.facets(number)):
        return False
    files = await svc.tips.files(number)
    await svc.trail.note(actor=member.user_id, action="tip.files", at=context.now, tip=number, detail=str(len(files)))
    _ = context.tr
    if not files:
        await update.effective_message.reply_text(_("This report has no files."))
    for index, file in enumerate(files, 1):
        filename, caption = staff_copy(_, number, index, len(files), file)  # not on the allow-list: .bin
        document = InputFile(file.data, filename=filename)
        await sensitive.send_document(context.application, update.effective_chat.id, document, caption)
    return True


@staff_only()
@needs_code
async def case_button(update: Update, context: Context, member: StaffMember) -> None:
    """case:<action>[:<arg>]:<number>, or case:ok:… to confirm an action that cannot be undone."""
    button = CaseButton.parse(update.callback_query.data)
    if button is None or (button.ok and button.action not in CONFIRMED):
        await update.effective_message.reply_text(await button_expired(update, context))
        return
    await update.callback_query.answer()
    number = button.number
    if button.action == "open":
        await open_card(update, context, member, number)
    elif button.action == "files":
        if await send_files(update, context, member, number):
            await open_card(update, context, member, number)  # the card again, with its next actions
    elif await act(update, context, member, button.action, button.arg, number, confirmed=button.ok):
        await open_card(update, context, member, number)


async def open_from_link(update: Update, context: Context, payload: str) -> bool:
    """`/start tip_JB…` from an alert's button: the card for staff who may see it; False for anyone else."""
    number = parse_tip_number(payload.removeprefix("tip_"))
    member = await context.services.staff.get(update.effective_user.id) if update.effective_user else None
    if number is None or member is None:
        return False
    await card_from_link(update, context)
    return True


@staff_only()
@needs_code
async def card_from_link(update: Update, context: Context, member: StaffMember) -> None:
    """The card of `/start tip_JB…` (its number checked by open_from_link, and again here on resuming)."""
    number = parse_tip_number(context.args[0].removeprefix("tip_")) if context.args else None
    if number is not None:
        await open_card(update, context, member, number)
