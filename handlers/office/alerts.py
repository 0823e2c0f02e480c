"""A new tip's alert: to its department's group (tip number, kind, industry, village, due date only)
and, when it reports a death, to the county government's chat and the admins at once.

No tip content is ever posted to a group. The button opens the tip in a private chat with the bot,
where only staff whose role allows it can read it.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError
from telegram.ext import Application

from core import taxonomy
from core.office import OfficeConfig
from core.roles import Role, responsible
from core.tips import TipFacets
from handlers.context import app_services
from handlers.i18n import translator
from handlers.office.views import chunks

log = logging.getLogger("tipline.alerts")


def alert_text(facets: TipFacets, office: OfficeConfig, lang: str) -> str:
    _ = translator(lang)
    village = next((v.label(lang) for v in office.villages if v.code == facets.village), _("village not given"))
    parts = [
        facets.number,
        taxonomy.KIND_BY_CODE[facets.kind].label(lang),
        taxonomy.INDUSTRY_BY_CODE[facets.industry].label(lang),
        village,
        _("decide by {date}").format(date=f"{facets.accept_due:%Y-%m-%d}"),
    ]
    return _("🆕 New report: {facts}").format(facts=" · ".join(parts))


def open_button(app: Application, number: str, lang: str) -> InlineKeyboardMarkup:
    _ = translator(lang)
    url = f"https://t.me/{app.bot.username}?start=tip_{number}"
    return InlineKeyboardMarkup([[InlineKeyboardButton(_("Open in a private chat"), url=url)]])


async def send_to_staff(
    app: Application, chat_id: int, text: str, markup: InlineKeyboardMarkup | None, what: str
) -> bool:
    """Send to a staff member or group; a chat that cannot be reached is logged, never an error. A
    text longer than Telegram takes (a long overdue list) goes in pieces, the buttons on the last."""
    pieces = chunks(text)
    try:
        for index, piece in enumerate(pieces):
            await app.bot.send_message(chat_id, piece, reply_markup=markup if index == len(pieces) - 1 else None)
    except TelegramError as exc:
        log.warning("%s not delivered: %s", what, type(exc).__name__)
        return False
    return True


async def alert_new_tip(app: Application, number: str) -> None:
    """Tell the responsible department (its group, or its officers and intake in private)."""
    services = app_services(app)
    office = services.office
    lang = services.language
    facets = await services.tips.facets(number)
    text = alert_text(facets, office, lang)
    await _department(app, facets.department, text, open_button(app, number, lang), with_intake=True)
    if facets.involves_death:
        await _alert_death(app, facets, lang)
    log.info("alerts sent for a new tip")  # no number: the moment a reporter acted


async def _department(
    app: Application, department: str, text: str, markup: InlineKeyboardMarkup, *, with_intake: bool
) -> None:
    """To the department's group if it has one that takes the message, else in private to its
    officers (and intake officers: always `with_intake`, or when the department has no officer; the
    admins when there is nobody else: core.roles.responsible)."""
    services = app_services(app)
    chat_id = services.office.department(department).chat_id
    if chat_id is not None and await send_to_staff(app, chat_id, text, markup, "group alert"):
        return
    people = responsible(await services.staff.all(), department, with_intake=with_intake)
    for member in people:
        await send_to_staff(app, member.user_id, text, markup, "private alert")


async def alert_reporter_wrote(app: Application, number: str, what: str) -> None:
    """The reporter answered, wrote, added evidence or objected: the tip's department is told (the
    number only; the content is in the card)."""
    services = app_services(app)
    lang = services.language
    _ = translator(lang)
    texts = {
        "message": _("✉ Report {number}: the reporter sent a message."),
        "answer": _("✉ Report {number}: the reporter answered your question."),
        "evidence": _("📎 Report {number}: the reporter added evidence."),
        "objection": _("↩ Report {number}: the reporter objects to the reply. A review (复查) is due."),
    }
    facets = await services.tips.facets(number)
    text = texts[what].format(number=number)
    await _department(app, facets.department, text, open_button(app, number, lang), with_intake=False)
    log.info("department told that a reporter wrote (%s)", what)  # no number, as above


async def _alert_death(app: Application, facets: TipFacets, lang: str) -> None:
    services = app_services(app)
    _ = translator(lang)
    text = _(
        "⚠ Report {number} involves a death. By the Work Safety Law (安全生产法 第七十三条) it must be "
        "verified and handled under the county government."
    ).format(number=facets.number)
    county = services.office.county_chat_id
    if county is not None:
        await send_to_staff(app, county, text, None, "county alert")
    admins = await services.staff.with_role(Role.ADMIN)
    note = (
        "" if county is not None else "\n\n" + _("No county chat is configured (county_chat_id): please forward this.")
    )
    for admin in admins:
        await send_to_staff(app, admin.user_id, text + note, open_button(app, facets.number, lang), "admin death alert")


async def tell_reward_officers(app: Application, number: str, what: str = "claimed") -> None:
    """A reward may be due (a tip verified true) or was claimed: the reward officers are told."""
    services = app_services(app)
    _ = translator(services.language)
    texts = {
        "verified": _("💰 Report {number} was verified true: a reward may be due. See /rewards."),
        "claimed": _("💰 Report {number}: the reporter claimed the reward. See /rewards."),
    }
    for member in await services.staff.with_role(Role.REWARD):
        await send_to_staff(app, member.user_id, texts[what].format(number=number), None, "reward notice")
