"""Simulated Telegram users for the console and the tests.

A `Simulation` drives a real Application whose Bot talks to an `InMemoryBotApi`. A `SimUser`
sends text, commands, photos, documents, locations, stickers and voice notes, taps inline
buttons, and reads what the bot answered. Updates are built with `Update.de_json`, so every
shortcut (`update.message.reply_text`, `query.edit_message_text`…) works as in production.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.fakeapi import BOT_USER, ApiCall, InMemoryBotApi
from handlers.context import Context
from handlers.files import settle

#: Telegram's update ids only grow, across restarts of the bot too: one counter for the process.
_UPDATE_IDS = itertools.count(1)


class HandlerRaised(AssertionError):
    """A handler raised while processing a simulated update."""


@dataclass
class Reply:
    """A message the bot sent or edited, as the user sees it."""

    chat_id: int
    message_id: int
    text: str
    buttons: list[list[tuple[str, str]]]  # rows of (label, callback data or url)
    edited: bool = False
    kind: str = "text"

    @property
    def labels(self) -> list[str]:
        return [label for row in self.buttons for label, _ in row]


class Simulation:
    def __init__(self, app: Application, api: InMemoryBotApi, *, raise_errors: bool = True):
        self.app = app
        self.api = api
        self.raise_errors = raise_errors
        #: The errors handlers raised during the latest deliveries (those awaited together, if several).
        self.errors: list[BaseException] = []
        self._raised: list[tuple[object, BaseException]] = []  # (update, error): each delivery raises its own
        self._delivering = 0
        #: False: updates skip the update processor and go straight to Application.process_update, so
        #: two updates of one chat can run at once (as PTB's concurrent_updates=True would run them):
        #: for tests of the races a use case must survive even where the processor prevents them.
        self.ordered = True
        app.add_error_handler(self._collect)

    async def _collect(self, update: object, context: Context) -> None:
        if context.error is not None:
            self.errors.append(context.error)
            self._raised.append((update, context.error))

    def user(
        self, user_id: int, first_name: str = "Test", *, username: str | None = None, language_code: str = "zh-hans"
    ) -> SimUser:
        return SimUser(self, user_id, first_name, username, language_code)

    def group(self, chat_id: int = -1001000000099, title: str = "应急站工作群") -> SimGroup:
        """A Telegram group (a supergroup: ids start with -100) the bot can be added to."""
        return SimGroup(self, chat_id, title)

    def replies_in(self, chat_id: int, since: int = 0) -> list[Reply]:
        """What the bot showed in one chat, from the `since`-th Bot API call on."""
        return [r for r in (to_reply(c) for c in self.api.calls[since:]) if r is not None and r.chat_id == chat_id]

    async def bot_membership(
        self, chat: dict[str, Any], by: SimUser, old: str, new: str, rights: tuple[str, ...] = ()
    ) -> None:
        """The bot's own membership of `chat` changes from status `old` to `new` (a my_chat_member update):
        added to a group ("left" → "member"), removed, blocked by a user in a private chat ("member" → "kicked");
        as an administrator, with the `rights` named (can_post_messages…) and no other."""
        members = []
        for status in (old, new):
            member: dict[str, Any] = {"user": BOT_USER, "status": status}
            if status == "administrator":
                member |= dict.fromkeys(_ADMIN_RIGHTS, False) | {"can_be_edited": False, "is_anonymous": False}
                member |= dict.fromkeys(rights, True)
            elif status == "kicked":
                member["until_date"] = 0
            members.append(member)
        change = {"chat": chat, "from": by.user, "date": int(time.time()), "old_chat_member": members[0],
                  "new_chat_member": members[1]}  # fmt: skip
        await self.deliver({"update_id": self.next_update_id(), "my_chat_member": change})

    async def deliver(self, update: dict[str, Any]) -> None:
        """Process one raw update, exactly as Telegram would deliver it (again, if repeated), through the
        application's update processor as the running bot does (bot.updates: after the chat's earlier
        updates). Deliveries awaited together (`asyncio.gather`) are updates that arrived at once:
        different chats' are handled concurrently, one chat's in the order the deliveries started."""
        if not self._delivering:
            self.errors.clear()
        self._delivering += 1
        parsed = Update.de_json(update, self.app.bot)
        try:
            # Each update in a task of its own, as the running Application handles it: what a handler sets
            # in the update's context (the acting person's keys, core.keys) stays with that update.
            if self.ordered:
                await asyncio.create_task(
                    self.app.update_processor.process_update(parsed, self.app.process_update(parsed))
                )
            else:
                await asyncio.create_task(self.app.process_update(parsed))
            if parsed.effective_chat is not None:  # files received in the background (handlers.files)
                await settle(self.app, parsed.effective_chat.id)
        finally:
            self._delivering -= 1
        mine = [error for raised_by, error in self._raised if raised_by is parsed]
        self._raised = [(raised_by, error) for raised_by, error in self._raised if raised_by is not parsed]
        if self.raise_errors and mine:
            error = mine[0]
            raise HandlerRaised(f"a handler raised {type(error).__name__}: {error}") from error

    def next_update_id(self) -> int:
        return next(_UPDATE_IDS)


class SimUser:
    def __init__(self, sim: Simulation, user_id: int, first_name: str, username: str | None, language_code: str):
        self.sim = sim
        self.api = sim.api
        self.user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": language_code}
        if username:
            self.user["username"] = username
        self.chat = {"id": user_id, "type": "private", "first_name": first_name}
        self.api.register_chat(self.chat)
        self.last_update: dict[str, Any] | None = None

    @property
    def id(self) -> int:
        return self.user["id"]

    # -- sending -------------------------------------------------------------------------------

    def _message(self, **content: Any) -> dict[str, Any]:
        return {
            "message_id": self.api.new_message_id(self.chat["id"]),
            "date": int(time.time()),
            "chat": self.chat,
            "from": self.user,
            **content,
        }

    async def _send(self, update: dict[str, Any]) -> list[Reply]:
        mark = len(self.api.calls)
        self.last_update = update
        await self.sim.deliver(update)
        return self._replies_since(mark)

    async def send_message(self, **content: Any) -> list[Reply]:
        return await self._send({"update_id": self.sim.next_update_id(), "message": self._message(**content)})

    async def send(self, text: str) -> list[Reply]:
        """Text, or a command when it starts with '/'."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split()[0])
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return await self.send_message(**content)

    async def send_photo(self, data: bytes, caption: str | None = None) -> list[Reply]:
        info = self.api.store_file(data)
        sizes = [{**info, "width": 1280, "height": 960}]
        return await self.send_message(photo=sizes, **({"caption": caption} if caption else {}))

    async def send_document(self, data: bytes, file_name: str, mime_type: str = "application/pdf") -> list[Reply]:
        info = self.api.store_file(data)
        return await self.send_message(document={**info, "file_name": file_name, "mime_type": mime_type})

    async def send_video(self, data: bytes) -> list[Reply]:
        info = self.api.store_file(data)
        return await self.send_message(video={**info, "width": 640, "height": 480, "duration": 3})

    async def send_location(self, latitude: float, longitude: float) -> list[Reply]:
        return await self.send_message(location={"latitude": latitude, "longitude": longitude})

    async def send_sticker(self) -> list[Reply]:
        info = self.api.store_file(b"sticker")
        return await self.send_message(
            sticker={**info, "width": 512, "height": 512, "is_animated": False, "is_video": False, "type": "regular"}
        )

    async def send_voice(self, seconds: int = 3) -> list[Reply]:
        info = self.api.store_file(b"OggS" + b"\0" * 100)
        return await self.send_message(voice={**info, "duration": seconds})

    async def redeliver(self) -> list[Reply]:
        """Telegram delivering the last update once more (same update_id)."""
        if self.last_update is None:
            raise LookupError("nothing was sent yet")
        return await self._send(self.last_update)

    # -- buttons -------------------------------------------------------------------------------

    def find_button(self, label_or_data: str) -> tuple[dict[str, Any], str]:
        """The newest bot message in this chat with a button whose label or data matches."""
        for (chat_id, _), message in sorted(self.api.messages.items(), key=lambda kv: -kv[0][1]):
            if chat_id != self.chat["id"]:
                continue
            for row in message.get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    if label_or_data in (button.get("text"), button.get("callback_data")):
                        return message, button["callback_data"]
        raise LookupError(f"no button {label_or_data!r} in this chat")

    async def tap(self, label_or_data: str) -> list[Reply]:
        message, data = self.find_button(label_or_data)
        return await self.press(message, data)

    async def press(self, message: dict[str, Any], data: str) -> list[Reply]:
        """Press a button with any callback data, even one the bot never sent (a forged press)."""
        query = {
            "id": str(self.sim.next_update_id()),
            "from": self.user,
            "chat_instance": "ci",
            "message": message,
            "data": data,
        }
        return await self._send({"update_id": self.sim.next_update_id(), "callback_query": query})

    # -- reading -------------------------------------------------------------------------------

    def _replies_since(self, mark: int) -> list[Reply]:
        return [
            r for r in (to_reply(c) for c in self.api.calls[mark:]) if r is not None and r.chat_id == self.chat["id"]
        ]

    def callback_answers(self) -> list[str]:
        return [c.params.get("text", "") for c in self.api.calls_of("answerCallbackQuery")]


