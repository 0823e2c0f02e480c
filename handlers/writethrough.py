"""Each update's own chat written through at its end, in one transaction; memory holds live chats only.

`write_through` runs after every update (handlers.PERSIST_GROUP, and the gates that stop an update
early): the chat's data if it changed, the conversation states this update changed and the update's
id, in one transaction of the persistence (bot.persistence `write_update`), so a crash loses nothing
the user was told was kept and a redelivered update is skipped. Only this chat: another chat's update
may be half-way (and, with updates handled concurrently, is), so python-telegram-bot's
`Application.update_persistence`, which writes every chat it has marked, is not called here.

An update that changed nothing still writes its id (one small transaction, no chat row, no data key):
whether it changed something elsewhere (a case action, a notice queued, an audit row) or sent a
message is not known here, and a redelivery would do that again.

Eviction: a chat left holding nothing (or only its language, which is stored apart) leaves memory at
the end of its update; a chat no update has seen for QUIET leaves it at the quiet sweep
(`evict_quiet`, a periodic job and housekeeping). Its next update loads it again.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta
from typing import Any, Protocol

from telegram import Update
from telegram.ext import Application
from telegram.ext._handlers.conversationhandler import PendingState
from telegram.ext._utils.trackingdict import TrackingDict

from handlers.context import Context
from storage.state import LANG

log = logging.getLogger("tipline.updates")
#: A chat with data no update has touched for this long leaves memory (its row stays).
QUIET = timedelta(hours=1)
#: A conversation state to write: (conversation name, key, new state or None for ended).
Change = tuple[str, tuple[int | str, ...], object | None]


class ChatStore(Protocol):
    """What this module needs of the application's persistence (bot.persistence.EncryptedPersistence)."""

    async def write_update(
        self,
        chat_id: int | None,
        data: dict[str, Any] | None,
        conversations: list[Change] = ...,
        update_id: int | None = None,
        today: date | None = None,
    ) -> bool: ...

    def unchanged(self, chat_id: int, data: dict[str, Any]) -> bool: ...

    def loaded(self, chat_id: int) -> bool: ...

    async def write_stored(self, chat_id: int, data: dict[str, Any], conversations: list[Change] = ...) -> bool: ...

    def busy(self, chat_id: int) -> bool: ...

    def forget(self, chat_id: int) -> None: ...

    def quiet(self, seconds: float) -> list[int]: ...


def store_of(app: Application) -> ChatStore:
    return app.persistence  # type: ignore[return-value]


async def write_through(update: Update, context: Context) -> None:
    """The update's chat, its conversation states and its id, in one transaction (see the module)."""
    chat = update.effective_chat
    await save_chat(context.application, chat.id if chat else None, update.update_id, context.today)


async def save_chat(app: Application, chat_id: int | None, update_id: int | None = None, today: date | None = None):
    """Write one chat's data and pending conversation states now (with `update_id`, if given), in one
    transaction, nothing of any other chat: also what a handler calls mid-update to keep something
    safe before it goes on (a receipt code before its tip is committed), and a background task."""
    data = app.chat_data.get(chat_id) if chat_id is not None else None
    changes = pending_conversations(app, chat_id) if chat_id is not None else []
    try:
        await store_of(app).write_update(chat_id, data, changes, update_id, today)
    except BaseException:
        _mark_pending(app, changes)  # the chat's next write-through writes them
        raise
    if chat_id is not None and update_id is not None and not holds_something(data):
        evict_after_update(app, chat_id)


async def save_stored(app: Application, chat_id: int, data: dict[str, Any]) -> bool:
    """Housekeeping, under the chat's turn: the data of a chat not loaded in memory and its pending
    conversation states (one it ended), in one transaction; False if the chat is loaded after all."""
    changes = pending_conversations(app, chat_id)
    written = False
    try:
        written = await store_of(app).write_stored(chat_id, data, changes)
    finally:
        if not written:
            _mark_pending(app, changes)
    return written


def _mark_pending(app: Application, changes: list[Change]) -> None:
    """Conversation states taken for a write that failed (a locked database, a full disk) are pending
    again, so the next write of their chat writes them rather than leaving their rows as they were."""
    for name, key, _state in changes:
        app._conversation_handler_conversations[name].mark_as_accessed(key)


