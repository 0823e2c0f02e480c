"""The office's reports off the event loop (bot.workers): /monthly says who has sent before its files
are made; a file that cannot be made is said politely and the others still come; the worker
processes end when the bot stops."""

from __future__ import annotations

import asyncio
import os
import signal
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime

import pytest

from bot.config import load_office
from bot.workers import NICENESS
from core.monthly_book import month_csv
from tests.conftest import EXAMPLE_CONFIG, services_of
from tests.liaisons import LIAISON, add_unit, office_with_october, put_clock, register_directly
from tests.office import ADMIN, REPORTER, add_staff
from tests.reporter import file_tip

#: A template the office may write whose columns are all money or stocks: no flow to chart.
NO_FLOWS = """
[figures.custom.fees]
code = "fees"
title = "收费月报"
due_day = 5
columns = [
  { code = "bottles", name = "在用气瓶", unit = "个", stock = true },
  { code = "fees", name = "收费", unit = "万元", kind = "money" },
]
"""


class HeldWorkers:
    """The bot's worker processes, with every piece of work held until the test lets it go."""

    def __init__(self, real):
        self.real = real
        self.asked = asyncio.Event()
        self.go = asyncio.Event()

    async def run(self, fn, *args):
        self.asked.set()
        await self.go.wait()
        return await self.real.run(fn, *args)

    async def shutdown(self) -> None:
        await self.real.shutdown()


async def test_the_summary_comes_before_the_files_are_made(start_bot, monkeypatch):
    async with start_bot() as sim:
        put_clock(sim, monkeypatch, datetime(2026, 11, 5, 10, 0))
        await office_with_october(sim)
        await add_unit(sim, "西湖社区")
        services = services_of(sim)
        held = HeldWorkers(services.workers)
        monkeypatch.setattr(services, "workers", held)
        asked = asyncio.create_task(sim.user(ADMIN).send("/monthly 2026-10"))
        await asyncio.wait_for(held.asked.wait(), timeout=30)  # the files are being made…
        [summary] = [call.params["text"] for call in sim.api.calls_of("sendMessage")]
        assert "1" in summary and "2" in summary and "西湖社区" in summary  # …and who is missing is said already
        assert sim.api.calls_of("sendDocument") == [] and sim.api.calls_of("sendPhoto") == []
        held.go.set()
        replies = await asked
        assert replies[0].text == summary
        assert len(sim.api.calls_of("sendDocument")) == 2 and len(sim.api.calls_of("sendPhoto")) == 1


async def test_a_chart_that_breaks_gets_a_polite_answer_and_the_other_files_come(start_bot, monkeypatch, tmp_path):
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8").replace('template = "a"', 'template = "fees"') + NO_FLOWS
    (tmp_path / "fees.toml").write_text(text, encoding="utf-8")
    async with start_bot(config=load_office(tmp_path / "fees.toml")) as sim:
        put_clock(sim, monkeypatch, datetime(2026, 11, 5, 10, 0))
        await add_staff(sim)
        unit = await add_unit(sim)
        await register_directly(sim, unit)
        services = services_of(sim)
        template = services.office.figures.chosen
        await services.figures.submit_month(unit.id, "2026-10", template, {"bottles": 20, "fees": 15_000}, LIAISON,
                                            services.clock(), late=False)  # fmt: skip
        replies = await sim.user(ADMIN).send("/monthly 2026-10")
        files = [body for call in sim.api.calls_of("sendDocument") for body in call.files.values()]
        assert [body[:2] for body in files] == [b"PK", b"\xef\xbb"]  # the .xlsx, then the CSV
        assert sim.api.calls_of("sendPhoto") == []
        assert "收费" in files[1].decode("utf-8-sig")
        sorry = replies[-1].text
        assert "抱歉" in sorry and "monthly-2026-10-zh.png" in sorry and "Traceback" not in sorry


class ChartsBreak:
    """The bot's worker processes, where drawing a chart fails (as a worker that dies would)."""

    def __init__(self, real):
        self.real = real

    async def run(self, fn, *args):
        if getattr(fn, "func", fn).__name__ in ("bar_panels", "month_chart"):
            raise BrokenProcessPool("a worker died")
        return await self.real.run(fn, *args)

    async def shutdown(self) -> None:
        await self.real.shutdown()


async def test_stats_whose_chart_breaks_still_give_the_figures_and_a_polite_word(start_bot, monkeypatch):
    async with start_bot() as sim:
        await add_staff(sim)
        await file_tip(sim.user(REPORTER))
        services = services_of(sim)
        monkeypatch.setattr(services, "workers", ChartsBreak(services.workers))
        replies = await sim.user(ADMIN).send("/stats")
        assert "1" in replies[0].text and sim.api.calls_of("sendPhoto") == []  # the figures, made in a worker
        assert "抱歉" in replies[-1].text and "图表" in replies[-1].text


async def test_the_worker_processes_end_when_the_bot_stops(start_bot, monkeypatch):
    async with start_bot() as sim:
        put_clock(sim, monkeypatch, datetime(2026, 11, 5, 10, 0))
        await office_with_october(sim)
        await sim.user(ADMIN).send("/monthly 2026-10")
        workers = services_of(sim).workers
        pids = workers.pids()
        assert pids and all(_alive(pid) for pid in pids)
    assert not any(_alive(pid) for pid in pids)
    with pytest.raises(RuntimeError):
        await workers.run(month_csv, None)


@pytest.mark.skipif(not hasattr(os, "nice"), reason="CPU priority is a Unix notion")
async def test_reports_are_made_at_a_lower_cpu_priority_than_the_bots_answers(start_bot):
    async with start_bot() as sim:
        niceness = await services_of(sim).workers.run(os.nice, 0)  # os.nice(0) reads it
    assert niceness >= os.nice(0) + NICENESS


async def test_a_worker_killed_is_replaced_and_monthly_still_sends_everything(start_bot, monkeypatch):
    async with start_bot() as sim:
        put_clock(sim, monkeypatch, datetime(2026, 11, 5, 10, 0))
        await office_with_october(sim)
        await sim.user(ADMIN).send("/monthly 2026-10")
        workers = services_of(sim).workers
        for pid in workers.pids():
            os.kill(pid, signal.SIGKILL)
        first = await sim.user(ADMIN).send("/monthly 2026-10")  # the files, or a polite word for each
        assert first[0].text and len(first) == 5  # the summary, the rates, then three files, or a sorry for each
        sim.api.calls.clear()
        await sim.user(ADMIN).send("/monthly 2026-10")
        assert len(sim.api.calls_of("sendDocument")) == 2 and len(sim.api.calls_of("sendPhoto")) == 1


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
