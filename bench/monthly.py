"""7. /monthly with 1,000 units: how soon the admin reads who has sent, and how soon the files are there.

A database with 1,000 units, each with a liaison and a year of figures (bench.seed, without tips), and
the production Application on it; the admin sends /monthly for last month through the real handlers.
Two figures:

- first answer ÷ its SQL time: from the update to the summary's sendMessage, against the time spent
  in SQL statements until then (bench.sqlprof). Reads, the audit entry and the lock's look-up are all
  the summary needs; everything else (the table, the CSV, the chart) comes after it.
- files ready ÷ today's: from the update to the last file sent, against /monthly as it was before
  its files left the event loop (bench/monthly_before.py: every file made one after another in a
  thread with a new style object per cell, then the summary and the files), run alternately with
  it in the same process, on the same database.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.growth import _last_month
from bench.harness import median, say, tipline
from bench.monthly_before import monthly_before
from bench.report import Figure, Options, Target
from bench.seed import copy_of, seeded
from bench.seedrows import ADMIN
from bench.sqlprof import SqlProfile, total
from core import totp
from core.roles import Role

TITLE = "/monthly with 1,000 units: the summary first, the files off the event loop"
OFFICE_TZ = ZoneInfo("Asia/Shanghai")
SENDS = ("sendMessage", "sendDocument", "sendPhoto")


class Marks:
    """When the in-memory Bot API was asked to send each message, file and photo."""

    def __init__(self, api):
        self.times: list[tuple[str, float]] = []
        self.at_first = lambda: None  # called as the first message goes out
        for method in SENDS:
            original = getattr(api, f"_api_{method}")
            setattr(api, f"_api_{method}", self._marked(method, original))

    def _marked(self, method, original):
        def marked(params, files):
            if not self.times:
                self.at_first()
            self.times.append((method, time.perf_counter()))
            return original(params, files)

        return marked


async def _admin(services, at: datetime) -> None:
    """The admin, with an authenticator set up and a session open (the step-up gate lets /monthly through)."""
    async with services.db.transaction() as conn:
        await services.staff.add(conn, ADMIN, "主任", Role.ADMIN, "", "2026-01-01")
    async with services.db.unit_of_work(records=services.stepup.records) as uow:
        await uow.records.begin(ADMIN, totp.new_secret())
        await uow.records.confirm(ADMIN, totp.step_of(at), at, at.replace(year=at.year + 1))


async def _now(sim, marks: Marks, sql: SqlProfile, month: str) -> tuple[float, ...]:
    """(first answer, its SQL, files ready, then each send's time) in seconds, of one /monthly through
    the real handler."""
    marks.times.clear()
    before = sql.snapshot()
    start = time.perf_counter()
    answered: list[dict] = []
    marks.at_first = lambda: answered.append(sql.since(before))  # the SQL spent until the summary goes out
    await sim.user(ADMIN).send(f"/monthly {month}")
    marks.at_first = lambda: None
    sim.forget()
    kinds = [kind for kind, _t in marks.times]
    if kinds[0] != "sendMessage" or kinds.count("sendDocument") != 2 or "sendPhoto" not in kinds:
        raise RuntimeError(f"/monthly sent {kinds}, not the summary then two files and the chart")
    sends = [at - start for _kind, at in marks.times]  # the summary, the .xlsx, the CSV, the chart
    year_sql = total(sql.since(before)) - total(answered[0])  # the year's figures, read for the files
    return marks.times[0][1] - start, total(answered[0]), marks.times[-1][1] - start, year_sql, *sends


async def _before(sim, marks: Marks, month: str, today: date) -> float:
    """Files ready, as /monthly did it before: the last of its sends."""
    marks.times.clear()
    start = time.perf_counter()
    await monthly_before(sim.app.bot_data["services"], sim.app.bot, ADMIN, month, today, "zh")
    sim.forget()
    return marks.times[-1][1] - start


async def _run(opts: Options, folder: Path) -> list[Figure]:
    today = datetime.now(OFFICE_TZ).date()
    month = _last_month(today)
    with tempfile.TemporaryDirectory(prefix="tipline-bench-") as tmp:
        async with tipline(copy_of(folder, Path(tmp) / "units")) as sim:
            services = sim.app.bot_data["services"]
            await _admin(services, services.clock())
            marks, sql = Marks(sim.api), SqlProfile(services.db.conn, *services.db.reader.conns)
            await _now(sim, marks, sql, month)  # warm-up: the workers start, fonts and imports load
            await _before(sim, marks, month, today)
            now, before = [], []
            for index in range(max(opts.repeats, 3)):
                for side in ("now", "before") if index % 2 == 0 else ("before", "now"):
                    if side == "now":
                        now.append(await _now(sim, marks, sql, month))
                    else:
                        before.append(await _before(sim, marks, month, today))
                say(f"monthly round {index + 1}: files ready {now[-1][2]:.2f} s, before the change {before[-1]:.2f} s")
    medians = [median([run[i] for run in now]) for i in range(len(now[0]))]
    first, first_sql, ready, year_sql, _summary, xlsx, csv, png = medians
    units = f"{opts.units:,} units, /monthly {month} by the admin, median of {len(now)}"
    return [
        Figure("monthly.first_answer", first * 1000, "ms", first_sql * 1000, "its SQL time", Target(3, op="<="),
               [f"{units}: the summary of who has sent, who is missing and who was late, before any file"]),
        Figure("monthly.files_ready", ready, "s", median(before), "today's (before the change)", Target(0.35, op="<="),
               [f"{units}: the .xlsx, CSV and chart made at once in the worker processes (bot.workers), "
                "the .xlsx with XlsxWriter; before: one after another in a thread, openpyxl, a style per cell",
                f"sent at: the .xlsx {xlsx:.2f} s, the CSV {csv:.2f} s, the chart {png:.2f} s; the year's figures "
                f"read for them: {year_sql * 1000:.0f} ms of SQL"]),
    ]  # fmt: skip


def run(opts: Options) -> list[Figure]:
    folder = seeded(0, opts.units, datetime.now(OFFICE_TZ).date())
    return asyncio.run(_run(opts, folder))
