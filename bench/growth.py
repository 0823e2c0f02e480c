"""2. Growth: the tip pipeline, start-up and the office's commands on a database that has lived
(100,000 tips, 1,000 units with liaisons and a year of figures: bench.seed) against an empty one.

Both bots run in this process at once and take turns (rounds of reporters, alternating which goes
first; each command alternately on one and the other), so noise hits both alike. The commands go
through the real handlers as a staff member's messages: /inbox (the admin, who sees every tip, and
a department officer), /stats for this year, /monthly for last month, and opening a tip's card
(decrypted for real). Every SQL statement is timed on the seeded database (bench.sqlprof) to name
the one that dominates each command, and EXPLAIN QUERY PLAN lists the statements that scan a table.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from contextlib import AsyncExitStack
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.harness import (
    DESCRIPTION,
    INDUSTRIES,
    TimedSimulation,
    file_tip,
    latency_figures,
    median,
    phone_photo,
    rss_bytes,
    say,
    tipline,
)
from bench.report import Figure, Options, Target
from bench.seed import copy_of, seeded
from bench.seedrows import ADMIN
from bench.sqlprof import SqlProfile, ranked, scans, short, total
from core import totp
from core.roles import Role

TITLE = "Growth: a database that has lived against an empty one (pipeline, start-up, office commands)"
OFFICE_TZ = ZoneInfo("Asia/Shanghai")  # TIPLINE_TIMEZONE's default: the bot's "today"
OFFICER = 8_400_000_003  # a department officer of 应急站 (emergency)
FIRST_USER = 6_200_000_000  # clear of the seeded chats (6,000,000,000 + n)
ROUNDS = 10


class Side:
    """One of the two bots: its simulation, its SQL profile, and its timings by measurement."""

    def __init__(self, name: str, sim: TimedSimulation, started: float):
        self.name, self.sim, self.started = name, sim, started
        self.services = sim.app.bot_data["services"]
        self.sql = SqlProfile(self.services.db.conn, *self.services.db.reader.conns)
        self.pipeline: list[float] = []
        self.memory = 0  # bytes of resident memory its start-up added

    async def add_staff(self) -> None:
        """The admin and the officer, each with an authenticator set up and a session open for the run
        (the step-up gate, handlers.office.stepup, would otherwise ask them for a code)."""
        async with self.services.db.transaction() as conn:
            await self.services.staff.add(conn, ADMIN, "主任", Role.ADMIN, "", "2026-01-01")
            await self.services.staff.add(conn, OFFICER, "应急站老周", Role.DEPARTMENT, "emergency", "2026-01-01")
        now = self.services.clock()
        async with self.services.db.unit_of_work(records=self.services.stepup.records) as uow:
            for user_id in (ADMIN, OFFICER):
                await uow.records.begin(user_id, totp.new_secret())
                await uow.records.confirm(user_id, totp.step_of(now), now, now + timedelta(days=1))

    async def send(self, user_id: int, text: str) -> tuple[float, dict]:
        """(seconds, SQL by statement) of one command sent by a staff member."""
        before, mark = self.sql.snapshot(), len(self.sim.times)
        await self.sim.user(user_id).send(text)
        self.sim.forget()
        return self.sim.times[mark], self.sql.since(before)

    async def press(self, user_id: int, data: str) -> tuple[float, list[str]]:
        """(seconds, texts shown) of one button press, such as a card's case:open:<number>."""
        mark, user = len(self.sim.times), self.sim.user(user_id)
        replies = await user.press({"message_id": 1, "chat": user.chat, "date": 0}, data)
        self.sim.forget()
        return self.sim.times[mark], [r.text for r in replies]


async def _start(stack: AsyncExitStack, name: str, folder: Path) -> Side:
    """Start a bot on `folder`, timing the start-up and the resident memory it added."""
    memory, began = rss_bytes(), time.perf_counter()
    sim = await stack.enter_async_context(tipline(folder))
    side = Side(name, sim, time.perf_counter() - began)
    side.memory = rss_bytes() - memory
    return side


# -- the pipeline ----------------------------------------------------------------------------------


