"""The daily deadline run: each assignee hears what falls due and what is overdue, the admin gets the
overdue list, nothing is sent twice, a failed delivery is tried again, and a run is scheduled."""

from __future__ import annotations

from datetime import time, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.tips import Status
from handlers.office.alerts import send_to_staff
from jobs.deadlines import run_deadlines
from tests.conftest import move_clock, services_of
from tests.office import ADMIN, AUDITOR, EMERGENCY, FIRE, INTAKE, REPORTER, add_staff, work_to
from tests.reporter import DESCRIPTION, file_tip


def _to(sim, chat_id: int) -> list[str]:
    """What reached this chat (a refused message does not count)."""
    return [c.params["text"] for c in sim.api.calls_of("sendMessage")
            if c.params["chat_id"] == chat_id and isinstance(c.result, dict)]  # fmt: skip


def _reminders(sim, chat_id: int) -> list[str]:
    return [t for t in _to(sim, chat_id) if t.startswith(("⏰", "⚠"))]


async def test_due_soon_is_told_once_to_the_assignees(start_bot, monkeypatch):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER))  # accepting is due in 5 days
        assert await run_deadlines(sim.app) == 0  # nothing within 3 days yet
        move_clock(sim, monkeypatch, timedelta(days=2))
        assert await run_deadlines(sim.app) == 2  # the emergency officer and intake
        for person in (EMERGENCY, INTAKE):
            [reminder] = _reminders(sim, person)
            assert receipt.number in reminder and "决定是否受理" in reminder and "3 天后" in reminder
            assert DESCRIPTION[:6] not in reminder
        assert _reminders(sim, FIRE) == [] and _reminders(sim, AUDITOR) == [] and _reminders(sim, ADMIN) == []
        assert await run_deadlines(sim.app) == 0  # the same day again: nothing twice
        move_clock(sim, monkeypatch, timedelta(days=1))
        assert await run_deadlines(sim.app) == 0  # still the same due date: told already


async def test_overdue_is_told_daily_and_the_admin_gets_the_list(start_bot, monkeypatch):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER))
        await work_to(sim, receipt.number, Status.ACCEPTED)  # verification due in 60 days
        move_clock(sim, monkeypatch, timedelta(days=62))
        await run_deadlines(sim.app)
        [reminder] = _reminders(sim, EMERGENCY)
        assert "已超期" in reminder and "2 天" in reminder and "核查处理" in reminder
        [overdue] = _reminders(sim, ADMIN)
        assert "1 件举报已超期" in overdue and receipt.number in overdue
        assert _reminders(sim, INTAKE) == []  # accepting was done; the department owes the step
        assert await run_deadlines(sim.app) == 0
        move_clock(sim, monkeypatch, timedelta(days=1))
        assert await run_deadlines(sim.app) == 2  # the next day, again: it is still overdue
        assert "3 天" in _reminders(sim, EMERGENCY)[-1]


async def test_a_failed_delivery_is_tried_again_at_the_next_run(start_bot, monkeypatch):
    async with start_bot() as sim:
        await add_staff(sim)
        await file_tip(sim.user(REPORTER))
        move_clock(sim, monkeypatch, timedelta(days=2))
        sim.api.refuse_chat(EMERGENCY)
        sim.api.refuse_chat(INTAKE)
        assert await run_deadlines(sim.app) == 0
        sim.api.accept_chat(EMERGENCY)
        sim.api.accept_chat(INTAKE)
        assert await run_deadlines(sim.app) == 2


async def test_a_replied_tip_past_its_objection_window_is_closed_by_the_run(start_bot, monkeypatch):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER), push=True)
        await work_to(sim, receipt.number, Status.REPLIED)
        move_clock(sim, monkeypatch, timedelta(days=11))
        await run_deadlines(sim.app)
        assert (await services_of(sim).tips.facets(receipt.number)).status == Status.CLOSED


async def test_the_run_is_scheduled_daily_and_shortly_after_start(start_bot):
    async with start_bot() as sim:
        jobs = {job.name: job for job in sim.app.job_queue.jobs()}
        assert {"deadlines", "deadlines-at-start"} <= set(jobs)
        trigger = jobs["deadlines"].trigger
        assert str(time(8, 30)) in str(trigger) or "hour='8', minute='30'" in str(trigger)


async def test_a_reminder_one_assignee_missed_reaches_them_later_and_nobody_twice(start_bot, monkeypatch):
    async with start_bot() as sim:
        await add_staff(sim)
        await file_tip(sim.user(REPORTER))
        move_clock(sim, monkeypatch, timedelta(days=2))
        sim.api.refuse_chat(INTAKE)
        assert await run_deadlines(sim.app) == 1  # the department officer got it
        sim.api.accept_chat(INTAKE)
        assert await run_deadlines(sim.app) == 1  # now intake, and the officer not again
        assert len(_reminders(sim, EMERGENCY)) == 1 and len(_reminders(sim, INTAKE)) == 1


async def test_a_staff_message_longer_than_telegram_takes_goes_in_pieces_with_the_buttons_last(start_bot):
    async with start_bot() as sim:
        text = "\n".join(f"JB2026-{i:06d} · 答复 · 应急管理办 · 已逾期 3 天" for i in range(300))
        button = InlineKeyboardButton("JB2026-000001", callback_data="case:open:JB2026-000001")
        markup = InlineKeyboardMarkup([[button]])
        assert await send_to_staff(sim.app, ADMIN, text, markup, "test")
        calls = [c for c in sim.api.calls_of("sendMessage") if c.params["chat_id"] == ADMIN]
    assert len(calls) >= 2 and all(len(c.params["text"]) <= 4096 for c in calls)
    assert "\n".join(c.params["text"] for c in calls) == text
    assert [("reply_markup" in c.params) for c in calls] == [False] * (len(calls) - 1) + [True]


async def test_a_tip_closed_under_the_run_does_not_stop_the_others(start_bot, monkeypatch):
    async with start_bot() as sim:
        await add_staff(sim)
        first = await file_tip(sim.user(REPORTER), push=True)
        second = await file_tip(sim.user(REPORTER), push=True)
        for receipt in (first, second):
            await work_to(sim, receipt.number, Status.REPLIED)
        move_clock(sim, monkeypatch, timedelta(days=11))
        services = services_of(sim)
        read = services.tips.past_due

        async def closed_meanwhile(status, before):
            numbers = await read(status, before)
            await services.casework.close(first.number, None, services.clock())  # someone else, at that moment
            return numbers

        monkeypatch.setattr(services.tips, "past_due", closed_meanwhile)
        await run_deadlines(sim.app)  # completes
        assert (await services.tips.facets(second.number)).status == Status.CLOSED
        assert [e.action for e in await services.audit.entries(tip=second.number)].count("tip.close") == 1
