"""8. Press latency: how long a reporter's cheap button press takes (the menu's ❓ Help: one staff
look-up and a reply) alone, beside two reporters filing tips back to back (each tip ends with
Submit, the receipt's scrypt hash), and beside an admin running /stats and /monthly in a loop.

One production Application (bench.harness.tipline) on a database that has lived (bench.seed: the
growth benchmark's tips and units, so /stats and /monthly have their real weight), the admin signed
in (authenticator set up, session open). PRESSERS reporters press Help in a loop, a short pause
between presses, all at once with whatever runs beside them; every update goes through the
Application's update processor as its polling loop hands it over (bench.harness.TimedSimulation),
so a press waits for what the processor makes it wait for, as in production. A press's latency is
from its update to its reply, as the reporter sees it. The three phases alternate over the rounds,
and the background is running before the first press of a phase and until its last.

Figures: p99 beside 2 submitters ÷ p99 alone (target ≤ 1.5) and p99 beside /stats + /monthly ÷ p99
alone (target ≤ 3), issue 18's.
"""

from __future__ import annotations

import asyncio
import itertools
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.growth import _last_month
from bench.harness import INDUSTRIES, TimedSimulation, file_tip, percentile, phone_photo, say, sign_in_staff, tipline
from bench.report import Figure, Options, Target
from bench.seed import copy_of, seeded
from bench.seedrows import ADMIN
from core.roles import Role

TITLE = "Press latency: a reporter's button alone, beside 2 submitters, beside /stats + /monthly"
OFFICE_TZ = ZoneInfo("Asia/Shanghai")
PRESSERS = 3  # reporters pressing Help at once
PAUSE = 0.02  # seconds between one reporter's presses: a person's taps, not a flood
FIRST_PRESSER = 6_600_000_000
FIRST_SUBMITTER = 6_610_000_000  # each tip from a new chat: no reporter's daily limit is reached
SUBMITTERS = 2
PHASES = ("alone", "submitters", "reports")
#: Presses per presser in a phase, and the phase's time budget in seconds (no press begins after it):
#: a full run, and a quick one.
FULL, QUICK = (100, 45.0), (10, 4.0)
LABELS = {"alone": "alone", "submitters": "beside 2 submitters", "reports": "beside /stats + /monthly"}


class Presser:
    """A reporter with the menu in their chat, pressing its Help button."""

    def __init__(self, sim: TimedSimulation, uid: int):
        self.sim, self.user = sim, sim.user(uid)
        self.message: dict[str, Any] = {}
        self.data = ""

    async def open_menu(self) -> None:
        await self.user.send("/start")
        self.message, self.data = self.user.find_button("menu:help")

    async def press(self, count: int, deadline: float) -> list[float]:
        """Up to `count` presses, none begun after `deadline`: each one's seconds, update to reply."""
        times = []
        for _ in range(count):
            if times and time.perf_counter() > deadline:
                break
            start = time.perf_counter()
            replies = await self.user.press(self.message, self.data)
            times.append(time.perf_counter() - start)
            if not replies:
                raise RuntimeError("the Help press was not answered")
            await asyncio.sleep(PAUSE)
        return times