class SimGroup:
    """A group chat: the bot is added to it or removed, and members send it commands."""

    def __init__(self, sim: Simulation, chat_id: int, title: str):
        self.sim = sim
        self.chat = {"id": chat_id, "type": "supergroup", "title": title}
        sim.api.register_chat(self.chat)

    @property
    def id(self) -> int:
        return self.chat["id"]

    async def add_bot(self, by: SimUser, status: str = "member") -> list[Reply]:
        """`by` adds the bot (as a member, or straight away as an administrator). Telegram sends the
        service message and the bot's my_chat_member update; what the bot then said in the group is returned."""
        mark = len(self.sim.api.calls)
        await self.sim.deliver({"update_id": self.sim.next_update_id(),
                                "message": {**self._message(by), "new_chat_members": [BOT_USER]}})  # fmt: skip
        await self.sim.bot_membership(self.chat, by, "left", status)
        return self.sim.replies_in(self.id, mark)

    async def remove_bot(self, by: SimUser) -> list[Reply]:
        mark = len(self.sim.api.calls)
        await self.sim.bot_membership(self.chat, by, "member", "left")
        return self.sim.replies_in(self.id, mark)

    async def become_supergroup(self, new_id: int) -> None:
        """Telegram turns a basic group into a supergroup under a new id: a service message in each."""
        old = dict(self.chat, type="group")
        self.chat = {**self.chat, "id": new_id, "type": "supergroup"}
        self.sim.api.register_chat(self.chat)
        for chat, field, value in ((old, "migrate_to_chat_id", new_id), (self.chat, "migrate_from_chat_id", old["id"])):
            message = {"message_id": self.sim.api.new_message_id(chat["id"]), "date": int(time.time()), "chat": chat,
                       field: value}  # fmt: skip
            await self.sim.deliver({"update_id": self.sim.next_update_id(), "message": message})

    async def send(self, by: SimUser, text: str) -> list[Reply]:
        """`by` writes in the group: text, or a command when it starts with '/'. Replies in the group."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        mark = len(self.sim.api.calls)
        await self.sim.deliver({"update_id": self.sim.next_update_id(), "message": {**self._message(by), **content}})
        return self.sim.replies_in(self.id, mark)

    def _message(self, by: SimUser) -> dict[str, Any]:
        return {"message_id": self.sim.api.new_message_id(self.id), "date": int(time.time()), "chat": self.chat,
                "from": by.user}  # fmt: skip


_ADMIN_RIGHTS = ("can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
                 "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories",
                 "can_edit_stories", "can_delete_stories")  # fmt: skip


def to_reply(call: ApiCall) -> Reply | None:
    """What a user sees of one Bot API call, or None if it shows nothing in a chat."""
    if call.method not in _VISIBLE or not isinstance(call.result, dict):
        return None
    message = call.result
    markup = message.get("reply_markup") or {}
    buttons = [
        [(b["text"], b.get("callback_data") or b.get("url", "")) for b in row]
        for row in markup.get("inline_keyboard", [])
    ]
    return Reply(
        chat_id=message["chat"]["id"],
        message_id=message["message_id"],
        text=message.get("text") or message.get("caption") or "",
        buttons=buttons,
        edited=call.method.startswith("edit"),
        kind=_VISIBLE[call.method],
    )


_VISIBLE = {
    "sendMessage": "text",
    "editMessageText": "text",
    "editMessageReplyMarkup": "text",
    "sendPhoto": "photo",
    "sendDocument": "document",
}


@asynccontextmanager
async def simulation(app: Application, api: InMemoryBotApi, *, raise_errors: bool = True) -> AsyncIterator[Simulation]:
    """Run the Application as production does (initialize, post_init, start) around a Simulation."""
    from bot.app import running

    sim = Simulation(app, api, raise_errors=raise_errors)
    async with running(app):
        yield sim