def end_conversations(app: Application, chat_id: int) -> None:
    """End the chat's conversations in memory, as its handler returning END would (housekeeping, once it
    destroyed what the chat's flow held): the chat's next write (`save_chat`, `save_stored`) deletes
    their rows in the same transaction as its data. Keys of a per-chat conversation start with the
    chat's id (`pending_conversations`)."""
    for states in app._conversation_handler_conversations.values():
        for key in [key for key in states if key and key[0] == chat_id]:
            del states[key]  # a TrackingDict: the deletion is pending for the next write


def evict_after_update(app: Application, chat_id: int) -> None:
    """Evict the chat if it holds nothing once the current update is done: python-telegram-bot marks the
    chat for its own flush once the last group returned, with no await in between; a callback scheduled
    now runs after that."""
    asyncio.get_running_loop().call_soon(_evict, app, chat_id, True)


def holds_something(data: dict[str, Any] | None) -> bool:
    """Whether chat data holds more than the chat's language (stored apart, read back on load)."""
    return bool(data and data.keys() - {LANG})


def pending_conversations(app: Application, chat_id: int) -> list[Change]:
    """The conversation states of `chat_id` changed since they were last written, taken (the others'
    stay pending for their own chat's write-through).

    python-telegram-bot 22 has no public way to read these: each persistent ConversationHandler's
    states are a TrackingDict in `Application._conversation_handler_conversations` (by name), whose
    written keys `Application.update_persistence` pops. Same here, for one chat: keys of a per-chat
    conversation start with the chat's id (handlers.conversation builds them all per chat). A state
    whose non-blocking handler is still running (PendingState) is written as its old state and stays
    pending, as python-telegram-bot does. tests/test_writethrough.py fails if any of this changes."""
    changes: list[Change] = []
    for name, states in app._conversation_handler_conversations.items():
        for key in states.pop_accessed_keys():
            if not key or key[0] != chat_id:
                states.mark_as_accessed(key)
                continue
            new_state = states.get(key, TrackingDict.DELETED)
            if isinstance(new_state, PendingState):
                if new_state.done():
                    new_state = new_state.resolve()
                else:
                    states.mark_as_accessed(key)
                    new_state = new_state.old_state
            changes.append((name, key, None if new_state is TrackingDict.DELETED else new_state))
    return changes


def evict_empty(app: Application, chat_id: int) -> bool:
    """Evict the chat now if it holds nothing and no update is busy with it (housekeeping, once swept)."""
    return _evict(app, chat_id, only_if_empty=True)


def evict_quiet(app: Application) -> int:
    """Evict the chats no update has seen for QUIET (their data is stored); returns how many."""
    quiet = store_of(app).quiet(QUIET.total_seconds())
    return sum(_evict(app, chat_id, only_if_empty=False) for chat_id in quiet)


async def evict_quiet_job(context: Context) -> None:
    if evicted := evict_quiet(context.application):
        log.info("%d quiet chats left memory", evicted)


def _evict(app: Application, chat_id: int, only_if_empty: bool) -> bool:
    """Take a chat out of memory if nothing of it is unsaved and no update is busy with it."""
    store = store_of(app)
    data = app.chat_data.get(chat_id)
    if data is None:
        store.forget(chat_id)
        return False
    if store.busy(chat_id) or (only_if_empty and holds_something(data)) or not store.unchanged(chat_id, data):
        return False
    _drop_from_memory(app, chat_id)
    store.forget(chat_id)
    return True


def _drop_from_memory(app: Application, chat_id: int) -> None:
    """Not `Application.drop_chat_data`: that also has the persistence drop the chat, which would
    delete its stored row and its language. Only memory is emptied here: python-telegram-bot's mapping
    (read-only as `app.chat_data`) and its mark for the next flush, which would otherwise make the
    chat again (a defaultdict) to read its data. Private attributes of PTB 22: see
    tests/test_writethrough.py."""
    app._chat_data.pop(chat_id, None)
    app._chat_ids_to_be_updated_in_persistence.discard(chat_id)
