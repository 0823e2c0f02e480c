"""Background jobs: what runs on a timer, not in answer to a person. bot.app calls `schedule`.

Layer: bot → jobs → handlers → services → storage → core. A job imports the handlers' renderers
(texts, keyboards, the outbox's delivery); no handler imports a job. No job opens a transaction:
what it writes goes through a use case (services/) or a repository's own write.

- jobs.outbox: messages that failed are tried again every few seconds (delivery: handlers.outbox).
- jobs.sensitive: staff messages with decrypted content are deleted once their time is up
  (sending them: handlers.office.sensitive).
- jobs.housekeeping: abandoned drafts, old update ids, expired counters, timed-out checks' sessions.
- handlers.writethrough.evict_quiet_job: every 10 minutes, chats quiet for an hour leave memory.
- jobs.deadlines: the office's daily deadline run and reminders.
- jobs.audit_head: at the same time, the audit log's head to the auditors and admins.
- jobs.prompts: the liaisons' monthly and quarterly prompts, reminders and missing lists.
"""

from __future__ import annotations

from datetime import time

from telegram.ext import Application

from handlers.context import Context, app_services
from handlers.writethrough import QUIET, evict_quiet_job
from jobs import outbox, sensitive
from jobs.audit_head import send_audit_head
from jobs.deadlines import run_deadlines
from jobs.housekeeping import HOUSEKEEPING_AT, housekeeping_job
from jobs.prompts import run_prompts


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
    app.job_queue.run_daily(housekeeping_job, HOUSEKEEPING_AT, name="housekeeping")
    app.job_queue.run_once(housekeeping_job, 60, name="housekeeping-at-start")
    # Chats no update has seen for an hour leave memory (their data is stored): memory holds live chats.
    app.job_queue.run_repeating(evict_quiet_job, QUIET / 6, first=QUIET, name="evict-quiet-chats")
    hour, minute = map(int, app_services(app).office.reminders.time.split(":"))
    app.job_queue.run_daily(_deadlines_job, time(hour, minute), name="deadlines")
    app.job_queue.run_once(_deadlines_job, 90, name="deadlines-at-start")
    app.job_queue.run_daily(_audit_head_job, time(hour, minute), name="audit-head")  # to auditors and admins
    app.job_queue.run_once(_audit_head_job, 100, name="audit-head-at-start")
    app.job_queue.run_daily(_prompts_job, app_services(app).office.figures.at, name="liaison-prompts")
    app.job_queue.run_once(_prompts_job, 120, name="liaison-prompts-at-start")
