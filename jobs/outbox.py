"""The outbox's repeating round: every few seconds, what failed before and whose time has come is
handed to Telegram again (handlers.outbox.drain: the delivery, its backoff and its pace)."""

from __future__ import annotations

from telegram.ext import Application

from handlers.context import Context
from handlers.outbox import drain, round_under_way

#: How often the job looks for messages to try again.
EVERY = 5.0


async def _drain_job(context: Context) -> None:
    if not round_under_way(context.application):  # a long round (a fan-out) is under way: it takes what is due
        await drain(context.application)


def schedule(app: Application) -> None:
    """Every few seconds, starting at once: what a crash or an outage left behind goes out first."""
    app.job_queue.run_repeating(_drain_job, EVERY, first=1, name="outbox")
