"""Per-chat data and conversation states, stored so that no row shows which account used the bot.

A chat is found by a keyed hash of its id; the id itself, the data and the conversation state are
sealed under a session data key of the row. Values must be JSON: no pickles are ever loaded.

Only live conversations are kept: a chat's row exists while its data holds something (a draft, a
form) and is deleted, with its data key, once it holds nothing. The language a chat chose is kept
apart (chat_language: the hash and the language, no date, no data key, no row id), so that a chat
that filed a tip and left is, at rest, at most "a chat that chose English", never "the chat of tip X".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from core import crypto
from storage.db import Database
from storage.vault import Vault

_PURPOSE = crypto.SESSION
_CHAT = ("chat_state", "chat_hash = ?")
_CONVERSATION = ("conversation_state", "name = ? AND key_hash = ?")
#: The key of chat data kept in chat_language rather than in the chat's sealed row; None there
#: means "no choice to keep" (the office's own language) and deletes any row kept before.
LANG = "lang"
AtRest = Callable[[dict[str, Any]], dict[str, Any]]


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


class StateRepository:
    def __init__(self, db: Database, vault: Vault):
        self.db = db
        self.vault = vault

    # -- shared row handling -------------------------------------------------------------------

    @staticmethod
    async def _dek_id(conn: aiosqlite.Connection, where: tuple[str, str], params: tuple[Any, ...]) -> int | None:
        table, condition = where
        async with conn.execute(f"SELECT dek_id FROM {table} WHERE {condition}", params) as cur:  # noqa: S608 - constants
            row = await cur.fetchone()
        return None if row is None else int(row[0])

    async def _fresh_key(
        self, conn: aiosqlite.Connection, where: tuple[str, str], params: tuple[Any, ...]
    ) -> tuple[int, bytes, int | None]:
        """A new data key for the row's next version, and the old key's id, to shred once replaced.

        Every save seals under a new key and shreds the previous one, so an old copy of the row
        (in the WAL, or a backup) cannot be opened even with today's key ring.
        """
        old = await self._dek_id(conn, where, params)
        dek_id, dek = await self.vault.new_key(conn, _PURPOSE)
        return dek_id, dek, old

    async def _delete(self, where: tuple[str, str], params: tuple[Any, ...]) -> None:
        """Delete the row and shred its data key, so nothing of it can be read again."""
        table, condition = where
        async with self.db.transaction() as conn:
            dek_id = await self._dek_id(conn, where, params)
            if dek_id is not None:
                await conn.execute(f"DELETE FROM {table} WHERE {condition}", params)  # noqa: S608 - constants
                await self.vault.shred(conn, dek_id)

    async def _open(self, dek_id: int, table: str, row_hash: bytes, sealed: dict[str, bytes]) -> dict[str, Any]:
        dek = await self.vault.key(self.db.conn, dek_id, _PURPOSE)
        return {
            field: json.loads(crypto.open_sealed(dek, blob, crypto.field_aad(table, row_hash, field)))
            for field, blob in sealed.items()
        }

    @staticmethod
    def _seal(dek: bytes, table: str, row_hash: bytes, field: str, value: Any) -> bytes:
        return crypto.seal(dek, _dumps(value), crypto.field_aad(table, row_hash, field))

    # -- chat data ---------------------------------------------------------------------------

    def _chat_hash(self, chat_id: int) -> bytes:
        return self.vault.ring.lookup_hash("chat", chat_id)

    async def load_chat_data(self, at_rest: AtRest = dict) -> dict[int, dict[str, Any]]:
        """The live chats' data (with their language). A row that holds nothing once `at_rest` has
        dropped what must not stay (an install from before chat_language: a flow marker, a language
        alone) is cleaned here, once: its language moves to chat_language and the row goes."""
        result: dict[int, dict[str, Any]] = {}
        stale: list[tuple[int, dict[str, Any]]] = []
        for chat_hash, dek_id, chat_id, data, lang in await self.db.fetchall(
            "SELECT s.chat_hash, s.dek_id, s.chat_id, s.data, l.lang FROM chat_state s"
            " LEFT JOIN chat_language l ON l.chat_hash = s.chat_hash"
        ):
            row = await self._open(dek_id, "chat_state", chat_hash, {"chat_id": chat_id, "data": data})
            stored, kept = row["data"], at_rest(row["data"])
            if lang is not None:
                kept.setdefault(LANG, lang)
            if LANG in stored or kept.keys() - {LANG} != stored.keys():
                stale.append((int(row["chat_id"]), kept))
            if kept.keys() - {LANG}:
                result[int(row["chat_id"])] = {k: v for k, v in kept.items() if v is not None or k != LANG}
        if stale:
            async with self.db.transaction() as conn:
                for chat_id, kept in stale:
                    await self._write_chat(conn, chat_id, kept)
        return result

    async def language(self, chat_id: int) -> str | None:
        """The language the chat chose, if it chose one."""
        row = await self.db.fetchone("SELECT lang FROM chat_language WHERE chat_hash = ?", (self._chat_hash(chat_id),))
        return None if row is None else str(row[0])

    async def save_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        """Store the chat's data: its language apart, the rest sealed in its row; a chat whose data
        holds nothing else has no row (it is deleted, its data key shredded)."""
        chat_hash = self._chat_hash(chat_id)
        if not (data.keys() - {LANG}):
            row = await self.db.fetchone(
                "SELECT (SELECT 1 FROM chat_state WHERE chat_hash = ?), (SELECT lang FROM chat_language"
                " WHERE chat_hash = ?)",
                (chat_hash, chat_hash),
            )
            if row[0] is None and row[1] == data.get(LANG):
                return  # nothing stored, nothing to store: no write at all
        async with self.db.transaction() as conn:
            await self._write_chat(conn, chat_id, data)

    async def _write_chat(self, conn: aiosqlite.Connection, chat_id: int, data: dict[str, Any]) -> None:
        chat_hash = self._chat_hash(chat_id)
        if data.get(LANG) is not None:
            await conn.execute(
                "INSERT INTO chat_language (chat_hash, lang) VALUES (?, ?)"
                " ON CONFLICT (chat_hash) DO UPDATE SET lang = excluded.lang WHERE lang <> excluded.lang",
                (chat_hash, data[LANG]),
            )
        elif LANG in data:
            await conn.execute("DELETE FROM chat_language WHERE chat_hash = ?", (chat_hash,))
        rest = {key: value for key, value in data.items() if key != LANG}
        if not rest:
            old = await self._dek_id(conn, _CHAT, (chat_hash,))
            if old is not None:
                await conn.execute("DELETE FROM chat_state WHERE chat_hash = ?", (chat_hash,))
                await self.vault.shred(conn, old)
            return
        dek_id, dek, old = await self._fresh_key(conn, _CHAT, (chat_hash,))
        await conn.execute(
            "INSERT INTO chat_state (chat_hash, dek_id, chat_id, data, updated_on) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (chat_hash) DO UPDATE SET dek_id = excluded.dek_id, chat_id = excluded.chat_id,"
            " data = excluded.data, updated_on = excluded.updated_on",
            (
                chat_hash,
                dek_id,
                self._seal(dek, "chat_state", chat_hash, "chat_id", chat_id),
                self._seal(dek, "chat_state", chat_hash, "data", rest),
                _today(),
            ),
        )
        if old is not None:
            await self.vault.shred(conn, old)

    async def drop_chat_data(self, chat_id: int) -> None:
        """Forget the chat: its row, its data key and its language."""
        chat_hash = self._chat_hash(chat_id)
        await self._delete(_CHAT, (chat_hash,))
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM chat_language WHERE chat_hash = ?", (chat_hash,))

    # -- conversations -----------------------------------------------------------------------

    def _conversation_hash(self, name: str, key: tuple[Any, ...]) -> bytes:
        return self.vault.ring.lookup_hash("conversation", f"{name}|{_dumps(list(key)).decode()}")

    async def load_conversations(
        self, name: str, transient: frozenset[Any] = frozenset()
    ) -> dict[tuple[Any, ...], Any]:
        """The conversations' states. A state in `transient` is never kept at rest: a row holding one
        (written before it was) is destroyed here."""
        result: dict[tuple[Any, ...], Any] = {}
        for key_hash, dek_id, key, state in await self.db.fetchall(
            "SELECT key_hash, dek_id, conv_key, state FROM conversation_state WHERE name = ?", (name,)
        ):
            row = await self._open(dek_id, "conversation_state", key_hash, {"key": key, "state": state})
            if row["state"] in transient:
                await self._delete(_CONVERSATION, (name, key_hash))
            else:
                result[tuple(row["key"])] = row["state"]
        return result

    async def save_conversation(self, name: str, key: tuple[Any, ...], state: Any) -> None:
        """Store a conversation's state; None ends the conversation and destroys its row."""
        key_hash = self._conversation_hash(name, key)
        if state is None:
            await self._delete(_CONVERSATION, (name, key_hash))
            return
        async with self.db.transaction() as conn:
            dek_id, dek, old = await self._fresh_key(conn, _CONVERSATION, (name, key_hash))
            await conn.execute(
                "INSERT INTO conversation_state (name, key_hash, dek_id, conv_key, state, updated_on)"
                " VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (name, key_hash) DO UPDATE SET dek_id = excluded.dek_id, conv_key = excluded.conv_key,"
                " state = excluded.state, updated_on = excluded.updated_on",
                (
                    name,
                    key_hash,
                    dek_id,
                    self._seal(dek, "conversation_state", key_hash, "key", list(key)),
                    self._seal(dek, "conversation_state", key_hash, "state", state),
                    _today(),
                ),
            )
            if old is not None:
                await self.vault.shred(conn, old)
