"""python-telegram-bot's persistence, backed by storage.state (encrypted, keyed by hashes).

It lives in bot/ rather than storage/ because it subclasses telegram's BasePersistence, and
storage/ never imports telegram. Only chat data and conversation states are kept: user data,
bot data and callback data are not used.

What a reporter leaves at rest is only what a live conversation needs (storage.state): the flow's
state (handlers.state) as JSON, a check's never (only a draft it kept), and the states of checking
a report are held in memory only, like the check's session they serve (handlers.check): no row
says that a chat checked a report. A chat's language is looked up when the chat is
first seen (refresh_chat_data), not loaded for every chat ever seen at start-up.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from bot.services import Services
from handlers.reporter import NAME as REPORTER
from handlers.reporter import transient_states
from handlers.state import restored, stored
from storage.state import LANG


def at_rest(data: dict[str, Any]) -> dict[str, Any]:
    """The chat data as stored: the flow's state as JSON (handlers.state.stored), also when loading
    a row an older Tipline wrote (its shape is read into the new one, and the row rewritten)."""
    return stored(data)


class EncryptedPersistence(BasePersistence[dict[str, Any], dict[str, Any], dict[str, Any]]):
    def __init__(self, services: Services):
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=True, user_data=False, callback_data=False),
            # Handlers flush after every update (handlers.register); this is only the safety net.
            update_interval=30,
        )
        self.services = services
        #: Conversation states never written, by conversation name (see the module's docstring).
        self.transient: dict[str, frozenset[object]] = {REPORTER: transient_states()}

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

    async def get_chat_data(self) -> dict[int, dict[str, Any]]:
        """The live chats only: a chat without a draft or form under way has no row."""
        loaded = await (await self._state()).load_chat_data(self._at_rest)
        return {chat_id: restored(data) for chat_id, data in loaded.items()}

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        await (await self._state()).save_chat_data(chat_id, self._at_rest(data))

    async def drop_chat_data(self, chat_id: int) -> None:
        await (await self._state()).drop_chat_data(chat_id)

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, Any]) -> None:
        """Before a chat's update is handled: its language, if it chose one (kept apart, found by the
        chat's keyed hash). The rest is only written by this process and is in memory already."""
        if LANG not in chat_data and (lang := await (await self._state()).language(chat_id)) is not None:
            chat_data[LANG] = lang

    async def get_conversations(self, name: str) -> dict[tuple[int | str, ...], object]:
        return await (await self._state()).load_conversations(name, self.transient.get(name, frozenset()))

    async def update_conversation(self, name: str, key: tuple[int | str, ...], new_state: object | None) -> None:
        """A transient state is stored as none: the row of the conversation's former state goes."""
        if new_state in self.transient.get(name, ()):
            new_state = None
        await (await self._state()).save_conversation(name, tuple(key), new_state)

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
