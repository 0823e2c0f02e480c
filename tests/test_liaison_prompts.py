"""The liaisons' schedule with a clock the test controls: the prompt on the 1st at 09:00, reminders
on the 2nd and on the due day to those who have not sent, the missing list to the admins after the
due day; caught up after downtime; never the same message twice, across restarts too."""

from __future__ import annotations

import asyncio
from datetime import datetime, time

from core.figures import TEMPLATE_A
from core.office import Figures
from jobs.prompts import run_prompts
from tests.conftest import services_of
from tests.liaisons import LIAISON, OTHER_LIAISON, add_unit, put_clock, register_directly
from tests.office import ADMIN, add_staff

THIRD = 8400000203


def _to(sim, chat_id: int) -> list:
    return [c for c in sim.api.calls_of("sendMessage") if c.params["chat_id"] == chat_id]


def _buttons(call) -> list[str]:
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row]


async def _three_units(sim):
    await add_staff(sim)
    east, west = await add_unit(sim, "东平村"), await add_unit(sim, "西湖社区")
    await add_unit(sim, "镇安监办", "department")  # no liaison yet
    await register_directly(sim, east, LIAISON)
    await register_directly(sim, west, OTHER_LIAISON)
    return east, west


async def _run_at(sim, monkeypatch, when: datetime) -> int:
    put_clock(sim, monkeypatch, when)
    return await run_prompts(sim.app)


async def _submit(sim, unit, period="2026-10"):
    """The unit's liaison sends the month's figures."""
    services = services_of(sim)
    liaison = (await services.units.liaison(unit.id)).user_id
    await services.figures.submit_month(
        unit.id, period, TEMPLATE_A, {"cases": 1}, liaison, services.clock(), late=False
    )


async def test_prompt_reminders_and_missing_list_each_once(start_bot, monkeypatch):
    async with start_bot() as sim:
        put_clock(sim, monkeypatch, datetime(2026, 11, 1, 9, 0))
        east, _west = await _three_units(sim)
        assert await _run_at(sim, monkeypatch, datetime(2026, 11, 1, 9, 0)) == 2
        [prompt] = _to(sim, LIAISON)
        assert "2026年10月" in prompt.params["text"] and "2026-11-03" in prompt.params["text"]
        assert _buttons(prompt) == [f"lf:step:{east.id}:2026-10", f"lf:text:{east.id}:2026-10"]
        assert await _run_at(sim, monkeypatch, datetime(2026, 11, 1, 18, 0)) == 0
        await _submit(sim, east)
        assert await _run_at(sim, monkeypatch, datetime(2026, 11, 2, 9, 0)) == 1
        assert len(_to(sim, LIAISON)) == 1 and len(_to(sim, OTHER_LIAISON)) == 2
        assert "⏰" in _to(sim, OTHER_LIAISON)[-1].params["text"]
        assert await _run_at(sim, monkeypatch, datetime(2026, 11, 2, 9, 30)) == 0
        assert await _run_at(sim, monkeypatch, datetime(2026, 11, 3, 9, 0)) == 1  # the due day
        assert _to(sim, ADMIN) == []
        assert await _run_at(sim, monkeypatch, datetime(2026, 11, 4, 9, 0)) == 1  # the missing list
        [missing] = _to(sim, ADMIN)
        assert "西湖社区" in missing.params["text"] and "镇安监办" in missing.params["text"]
        assert "东平村" not in missing.params["text"]
        assert await _run_at(sim, monkeypatch, datetime(2026, 11, 5, 9, 0)) == 0
        assert len(_to(sim, OTHER_LIAISON)) == 3


async def test_not_before_the_prompt_time(start_bot, monkeypatch):
    async with start_bot() as sim:
        put_clock(sim, monkeypatch, datetime(2026, 10, 20, 9, 0))
        east, west = await _three_units(sim)
        await _submit(sim, east, "2026-09")
        await _submit(sim, west, "2026-09")
        assert await _run_at(sim, monkeypatch, datetime(2026, 11, 1, 8, 59)) == 0
        assert await _run_at(sim, monkeypatch, datetime(2026, 11, 1, 9, 0)) == 2


async def test_downtime_is_caught_up_with_one_prompt_not_a_burst(start_bot, monkeypatch):
    async with start_bot() as sim:
        put_clock(sim, monkeypatch, datetime(2026, 10, 20, 9, 0))
        east, west = await _three_units(sim)
        for unit in (east, west):
            await _submit(sim, unit, "2026-09")
        before = len(_to(sim, LIAISON))
        assert await _run_at(sim, monkeypatch, datetime(2026, 11, 2, 15, 0)) == 2  # down on the 1st and 2nd
        [prompt] = _to(sim, LIAISON)[before:]
        assert "⏰" not in prompt.params["text"]  # the prompt itself, standing for the reminder it caught up
    async with start_bot() as sim:  # a restart: what was sent is remembered
        assert await _run_at(sim, monkeypatch, datetime(2026, 11, 2, 16, 0)) == 0
        assert await _run_at(sim, monkeypatch, datetime(2026, 11, 3, 9, 0)) == 2
        assert await _run_at(sim, monkeypatch, datetime(2026, 11, 3, 9, 0)) == 0


