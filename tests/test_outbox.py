"""Messages that must arrive (the receipt, push notices, liaisons' prompts) go through the outbox:
when Telegram answers 429 or 5xx, or the connection drops, they are tried again with backoff and
reach the person exactly once; across a restart too; a blocked chat is given up, not hammered."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import datetime

import pytest

from handlers.notify import notify_reporter
from handlers.outbox import GIVE_UP_AFTER, backoff, drain, send_now
from handlers.report import summary
from handlers.report.summary import receipt_key
from jobs.prompts import run_prompts
from storage.db import DB_FILENAME
from storage.outbox import Message, OutboxStatus
from tests.conftest import services_of
from tests.liaisons import LIAISON, OTHER_LIAISON, add_unit, put_clock, register_directly
from tests.office import REPORTER, add_staff
from tests.reporter import file_tip, receipt_from, to_step

LATER = 3600.0  # "an hour from now": past any backoff of the first tries

FAILURES = {
    "server error": {"status": 500},
    "bad gateway": {"status": 502},
    "connection dropped": {"network": True},
    "too many requests": {"status": 429, "retry_after": 1, "times": 3},  # the rate limiter retries twice
}


def _texts_to(sim, chat_id: int, needle: str) -> list[str]:
    return [
        c.params["text"]
        for c in sim.api.calls_of("sendMessage")
        if c.params["chat_id"] == chat_id and needle in c.params["text"] and c.result is not None
    ]


@pytest.mark.parametrize("failure", FAILURES.values(), ids=FAILURES.keys())
async def test_a_receipt_telegram_refused_arrives_later_exactly_once(start_bot, failure):
    async with start_bot() as sim:
        sim.app.job_queue.scheduler.pause()
        user = sim.user(REPORTER)
        await to_step(user, "summary")
        sim.api.fail_next("sendMessage", **{"times": 1, **failure})
        replies = await user.tap("tip:summary:submit")
        assert not any("回执码" in r.text for r in replies)  # nothing reached the reporter yet
        outbox = services_of(sim).outbox
        assert await outbox.pending() == 1

        assert await drain(sim.app, now=time.time() + LATER) == 1
        [receipt] = _texts_to(sim, REPORTER, "举报已提交")
        assert await drain(sim.app, now=time.time() + 2 * LATER) == 0
        assert len(_texts_to(sim, REPORTER, "举报已提交")) == 1
        number = receipt_from([type("R", (), {"text": receipt})()]).number
        status = (await outbox.status(receipt_key(number)))[1]
        assert status is OutboxStatus.SENT and status == "sent"  # the stored value is unchanged


async def test_a_retry_waits_for_its_backoff(start_bot):
    async with start_bot() as sim:
        sim.app.job_queue.scheduler.pause()
        user = sim.user(REPORTER)
        await to_step(user, "summary")
        sim.api.fail_next("sendMessage", status=500)
        await user.tap("tip:summary:submit")
        assert await drain(sim.app, now=time.time() + 1) == 0  # the first retry comes after 5 s
        assert await drain(sim.app, now=time.time() + backoff(1) + 1) == 1
    assert [backoff(n) for n in (1, 2, 3)] == [5, 10, 20] and backoff(30) == 3600


async def test_a_push_notice_survives_a_dropped_connection(start_bot):
    async with start_bot() as sim:
        sim.app.job_queue.scheduler.pause()
        receipt = await file_tip(sim.user(REPORTER), push=True)
        sim.api.fail_next("sendMessage", network=True)
        assert await notify_reporter(sim.app, receipt.number) is False
        assert _texts_to(sim, REPORTER, "有新进展") == []
        assert await drain(sim.app, now=time.time() + LATER) == 1
        await drain(sim.app, now=time.time() + 2 * LATER)
        assert len(_texts_to(sim, REPORTER, receipt.number)) == 2  # the receipt, then the notice once


async def test_monthly_prompts_telegram_refused_go_out_later_once_each(start_bot, monkeypatch):
    async with start_bot() as sim:
        sim.app.job_queue.scheduler.pause()
        put_clock(sim, monkeypatch, datetime(2026, 11, 1, 9, 0))
        await add_staff(sim)
        await register_directly(sim, await add_unit(sim, "东平村"), LIAISON)
        await register_directly(sim, await add_unit(sim, "西湖社区"), OTHER_LIAISON)
        sim.api.fail_next("sendMessage", status=503)
        assert await run_prompts(sim.app) == 2
        assert len(_texts_to(sim, LIAISON, "2026年10月") + _texts_to(sim, OTHER_LIAISON, "2026年10月")) == 1
        assert await run_prompts(sim.app) == 0  # queued already: not queued again
        await drain(sim.app, now=time.time() + LATER)
        await drain(sim.app, now=time.time() + 2 * LATER)
        assert len(_texts_to(sim, LIAISON, "2026年10月")) == 1
        assert len(_texts_to(sim, OTHER_LIAISON, "2026年10月")) == 1


async def test_a_message_queued_before_a_restart_goes_out_after_it(start_bot, monkeypatch):
    async with start_bot() as first:
        first.app.job_queue.scheduler.pause()  # this process dies after the commit, before any sending
        user = first.user(REPORTER)
        await to_step(user, "summary")

        async def dead(*args, **kwargs):
            return False

        monkeypatch.setattr(summary, "send_now", dead)
        await user.tap("tip:summary:submit")
        monkeypatch.undo()
    async with start_bot() as second:
        for _ in range(40):  # the outbox job runs a second after start-up
            if _texts_to(second, REPORTER, "举报已提交"):
                break
            await asyncio.sleep(0.1)
        assert len(_texts_to(second, REPORTER, "举报已提交")) == 1
        assert await services_of(second).outbox.pending() == 0


async def test_a_blocked_chat_is_given_up_not_retried(start_bot, settings):
    async with start_bot() as sim:
        sim.app.job_queue.scheduler.pause()
        receipt = await file_tip(sim.user(REPORTER), push=True)
        sim.api.refuse_chat(REPORTER)
        assert await notify_reporter(sim.app, receipt.number) is False
        tries = len(sim.api.calls_of("sendMessage"))
        assert await drain(sim.app, now=time.time() + LATER) == 0
        assert len(sim.api.calls_of("sendMessage")) == tries
    with sqlite3.connect(settings.data_dir / DB_FILENAME) as conn:
        rows = conn.execute("SELECT kind, status, payload, dek_id, last_error FROM outbox ORDER BY id").fetchall()
    assert rows == [("receipt", "sent", None, None, None), ("notice", "failed", None, None, "Forbidden")]


async def test_a_message_failing_for_a_week_is_given_up(start_bot):
    async with start_bot() as sim:
        sim.app.job_queue.scheduler.pause()
        receipt = await file_tip(sim.user(REPORTER), push=True)
        sim.api.fail_next("sendMessage", status=500, times=2)
        await notify_reporter(sim.app, receipt.number)
        await drain(sim.app, now=time.time() + GIVE_UP_AFTER + LATER)
        assert await services_of(sim).outbox.pending() == 0
        assert _texts_to(sim, REPORTER, "有新进展") == []


async def test_one_message_is_never_handed_to_telegram_twice_at_once(start_bot):
    async with start_bot() as sim:
        sim.app.job_queue.scheduler.pause()
        receipt = await file_tip(sim.user(REPORTER), push=True)
        sim.api.fail_next("sendMessage", status=500)
        await notify_reporter(sim.app, receipt.number)
        [row] = await services_of(sim).outbox.due(time.time() + LATER)
        await asyncio.gather(
            send_now(sim.app, row.id), drain(sim.app, now=time.time() + LATER), send_now(sim.app, row.id)
        )
        assert len(_texts_to(sim, REPORTER, "有新进展")) == 1


async def test_a_message_telegram_took_whose_mark_failed_is_not_sent_again(start_bot, monkeypatch):
    async with start_bot() as sim:
        sim.app.job_queue.scheduler.pause()
        receipt = await file_tip(sim.user(REPORTER), push=True)
        outbox = services_of(sim).outbox
        real = outbox.delivered

        async def locked(*args, **kwargs):
            raise sqlite3.OperationalError("database is locked")

        monkeypatch.setattr(outbox, "delivered", locked)  # another program holds the database
        assert await notify_reporter(sim.app, receipt.number) is True
        for round_ in range(3):
            await drain(sim.app, now=time.time() + LATER * (round_ + 1))
        monkeypatch.setattr(outbox, "delivered", real)  # the lock is gone
        await drain(sim.app, now=time.time() + 4 * LATER)
        assert len(_texts_to(sim, REPORTER, "有新进展")) == 1
        assert await outbox.pending() == 0


async def test_one_row_that_cannot_be_opened_does_not_hold_up_the_others(start_bot, settings):
    async with start_bot() as sim:
        sim.app.job_queue.scheduler.pause()
        receipt = await file_tip(sim.user(REPORTER), push=True)
        sim.api.fail_next("sendMessage", status=500, times=2)
        await notify_reporter(sim.app, receipt.number)
        await notify_reporter(sim.app, receipt.number)
        async with services_of(sim).db.transaction() as conn:  # the first one's payload is damaged
            await conn.execute("UPDATE outbox SET payload = x'00' WHERE id = (SELECT MIN(id) FROM outbox"
                               " WHERE status = 'pending')")  # fmt: skip
        assert await drain(sim.app, now=time.time() + LATER) == 1
        assert len(_texts_to(sim, REPORTER, "有新进展")) == 1
        assert await services_of(sim).outbox.pending() == 0
    with sqlite3.connect(settings.data_dir / DB_FILENAME) as conn:
        assert conn.execute("SELECT last_error FROM outbox WHERE status = 'failed'").fetchall() == [
            ("DecryptionError",)
        ]


async def test_a_message_is_not_sent_before_its_transaction_commits(start_bot):
    async with start_bot() as sim:
        sim.app.job_queue.scheduler.pause()
        services = services_of(sim)
        receipt = await file_tip(sim.user(REPORTER), push=True)
        sent_before = len(sim.api.calls_of("sendMessage"))
        with pytest.raises(RuntimeError):
            async with services.db.transaction() as conn:
                await services.outbox.add(conn, "test:rolled-back", "notice", Message(REPORTER, receipt.number), 0.0)
                # Meanwhile the job's round runs: it waits for this transaction, then finds nothing.
                round_ = asyncio.create_task(drain(sim.app, now=time.time() + LATER))
                await asyncio.sleep(0.05)
                raise RuntimeError("the event is abandoned: its transaction rolls back")
        assert await round_ == 0
        assert len(sim.api.calls_of("sendMessage")) == sent_before


async def test_too_many_requests_pauses_the_whole_outbox_for_as_long_as_telegram_asks(start_bot):
    async with start_bot() as sim:
        sim.app.job_queue.scheduler.pause()
        receipt = await file_tip(sim.user(REPORTER), push=True)
        sim.api.fail_next("sendMessage", status=429, retry_after=2, times=3)  # the limiter retries twice
        await notify_reporter(sim.app, receipt.number)
        await notify_reporter(sim.app, receipt.number)  # queued while paused: not even tried
        assert len(_texts_to(sim, REPORTER, "有新进展")) == 0
        assert await drain(sim.app) == 0  # still within Telegram's wait
        await asyncio.sleep(2.1)
        assert await drain(sim.app) == 2
