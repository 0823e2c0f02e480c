"""What a person sees before pressing Start, and /about.

At start-up the bot sets its command menu (in groups, /chatid only), description and short
description in Chinese and English (and the office's default language for everyone else), so
someone opening it for the first time reads what it is and that it is anonymous. /about says who
runs it, what is stored and encrypted, what the server itself can and cannot read, what Telegram can
see, how long things are kept, and how to report by phone instead.
"""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeAllGroupChats, Update
from telegram.error import TelegramError
from telegram.ext import Application

from core.office import OfficeConfig
from handlers.context import Context, app_services
from handlers.i18n import LANGUAGES, N_, sentences, translator
from storage.outbox import KEPT_DAYS

log = logging.getLogger("tipline.profile")

COMMANDS = (
    ("start", N_("Menu: report a problem, check a report")),
    ("help", N_("How this bot works")),
    ("about", N_("Who runs this bot, what is stored, how to report by phone")),
    ("language", N_("中文 / English")),
    ("cancel", N_("Leave what you are doing")),
)
#: The menu in groups (BotCommandScopeAllGroupChats): /chatid only; the rest is for private chats.
GROUP_COMMANDS = (("chatid", N_("Staff: this group's chat id, told to you privately")),)


def description(office: OfficeConfig, lang: str) -> str:
    _ = translator(lang)
    return _(
        "{office}: report work-safety hazards, illegal production and concealed accidents. You may stay "
        "anonymous: the office never learns who you are unless you tell it. You get a tip number and a "
        "secret receipt code to follow your report. In an emergency call 119, 110 or 120; by phone, the "
        "12350 work-safety hotline."
    ).format(office=office.label(lang))


def short_description(office: OfficeConfig, lang: str) -> str:
    _ = translator(lang)
    return _("{office}: anonymous work-safety tips. Hotline 12350.").format(office=office.label(lang))[:120]


async def publish_profile(app: Application) -> None:
    """Set the command menu and the descriptions, per language; a failure is logged, never fatal.
    (Each staff member's own menu builds on this one: handlers.office.commands.publish_all, which
    post_init calls next.)"""
    office = app_services(app).office
    default = app_services(app).language
    for code, lang in ((None, default), *((code, code) for code in LANGUAGES)):
        _ = translator(lang)
        try:
            await app.bot.set_my_commands([BotCommand(c, _(d)) for c, d in COMMANDS], language_code=code)
            await app.bot.set_my_commands(
                [BotCommand(c, _(d)) for c, d in GROUP_COMMANDS],
                scope=BotCommandScopeAllGroupChats(),
                language_code=code,
            )
            await app.bot.set_my_description(description(office, lang), language_code=code)
            await app.bot.set_my_short_description(short_description(office, lang), language_code=code)
        except TelegramError as exc:
            log.warning("bot profile (%s) not set: %s", code or "default", type(exc).__name__)


def about_text(office: OfficeConfig, lang: str, *, people_keys: bool = True) -> str:
    """/about; `people_keys`: whether tips are sealed to the office's people here (services.keys.active),
    not under the server's key ring (an install from before those keys)."""
    _ = translator(lang)
    draft_days, objection_days = office.limits.draft_days, office.deadlines.objection_days
    how_long = sentences([
        _.ngettext("How long: an unfinished draft is destroyed after {draft_days} day without changes.",
                   "How long: an unfinished draft is destroyed after {draft_days} days without changes.",
                   draft_days).format(draft_days=draft_days),
        _("If you asked for notices, the link to your chat is destroyed when the case is closed."),
        _("A report, its files and messages, and a name and phone if you left them, are kept as the office's case "
          "record, as long as the office keeps its case files: the bot deletes none of them by itself. The record "
          "that your receipt was sent is kept {days} days, dated by the day only.").format(days=KEPT_DAYS),
        _.ngettext("You may object to the reply within {objection_days} day.",
                   "You may object to the reply within {objection_days} days.",
                   objection_days).format(objection_days=objection_days),
    ], lang)  # fmt: skip
    return "\n\n".join([
        _("ℹ About this bot"),
        _who_runs_it(office, lang),
        _("What is stored: what you report (text, place, photos, documents) and the office's work on it, "
          "under a tip number. Not your Telegram account, name or username. Your receipt code is kept only "
          "as a one-way fingerprint, so nobody can read it back. A name and phone are stored only if you "
          "choose to leave them."),
        _("What is encrypted: every report, its files and messages, names and phones, and unfinished drafts, "
          "each with its own key. Photos lose their location and camera details before they are stored."),
        _who_can_read(lang, people_keys),
        _("What Telegram can see: Telegram carries every message, so it can see that you talk to this bot and "
          "what you write. The bot cannot hide that from Telegram. If that worries you, call instead."),
        _chat_traces(lang),
        how_long,
        _("By phone instead: the 12350 work-safety hotline. In an emergency: 119 (fire), 110 (police), "
          "120 (ambulance)."),
    ])  # fmt: skip


def _who_can_read(lang: str, people_keys: bool) -> str:
    """What the server itself can read (docs/ARCHITECTURE.md, "Keys held by people"), and what it cannot."""
    _ = translator(lang)
    if not people_keys:
        return _(
            "Who can read it: the keys that open what is stored are kept on the server, apart from the data. The "
            "bot opens a report only for staff whose role allows it, and for you with your receipt code."
        )
    return _(
        "What the server can read: the facts used for statistics and deadlines (kind, industry, village, "
        "department, status and dates), the address your notices go to if you asked for them (under the "
        "server's own key), and a report while you are still filling it in. What it cannot read: a report once "
        "submitted, its files and messages, and a name and phone if you left them. Those open only for office "
        "staff signed in with their authenticator and their passphrase, and for you with your receipt code: "
        "someone who took the server would not read them."
    )


def _chat_traces(lang: str) -> str:
    """What is kept about the chat itself, and how long (storage.state, storage.limits, bot.persistence)."""
    _ = translator(lang)
    return _(
        "What is kept about your chat: while you fill in a report, its draft, sealed, until you submit or cancel "
        "it (or leave it untouched too long: see below). Once you submit, cancel or leave a check, nothing "
        "stored links your chat to a report; if you asked for notices, only the sealed address to send them to, "
        "until the case is closed. Also kept: a language you chose other than the bot's own, without a date, until "
        "you choose again. "
        "How many wrong receipt codes a chat tried, and how many reports and bytes of files it sent today, are "
        "counted in memory only, never stored, and forgotten each night or when the bot restarts."
    )


def _who_runs_it(office: OfficeConfig, lang: str) -> str:
    """Who runs the bot (运营单位), where the office's formal name is configured; without it, no name:
    the bot's display name is not a unit's."""
    _ = translator(lang)
    unit = office.unit(lang)
    if unit is None:
        return _("Tips go to the department responsible; only staff whose role allows it can read them, and every "
                 "reading is recorded.")  # fmt: skip
    return _("Who runs it: {unit}. Tips go to the department responsible; only staff whose role allows it can "
             "read them, and every reading is recorded.").format(unit=unit)  # fmt: skip


async def about(update: Update, context: Context) -> None:
    text = about_text(context.services.office, context.lang, people_keys=await context.services.keys.active())
    await update.effective_message.reply_text(text)
