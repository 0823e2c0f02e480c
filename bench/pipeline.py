"""1. Tip pipeline throughput: N simulated reporters each file a full tip with one photo through the real
Application (persistence, encryption, EXIF removal, database writes) on the in-memory Bot API, against
an echo bot with Tipline's persistence (bench.harness.echo_with_persistence: the same Application, its
EncryptedPersistence, dedupe and write-through after every update, its update processor, and no
handler but one that echoes) given as many updates by as many users the same way; and, for
information, against a bare python-telegram-bot echo bot.

The reporters really overlap: in each round a slice of them run their scripts at once (asyncio tasks,
each awaiting its own replies, as people tap while others tap), so their updates reach the bot as
they come and go through its update processor as its polling loop hands them over: one at a time
with python-telegram-bot's default, concurrently where bot.app sets a concurrent processor. The
echo bots get their users the same way. Updates per second is the number of updates over the wall
time of the round (finding buttons and reading replies included, for every bot alike). The bots take
turns, round by round, alternating who goes first, so a noisy neighbour slows all alike. The
AIORateLimiter is taken out (bench.harness.without_rate_limiter).
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import core.receipts
import handlers.files
from bench.harness import (
    INDUSTRIES,
    UPDATES_PER_TIP,
    Stopwatch,
    TimedSimulation,
    echo_bot,
    echo_user,
    echo_with_persistence,
    file_tip,
    latency_figures,
    overlapping,
    percentile,
    phone_photo,
    say,
    tipline,
)
from bench.report import Figure, Options, Target
from bench.sqlprof import SqlProfile, ranked, short, total

TITLE = "Tip pipeline throughput against an echo bot with Tipline's persistence (reporters at once)"
ROUNDS = 10
AT_LEAST = 4  # reporters at once in a round, fewer rounds if need be (a quick run has few)
WARM_UP = 3
FIRST_USER = 6_100_000_000
BASELINE = "echo bot with Tipline's persistence"

#: Stages timed inside the pipeline, for the breakdown under the throughput figure: a module's function,
#: or a method of one of the pipeline's own services (its instance only: the echo bot with Tipline's
#: persistence has repositories of the same classes, whose calls must not count here).
STAGES = (
    (core.receipts, "hash_code", "receipt code scrypt hash (summary or submit)"),
    (handlers.files, "examine", "file check and EXIF removal (in a worker process)"),
    ("drafts", "add", "photo sealed into the draft (DraftFiles.add)"),
    ("reports", "submit", "submission transaction (ReportService.submit: the tip and its receipt)"),
    (handlers, "write_through", "write-through: the update's chat, conversations and id (one transaction)"),
    ("updates", "seen", "update id checked (dedupe)"),
)


class Counts:
    """Bot API calls the pipeline made, counted before the simulation forgets them."""

    def __init__(self) -> None:
        self.calls = 0
        self.chat_calls = 0

    def take(self, sim: TimedSimulation) -> None:
        self.calls += len(sim.api.calls)
        self.chat_calls += sum(1 for call in sim.api.calls if "chat_id" in call.params)
        sim.forget()


class Bots:
    """The three bots, and per bot the wall time of its rounds and the updates they held."""

    def __init__(self, pipe: TimedSimulation, echo: TimedSimulation, bare: TimedSimulation):
        self.pipe, self.echo, self.bare = pipe, echo, bare
        self.wall = {"pipe": 0.0, "echo": 0.0, "bare": 0.0}

    def rate(self, name: str) -> float:
        return len(getattr(self, name).times) / self.wall[name]

    def clear(self) -> None:
        for name in self.wall:
            getattr(self, name).times.clear()
            self.wall[name] = 0.0


async def _turn(bots: Bots, name: str, users: range, counts: Counts) -> None:
    """One bot's turn: `users` at once, each a full tip (the pipeline) or as many echoed messages."""
    sim = getattr(bots, name)
    if name == "pipe":
        scripts = [file_tip(sim.user(uid), phone_photo(), INDUSTRIES[uid % len(INDUSTRIES)]) for uid in users]
    else:
        scripts = [echo_user(sim.user(uid)) for uid in users]
    bots.wall[name] += await overlapping(scripts)
    if name == "pipe":
        counts.take(sim)
    sim.forget()


async def _one_round(bots: Bots, users: range, counts: Counts, index: int = 0) -> None:
    order = ("pipe", "echo", "bare")
    for name in order if index % 2 == 0 else order[::-1]:
        await _turn(bots, name, users, counts)


