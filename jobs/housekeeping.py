"""Housekeeping, daily at 03:00 office time and once shortly after start-up (jobs.schedule):
abandoned drafts (found in the database, and in memory), old update ids and expired limit counters
go, and checks' sessions that timed out (memory only), and a state an older version left that could
not be read (handlers.state.Lost); chats quiet for an hour leave memory (handlers.writethrough)."""

from __future__ import annotations

import logging
from datetime import time, timedelta

from telegram.ext import Application

from handlers.check import forget_ended_sessions
from handlers.context import Context, app_services
from handlers.files import receiving
from handlers.state import ReportDraft, chat_draft, drop_chat_draft, drop_lost
from handlers.writethrough import end_conversations, evict_empty, evict_quiet, holds_something, save_chat, save_stored
from storage.outbox import KEPT_DAYS

log = logging.getLogger("tipline.jobs")
HOUSEKEEPING_AT = time(3, 0)


async def housekeeping(app: Application) -> None:
    services = app_services(app)
    today = services.clock().date()
    cutoff = today - timedelta(days=services.office.limits.draft_days)
    dropped, live = await _sweep_drafts(app, cutoff.isoformat())
    orphans = await services.drafts.purge(before=cutoff, live_tokens=live)
    two_days_ago = today - timedelta(days=2)
    await services.updates.purge(before=two_days_ago)
    await services.limits.purge(before=two_days_ago)
    await services.tips.forget_drafts(received_before=two_days_ago)
    await services.reminders.purge(before=today - timedelta(days=400))
    await services.outbox.purge(before=today - timedelta(days=KEPT_DAYS))
    forget_ended_sessions(app.bot_data, services.clock())
    services.keys.sweep(services.clock())  # staff keys whose session ended, even of someone who never came back
    evict_quiet(app)
    await services.db.checkpoint()
    log.info("housekeeping: %d abandoned drafts and %d orphaned draft files destroyed", dropped, orphans)


async def _sweep_drafts(app: Application, cutoff: str) -> tuple[int, set[str]]:
    """Destroy drafts untouched since `cutoff` (and states an older version left unreadable), in the
    database and in memory; returns how many drafts went and the tokens of the live ones.

    Every chat with a row is read (one query: rows exist only while a draft or form is under way), not
    only rows stored before the cutoff: the files of a live draft must be known live (its row may be
    newer than the files), and a draft waiting inside a newer form is abandoned too. Each chat found is
    then swept on its own, in its turn (`_sweep_chat`)."""
    store = app.persistence
    found = [chat_id for chat_id, (data, old) in (await store.stored_chats()).items() if old or _due(data, cutoff)]
    found += [chat_id for chat_id, data in list(app.chat_data.items()) if _due(data, cutoff)]
    dropped = 0
    for chat_id in dict.fromkeys(found):
        dropped += await _sweep_chat(app, chat_id, cutoff)
    on_disk = await store.stored_chats()  # then memory, with no await between: each chat is in one of them
    chats = [*(data for data, _old in on_disk.values()), *list(app.chat_data.values())]
    return dropped, {draft.token for data in chats if (draft := chat_draft(data)) is not None}


def _due(data: dict, cutoff: str) -> bool:
    """Whether a chat has something to sweep: an abandoned draft, or a state an older version left
    unreadable."""
    draft = chat_draft(data)
    return (draft is not None and draft.updated < cutoff) or drop_lost(dict(data))  # a copy: nothing goes here


async def _sweep_chat(app: Application, chat_id: int, cutoff: str) -> bool:
    """Sweep one chat in its turn (no update of it runs meanwhile, and none loads it halfway), read
    then: its memory if loaded, else its row read again now, so a swept draft is never written back by
    an update that loaded the row before the sweep wrote it. A chat whose file is being received is
    left to that file's task (the next sweep looks again). A chat left holding nothing ends its
    conversation too, in the same transaction as its row: nothing of it is kept, and no conversation
    row without its chat is loaded at the next start. True if a draft was destroyed."""
    store, drafts = app.persistence, app_services(app).drafts
    async with store.turn(chat_id):
        if receiving(app, chat_id):
            return False
        if store.loaded(chat_id):
            data, outdated = app.chat_data.get(chat_id, {}), False
        elif (read := await store.read_stored(chat_id)) is not None:
            data, outdated = read
        else:
            return False
        gone = _sweep(data, cutoff)
        if gone is None and not drop_lost(data) and not outdated:
            return False
        if not holds_something(data):
            end_conversations(app, chat_id)
        if store.loaded(chat_id):
            await save_chat(app, chat_id)
        elif not await save_stored(app, chat_id, data):
            return False
        if gone is not None:
            await drafts.discard(gone.token)
    evict_empty(app, chat_id)
    return gone is not None


def _sweep(data: dict, cutoff: str) -> ReportDraft | None:
    """The chat's draft, taken out of `data`, if it was last touched before `cutoff`."""
    draft = chat_draft(data)
    return drop_chat_draft(data) if draft is not None and draft.updated < cutoff else None


async def housekeeping_job(context: Context) -> None:
    await housekeeping(context.application)
