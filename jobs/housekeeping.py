"""Housekeeping, daily at 03:00 office time and once shortly after start-up (jobs.schedule):
abandoned drafts, old update ids and expired limit counters go, and checks' sessions that timed out
(memory only), and a state an older version left that could not be read (handlers.state.Lost)."""

from __future__ import annotations

import logging
from datetime import time, timedelta

from telegram.ext import Application

from handlers.check import forget_ended_sessions
from handlers.context import Context, app_services
from handlers.state import chat_draft, drop_chat_draft, drop_lost
from storage.outbox import KEPT_DAYS

log = logging.getLogger("tipline.jobs")
HOUSEKEEPING_AT = time(3, 0)


async def housekeeping(app: Application) -> None:
    services = app_services(app)
    today = services.clock().date()
    cutoff = today - timedelta(days=services.office.limits.draft_days)
    dropped = 0
    for chat_id, data in list(app.chat_data.items()):
        draft = chat_draft(data)
        if draft is not None and draft.updated < cutoff.isoformat():
            drop_chat_draft(data)
            await services.drafts.discard(draft.token)
            app.mark_data_for_update_persistence(chat_ids=chat_id)
            dropped += 1
        if drop_lost(data):
            app.mark_data_for_update_persistence(chat_ids=chat_id)
    live = {draft.token for data in app.chat_data.values() if (draft := chat_draft(data)) is not None}
    orphans = await services.drafts.purge(before=cutoff, live_tokens=live)
    two_days_ago = today - timedelta(days=2)
    await services.updates.purge(before=two_days_ago)
    await services.limits.purge(before=two_days_ago)
    await services.tips.forget_drafts(received_before=two_days_ago)
    await services.reminders.purge(before=today - timedelta(days=400))
    await services.outbox.purge(before=today - timedelta(days=KEPT_DAYS))
    forget_ended_sessions(app.bot_data, services.clock())
    await app.update_persistence()
    await services.db.checkpoint()
    log.info("housekeeping: %d abandoned drafts and %d orphaned draft files destroyed", dropped, orphans)


async def housekeeping_job(context: Context) -> None:
    await housekeeping(context.application)
