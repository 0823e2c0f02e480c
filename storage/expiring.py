"""Messages with decrypted content in staff chats, and when each is to be deleted from the chat.

Rows name a staff chat and a message id with two times (Unix seconds): when the message was sent
and when it is to go. Nothing of the message's content is stored. handlers.office.sensitive adds
them and deletes what is due; a row goes once its message is deleted or cannot be.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database


@dataclass(frozen=True)
class Expiring:
    chat_id: int
    message_id: int
    sent_at: int
    delete_after: int


class ExpiringMessages:
    def __init__(self, db: Database):
        self.db = db

    async def add(self, chat_id: int, message_ids: list[int], sent_at: int, delete_after: int) -> None:
        async with self.db.transaction() as conn:
            await conn.executemany(
                "INSERT OR REPLACE INTO expiring_messages (chat_id, message_id, sent_at, delete_after)"
                " VALUES (?, ?, ?, ?)",
                [(chat_id, message_id, sent_at, delete_after) for message_id in message_ids],
            )

    async def due(self, now: int, limit: int = 200) -> list[Expiring]:
        """The messages whose time has come, oldest first."""
        async with (
            self.db.committed() as conn,
            conn.execute(
                "SELECT chat_id, message_id, sent_at, delete_after FROM expiring_messages"
                " WHERE delete_after <= ? ORDER BY delete_after LIMIT ?",
                (now, limit),
            ) as cur,
        ):
            rows = await cur.fetchall()
        return [Expiring(int(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in rows]

    async def forget(self, chat_id: int, message_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "DELETE FROM expiring_messages WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
            )

    async def count(self) -> int:
        row = await self.db.fetchone("SELECT COUNT(*) FROM expiring_messages")
        return int(row[0]) if row else 0
