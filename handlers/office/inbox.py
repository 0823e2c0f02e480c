"""/inbox for staff, and the tip card: decrypted on opening, in a private chat, every view audited."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update

from core.parsing import parse_tip_number
from core.roles import StaffMember
from core.tips import Status, TipFacets, status_name
from handlers.context import Context
from handlers.files import staff_copy
from handlers.office import sensitive
from handlers.office.access import refuse, refuse_tip, staff_only
from handlers.office.actions import CONFIRMED, act, action_rows
from handlers.office.views import card_text, inbox_line, pseudonym

log = logging.getLogger("tipline.inbox")
PAGE = 8
_STATUSES = ("-", Status.RECEIVED, Status.ACCEPTED, Status.VERIFIED, Status.REPLIED, Status.UNDER_REVIEW)


def _filters(data: str) -> tuple[str, str, str, int] | None:
    """inbox:<status>:<due>:<department>:<page>, '-' for none; None if malformed."""
    parts = data.split(":")
    if len(parts) != 5 or not parts[4].isdigit():
        return None
    return parts[1], parts[2], parts[3], int(parts[4])


async def _show(
    update: Update, context: Context, member: StaffMember, status: str, due: str, dep: str, page: int
) -> None:
    svc = context.services
    _ = context.tr
    lang = context.lang
    office = svc.office
    valid_statuses = {s.value for s in Status} | {"-"}
    valid_deps = {d.code for d in office.departments} | {"-"}
    if status not in valid_statuses or due not in ("-", "overdue", "week") or dep not in valid_deps:
        await update.effective_message.reply_text(_("This button is no longer valid."))
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

    def link(s: str = status, d: str = due, p: str = dep, n: int = 0) -> str:
        return f"inbox:{s}:{d}:{p}:{n}"

    rows = [[InlineKeyboardButton(t.number, callback_data=f"case:open:{t.number}")] for t in tips]
    rows.append([
        InlineKeyboardButton(("• " if status == s else "") + (_("All") if s == "-" else status_name(s, lang)),
                             callback_data=link(s=str(s)))
        for s in _STATUSES
    ][:3])  # fmt: skip
    rows.append([
        InlineKeyboardButton(("• " if status == s else "") + status_name(s, lang), callback_data=link(s=str(s)))
        for s in _STATUSES[3:]
    ])  # fmt: skip
    rows.append([
        InlineKeyboardButton(("• " if due == "overdue" else "") + _("Overdue"), callback_data=link(d="overdue")),
        InlineKeyboardButton(("• " if due == "week" else "") + _("Due this week"), callback_data=link(d="week")),
        InlineKeyboardButton(("• " if due == "-" else "") + _("Any date"), callback_data=link(d="-")),
    ])  # fmt: skip
    if member.sees_all_tips():
        deps = [("-", _("All departments"))] + [(d.code, d.label(lang)) for d in office.departments]
        buttons = [InlineKeyboardButton(("• " if dep == c else "") + n, callback_data=link(p=c)) for c, n in deps]
        rows += [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    paging = []
    if page > 0:
        paging.append(InlineKeyboardButton(_("◀ Newer"), callback_data=link(n=page - 1)))
    if (page + 1) * PAGE < total:
        paging.append(InlineKeyboardButton(_("Older ▶"), callback_data=link(n=page + 1)))
    if paging:
        rows.append(paging)
    await update.effective_message.reply_text("\n".join(lines), reply_markup=InlineKeyboardMarkup(rows))


@staff_only()
async def inbox(update: Update, context: Context, member: StaffMember) -> None:
    await _show(update, context, member, "-", "-", "-", 0)


@staff_only()
async def inbox_button(update: Update, context: Context, member: StaffMember) -> None:
    await update.callback_query.answer()
    filters = _filters(update.callback_query.data)
    if filters is None:
        _ = context.tr
        await update.effective_message.reply_text(_("This button is no longer valid."))
        return
    await _show(update, context, member, *filters)


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
    await svc.audit.record(actor=member.user_id, action="tip.view", at=context.now, tip=number)
    log.info("tip %s opened by staff", number)
    text = card_text(
        facets, await svc.tips.content(number), await svc.tips.events(number), await svc.tips.messages(number),
        await svc.tips.file_count(number), verification=await svc.casework.verification(number),
        merged_from=await svc.tips.merged_from(number), office=svc.office,
        alias=pseudonym(svc.vault.ring, number), lang=context.lang, _=_,
    )  # fmt: skip
    rows = await action_rows(context, facets, member)
    rows += [[InlineKeyboardButton(_("📎 Evidence files"), callback_data=f"case:files:{number}")],
             [InlineKeyboardButton(_("Refresh"), callback_data=f"case:open:{number}")]]  # fmt: skip
    await sensitive.send_text(context.application, update.effective_chat.id, text, InlineKeyboardMarkup(rows))


async def send_files(update: Update, context: Context, member: StaffMember, number: str) -> bool:
    """The tip's evidence files as documents; False if refused."""
    svc = context.services
    if not await _may_see(update, context, member, await svc.tips.facets(number)):
        return False
    files = await svc.tips.files(number)
    await svc.audit.record(
        actor=member.user_id, action="tip.files", at=context.now, tip=number, detail=str(len(files))
    )
    _ = context.tr
    if not files:
        await update.effective_message.reply_text(_("This report has no files."))
    for index, file in enumerate(files, 1):
        filename, caption = staff_copy(_, number, index, len(files), file)  # not on the allow-list: .bin
        document = InputFile(file.data, filename=filename)
        await sensitive.send_document(context.application, update.effective_chat.id, document, caption)
    return True


@staff_only()
async def case_button(update: Update, context: Context, member: StaffMember) -> None:
    """case:<action>[:<arg>]:<number>, or case:ok:… to confirm an action that cannot be undone."""
    await update.callback_query.answer()
    parts = update.callback_query.data.split(":")
    confirmed = len(parts) > 2 and parts[1] == "ok"
    if confirmed:
        parts = [parts[0], *parts[2:]]
    number = parse_tip_number(parts[-1]) if len(parts) in (3, 4) else None
    if number is None or (confirmed and parts[1] not in CONFIRMED):
        _ = context.tr
        await update.effective_message.reply_text(_("This button is no longer valid."))
        return
    if parts[1] == "open":
        await open_card(update, context, member, number)
    elif parts[1] == "files":
        if await send_files(update, context, member, number):
            await open_card(update, context, member, number)  # the card again, with its next actions
    else:
        arg = parts[2] if len(parts) == 4 else ""
        if await act(update, context, member, parts[1], arg, number, confirmed=confirmed):
            await open_card(update, context, member, number)


async def open_from_link(update: Update, context: Context, payload: str) -> bool:
    """`/start tip_JB…` from an alert's button: the card for staff who may see it; False for anyone else."""
    number = parse_tip_number(payload.removeprefix("tip_"))
    member = await context.services.staff.get(update.effective_user.id) if update.effective_user else None
    if number is None or member is None:
        return False
    await open_card(update, context, member, number)
    return True