async def test_a_new_liaison_after_a_handover_gets_the_prompt_the_old_one_does_not(start_bot, monkeypatch):
    async with start_bot() as sim:
        put_clock(sim, monkeypatch, datetime(2026, 11, 1, 9, 0))
        east, _west = await _three_units(sim)
        await _run_at(sim, monkeypatch, datetime(2026, 11, 1, 9, 0))
        await register_directly(sim, east, THIRD)
        assert await _run_at(sim, monkeypatch, datetime(2026, 11, 1, 12, 0)) == 1
        [prompt] = _to(sim, THIRD)
        assert f"lf:step:{east.id}:2026-10" in _buttons(prompt)
        assert len(_to(sim, LIAISON)) == 1


async def test_the_quarter_summary_is_prompted_on_its_own_schedule(start_bot, monkeypatch, office):
    async with start_bot() as sim:
        put_clock(sim, monkeypatch, datetime(2026, 9, 20, 9, 0))
        east, west = await _three_units(sim)
        for unit in (east, west):
            await _submit(sim, unit, "2026-08")
        await _run_at(sim, monkeypatch, datetime(2026, 10, 1, 9, 0))
        quarter = [c for c in _to(sim, LIAISON) if f"lq:{east.id}:2026-Q3" in _buttons(c)]
        assert len(quarter) == 1 and "2026年第三季度" in quarter[0].params["text"]
        assert "2026-10-03" in quarter[0].params["text"]
    without = office.model_copy(update={"figures": Figures(quarterly=False)})
    async with start_bot(config=without) as sim:
        await _run_at(sim, monkeypatch, datetime(2026, 12, 1, 9, 0))
        assert not any("lq:" in d for c in _to(sim, LIAISON) for d in _buttons(c))


async def test_the_job_runs_daily_at_the_prompt_time_and_soon_after_start(start_bot):
    async with start_bot() as sim:
        jobs = {job.name: job for job in sim.app.job_queue.jobs()}
        daily = jobs["liaison-prompts"]
        assert "liaison-prompts-at-start" in jobs
        assert daily.next_t.astimezone(services_of(sim).tz).time() == time(9, 0)


async def test_two_runs_at_once_send_each_prompt_once(start_bot, monkeypatch):
    async with start_bot() as sim:
        put_clock(sim, monkeypatch, datetime(2026, 11, 1, 9, 0))
        await _three_units(sim)
        counts = await asyncio.gather(run_prompts(sim.app), run_prompts(sim.app))
        assert sorted(counts) == [0, 2] and len(_to(sim, LIAISON)) == 1


async def test_a_catch_up_after_the_due_day_says_so_and_the_missing_list_waits_a_day(start_bot, monkeypatch):
    async with start_bot() as sim:
        put_clock(sim, monkeypatch, datetime(2026, 10, 20, 9, 0))
        east, west = await _three_units(sim)
        for unit in (east, west):
            await _submit(sim, unit, "2026-09")
        assert await _run_at(sim, monkeypatch, datetime(2026, 11, 6, 10, 0)) == 2  # down from the 1st to the 6th
        [prompt] = _to(sim, LIAISON)
        assert "尽快" in prompt.params["text"] and _to(sim, ADMIN) == []
        assert await _run_at(sim, monkeypatch, datetime(2026, 11, 7, 9, 0)) == 1
        assert "镇安监办" in _to(sim, ADMIN)[0].params["text"]


async def test_no_units_no_missing_list(start_bot, monkeypatch):
    async with start_bot() as sim:
        await add_staff(sim)
        assert await _run_at(sim, monkeypatch, datetime(2026, 11, 4, 9, 0)) == 0
        assert _to(sim, ADMIN) == []


async def test_a_missing_list_longer_than_one_message_arrives_whole_in_pieces(start_bot, monkeypatch):
    async with start_bot() as sim:
        put_clock(sim, monkeypatch, datetime(2026, 11, 1, 9, 0))
        await add_staff(sim)
        names = [f"第{i:03d}号行政村安全生产工作站" for i in range(300)]  # about 6,000 characters
        for name in names:
            await add_unit(sim, name)
        assert await _run_at(sim, monkeypatch, datetime(2026, 11, 4, 9, 0)) >= 2
        pieces = [c.params["text"] for c in _to(sim, ADMIN)]
        assert len(pieces) >= 2 and all(len(p) <= 4096 for p in pieces)
        assert all(f"• {name}" in "\n".join(pieces) for name in names)
        assert await _run_at(sim, monkeypatch, datetime(2026, 11, 4, 10, 0)) == 0  # once
