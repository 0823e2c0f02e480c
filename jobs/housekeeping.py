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
from handlers.state import ReportDraft, chat_draft, drop_chat_draft, drop_lost
from handlers.writethrough import evict_quiet, save_chat
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
    evict_quiet(app)
    await services.db.checkpoint()
    log.info("housekeeping: %d abandoned drafts and %d orphaned draft files destroyed", dropped, orphans)


async def _sweep_drafts(app: Application, cutoff: str) -> tuple[int, set[str]]:
    """Destroy drafts untouched since `cutoff` (and states an older version left unreadable), in the
    database and in memory; returns how many drafts went and the tokens of the live ones.

    Every chat with a row is read (one query: rows exist only while a draft or form is under way), not
    only rows stored before the cutoff: the files of a live draft must be known live (its row may be
    newer than the files), and a draft waiting inside a newer form is abandoned too. A chat loaded in
    memory is swept there (its memory is the newer copy) and written through on its own."""
    store, drafts = app.persistence, app_services(app).drafts
    dropped, live = 0, set()
    for chat_id, data in (await store.stored_chats()).items():
        gone = _sweep(data, cutoff)
        if gone is not None or drop_lost(data):
            if not await store.write_stored(chat_id, data):  # its update loaded it meanwhile
                continue
            if gone is not None:
                await drafts.discard(gone.token)
                dropped += 1
        if (draft := chat_draft(data)) is not None:
            live.add(draft.token)
    for chat_id, data in list(app.chat_data.items()):
        if store.busy(chat_id):  # its own update writes it; the next sweep looks again
            continue
        gone = _sweep(data, cutoff)
        if gone is not None or drop_lost(data):
            await save_chat(app, chat_id)
            if gone is not None:
                await drafts.discard(gone.token)
                dropped += 1
    live |= {draft.token for data in list(app.chat_data.values()) if (draft := chat_draft(data)) is not None}
    return dropped, live


def _sweep(data: dict, cutoff: str) -> ReportDraft | None:
    """The chat's draft, taken out of `data`, if it was last touched before `cutoff`."""
    draft = chat_draft(data)
    return drop_chat_draft(data) if draft is not None and draft.updated < cutoff else None


async def housekeeping_job(context: Context) -> None:
    await housekeeping(context.application)
