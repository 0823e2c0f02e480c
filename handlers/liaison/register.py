"""A liaison registers: `/register CODE` (or "I am a liaison", then the code), then the contact table of
docs/DOMAIN.md section 7.1, a field at a time (the staff-form engine, handlers.forms). The code is
checked on entering and used only on confirming, so a form left half-way burns nothing. A unit has
one current liaison: registering with a new code hands it over, and the old liaison is told."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ConversationHandler

from core.liaisons import Contact
from handlers.context import Context
from handlers.forms.engine import Form, begin, define
from handlers.forms.fields import Field, Values
from handlers.i18n import N_, Translate, translator
from handlers.liaison.gates import ANYONE
from handlers.liaison.home import how_to_register, send_home
from storage.staff import InviteError

log = logging.getLogger("tipline.liaisons")


def invite_problem(reason: str, _: Translate) -> str:
    return {
        "unknown": _("That code is not right. Please check it, or ask the office for a new one."),
        "used": _("That code has been used already. Please ask the office for a new one."),
        "expired": _("That code has expired. Please ask the office for a new one."),
    }[reason]


async def _submit(update: Update, context: Context, user_id: int, unit_id: str, values: Values) -> str:
    _ = context.tr
    svc = context.services
    fields = {k: v for k, v in values.items() if k != "code"}
    try:
        before = await svc.people.register_liaison(
            values["code"], user_id, context.lang, Contact(**fields), context.now
        )
    except InviteError as exc:
        return invite_problem(exc.reason, _) + "\n" + _("Nothing was registered.")
    unit = await svc.units.get(int(unit_id))
    log.info("liaison registered for unit %s%s", unit_id, " (handover)" if before else "")
    if unit is None:  # deactivated by the office meanwhile
        await context.bot.send_message(
            update.effective_chat.id, _("This unit is no longer active. Please ask the office.")
        )
        return ""
    if before is not None:
        await _tell_previous(context, before.user_id, before.lang, unit.name, fields["name"])
    done = _("✅ Registered: you are now the liaison of {unit}.")
    await context.bot.send_message(update.effective_chat.id, done.format(unit=unit.name))
    await send_home(update, context)
    return ""


async def _tell_previous(context: Context, user_id: int, lang: str, unit: str, successor: str) -> None:
    _ = translator(lang)
    text = _("{name} is now the liaison of {unit}: you no longer send its figures. Thank you for your work.")
    try:
        await context.bot.send_message(user_id, text.format(name=successor, unit=unit))
    except TelegramError as exc:
        log.warning("handover notice not delivered: %s", type(exc).__name__)


REGISTRATION = define(
    Form(
        action="liaison",
        title=N_("Registering as the liaison of {unit}"),
        fields=(
            Field("head", N_("Who heads your unit (单位负责人)? Please type the name."), "text", max_len=40),
            Field("head_title", N_("What is their title (职务)?"), "text", max_len=40),
            Field("head_phone", N_("Their phone number (联系电话)?"), "phone"),
            Field("name", N_("Your own name (联络员)?"), "text", max_len=40),
            Field("title", N_("Your title (职务)?"), "text", max_len=40),
            Field("phone", N_("Your phone number (联系电话)?"), "phone"),
            Field("qq", N_("Your QQ number, if the county asks for one?"), "qq", optional=True),
            Field("note", N_("Anything to note (备注)?"), "text", max_len=200, optional=True),
        ),
        submit=_submit,
        gate=ANYONE,
        by_button=False,
        stepback=True,
        confirm=N_("Register with these details?"),
    )
)


async def register(update: Update, context: Context) -> object:
    """/register CODE: check the code, then ask for the contact table."""
    _ = context.tr
    if not context.args:
        await update.effective_message.reply_text(how_to_register(_))
        return ConversationHandler.END
    code = "".join(context.args)
    try:
        unit = await context.services.people.invited_unit(code, context.now)
    except InviteError as exc:
        await update.effective_message.reply_text(invite_problem(exc.reason, _))
        return ConversationHandler.END
    return await begin(update, context, REGISTRATION, str(unit.id), carry={"code": code}, args={"unit": unit.name})
