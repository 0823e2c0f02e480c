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
from core.roles import Role
from core.tips import TipFacets
from handlers.i18n import translator

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


async def _send(app: Application, chat_id: int, text: str, markup: InlineKeyboardMarkup | None, what: str) -> bool:
    try:
        await app.bot.send_message(chat_id, text, reply_markup=markup)
    except TelegramError as exc:
        log.warning("%s not delivered: %s", what, type(exc).__name__)
        return False
    return True


async def alert_new_tip(app: Application, number: str) -> None:
    """Tell the responsible department (its group, or its officers and intake in private)."""
    services = app.bot_data["services"]
    office = services.office
    lang = services.language
    facets = await services.tips.facets(number)
    department = office.department(facets.department)
    text = alert_text(facets, office, lang)
    markup = open_button(app, number, lang)
    delivered = department.chat_id is not None and await _send(app, department.chat_id, text, markup, "group alert")
    if not delivered:
        people = await services.staff.with_role(Role.DEPARTMENT, facets.department)
        people += await services.staff.with_role(Role.INTAKE)
        for member in {m.user_id: m for m in people}.values():
            await _send(app, member.user_id, text, markup, "private alert")
    if facets.involves_death:
        await _alert_death(app, facets, lang)
    log.info("alerts sent for tip %s", number)


async def _alert_death(app: Application, facets: TipFacets, lang: str) -> None:
    services = app.bot_data["services"]
    _ = translator(lang)
    text = _(
        "⚠ Report {number} involves a death. By the Work Safety Law (安全生产法 第七十三条) it must be "
        "verified and handled under the county government."
    ).format(number=facets.number)
    county = services.office.county_chat_id
    if county is not None:
        await _send(app, county, text, None, "county alert")
    admins = await services.staff.with_role(Role.ADMIN)
    note = (
        "" if county is not None else "\n\n" + _("No county chat is configured (county_chat_id): please forward this.")
    )
    for admin in admins:
        await _send(app, admin.user_id, text + note, open_button(app, facets.number, lang), "admin death alert")
