"""Units and their liaisons, for the office: `/units` lists every unit with its liaison and phone
numbers (any staff member); the admin adds units and issues one-time liaison codes (72 hours)."""

from __future__ import annotations

import logging

from telegram import Update

from core.liaisons import UNIT_KINDS
from core.roles import INVITE_HOURS, Role, StaffMember
from handlers.callbacks import FormButton, UnitsButton, button_expired, keyboard
from handlers.context import Context
from handlers.forms.engine import Form, define
from handlers.forms.fields import Field, Values
from handlers.i18n import N_, Translate, aside, colon
from handlers.office.access import staff_only
from handlers.office.gates import staff_gate
from storage.liaisons import Liaison, Unit, UnitError

log = logging.getLogger("tipline.units")
PAGE = 20
MESSAGE_LIMIT = 3500


def _unit_lines(unit: Unit, liaison: Liaison | None, lang: str, _: Translate) -> list[str]:
    kind = next(t.label(lang) for t in UNIT_KINDS if t.code == unit.kind)
    lines = [f"🏘 {unit.name}{aside(kind, lang)}"]
    if liaison is None:
        return [*lines, "   " + _("no liaison yet")]
    c = liaison.contact
    lines.append(
        "   " + _("Liaison") + colon(lang) + f"{c.name}，{c.title}，{c.phone}" + (f"，QQ {c.qq}" if c.qq else "")
    )
    lines.append("   " + _("Head of unit") + colon(lang) + f"{c.head}，{c.head_title}，{c.head_phone}")
    if c.note:
        lines.append("   " + _("Note") + colon(lang) + c.note)
    return lines


def _chunks(lines: list[str]) -> list[str]:
    """Messages under Telegram's length limit, breaking between units."""
    chunks, current = [], ""
    for line in lines:
        if current and len(current) + len(line) + 1 > MESSAGE_LIMIT:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    return [*chunks, current] if current else chunks


@staff_only()
async def units_command(update: Update, context: Context, member: StaffMember) -> None:
    """Phone numbers and invite codes never go to a group: private chats only (access.private_chats_only)."""
    _ = context.tr
    lang = context.lang
    svc = context.services
    liaisons = {item.unit.id: item for item in await svc.units.liaisons()}
    units = await svc.units.all()
    lines = [_("Units and their liaisons ({count}):").format(count=len(units))]
    for unit in units:
        lines += _unit_lines(unit, liaisons.get(unit.id), lang, _)
    if not units:
        lines.append(_("No units yet."))
    chunks = _chunks(lines)
    markup = None
    if member.has(Role.ADMIN):
        markup = keyboard([
            [(_("➕ Add a unit"), FormButton(action="unit", subject="new"))],
            [(_("🔑 Invite a liaison"), UnitsButton(what="page", number=0))],
        ])  # fmt: skip
    for index, chunk in enumerate(chunks):
        await update.effective_message.reply_text(chunk, reply_markup=markup if index == len(chunks) - 1 else None)


@staff_only(Role.ADMIN)
async def units_button(update: Update, context: Context, admin: StaffMember) -> None:
    """units:page:<n> (which unit to invite for) and units:invite:<unit id>."""
    query = update.callback_query
    button = UnitsButton.parse(query.data)
    svc = context.services
    if button is not None and button.what == "page":
        await query.answer()
        await _invite_page(update, context, button.number)
        return
    unit = await svc.units.get(button.number) if button is not None else None
    if unit is None:
        await query.message.reply_text(await button_expired(update, context))
        return
    await query.answer()
    _ = context.tr
    at = context.now
    code = await svc.people.invite_liaison(unit, admin.user_id, at)
    log.info("liaison invite issued for unit %s", unit.id)
    text = _(
        "Liaison code for {unit}: {code}\n\nIt works once, for {hours} hours. The liaison sends, in a private chat "
        "with this bot: /register {code}\nIf the unit has a liaison, the new one takes over and the old one is told."
    ).format(unit=unit.name, code=code, hours=INVITE_HOURS)
    await query.message.reply_text(text)


async def _invite_page(update: Update, context: Context, page: int) -> None:
    _ = context.tr
    units = await context.services.units.all()
    shown = units[page * PAGE : (page + 1) * PAGE]
    rows = [[(u.name, UnitsButton(what="invite", number=u.id))] for u in shown]
    if (page + 1) * PAGE < len(units):
        rows.append([(_("More ▶"), UnitsButton(what="page", number=page + 1))])
    text = _("Which unit is the code for?") if shown else _("No units yet: add one first.")
    await update.effective_message.reply_text(text, reply_markup=keyboard(rows) if rows else None)


async def _any_admin(context: Context, member: StaffMember, subject: str) -> bool:
    return True  # the role is the gate's (Role.ADMIN); a unit has no further condition


async def _add_unit(update: Update, context: Context, admin: StaffMember, subject: str, values: Values) -> str:
    _ = context.tr
    try:
        unit = await context.services.people.add_unit(
            str(values["name"]), str(values["kind"]), admin.user_id, context.now
        )
    except UnitError as exc:
        return {
            "taken": _("A unit of that name exists already. Nothing was added."),
            "name": _("A unit's name is 2 to 40 characters. Nothing was added."),
            "kind": _("That is not a kind of unit. Nothing was added."),
        }[exc.reason]
    return _("Added: {unit}. Invite its liaison with /units → “Invite a liaison”.").format(unit=unit.name)


ADD_UNIT = define(
    Form(
        action="unit",
        title=N_("Adding a unit"),
        confirm=N_("Add this unit?"),
        fields=(
            Field(
                "name",
                N_("The unit's name, as the county writes it (e.g. 东平村, 镇应急管理办公室):"),
                "text",
                max_len=40,
            ),
            Field("kind", N_("What kind of unit is it?"), "choice", options=UNIT_KINDS),
        ),
        submit=_add_unit,
        gate=staff_gate(_any_admin, Role.ADMIN),
        subject=lambda text: text if text == "new" else None,
    )
)
