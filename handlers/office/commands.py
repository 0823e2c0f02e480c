"""What each staff member finds of the office's commands: their own command menu, the lines of /help
and the buttons of /start, all from one table of which roles may use which command.

The menu is set per chat (`BotCommandScopeChat` of the staff member's private chat) in Chinese, in
English and, for apps in any other language, in the office's language; when someone joins, and for
every active staff member at start-up (so `python -m bot staff add` takes effect then, or at the
person's first /start if Telegram did not know their chat at start-up). Deactivated,
their chat's menu is deleted and they see the public one again. Every command still checks the role
itself (handlers.office.access): the menu only shows the way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import BotCommand, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import Application

from core.roles import Role, StaffMember
from handlers.callbacks import OfficeButton, in_rows
from handlers.context import app_services
from handlers.i18n import LANGUAGES, N_, Translate, colon, join, translator
from handlers.profile import COMMANDS

log = logging.getLogger("tipline.commands")


@dataclass(frozen=True)
class OfficeCommand:
    name: str
    description: str  # for the menu and /help
    label: str  # the button on /start
    roles: tuple[Role, ...] = ()  # who may use it; () is any staff member
    usage: str = ""  # what may follow the command, shown in /help

    def allowed(self, member: StaffMember) -> bool:
        return not self.roles or member.has(*self.roles)


#: The same roles as the commands' own checks (`staff_only` in their modules); tests hold them together.
OFFICE_COMMANDS = (
    OfficeCommand("inbox", N_("Tips you may see, newest first"), N_("📥 Inbox")),
    OfficeCommand("staff", N_("Staff: list, invite, deactivate"), N_("👥 Staff"), (Role.ADMIN,)),
    OfficeCommand("stats", N_("Statistics of a year, with a chart"), N_("📊 Statistics"),
                  (Role.ADMIN, Role.AUDITOR), " [2026]"),
    OfficeCommand("rewards", N_("Rewards to decide, approve and pay"), N_("💰 Rewards"), (Role.REWARD,)),
    OfficeCommand("monthly", N_("The units' monthly figures as a table"), N_("📅 Monthly figures"),
                  (Role.ADMIN, Role.INTAKE), " [2026-10]"),
    OfficeCommand("quarter", N_("The units' quarterly summaries"), N_("🗓 Quarterly summaries"),
                  (Role.ADMIN, Role.INTAKE), " [2026-Q3]"),
    OfficeCommand("exposure", N_("Exposure posts (曝光) for the office's public channel"), N_("📢 Exposure"),
                  (Role.ADMIN, Role.INTAKE), " [2026-10]"),
    OfficeCommand("units", N_("Units, their liaisons and phone numbers"), N_("🏢 Units")),
    OfficeCommand("totp", N_("Set up your authenticator (the 6-digit code that opens reports)"),
                  N_("🔐 Authenticator")),
    OfficeCommand("passphrase", N_("Set or change your passphrase (it unlocks your keys to the reports)"),
                  N_("🔑 Passphrase")),
    OfficeCommand("lock", N_("Lock now: the next action asks your code and passphrase again"), N_("🔒 Lock")),
)  # fmt: skip
BY_NAME = {c.name: c for c in OFFICE_COMMANDS}


def commands_for(member: StaffMember) -> list[OfficeCommand]:
    return [c for c in OFFICE_COMMANDS if c.allowed(member)]


def menu_for(member: StaffMember, lang: str) -> list[BotCommand]:
    """The staff member's menu: their office commands first, then everyone's."""
    _ = translator(lang)
    mine = [BotCommand(c.name, _(c.description)) for c in commands_for(member)]
    return mine + [BotCommand(name, _(description)) for name, description in COMMANDS]


#: In bot_data: the staff members whose menu this process has set (a set of user ids).
MENUS_SET = "staff_menus"


async def publish_for(app: Application, user_id: int, member: StaffMember | None) -> bool:
    """Set the menu of `user_id`'s private chat for `member`, or delete it (None: no longer staff).
    A failure (they never started the bot, Telegram is down) is logged, never an error."""
    scope = BotCommandScopeChat(user_id)
    default = app_services(app).language
    done: set[int] = app.bot_data.setdefault(MENUS_SET, set())
    done.discard(user_id)
    try:
        for code, lang in ((None, default), *((code, code) for code in LANGUAGES)):
            if member is None:
                await app.bot.delete_my_commands(scope=scope, language_code=code)
            else:
                await app.bot.set_my_commands(menu_for(member, lang), scope=scope, language_code=code)
    except TelegramError as exc:
        log.warning("staff command menu not %s: %s", "set" if member else "deleted", type(exc).__name__)
        return False
    if member is not None:
        done.add(user_id)
    return True


async def publish_all(app: Application) -> int:
    """At start-up: every active staff member's menu, as their roles are now. Returns how many were set."""
    members = await app_services(app).staff.all()
    done = [await publish_for(app, m.user_id, m) for m in members]
    log.info("staff command menus set: %s of %s", sum(done), len(members))
    return sum(done)


async def ensure_menu(app: Application, member: StaffMember) -> None:
    """On a staff member's /start: set their menu if this process could not yet (at start-up they had
    never started the bot, so Telegram did not know their chat)."""
    if member.user_id not in app.bot_data.get(MENUS_SET, set()):
        await publish_for(app, member.user_id, member)


def staff_help(member: StaffMember, lang: str, bot_username: str | None) -> str:
    """The office's part of /help: one line per command the member may use, and /chatid for groups."""
    _ = translator(lang)
    sep = colon(lang)
    roles = join((Role(r).label(lang) for r in sorted(member.roles)), lang)
    lines = [_("For the office ({roles}):").format(roles=roles)]
    lines += [f"/{c.name}{c.usage}{sep}{_(c.description)}" for c in commands_for(member)]
    chatid = "/chatid" + (f"@{bot_username}" if bot_username else "")
    lines.append(chatid + sep + _("in a group, I tell you privately the group's title and chat id, "
                                  "for the office's configuration file"))  # fmt: skip
    return "\n".join(lines)


def entry_rows(member: StaffMember, _: Translate) -> list[list[tuple[str, OfficeButton]]]:
    """The office's buttons for /start, two a row; each re-checks the role when pressed."""
    return in_rows([(_(c.label), OfficeButton(name=c.name)) for c in commands_for(member)], 2)
