"""Groups: the office learns a group's chat id, for the office's TOML file, without a word in the group.

When a staff member adds the bot to a group (or a supergroup), every active admin is told privately
the group's title and chat id and where to put it; when a group becomes a supergroup (so a new id),
its new id. Anyone else adding the bot gets nothing sent to anyone (else anybody could make the
office's bot write to every admin a title of their choosing) and the bot leaves the group: the
office's bot does not sit in strangers' groups, and a staff member can add it again.
A channel works the same way for the office's exposure posts (曝光): made an administrator of one by a
staff member, the bot tells the admins its id for `[exposure] channel_id` (and whether it may post
there yet); by anyone else, it leaves.
A staff member's `/chatid` in a group gets the same privately; if the bot cannot write to them (they
never started it), the group gets the bare id and nothing else, since the id is no secret there and
they asked for it. Anyone else's `/chatid` gets nothing. The log names the event and the group's chat
id only.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from telegram import Chat, ChatMember, ChatMemberUpdated, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from core.roles import Role
from handlers.common import is_private
from handlers.context import Context, language_for
from handlers.i18n import translator

log = logging.getLogger("tipline.groups")

GROUPS = (ChatType.GROUP, ChatType.SUPERGROUP)
PRESENT = (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER, ChatMember.RESTRICTED)


def chat_id_text(chat: Chat, lang: str) -> str:
    _ = translator(lang)
    return _(
        'Group "{title}": chat id {chat_id}\n\n'
        "To send a department's alerts to this group, put the id in the office's configuration file "
        "(TIPLINE_CONFIG) as that department's chat_id, under its [[departments]], or as county_chat_id "
        "for the county government's chat; then restart the bot."
    ).format(title=chat.title or "", chat_id=chat.id)


def channel_text(chat: Chat, can_post: bool, lang: str) -> str:
    """A channel the bot was made an administrator of, for the office's exposure posts (曝光)."""
    _ = translator(lang)
    text = _(
        'Channel "{title}": chat id {chat_id}\n\n'
        "To publish the office's exposure posts (曝光) there, put the id in the office's configuration file "
        "(TIPLINE_CONFIG) as channel_id under [exposure]; then restart the bot."
    ).format(title=chat.title or "", chat_id=chat.id)
    if not can_post:
        text += "\n\n" + _("The bot may not post there yet: give it the rights to post and to delete messages.")
    return text


def migrated_text(old_id: int, chat: Chat, lang: str) -> str:
    _ = translator(lang)
    return _(
        'Group "{title}" became a supergroup: its chat id is now {chat_id} (it was {old_id}). If the '
        "office's configuration file (TIPLINE_CONFIG) names the old id, put the new one in its place and "
        "restart the bot."
    ).format(title=chat.title or "", chat_id=chat.id, old_id=old_id)


async def _tell(context: Context, user_id: int, text: Callable[[str], str]) -> bool:
    """Send `text(language)` to a person privately; False if the bot cannot write to them."""
    try:
        await context.bot.send_message(user_id, text(await language_for(context.application, user_id)))
    except TelegramError as exc:
        log.warning("group chat id not delivered to a staff member: %s", type(exc).__name__)
        return False
    return True


async def _tell_admins(context: Context, text: Callable[[str], str]) -> str:
    admins = await context.services.staff.with_role(Role.ADMIN)
    told = [await _tell(context, admin.user_id, text) for admin in admins]
    return f"{sum(told)} of {len(admins)} admins told"


async def on_my_chat_member(update: Update, context: Context) -> None:
    """The bot's own membership changed; added to a group by staff, every admin hears of it privately."""
    change = update.my_chat_member
    if change.chat.type == ChatType.CHANNEL:
        await _on_channel(context, change)
        return
    if change.chat.type not in GROUPS:
        return  # a private chat: a user blocked or unblocked the bot
    was_in, is_in = change.old_chat_member.status in PRESENT, change.new_chat_member.status in PRESENT
    if was_in and not is_in:
        log.info("bot left group %s", change.chat.id)
    if was_in or not is_in:
        return  # left, or promoted and demoted within the group: nothing new to tell
    adder = change.from_user
    if adder is None or await context.services.staff.get(adder.id) is None:
        await _leave(context, change.chat.id)
        return
    told = await _tell_admins(context, functools.partial(chat_id_text, change.chat))
    log.info("bot added to group %s: %s", change.chat.id, told)


async def _on_channel(context: Context, change: ChatMemberUpdated) -> None:
    """Made an administrator of a channel by a staff member (or given other rights there): the admins are
    told its id, for `[exposure] channel_id`, and whether the bot may post yet. By anyone else: it leaves."""
    member = change.new_chat_member
    if member.status != ChatMember.ADMINISTRATOR:
        return  # removed from the channel (a post then fails and says so)
    adder = change.from_user
    if adder is None or await context.services.staff.get(adder.id) is None:
        await _leave(context, change.chat.id)
        return
    can_post = bool(getattr(member, "can_post_messages", False) and getattr(member, "can_delete_messages", False))
    told = await _tell_admins(context, functools.partial(channel_text, change.chat, can_post))
    log.info("bot made administrator of channel %s: %s", change.chat.id, told)


async def _leave(context: Context, chat_id: int) -> None:
    """Added by someone not on the staff: nobody is told and the bot leaves the group."""
    try:
        await context.bot.leave_chat(chat_id)
    except TelegramError as exc:
        log.warning("bot added to group %s by someone not on the staff: not left: %s", chat_id, type(exc).__name__)
        return
    log.info("bot added to group %s by someone not on the staff: left, nobody told", chat_id)


async def on_migrate(update: Update, context: Context) -> None:
    """A group became a supergroup, under a new chat id: the admins are told, since a department's
    chat_id in the office's file now points nowhere."""
    message = update.effective_message
    if message.migrate_to_chat_id is None:
        return  # the new supergroup's side of the same event
    new = Chat(message.migrate_to_chat_id, ChatType.SUPERGROUP, title=message.chat.title)
    told = await _tell_admins(context, functools.partial(migrated_text, message.chat.id, new))
    log.info("group %s became supergroup %s: %s", message.chat.id, new.id, told)


async def chatid(update: Update, context: Context) -> None:
    """/chatid: in a group, the group's id privately to a staff member; nothing to anyone else."""
    chat, user = update.effective_chat, update.effective_user
    member = await context.services.staff.get(user.id) if user else None
    if is_private(update):
        from handlers.menu import unknown_message  # the menu sits beside this module

        if member is None:
            await unknown_message(update, context)  # as any unknown command: nothing to learn here
            return
        _ = context.tr
        await update.effective_message.reply_text(
            _("Send /chatid in the group whose id you need; I answer you here, privately.")
        )
        return
    if member is None:
        log.info("chatid in group %s by someone not on the staff: ignored", chat.id)
        return
    if await _tell(context, user.id, functools.partial(chat_id_text, chat)):
        log.info("chatid in group %s: told privately", chat.id)
        return
    await update.effective_message.reply_text(str(chat.id))
    log.info("chatid in group %s: answered in the group, the private chat is closed", chat.id)
