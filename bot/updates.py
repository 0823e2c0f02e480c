"""Updates of different chats handled at once, each chat's in the order Telegram sent them.

PTB's `concurrent_updates=True` runs every update as soon as it arrives: two updates of one chat
(a double tap, a photo and its caption, a reporter typing fast) would run side by side, and
ConversationHandler, chat data and the per-update write-through all assume one at a time per chat.
`ChatOrderedProcessor` keeps a lock per chat: an update waits for the chat's previous one, then for
one of `MAX_CONCURRENT_UPDATES` slots, so a heavy update (a receipt's scrypt, /monthly) no longer
holds up the other chats, and a chat sending many updates at once takes one slot, not all of them.

The key is the update's chat; an update without a chat (an inline query, a poll answer) goes by its
user, whose private chat has the same id; anything else shares one key. Conversation keys are
(chat, user) (handlers.conversation: PTB's per_chat and per_user), so the chat's lock orders them
too, and in a group, where several people share one chat, the group's updates are handled one by one.
A chat's lock is dropped once no update of the chat runs or waits: the table holds busy chats only,
and `busy(chat_id)` tells the housekeeping not to touch a chat's data while an update is on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Hashable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

#: Updates handled at once, all chats together: enough to overlap one chat's scrypt or fsync with
#: others' work; each holds its chat data and a database read or write, so not unbounded.
MAX_CONCURRENT_UPDATES = 32
#: The key of updates that name neither a chat nor a user: handled one after the other.
_NO_CHAT = "no chat"


def chat_key(update: object) -> Hashable:
    """The chat an update belongs to: its chat's id, else its user's (that user's private chat)."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return _NO_CHAT


class _Turns:
    """A chat's lock and how many of its updates hold it or wait for it."""

    __slots__ = ("lock", "waiting")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()  # FIFO: the chat's updates run in the order they came
        self.waiting = 0


class ChatOrderedProcessor(BaseUpdateProcessor):
    """A lock per chat, then one of `max_concurrent_updates` slots (the base class's semaphore)."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES):
        super().__init__(max_concurrent_updates)
        self._chats: dict[Hashable, _Turns] = {}

    def busy(self, chat_id: int) -> bool:
        """Whether an update of this chat is being handled or waits: its chat data is in use."""
        return chat_id in self._chats

    def turn(self, chat_id: int) -> AbstractAsyncContextManager[None]:
        """The chat's turn outside an update (housekeeping writing a chat not loaded in memory): no
        update of the chat runs meanwhile, and one that comes waits, as for the chat's previous update."""
        return self._turn(chat_id)

    @property
    def busy_chats(self) -> int:
        """How many chats have an update being handled or waiting."""
        return len(self._chats)

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:  # final for type checkers
        """The base class takes a slot before `do_process_update`: an update waiting for its chat would
        hold one, and a chat sending 32 updates at once would stop every other chat. The chat's turn
        comes first here, then the slot (`do_process_update`)."""
        await self.do_process_update(update, coroutine)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        started = False
        try:
            async with self._turn(chat_key(update)), self._semaphore:
                started = True
                await coroutine
        finally:
            if not started and asyncio.iscoroutine(coroutine):  # cancelled while waiting (shutdown)
                coroutine.close()

    @asynccontextmanager
    async def _turn(self, key: Hashable) -> AsyncIterator[None]:
        turns = self._chats.get(key)
        if turns is None:
            turns = self._chats[key] = _Turns()
        turns.waiting += 1
        try:
            async with turns.lock:
                yield
        finally:
            turns.waiting -= 1
            if turns.waiting == 0:
                del self._chats[key]

    async def initialize(self) -> None:
        """Nothing to set up: locks are made as chats come."""

    async def shutdown(self) -> None:
        """Nothing to free: a chat's lock goes with its last update."""