async def _rounds(bots: Bots, reporters: int, counts: Counts) -> int:
    """The reporters in rounds; returns how many ran at once in a round (the most)."""
    rounds = max(1, min(ROUNDS, reporters // AT_LEAST))
    bounds = [FIRST_USER + reporters * r // rounds for r in range(rounds + 1)]
    for index in range(rounds):
        await _one_round(bots, range(bounds[index], bounds[index + 1]), counts, index)
        say(
            f"pipeline round {index + 1}/{rounds}: {len(bots.pipe.times) // UPDATES_PER_TIP} tips; so far "
            f"{bots.rate('pipe'):.0f} updates/s, echo with persistence {bots.rate('echo'):.0f}/s, "
            f"bare echo {bots.rate('bare'):.0f}/s"
        )
    return max(b - a for a, b in itertools.pairwise(bounds))


def _stage_lines(watch: Stopwatch, profile: SqlProfile, busy: float, tips: int) -> list[str]:
    out = ["stages, as shares of the pipeline's wall time (they overlap: COMMIT is inside the writes, and"
           " updates handled at once add up to more than the wall time):"]  # fmt: skip
    for _owner, _attr, stage in STAGES:
        seconds, calls = watch.seconds.get(stage, 0.0), watch.calls.get(stage, 0)
        if calls:
            out.append(
                f"  {stage}: {seconds / busy:.0%} ({seconds / calls * 1000:.1f} ms × {calls}, "
                f"{seconds / tips * 1000:.0f} ms a tip)"
            )
    sql = profile.since({})
    commits = sum(seconds for key, (_c, seconds) in sql.items() if key == "COMMIT")
    out.append(
        f"  all SQL (incl. waiting for the connection's thread): {total(sql) / busy:.0%}; of it COMMIT "
        f"(WAL fsync, synchronous=FULL): {commits / busy:.0%}"
    )
    top = ranked({k: v for k, v in sql.items() if k != "COMMIT"})[:3]
    out += [f"  SQL {seconds / busy:.1%} ×{count}: {short(key, 100)}" for key, count, seconds in top]
    return out


def _processor(app) -> str:
    processor = app.update_processor
    return f"{type(processor).__name__} (at most {processor.max_concurrent_updates} updates at once)"


def _figures(bots: Bots, counts: Counts, watch: Stopwatch, profile: SqlProfile, at_once: int) -> list[Figure]:
    pipe, wall = bots.pipe, bots.wall["pipe"]
    tips = len(pipe.times) // UPDATES_PER_TIP
    per_update = counts.chat_calls / len(pipe.times)
    submit = sorted(pipe.times[UPDATES_PER_TIP - 1 :: UPDATES_PER_TIP])
    details = [
        f"{len(pipe.times):,} updates on each bot ({tips} reporters × {UPDATES_PER_TIP}), up to {at_once} reporters "
        f"at once; wall time {wall:.1f} s (pipeline), {bots.wall['echo']:.1f} s (echo with persistence), "
        f"{bots.wall['bare']:.1f} s (bare echo); update processor {_processor(pipe.app)}",
        f"Bot API calls per update {counts.calls / len(pipe.times):.2f}, {per_update:.2f} chat-bound: through "
        f"the production AIORateLimiter (30 chat-bound calls/s) it could not pass {30 / per_update:.0f} updates/s",
        f"the submit update (waiting for the processor included): p50 {percentile(submit, 50) * 1000:.0f} ms",
        *_stage_lines(watch, profile, wall, tips),
    ]
    return [
        Figure(
            "pipeline.updates_per_s",
            bots.rate("pipe"),
            "updates/s",
            bots.rate("echo"),
            BASELINE,
            Target(0.5),
            details,
        ),
        Figure(
            "pipeline.vs_bare_echo",
            bots.rate("pipe"),
            "updates/s",
            bots.rate("bare"),
            "bare PTB echo bot",
            details=[
                f"the echo bot with Tipline's persistence: {bots.rate('echo') / bots.rate('bare'):.3g} of the bare one"
            ],
        ),
        *latency_figures("pipeline", pipe.times, bots.echo.times, BASELINE),
    ]


async def run(opts: Options) -> list[Figure]:
    watch = Stopwatch()
    with tempfile.TemporaryDirectory(prefix="tipline-bench-") as tmp:
        async with (
            tipline(Path(tmp) / "tipline") as pipe,
            echo_with_persistence(Path(tmp) / "echo") as echo,
            echo_bot() as bare,
        ):
            bots = Bots(pipe, echo, bare)
            say(f"pipeline: warming up with {WARM_UP} tips; photo {len(phone_photo()) // 1024} KB")
            await _one_round(bots, range(FIRST_USER - WARM_UP, FIRST_USER), Counts())
            bots.clear()
            services = pipe.app.bot_data["services"]
            for owner, attr, stage in STAGES:
                watch.wrap(getattr(services, owner) if isinstance(owner, str) else owner, attr, stage)
            profile = SqlProfile(services.db.conn, *services.db.reader.conns)
            counts = Counts()
            at_once = await _rounds(bots, opts.reporters, counts)
            watch.restore()
            return _figures(bots, counts, watch, profile, at_once)
