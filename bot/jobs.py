"""Scheduled work. The outbox: messages that failed are tried again (handlers.outbox). Staff
messages with decrypted content are deleted once their time is up (handlers.office.sensitive).
Housekeeping: abandoned drafts, old update ids and expired limit counters go, and checks' sessions
that timed out (memory only), and a state an older version left that could not be read (handlers.state.Lost).
Deadlines: the office's daily reminders (handlers.office.reminders), and at the same time the audit
log's head to the auditors and admins (handlers.office.anchor). Liaisons: the monthly and
quarterly prompts, reminders and missing lists (handlers.liaison.prompts)."""

from __future__ import annotations

import logging
from datetime import time, timedelta

from telegram.ext import Application

from handlers import outbox
from handlers.check import forget_ended_sessions
from handlers.context import Context, app_services
from handlers.liaison.prompts import run_prompts
from handlers.office import sensitive
from handlers.office.anchor import send_audit_head
from handlers.office.reminders import run_deadlines
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


async def _housekeeping_job(context: Context) -> None:
    await housekeeping(context.application)


async def _deadlines_job(context: Context) -> None:
    await run_deadlines(context.application)


async def _prompts_job(context: Context) -> None:
    await run_prompts(context.application)


async def _audit_head_job(context: Context) -> None:
    await send_audit_head(context.application)


def schedule(app: Application) -> None:
    """Housekeeping daily at 03:00 office time, deadlines at the office's reminder time; each also
    once shortly after start-up, catching up after downtime (the deadline run never repeats itself).
    The outbox every few seconds from start-up on."""
    outbox.schedule(app)
    sensitive.schedule(app)  # staff messages with decrypted content are deleted after card_minutes
    app.job_queue.run_daily(_housekeeping_job, HOUSEKEEPING_AT, name="housekeeping")
    app.job_queue.run_once(_housekeeping_job, 60, name="housekeeping-at-start")
    hour, minute = map(int, app_services(app).office.reminders.time.split(":"))
    app.job_queue.run_daily(_deadlines_job, time(hour, minute), name="deadlines")
    app.job_queue.run_once(_deadlines_job, 90, name="deadlines-at-start")
    app.job_queue.run_daily(_audit_head_job, time(hour, minute), name="audit-head")  # to auditors and admins
    app.job_queue.run_once(_audit_head_job, 100, name="audit-head-at-start")
    app.job_queue.run_daily(_prompts_job, app_services(app).office.figures.at, name="liaison-prompts")
    app.job_queue.run_once(_prompts_job, 120, name="liaison-prompts-at-start")
