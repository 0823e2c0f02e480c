"""Messages queued for the outbox as use cases: the liaisons' prompts and reminders, the lists of
missing units, the audit log's daily head, a reporter's notice. Each batch is one unit of work: the
outbox rows and the record that the reminders went out (storage.reminders) commit together, so a
crash half-way leaves all or none, and a repeated run never sends anything twice."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from storage.db import Database
from storage.outbox import Message, Outbox
from storage.reminders import SentReminders


@dataclass(frozen=True)
class Notice:
    #: The event the message tells of (the outbox's key: queued once per key).
    key: str
    message: Message
    #: Reminder keys recorded as sent with it (a late prompt stands for the reminders it caught up with).
    marks: tuple[str, ...] = ()


@dataclass(eq=False)
class NoticeService:
    db: Database
    outbox: Outbox
    reminders: SentReminders

    async def queue(self, kind: str, notices: Iterable[Notice], on: date) -> list[int | None]:
        """Queue each message under its key and record its marks as sent `on` that day, in one unit of
        work; returns each one's outbox row id (None where that event was queued before)."""
        notices = list(notices)
        now = time.time()
        rows: list[int | None] = []
        async with self.db.unit_of_work(outbox=self.outbox, reminders=self.reminders) as uow:
            for notice in notices:
                if notice.marks:
                    await uow.reminders.mark(notice.marks, on)
                rows.append(await uow.outbox.add(notice.key, kind, notice.message, now))
        return rows

    async def record_sent(self, keys: Iterable[str], on: date) -> None:
        """Record reminders that went out straight away (not through the outbox) as sent `on` that day."""
        async with self.db.unit_of_work(reminders=self.reminders) as uow:
            await uow.reminders.mark(keys, on)
