"""Every staff command and button checks the role of the person using it, and works in a private chat only.

A stranger is told only that it is for the office's staff. A staff member without the role is told
which role it is for (and an admin, how that role is given), so the reason is never a wrong one.

Private chats only: `private_chats_only` runs ahead of every handler (handlers.register gives it a
group of its own) and stops every update from a group, supergroup or channel, except the bot's own
membership, service messages (a group's migration) and the commands of `GROUP_COMMANDS`. A command the
bot answers gets one line in the group ("please use this in your private chat"), a button press the
same line as an alert to the presser only, anything else silence. So no staff panel, code, name list or
figure can be shown in a group, and a handler added later is covered without a check of its own."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Iterable

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, BaseHandler, CommandHandler, ConversationHandler, filters

from core.roles import Role, StaffMember
from handlers.context import Context
from handlers.i18n import join
from handlers.writethrough import write_through

log = logging.getLogger("tipline.access")

#: Telegram shows at most 200 characters in a button's alert; a longer refusal is a message.
_ALERT_MAX = 200
StaffHandler = Callable[[Update, Context, StaffMember], Awaitable[object]]
#: The only commands that do something in a group: /chatid (the group's id, told privately).
GROUP_COMMANDS = frozenset({"chatid"})
#: Commands that carry a one-time code: sent in a group, the code is cancelled.
CODE_COMMANDS = frozenset({"join", "register"})


async def _revoke_shown_code(update: Update, context: Context, code: str) -> None:
    """A one-time code sent in a group is known to the group: it is cancelled (audited), never used."""
    revoked = await context.services.people.revoke(code, context.now)
    _ = context.tr
    text = private_only_text(context)
    if revoked:
        log.info("an invite code sent in a group was cancelled")
        text = _(
            "This code was sent in a group, so it is cancelled: ask for a new one, and send it in your private "
            "chat with the bot."
        )
    await update.effective_message.reply_text(text)


def private_only_text(context: Context) -> str:
    _ = context.tr
    return _("Please use this in your private chat with the bot.")


def handler_commands(handlers: Iterable[BaseHandler]) -> set[str]:
    """Every command these handlers answer, conversations' entry points, states and fallbacks included."""
    found: set[str] = set()
    for handler in handlers:
        if isinstance(handler, CommandHandler):
            found |= set(handler.commands)
        elif isinstance(handler, ConversationHandler):
            states = [h for state in handler.states.values() for h in state]
            found |= handler_commands([*handler.entry_points, *states, *handler.fallbacks])
    return found


def _registered_commands(context: Context) -> set[str]:
    return handler_commands(h for group in context.application.handlers.values() for h in group)


def _command_for_us(update: Update, context: Context) -> str | None:
    """The command of a message, if it is one addressed to this bot (/staff, /staff@this_bot)."""
    if not filters.COMMAND.check_update(update):
        return None
    name, _at, bot = update.effective_message.text.split()[0][1:].partition("@")
    if bot and bot.lower() != (context.bot.username or "").lower():
        return None  # another bot's command
    return name.lower()


async def private_chats_only(update: Update, context: Context) -> None:
    """Ahead of every handler: outside private chats, only GROUP_COMMANDS, the bot's membership and
    service messages go on; a known command gets one line, a button an alert, the rest silence."""
    chat, query = update.effective_chat, update.callback_query
    if (chat is not None and chat.type == ChatType.PRIVATE) or update.my_chat_member is not None:
        return
    if chat is None and query is None:
        return  # no chat and no button (an inline query): nothing is shown anywhere
    if query is None and filters.StatusUpdate.ALL.check_update(update):
        return  # a group's migration, members joining: no one's input
    command = _command_for_us(update, context)
    if command in GROUP_COMMANDS:
        return
    if query is not None:
        log.info("button pressed outside a private chat: refused")
        try:
            await query.answer(private_only_text(context), show_alert=True)
        except TelegramError as exc:
            log.warning("refusal of a group press not shown: %s", type(exc).__name__)
    elif command in CODE_COMMANDS and len(words := (update.effective_message.text or "").split()) == 2:
        await _revoke_shown_code(update, context, words[1])
    elif command is not None and command in _registered_commands(context):
        log.info("command /%s sent outside a private chat: refused", command)
        await update.effective_message.reply_text(private_only_text(context))
    await write_through(update, context)  # handled, in one transaction: a repeat is skipped
    raise ApplicationHandlerStop


async def refuse(update: Update, context: Context, text: str | None = None) -> None:
    """Nothing changes; the person is told plainly (by default, without hints of what the button would do)."""
    _ = context.tr
    text = text or _("This is for the office's staff only.")
    query = update.callback_query
    if query:
        try:
            if len(text) <= _ALERT_MAX:
                await query.answer(text, show_alert=True)
                return
            await query.answer()
        except TelegramError:  # answered already (a button handler answers first): say it in the chat
            log.info("refusal shown as a message: the button was answered already")
    if update.effective_message:
        await update.effective_message.reply_text(text)


def _command(update: Update) -> str | None:
    """The command typed (/rewards), without a bot's @name; None for a button."""
    message = update.message
    if update.callback_query or message is None or not (message.text or "").startswith("/"):
        return None
    return message.text.split()[0].split("@")[0]


def role_refusal(update: Update, context: Context, member: StaffMember, roles: tuple[Role, ...]) -> str:
    """Why a staff member may not use this: the roles it is for; for an admin, how to give one."""
    _ = context.tr
    lang = context.lang
    names = join((Role(r).label(lang) for r in roles), lang)
    command = _command(update)
    if command:
        text = _("{command} is for: {roles}.").format(command=command, roles=names)
    else:
        text = _("This is for: {roles}.").format(roles=names)
    if member.has(Role.ADMIN):
        text += "\n" + _(
            "To give a role (to yourself too): /staff → “Invite a staff member” → {role}; the person sends "
            "/join with the code. Or on the server: python -m bot staff add USER_ID --role {code}"
        ).format(role=Role(roles[0]).label(lang), code=roles[0].value)
    return text


async def refuse_tip(update: Update, context: Context, member: StaffMember | None) -> None:
    """A staff member pressing an action on a tip they may not work: auditors only read; others' tips
    are their department's, intake's and the admin's."""
    _ = context.tr
    if member is None:
        await refuse(update, context)
    elif member.has(Role.AUDITOR) and not member.has(Role.ADMIN, Role.INTAKE, Role.DEPARTMENT):
        await refuse(update, context, _("Auditors read the reports; they do not act on them."))
    else:
        await refuse(
            update, context, _("This report is another department's: its department, intake and the admin work it.")
        )


def staff_only(*roles: Role) -> Callable[[StaffHandler], Callable[[Update, Context], Awaitable[object]]]:
    """Run the handler with the StaffMember pressing, if they hold one of `roles` (any role if none given)."""

    def wrap(handler: StaffHandler) -> Callable[[Update, Context], Awaitable[object]]:
        @functools.wraps(handler)
        async def guarded(update: Update, context: Context) -> object:
            user = update.effective_user
            member = await context.services.staff.get(user.id) if user else None
            if member is None:
                log.info("refused %s to a user who is not staff", handler.__name__)
                await refuse(update, context)
                return None
            if roles and not member.has(*roles):
                log.info("refused %s to a staff member without the role", handler.__name__)
                await refuse(update, context, role_refusal(update, context, member, roles))
                return None
            return await handler(update, context, member)

        return guarded

    return wrap
