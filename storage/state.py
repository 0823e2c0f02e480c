"""Per-chat data and conversation states, stored so that no row shows which account used the bot.

A chat is found by a keyed hash of its id; the id itself, the data and the conversation state are
sealed under a session data key of the row. Values must be JSON: no pickles are ever loaded.

Only live conversations are kept: a chat's row exists while its data holds something (a draft, a
form) and is deleted, with its data key, once it holds nothing. A chat's row is read when the bot
first sees the chat (`load_chat`: one query by its keyed hash, joined to its data key and its
language), never all rows at start-up; what one update changed is written by the caller in one
transaction (`write_chat`, `write_conversation`: the transaction's connection first). The language
a chat chose is kept apart (chat_language: the hash and the language, no date, no data key, no row
id), so that a chat that filed a tip and left is, at rest, at most "a chat that chose English",
never "the chat of tip X".
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from core import crypto
from core.crypto import WrappedKey
from storage.db import Database
from storage.vault import Vault

_PURPOSE = crypto.SESSION
_CHAT = ("chat_state", "chat_hash = ?")
_CONVERSATION = ("conversation_state", "name = ? AND key_hash = ?")
#: The key of chat data kept in chat_language rather than in the chat's sealed row; None there
#: means "no choice to keep" (the office's own language) and deletes any row kept before.
LANG = "lang"


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


#: A chat's row, its data key and its language, read together (one query, no look-up per row).
_CHAT_ROWS = (
    "SELECT s.chat_hash, s.chat_id, s.data, k.kek_id, k.wrapped, l.lang FROM chat_state s"
    " LEFT JOIN data_keys k ON k.id = s.dek_id LEFT JOIN chat_language l ON l.chat_hash = s.chat_hash"
)


#: Conversation rows and their data keys, read together.
_CONVERSATION_ROWS = (
    "SELECT c.key_hash, c.conv_key, c.state, k.kek_id, k.wrapped FROM conversation_state c"
    " LEFT JOIN data_keys k ON k.id = c.dek_id WHERE c.name = ?"
)
#: Parameters of one `IN (...)` look-up (SQLite allows 32,766; a few hundred keep each statement short).
_IN_BATCH = 500


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

    async def _delete(self, conn: aiosqlite.Connection, where: tuple[str, str], params: tuple[Any, ...]) -> None:
        """Delete the row and shred its data key, so nothing of it can be read again."""
        table, condition = where
        dek_id = await self._dek_id(conn, where, params)
        if dek_id is not None:
            await conn.execute(f"DELETE FROM {table} WHERE {condition}", params)  # noqa: S608 - constants
            await self.vault.shred(conn, dek_id)

    def _open_joined(
        self, table: str, row_hash: bytes, kek_id: str | None, wrapped: bytes | None, sealed: dict[str, bytes]
    ) -> dict[str, Any]:
        """A row read together with its data key (`_CHAT_ROWS`, `_CONVERSATION_ROWS`): no look-up per row."""
        if kek_id is None or wrapped is None:
            raise crypto.DecryptionError(f"a {table} row's data key does not exist (the record was destroyed)")
        dek = self.vault.unwrap(WrappedKey(kek_id, wrapped), _PURPOSE)
        return self._open_with(dek, table, row_hash, sealed)

    @staticmethod
    def _open_with(dek: bytes, table: str, row_hash: bytes, sealed: dict[str, bytes]) -> dict[str, Any]:
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

    @staticmethod
    def _with_language(data: dict[str, Any], lang: str | None) -> dict[str, Any]:
        if lang is not None:
            data.setdefault(LANG, lang)  # a row an older Tipline wrote may hold its own
        return data

    async def load_chat(self, chat_id: int) -> dict[str, Any]:
        """One chat's data as stored, its language under LANG ({} for a chat with neither): one query
        by the chat's keyed hash, joined to its data key and its language. What the bot reads when it
        first sees a chat."""
        chat_hash = self._chat_hash(chat_id)
        row = await self.db.fetchone(
            "SELECT s.data, k.kek_id, k.wrapped, l.lang FROM (SELECT ? AS chat_hash) q"
            " LEFT JOIN chat_state s ON s.chat_hash = q.chat_hash LEFT JOIN data_keys k ON k.id = s.dek_id"
            " LEFT JOIN chat_language l ON l.chat_hash = q.chat_hash",
            (chat_hash,),
        )
        data, kek_id, wrapped, lang = row
        sealed = {"data": data}
        stored = {} if data is None else self._open_joined("chat_state", chat_hash, kek_id, wrapped, sealed)["data"]
        return self._with_language(stored, lang)

    async def load_chat_data(self) -> dict[int, dict[str, Any]]:
        """Every chat that has a row (a draft or a form under way), as `load_chat` reads one, in one
        query: for housekeeping, which must see the drafts of chats the bot has not seen since start-up."""
        result: dict[int, dict[str, Any]] = {}
        for chat_hash, chat_id, data, kek_id, wrapped, lang in await self.db.fetchall(_CHAT_ROWS):
            row = self._open_joined("chat_state", chat_hash, kek_id, wrapped, {"chat_id": chat_id, "data": data})
            result[int(row["chat_id"])] = self._with_language(row["data"], lang)
        return result

    async def language(self, chat_id: int) -> str | None:
        """The language the chat chose, if it chose one."""
        row = await self.db.fetchone("SELECT lang FROM chat_language WHERE chat_hash = ?", (self._chat_hash(chat_id),))
        return None if row is None else str(row[0])

    async def write_chat(self, conn: aiosqlite.Connection, chat_id: int, data: dict[str, Any]) -> None:
        """Store the chat's data in the caller's transaction: its language apart (LANG None deletes
        the choice, LANG absent leaves it), the rest sealed in its row under a new data key (the old
        one shredded); a chat whose data holds nothing else has no row (deleted, its key shredded)."""
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
            await self._delete(conn, _CHAT, (chat_hash,))
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
        async with self.db.transaction() as conn:
            await self._delete(conn, _CHAT, (chat_hash,))
            await conn.execute("DELETE FROM chat_language WHERE chat_hash = ?", (chat_hash,))

    # -- conversations -----------------------------------------------------------------------

    def _conversation_hash(self, name: str, key: tuple[Any, ...]) -> bytes:
        return self.vault.ring.lookup_hash("conversation", f"{name}|{_dumps(list(key)).decode()}")

    async def load_conversations(
        self, name: str, transient: frozenset[Any] = frozenset()
    ) -> dict[tuple[Any, ...], Any]:
        """The live conversations' states, every row with its data key in one query.

        A conversation's key starts with its chat's id (handlers.conversation: per chat), and it lives
        only while its chat's data holds something: every flow keeps its state there (handlers.state),
        and both are written in one transaction (bot.persistence). A row whose chat has no row is dead
        (its draft destroyed by an older housekeeping that left the conversation; an older Tipline) and
        a row holding a state in `transient` is never kept at rest (written before it was): both are
        destroyed here, in one transaction, and never loaded again at a start-up."""
        rows = [
            (key_hash, self._open_joined("conversation_state", key_hash, kek_id, wrapped, {"key": key, "state": state}))
            for key_hash, key, state, kek_id, wrapped in await self.db.fetchall(_CONVERSATION_ROWS, (name,))
        ]
        chats = {key_hash: self._chat_hash(row["key"][0]) for key_hash, row in rows if row["key"]}
        live = await self._chats_with_rows(set(chats.values()))
        result: dict[tuple[Any, ...], Any] = {}
        dead = []
        for key_hash, row in rows:
            if row["state"] in transient or chats.get(key_hash) not in live:
                dead.append(key_hash)
            else:
                result[tuple(row["key"])] = row["state"]
        if dead:
            async with self.db.transaction() as conn:
                for key_hash in dead:
                    await self._delete(conn, _CONVERSATION, (name, key_hash))
        return result

    async def _chats_with_rows(self, chat_hashes: set[bytes]) -> set[bytes]:
        """Which of these chats have a chat_state row (by hash, a few hundred per query)."""
        found: set[bytes] = set()
        hashes = sorted(chat_hashes)
        for at in range(0, len(hashes), _IN_BATCH):
            batch = hashes[at : at + _IN_BATCH]
            marks = ",".join("?" * len(batch))
            sql = f"SELECT chat_hash FROM chat_state WHERE chat_hash IN ({marks})"  # noqa: S608 - placeholders only
            found.update(bytes(row[0]) for row in await self.db.fetchall(sql, batch))
        return found

    async def write_conversation(self, conn: aiosqlite.Connection, name: str, key: tuple[Any, ...], state: Any) -> None:
        """Store a conversation's state in the caller's transaction, under a new data key (the old one
        shredded); None ends the conversation and destroys its row."""
        key_hash = self._conversation_hash(name, key)
        if state is None:
            await self._delete(conn, _CONVERSATION, (name, key_hash))
            return
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
