"""Tipline's benchmarks: `python -m bench [--only NAME ...] [--reporters N] [--quick]` from the repo root.

Each benchmark runs in a fresh subprocess of its own (memory figures start from a clean process,
and one benchmark's caches, threads and garbage cannot colour the next), and prints one line per
figure: name, value, baseline, ratio, target, and "met", "NOT MET" or "info". The machine is
shared and noisy, so every figure is read as a RATIO against a baseline measured in the same run,
interleaved with it where that is possible. The exit status is 0 even when a target is missed
(this is a report); it is non-zero only when a benchmark crashed.

The module interface
--------------------
A benchmark is one module `bench/<name>.py` with

    TITLE: str
        one line, printed above its figures.
    def run(opts: bench.Options) -> list[bench.Figure]      (or `async def run`: the runner awaits it)
        measures and returns its figures. `opts` holds the sizes (opts.reporters, opts.tips,
        opts.units, opts.conversations, opts.repeats) and `opts.quick` for a smoke run. Progress
        goes to stderr (`bench.harness.say`); stdout is the runner's.

A `Figure(name, value, unit, baseline=..., baseline_label=..., target=Target(0.5), details=[...])`
has ratio = value ÷ baseline; `Target(threshold, on="ratio" | "value", op=">=" | "<=")` says what
"met" means, and a figure without a target is "info". Helpers shared by benchmarks live in
`bench.harness` (the real Application on a temporary data dir, the echo bot, timed delivery of
updates, a full tip filed step by step, RSS) and `bench.sqlprof` (time per SQL statement, query plans).

Adding a benchmark is one module and one line: its name in BENCHMARKS below, in the order of the
issue.
"""

from __future__ import annotations

from bench.report import Figure, Options, Target

BENCHMARKS: tuple[str, ...] = (
    "pipeline",  # 1. tip pipeline throughput against an echo bot
    "growth",  # 2. the same with 100,000 tips; /inbox, /stats, /monthly with 1,000 units
    "fanout",  # 3. the monthly prompt to 1,000 liaisons through a Bot API enforcing 30 messages/s
    "memory",  # 4. resident memory per open conversation
    "crypto",  # 5. AES-GCM of a 20 MB file, receipt verification, the attempt limit
    "startup",  # 6. start-up with many chats ever seen against few
    "monthly",  # 7. /monthly with 1,000 units: the summary first, the files off the event loop
    "presses",  # 8. a reporter's button press alone, beside 2 submitters, beside /stats + /monthly
    "keys",  # 9. a passphrase unlock against a TOTP check; filing a tip sealed to people against the ring
)

__all__ = ["BENCHMARKS", "Figure", "Options", "Target"]
