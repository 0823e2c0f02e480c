"""python-telegram-bot's persistence, backed by storage.state (encrypted, keyed by hashes).

It lives in bot/ rather than storage/ because it subclasses telegram's BasePersistence, and
storage/ never imports telegram. Only chat data and conversation states are kept: user data,
bot data and callback data are not used.

What a reporter leaves at rest is only what a live conversation needs (storage.state): the flow's
state (handlers.state) as JSON, a check's never (only a draft it kept), and the states of checking
a report are held in memory only, like the check's session they serve (handlers.check): no row
says that a chat checked a report.

On demand: nothing is loaded at start-up (`get_chat_data` is empty); a chat's data is read the first
time this process sees the chat (`refresh_chat_data`: one query by its keyed hash, its data key and
language joined) and never again while it is in memory. If that read fails (the database locked by a
backup), the chat is not `loaded` and its update is put off (handlers._skip_if_seen), never handled
on empty data, which would take the chat's draft for destroyed and end its conversation. Memory holds
live chats only: the write-through (handlers.writethrough) evicts a chat left with nothing, and one
quiet for an hour.

One write transaction per update: `write_update` writes the update's own chat's data (if it changed
since it was loaded or last written), the conversation states this update changed and the update's
id together. "Changed" is a digest of the data as it would be stored, kept per chat in memory: an
update that changed nothing writes no chat row and no data key.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from datetime import date
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from bot.services import Services
from handlers.reporter import NAME as REPORTER
from handlers.reporter import transient_states
from handlers.state import restored, stored
from handlers.writethrough import Change
from storage.state import LANG

log = logging.getLogger("tipline.persistence")


def at_rest(data: dict[str, Any]) -> dict[str, Any]:
    """The chat data as stored: the flow's state as JSON (handlers.state.stored), also when loading
    a row an older Tipline wrote (its shape is read into the new one, and the row rewritten)."""
    return stored(data)


def _digest(kept: dict[str, Any]) -> bytes:
    """What tells whether a chat's data changed since it was stored: a hash of its stored form (a
    language of None, "no choice", is the same as none)."""
    same = {key: value for key, value in kept.items() if not (key == LANG and value is None)}
    return hashlib.blake2b(json.dumps(same, sort_keys=True, ensure_ascii=False).encode(), digest_size=16).digest()


class EncryptedPersistence(BasePersistence[dict[str, Any], dict[str, Any], dict[str, Any]]):
    def __init__(self, services: Services):
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=True, user_data=False, callback_data=False),
            # Each update writes its own chat through (handlers.writethrough); this is only the safety
            # net for data changed outside an update, and writes nothing that is stored already.
            update_interval=30,
        )
        self.services = services
        #: Conversation states never written, by conversation name (see the module's docstring).
        self.transient: dict[str, frozenset[object]] = {REPORTER: transient_states()}
        #: The chats loaded in this process: the digest of what is stored for each.
        self._stored: dict[int, bytes] = {}
        #: When each loaded chat was last seen by an update (`clock`), for evicting quiet ones.
        self._seen: dict[int, float] = {}
        self.clock: Callable[[], float] = time.monotonic
        #: Whether a chat's update is being processed or its file is being received (build_application
        #: sets it: the update processor's lock per chat, handlers.files' background tasks); meanwhile
        #: the safety net, the quiet sweep and housekeeping leave that chat to its own update.
        self.busy: Callable[[int], bool] = lambda chat_id: False
        #: The chat's turn outside an update (bot.updates.ChatOrderedProcessor.turn): housekeeping
        #: writes a chat not loaded here under it, so no update loads the chat in between.
        self.turn: Callable[[int], AbstractAsyncContextManager[object]] = lambda chat_id: nullcontext()

    async def _state(self):
        await self.services.start()
        return self.services.state

    def _at_rest(self, data: dict[str, Any]) -> dict[str, Any]:
        """`at_rest`, and the office's own language is no choice to keep: no row says this chat used
        the bot only because it tapped the language it would have had anyway."""
        kept = at_rest(data)
        if kept.get(LANG) == self.services.language:
            kept[LANG] = None
        return kept

    # -- chat data -----------------------------------------------------------------------------

    async def get_chat_data(self) -> dict[int, dict[str, Any]]:
        """Nothing at start-up: each chat is loaded when first seen (refresh_chat_data)."""
        return {}

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, Any]) -> None:
        """Before a chat's update is handled: its data and language, the first time this process sees
        it (or again after it was evicted); a chat in memory already is not read again."""
        if chat_id in self._stored:
            self._seen[chat_id] = self.clock()
            return
        try:
            on_disk = await (await self._state()).load_chat(chat_id)
        except sqlite3.Error as exc:  # "database is locked" by a backup, say: the update is put off
            log.warning("a chat's data could not be loaded (%s): its update is put off", type(exc).__name__)
            return  # not loaded: handlers._skip_if_seen tells the person to try again and stops the update
        if chat_id in self._stored:  # loaded meanwhile by another of its updates
            return
        self._seen[chat_id] = self.clock()
        chat_data.update({key: value for key, value in restored(at_rest(on_disk)).items() if key not in chat_data})
        self._stored[chat_id] = _digest(on_disk)  # an older shape differs: the next write rewrites it

    def loaded(self, chat_id: int) -> bool:
        """Whether the chat's data is in memory as stored: false for a chat whose load failed, whose
        update must then not run on empty data (it would take the draft for gone and end it)."""
        return chat_id in self._stored

    def unchanged(self, chat_id: int, data: dict[str, Any]) -> bool:
        """Whether nothing in `data` is unsaved: the chat is loaded and all of it is stored already, or it
        is not loaded and `data` is empty (the copy python-telegram-bot made for an update put off)."""
        if chat_id not in self._stored:
            return not data
        return self._stored[chat_id] == _digest(self._at_rest(data))

    async def write_update(
        self,
        chat_id: int | None,
        data: dict[str, Any] | None,
        conversations: Sequence[Change] = (),
        update_id: int | None = None,
        today: date | None = None,
    ) -> bool:
        """One transaction for what one update changed: the chat's data (only if it is loaded in this
        process: a copy made after it was evicted is not what was stored, and only if it changed),
        the conversation states given and the update's id. No transaction if there is nothing to
        write. True if one was made."""
        kept = self._to_write(chat_id, data)
        changes = [(name, key, self._kept_state(name, state)) for name, key, state in conversations]
        if kept is None and not changes and update_id is None:
            return False
        state = await self._state()
        async with state.db.unit_of_work(state=state, updates=self.services.updates) as uow:
            if kept is not None:
                await uow.state.write_chat(chat_id, kept)
            for name, key, new_state in changes:
                await uow.state.write_conversation(name, tuple(key), new_state)
            if update_id is not None:
                await uow.updates.record(update_id, today)
        if kept is not None and chat_id in self._stored:
            self._stored[chat_id] = _digest(kept)
        return True

    def _to_write(self, chat_id: int | None, data: dict[str, Any] | None) -> dict[str, Any] | None:
        """The chat's data as it will be stored, taken now (before any await: what the update left),
        or None if there is nothing to write."""
        if chat_id is None or data is None:
            return None
        if chat_id not in self._stored:
            if data:  # an empty copy is a chat whose load failed (its update was put off): nothing to lose
                log.warning("a chat's data was not written: it was evicted while its update ran")
            return None
        kept = self._at_rest(data)
        return None if self._stored[chat_id] == _digest(kept) else kept

    def _kept_state(self, name: str, new_state: object | None) -> object | None:
        """A transient state is stored as none: the row of the conversation's former state goes."""
        return None if new_state in self.transient.get(name, ()) else new_state

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        """python-telegram-bot's own flush (every update_interval, at stop, or called by a handler
        mid-update): a loaded chat whose data changed, in a transaction of its own. Not a chat another
        update is busy with (its own write-through writes it whole), nor one not loaded here."""
        if not self.busy(chat_id):
            await self.write_update(chat_id, data)

    async def drop_chat_data(self, chat_id: int) -> None:
        self.forget(chat_id)
        await (await self._state()).drop_chat_data(chat_id)

    def forget(self, chat_id: int) -> None:
        """The chat left memory (handlers.writethrough): its next update loads it again."""
        self._stored.pop(chat_id, None)
        self._seen.pop(chat_id, None)

    def quiet(self, seconds: float) -> list[int]:
        """The loaded chats no update has seen for `seconds`, and none is busy with."""
        before = self.clock() - seconds
        return [chat_id for chat_id, seen in self._seen.items() if seen < before and not self.busy(chat_id)]

    async def stored_chats(self) -> dict[int, tuple[dict[str, Any], bool]]:
        """Every chat with a row that is not loaded in this process, as restored, and whether its row is
        of an older shape, to rewrite (housekeeping: the drafts of chats not seen since start-up). Read
        only: a chat is written under its turn (`read_stored`, `write_stored`)."""
        result = {}
        for chat_id, data in (await (await self._state()).load_chat_data()).items():
            if chat_id not in self._stored:
                result[chat_id] = self._restored(data)
        return result

    async def read_stored(self, chat_id: int) -> tuple[dict[str, Any], bool] | None:
        """A chat not loaded in this process, read now (housekeeping, under the chat's `turn`): its data
        as restored and whether its row is of an older shape (to rewrite); None if it is loaded here."""
        if chat_id in self._stored:
            return None
        return self._restored(await (await self._state()).load_chat(chat_id))

    def _restored(self, on_disk: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        chat = restored(self._at_rest(on_disk))
        return chat, _digest(self._at_rest(chat)) != _digest(on_disk)

    async def write_stored(self, chat_id: int, data: dict[str, Any], conversations: Sequence[Change] = ()) -> bool:
        """Write the data of a chat not loaded in this process and its conversations' states, in one
        transaction (housekeeping, under the chat's `turn`); False, writing nothing, if the chat is
        loaded (its memory is what counts), checked again once the transaction is open."""
        if chat_id in self._stored:
            return False
        state = await self._state()
        async with state.db.unit_of_work(state=state) as uow:
            if chat_id in self._stored:
                return False
            await uow.state.write_chat(chat_id, self._at_rest(data))
            for name, key, new_state in conversations:
                await uow.state.write_conversation(name, tuple(key), self._kept_state(name, new_state))
        return True

    # -- conversations -------------------------------------------------------------------------

    async def get_conversations(self, name: str) -> dict[tuple[int | str, ...], object]:
        """The live conversations' states (a conversation that ended has no row)."""
        return await (await self._state()).load_conversations(name, self.transient.get(name, frozenset()))

    async def update_conversation(self, name: str, key: tuple[int | str, ...], new_state: object | None) -> None:
        """python-telegram-bot's own flush: one conversation state, in a transaction of its own."""
        await self.write_update(None, None, [(name, tuple(key), new_state)])

    # Not stored: user data, bot data, callback data (see PersistenceInput above).
    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        return {}

    async def get_bot_data(self) -> dict[str, Any]:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        """Not stored."""

    async def update_bot_data(self, data: dict[str, Any]) -> None:
        """Not stored."""

    async def update_callback_data(self, data: Any) -> None:
        """Not stored."""

    async def drop_user_data(self, user_id: int) -> None:
        """Not stored."""

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        """Not stored."""

    async def refresh_bot_data(self, bot_data: dict[str, Any]) -> None:
        """Not stored."""

    async def flush(self) -> None:
        """Every write is committed when made: nothing is buffered."""
