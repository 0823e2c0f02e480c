"""1. Tip pipeline throughput: N simulated reporters each file a full tip with one photo through the real
Application (persistence, encryption, EXIF removal, database writes) on the in-memory Bot API, against
a bare python-telegram-bot echo bot given the same number of updates the same way.

Both bots run in this process at once and take turns in rounds (a slice of reporters, then as many
echo updates), so a noisy neighbour slows both alike. Updates are delivered one at a time, as
python-telegram-bot processes them by default (concurrent_updates=1); updates per second is the
number of updates over the time spent in Update.de_json + Application.process_update. Finding
buttons and reading replies are outside the timed part; the in-memory Bot API's answers (it records
each call) are inside it, the same for both bots. The AIORateLimiter is taken out (bench.harness).
"""

from __future__ import annotations

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
    file_tip,
    latency_figures,
    percentile,
    phone_photo,
    say,
    tipline,
)
from bench.report import Figure, Options, Target
from bench.sqlprof import SqlProfile, ranked, short, total
from services.reports import ReportService
from storage.drafts import DraftFiles
from storage.state import StateRepository
from storage.updates import ProcessedUpdates

TITLE = "Tip pipeline throughput against a bare echo bot (same in-memory Bot API, same delivery)"
ROUNDS = 10
WARM_UP = 3
FIRST_USER = 6_100_000_000

#: Stages timed inside the pipeline, for the breakdown under the throughput figure.
STAGES = (
    (core.receipts, "hash_code", "receipt code scrypt hash (submit)"),
    (handlers.files, "clean_image", "EXIF removal (photo re-encoded in a worker process)"),
    (DraftFiles, "add", "photo sealed into the draft (DraftFiles.add)"),
    (ReportService, "submit", "submission transaction (ReportService.submit: the tip and its receipt)"),
    (StateRepository, "save_chat_data", "write-through: chat data"),
    (StateRepository, "save_conversation", "write-through: conversation state"),
    (ProcessedUpdates, "mark", "update id marked processed"),
    (ProcessedUpdates, "seen", "update id checked (dedupe)"),
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


async def _one_round(pipe: TimedSimulation, echo: TimedSimulation, users: range, counts: Counts) -> None:
    for uid in users:
        await file_tip(pipe.user(uid), phone_photo(), INDUSTRIES[uid % len(INDUSTRIES)])
        counts.take(pipe)
    for uid in users:
        await echo_user(echo.user(uid))
        echo.forget()


async def _rounds(pipe: TimedSimulation, echo: TimedSimulation, reporters: int, counts: Counts) -> None:
    rounds = max(1, min(ROUNDS, reporters))
    bounds = [FIRST_USER + reporters * r // rounds for r in range(rounds + 1)]
    for index in range(rounds):
        marks = len(pipe.times), len(echo.times)
        await _one_round(pipe, echo, range(bounds[index], bounds[index + 1]), counts)
        say(
            f"pipeline round {index + 1}/{rounds}: {len(pipe.times) // UPDATES_PER_TIP} tips; this round "
            f"{rate(pipe.times[marks[0] :])} updates/s, echo {rate(echo.times[marks[1] :])}/s"
        )


def rate(times: list[float]) -> str:
    return f"{len(times) / sum(times):.0f}" if times else "—"


def _stage_lines(watch: Stopwatch, profile: SqlProfile, busy: float, tips: int) -> list[str]:
    out = ["stages, as shares of the pipeline's time (they overlap: COMMIT is inside the writes):"]
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


def _figures(
    pipe: TimedSimulation, echo: TimedSimulation, counts: Counts, watch: Stopwatch, profile: SqlProfile
) -> list[Figure]:
    busy, echo_busy = sum(pipe.times), sum(echo.times)
    tips = len(pipe.times) // UPDATES_PER_TIP
    per_update = counts.chat_calls / len(pipe.times)
    submit = sorted(pipe.times[UPDATES_PER_TIP - 1 :: UPDATES_PER_TIP])
    details = [
        f"{len(pipe.times):,} updates each ({tips} reporters × {UPDATES_PER_TIP}), one at a time; "
        f"time in process_update {busy:.1f} s (pipeline), {echo_busy:.1f} s (echo)",
        f"Bot API calls per update {counts.calls / len(pipe.times):.2f}, {per_update:.2f} chat-bound: through "
        f"the production AIORateLimiter (30 chat-bound calls/s) it could not pass {30 / per_update:.0f} updates/s",
        f"the submit update alone: p50 {percentile(submit, 50) * 1000:.0f} ms, "
        f"{sum(submit) / busy:.0%} of the pipeline's time",
        *_stage_lines(watch, profile, busy, tips),
    ]
    return [
        Figure(
            "pipeline.updates_per_s",
            len(pipe.times) / busy,
            "updates/s",
            len(echo.times) / echo_busy,
            "echo bot",
            Target(0.5),
            details,
        ),
        *latency_figures("pipeline", pipe.times, echo.times, "echo bot"),
    ]


async def run(opts: Options) -> list[Figure]:
    watch = Stopwatch()
    with tempfile.TemporaryDirectory(prefix="tipline-bench-") as tmp:
        async with tipline(Path(tmp)) as pipe, echo_bot() as echo:
            say(f"pipeline: warming up with {WARM_UP} tips; photo {len(phone_photo()) // 1024} KB")
            await _one_round(pipe, echo, range(FIRST_USER - WARM_UP, FIRST_USER), Counts())
            pipe.times.clear()
            echo.times.clear()
            for owner, attr, stage in STAGES:
                watch.wrap(owner, attr, stage)
            profile = SqlProfile(pipe.app.bot_data["services"].db.conn)
            counts = Counts()
            await _rounds(pipe, echo, opts.reporters, counts)
            watch.restore()
            return _figures(pipe, echo, counts, watch, profile)