async def _pipeline(empty: Side, full: Side, reporters: int) -> None:
    rounds = max(1, min(ROUNDS, reporters))
    for index in range(rounds):
        users = range(FIRST_USER + reporters * index // rounds, FIRST_USER + reporters * (index + 1) // rounds)
        for side in (empty, full) if index % 2 == 0 else (full, empty):
            mark = len(side.sim.times)
            for uid in users:
                await file_tip(side.sim.user(uid), phone_photo(), INDUSTRIES[uid % len(INDUSTRIES)])
                side.sim.forget()
            side.pipeline += side.sim.times[mark:]
        say(
            f"growth round {index + 1}/{rounds}: empty {len(empty.pipeline) / sum(empty.pipeline):.0f} updates/s, "
            f"seeded {len(full.pipeline) / sum(full.pipeline):.0f} updates/s"
        )


def _pipeline_figures(empty: Side, full: Side, sizes: str) -> list[Figure]:
    rate = {side.name: len(side.pipeline) / sum(side.pipeline) for side in (empty, full)}
    return [
        Figure(
            "growth.updates_per_s",
            rate["seeded"],
            "updates/s",
            rate["empty"],
            "empty database",
            Target(0.8),
            [f"seeded: {sizes}; {len(full.pipeline):,} updates on each database, in {ROUNDS} alternating rounds"],
        ),
        *latency_figures("growth", full.pipeline, empty.pipeline, "empty database"),
    ]


# -- the office's commands -------------------------------------------------------------------------


def _sql_lines(runs: list[tuple[float, dict]], empty_runs: list[tuple[float, dict]]) -> list[str]:
    took = median([t for t, _ in runs])
    sql = {}
    for _t, delta in runs:
        for key, (count, seconds) in delta.items():
            was = sql.get(key, (0, 0.0))
            sql[key] = (was[0] + count, was[1] + seconds)
    n = len(runs)
    empty_sql = median([total(d) for _t, d in empty_runs]) * 1000
    out = [
        f"SQL {total(sql) / n * 1000:.1f} ms of the {took * 1000:.0f} ms call (empty database: {empty_sql:.1f} ms);"
        " the statements taking most, the first dominating:"
    ]
    for key, count, seconds in ranked(sql)[:3]:
        out.append(f"  {seconds / n * 1000:.1f} ms ({seconds / n / took:.0%}) ×{count / n:g}: {short(key, 110)}")
    return out


async def _command(empty: Side, full: Side, name: str, user_id: int, text: str, repeats: int) -> Figure:
    """The command's time on each database (median), and on the seeded one the SQL that dominates it."""
    for side in (empty, full):  # warm-up: imports, fonts, caches
        await side.send(user_id, text)
    runs: dict[str, list[tuple[float, dict]]] = {"empty": [], "seeded": []}
    for index in range(repeats):
        for side in (empty, full) if index % 2 == 0 else (full, empty):
            runs[side.name].append(await side.send(user_id, text))
    seeded_ms, empty_ms = (median([t for t, _ in runs[k]]) * 1000 for k in ("seeded", "empty"))
    say(f"growth {text}: seeded {seeded_ms:.0f} ms, empty {empty_ms:.0f} ms")
    return Figure(
        f"growth.{name}",
        seeded_ms,
        "ms",
        empty_ms,
        "empty database",
        details=[
            f"{text} by {'the admin' if user_id == ADMIN else 'a department officer'}, median of {repeats}",
            *_sql_lines(runs["seeded"], runs["empty"]),
        ],
    )


async def _card(empty: Side, full: Side, repeats: int) -> Figure:
    """Opening a tip's card (decrypted, audited): the newest tip on each database, and a seeded one."""
    newest = {}
    for side in (empty, full):
        newest[side.name] = (await side.sql.unprofiled("SELECT number FROM tips ORDER BY id DESC LIMIT 1"))[0]
    old = (
        await full.sql.unprofiled(
            "SELECT t.number FROM tips t JOIN tip_messages m ON m.tip_id = t.id ORDER BY t.id DESC LIMIT 1"
        )
    )[0]
    _took, texts = await full.press(ADMIN, f"case:open:{old}")
    if not any(DESCRIPTION in text for text in texts):
        raise RuntimeError(f"the seeded tip {old} did not open: its card lacks the description")
    times: dict[str, list[float]] = {"empty": [], "seeded": []}
    for index in range(repeats + 1):
        for side in (empty, full) if index % 2 == 0 else (full, empty):
            took, _texts = await side.press(ADMIN, f"case:open:{newest[side.name]}")
            if index:  # the first is a warm-up
                times[side.name].append(took)
    return Figure(
        "growth.card",
        median(times["seeded"]) * 1000,
        "ms",
        median(times["empty"]) * 1000,
        "empty database",
        details=[f"the newest tip's card, decrypted and audited; the seeded tip {old} opened for real too"],
    )


# -- what scans ------------------------------------------------------------------------------------


def _why(sql: str, steps: list[str]) -> str:
    """A hint at what a scan means: a foreign-key check, a scan that stops at its LIMIT, or a real one."""
    words = sql.split()
    own = words[2] if words[0] in ("DELETE", "UPDATE") and len(words) > 2 else None
    if words[0] == "UPDATE":
        own = words[1]
    if own and any(step.split()[1] != own for step in steps):
        return "foreign-key checks: child columns with no index, each scanned whole"
    if " LIMIT " in f"{sql} ":
        return "in index order up to the LIMIT: reads few rows unless the filter is rare"
    return "reads the whole table or index"


async def _scans(full: Side) -> Figure:
    plans = await full.sql.plans()
    spent = full.sql.snapshot()
    found = sorted(
        ((key, steps) for key, plan in plans.items() if (steps := scans(plan))),
        key=lambda item: -spent.get(item[0], (0, 0.0))[1],
    )
    details = [
        f"{spent.get(key, (0, 0.0))[1] * 1000:,.0f} ms in all, ×{spent.get(key, (0, 0))[0]}: {short(key, 90)}\n"
        f"      {'; '.join(steps)} ({_why(key, steps)})"
        for key, steps in found[:8]
    ]
    return Figure(
        "growth.full_scans",
        len(found),
        "statements",
        details=[
            "statements run on the seeded database whose EXPLAIN QUERY PLAN scans, by time spent in them:",
            *details,
        ]
        if details
        else ["no statement scans a table"],
    )


async def _run(opts: Options, folder: Path) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="tipline-bench-") as tmp:
        full_dir = copy_of(folder, Path(tmp) / "seeded")
        async with AsyncExitStack() as stack:
            empty = await _start(stack, "empty", Path(tmp) / "empty")
            full = await _start(stack, "seeded", full_dir)
            for side in (empty, full):
                await side.add_staff()
            (chats,) = await full.sql.unprofiled("SELECT COUNT(*) FROM chat_language")
            figures = [
                Figure(
                    "growth.startup",
                    full.started,
                    "s",
                    empty.started,
                    "empty database",
                    details=[
                        f"start-up loads live conversations only (the {chats:,} language choices that chats left are "
                        f"looked up when a chat is seen): resident memory +{full.memory / 2**20:.0f} MB (empty "
                        f"database: +{empty.memory / 2**20:.0f} MB)"
                    ],
                )
            ]
            month = _last_month(datetime.now(OFFICE_TZ).date())
            for name, user_id, text in (
                ("inbox_admin", ADMIN, "/inbox"),
                ("inbox_department", OFFICER, "/inbox"),
                ("stats", ADMIN, "/stats"),
                ("monthly", ADMIN, f"/monthly {month}"),
            ):
                figures.append(await _command(empty, full, name, user_id, text, opts.repeats))
            await _pipeline(empty, full, opts.growth_reporters)
            figures[0:0] = _pipeline_figures(empty, full, await _sizes(full))
            figures.append(await _card(empty, full, opts.repeats))
            figures.append(await _scans(full))
            return figures


async def _sizes(full: Side) -> str:
    counts = []
    for table in ("tips", "tip_events", "audit_log", "data_keys", "chat_language", "units", "figure_reports"):
        (count,) = await full.sql.unprofiled(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - our names
        counts.append(f"{count:,} {table}")
    return ", ".join(counts)


def _last_month(today: date) -> str:
    return f"{today.year - 1}-12" if today.month == 1 else f"{today.year}-{today.month - 1:02d}"


def run(opts: Options) -> list[Figure]:
    folder = seeded(opts.tips, opts.units, datetime.now(OFFICE_TZ).date())
    return asyncio.run(_run(opts, folder))
