"""python-telegram-bot's persistence, backed by storage.state (encrypted, keyed by hashes).

It lives in bot/ rather than storage/ because it subclasses telegram's BasePersistence, and
storage/ never imports telegram. Only chat data and conversation states are kept: user data,
bot data and callback data are not used.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from bot.services import Services


class EncryptedPersistence(BasePersistence[dict[str, Any], dict[str, Any], dict[str, Any]]):
    def __init__(self, services: Services):
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=True, user_data=False, callback_data=False),
            # Handlers flush after every update (handlers.register); this is only the safety net.
            update_interval=30,
        )
        self.services = services

    async def _state(self):
        await self.services.start()
        return self.services.state

    async def get_chat_data(self) -> dict[int, dict[str, Any]]:
        return await (await self._state()).load_chat_data()

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        await (await self._state()).save_chat_data(chat_id, data)

    async def drop_chat_data(self, chat_id: int) -> None:
        await (await self._state()).drop_chat_data(chat_id)

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, Any]) -> None:
        """Chat data is only written by this process: nothing to refresh."""

    async def get_conversations(self, name: str) -> dict[tuple[int | str, ...], object]:
        return await (await self._state()).load_conversations(name)

    async def update_conversation(self, name: str, key: tuple[int | str, ...], new_state: object | None) -> None:
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