class Background:
    """What runs beside the presses: two submitters filing tips back to back, or the admin's reports."""

    def __init__(self, sim: TimedSimulation, month: str):
        self.sim, self.month = sim, month
        self.chats = itertools.count(FIRST_SUBMITTER)
        self.done = {"submitters": 0, "reports": 0}

    async def _submitter(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            uid = next(self.chats)
            await file_tip(self.sim.user(uid), phone_photo(), INDUSTRIES[uid % len(INDUSTRIES)])
            self.done["submitters"] += 1

    async def report_round(self) -> None:
        admin = self.sim.user(ADMIN)
        await admin.send("/stats")
        await admin.send(f"/monthly {self.month}")

    async def _reports(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.report_round()
            self.done["reports"] += 1

    def loops(self, phase: str) -> list[Callable[[asyncio.Event], Awaitable[None]]]:
        return {"alone": [], "submitters": [self._submitter] * SUBMITTERS, "reports": [self._reports]}[phase]


async def _phase(pressers: list[Presser], background: Background, phase: str, count: int, budget: float) -> list[float]:
    """The presses of one phase, with its background running from before the first to after the last."""
    stop = asyncio.Event()
    tasks = [asyncio.create_task(loop(stop)) for loop in background.loops(phase)]
    if tasks:
        await asyncio.sleep(0.05)  # the background's first updates are under way
    deadline = time.perf_counter() + budget
    try:
        done = await asyncio.gather(*(p.press(count, deadline) for p in pressers))
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    background.sim.forget()  # nothing is in flight: the simulation's records may go
    return [t for times in done for t in times]


def _figure(phase: str, times: list[float], alone: list[float], done: int) -> Figure:
    beside = "tips filed beside" if phase == "submitters" else "/stats + /monthly rounds beside"
    return Figure(
        f"presses.p99_{phase}",
        percentile(times, 99) * 1000,
        "ms",
        percentile(alone, 99) * 1000,
        "press p99 alone",
        Target(1.5 if phase == "submitters" else 3, op="<="),
        [
            f"press p99 {LABELS[phase]} ÷ press p99 alone: {len(times)} presses (p50 {percentile(times, 50) * 1000:.0f}"
            f" ms, max {max(times) * 1000:.0f} ms; alone p50 {percentile(alone, 50) * 1000:.0f} ms, max "
            f"{max(alone) * 1000:.0f} ms); {done} {beside} them",
        ],
    )


async def _run(opts: Options, folder: Path) -> list[Figure]:
    rounds = 1 if opts.quick else 2
    count, budget = QUICK if opts.quick else FULL
    month = _last_month(datetime.now(OFFICE_TZ).date())
    with tempfile.TemporaryDirectory(prefix="tipline-bench-") as tmp:
        async with tipline(copy_of(folder, Path(tmp) / "lived")) as sim:
            await sign_in_staff(sim.app.bot_data["services"], [(ADMIN, "主任", Role.ADMIN, "")])
            pressers = [Presser(sim, FIRST_PRESSER + n) for n in range(PRESSERS)]
            for presser in pressers:
                await presser.open_menu()
            background = Background(sim, month)
            await background.report_round()  # warm-up: /stats and /monthly once (workers, fonts, caches)
            await file_tip(sim.user(next(background.chats)), phone_photo())
            times: dict[str, list[float]] = {phase: [] for phase in PHASES}
            for index in range(rounds):
                for phase in PHASES if index % 2 == 0 else PHASES[::-1]:
                    times[phase] += await _phase(pressers, background, phase, count, budget)
                    say(f"presses round {index + 1}/{rounds}, {LABELS[phase]}: p99 "
                        f"{percentile(times[phase], 99) * 1000:.0f} ms over {len(times[phase])} presses")  # fmt: skip
            done = dict(background.done)
    alone = times["alone"]
    info = Figure(
        "presses.p99_alone",
        percentile(alone, 99) * 1000,
        "ms",
        details=[
            f"{PRESSERS} reporters pressing ❓ Help at once, {PAUSE * 1000:.0f} ms between one's presses, up to "
            f"{count} presses each per phase, {rounds} round(s) of the three phases; {len(alone)} presses alone, "
            f"p50 {percentile(alone, 50) * 1000:.0f} ms; database: {opts.tips:,} tips, {opts.units:,} units, "
            f"/monthly {month}; update processor {type(sim.app.update_processor).__name__} (at most "
            f"{sim.app.update_processor.max_concurrent_updates} updates at once)",
        ],
    )
    return [info, *(_figure(phase, times[phase], alone, done[phase]) for phase in ("submitters", "reports"))]


def run(opts: Options) -> list[Figure]:
    folder = seeded(opts.tips, opts.units, datetime.now(OFFICE_TZ).date())
    return asyncio.run(_run(opts, folder))
