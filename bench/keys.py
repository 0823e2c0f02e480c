"""9. Keys held by people (core.keys, services.keys): what a staff member's passphrase costs at the step-up,
and what sealing a tip to people costs when it is filed.

- The unlock: services.keys.KeyService.unlock on a real database, at the passphrase's real scrypt
  parameters (core.keys.PASSPHRASE_PARAMS: the cost of one guess at a stolen member key): the passphrase's
  derivation, the member's key unwrapped, every key group granted to them opened, the audit entry. Against
  one check of an authenticator code (core.totp.matching_step), which the step-up asks anyway.
- Filing: the same reporters' scripts as benchmark 1 (a full tip with a photo, reporters at once) on two
  production Applications taking turns round by round: one whose key ring has a recovery key (the
  office's key groups are made at start-up and each tip is sealed to a key pair of its own, its private
  key sealed to the office's and the department's groups and under the receipt code: one more scrypt), and
  one without (an install from before those keys: tips sealed under the key ring, as benchmark 1 files
  them). The time per tip, people ÷ ring, is what filing pays for the wrapping.
"""

from __future__ import annotations

import itertools
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.harness import (
    INDUSTRIES,
    UPDATES_PER_TIP,
    Stopwatch,
    TimedSimulation,
    file_tip,
    median,
    office,
    overlapping,
    phone_photo,
    say,
    tipline,
)
from bench.report import Figure, Options, Target
from core import keys, totp
from core.crypto import KeyRing
from services.keys import KeyService
from storage.audit import AuditLog
from storage.db import Database
from storage.keys import KeyStore
from storage.vault import Vault

TITLE = "Keys held by people: a passphrase unlock against a TOTP check; filing a tip sealed to people against the ring"
PASSPHRASE = "储罐区每天巡查 2026"  # noqa: S105 - a benchmark member's, on a throw-away database
MEMBER = 6_500_000_001
FIRST_USER = 6_600_000_000
ROUNDS = 10
AT_LEAST = 4
WARM_UP = 2
RING, PEOPLE = "ring", "people"
SUBMIT = "submission (ReportService.submit)"


# -- the unlock ------------------------------------------------------------------------------------


async def _unlock_times(folder: Path, runs: int) -> tuple[list[float], int]:
    """Seconds per KeyService.unlock of a member holding every key group (recovered with the recovery
    key, as `keys recover` grants), and how many groups each unlock opened."""
    db = await Database.open(folder / "keys.sqlite3")
    try:
        service = KeyService(db, KeyStore(db), AuditLog(db, Vault(KeyRing.generate())), office())
        recovery, now = keys.new_private(), datetime.now(UTC)
        await service.ensure_groups(keys.public_bytes(recovery), now)
        await service.set_passphrase(MEMBER, PASSPHRASE, now)
        opened = await service.recover(keys.recovery_words(keys.private_bytes(recovery)), MEMBER, now)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            chain = await service.unlock(MEMBER, PASSPHRASE, now + timedelta(minutes=15), now)
            times.append(time.perf_counter() - start)
            if chain is None or len(chain.groups) != len(opened):
                raise RuntimeError("the unlock did not open the member's key groups")
        return times, len(opened)
    finally:
        await db.close()


def _totp_check(loops: int) -> float:
    """Seconds per check of a right authenticator code (core.totp.matching_step), the mean of `loops`."""
    secret, now = totp.new_secret(), datetime.now(UTC)
    code = totp.code_at(secret, totp.step_of(now))
    start = time.perf_counter()
    for _ in range(loops):
        totp.matching_step(secret, code, now)
    return (time.perf_counter() - start) / loops


async def _unlock(opts: Options) -> list[Figure]:
    runs = 3 if opts.quick else max(5, 3 * opts.repeats)
    params = keys._PARAMS["passphrase"]
    with tempfile.TemporaryDirectory(prefix="tipline-bench-") as tmp:
        times, groups = await _unlock_times(Path(tmp), runs)
    check = _totp_check(200 if opts.quick else 2000)
    real = "core.keys.PASSPHRASE_PARAMS" if params == keys.PASSPHRASE_PARAMS else "LOWERED (a test's)"
    return [
        Figure(
            "keys.unlock",
            median(times),
            "s",
            check,
            "a TOTP check (core.totp.matching_step)",
            Target(1.0, on="value", op="<="),
            [
                f"KeyService.unlock, median of {runs} (best {min(times) * 1000:.0f} ms, worst "
                f"{max(times) * 1000:.0f} ms): scrypt N=2^{params.log2_n}, r={params.r}, p={params.p} "
                f"({128 * params.r * 2**params.log2_n // 2**20} MiB; {real}) in a thread, then {groups} key groups "
                "opened (X25519) and the audit entry",
                f"a TOTP check: {check * 1e6:.0f} µs; the passphrase is asked once a session (with the code), "
                f"so a step-up takes about {median(times) + check:.2f} s; a guess at a stolen member key costs "
                "the same derivation",
            ],
        )
    ]


# -- filing: sealed to people against under the ring -----------------------------------------------


async def _turn(sim: TimedSimulation, users: range) -> float:
    scripts = [file_tip(sim.user(uid), phone_photo(), INDUSTRIES[uid % len(INDUSTRIES)]) for uid in users]
    wall = await overlapping(scripts)
    sim.forget()
    return wall


async def _rounds(bots: dict[str, TimedSimulation], reporters: int) -> tuple[dict[str, float], int]:
    """Each bot files `reporters` tips in rounds, the bots taking turns (who goes first alternating); the
    wall time per bot, and the most reporters at once in a round."""
    rounds = max(1, min(ROUNDS, reporters // AT_LEAST))
    bounds = [FIRST_USER + reporters * r // rounds for r in range(rounds + 1)]
    wall = dict.fromkeys(bots, 0.0)
    for index in range(rounds):
        users = range(bounds[index], bounds[index + 1])
        for name in (RING, PEOPLE) if index % 2 == 0 else (PEOPLE, RING):
            wall[name] += await _turn(bots[name], users)
        done = bounds[index + 1] - FIRST_USER
        say(f"keys round {index + 1}/{rounds}: {done} tips each; ring {wall[RING] / done:.3f} s a tip, people "
            f"{wall[PEOPLE] / done:.3f} s a tip")  # fmt: skip
    return wall, max(b - a for a, b in itertools.pairwise(bounds))


def _mean_ms(watch: Stopwatch, stage: str) -> float:
    return watch.seconds.get(stage, 0.0) / max(1, watch.calls.get(stage, 0)) * 1000


async def _sealed_tips(sim: TimedSimulation) -> int:
    (count,) = await sim.app.bot_data["services"].db.fetchone(
        "SELECT COUNT(*) FROM tips t JOIN data_keys d ON d.id = t.dek_id WHERE d.purpose = 'people'"
    )
    return int(count)


async def _filing(opts: Options) -> list[Figure]:
    reporters = max(2, opts.reporters // 4)
    watches = {RING: Stopwatch(), PEOPLE: Stopwatch()}
    with tempfile.TemporaryDirectory(prefix="tipline-bench-") as tmp:
        async with tipline(Path(tmp) / RING) as ring, tipline(Path(tmp) / PEOPLE, people=True) as people:
            bots = {RING: ring, PEOPLE: people}
            say(f"keys: warming up with {WARM_UP} tips on each bot")
            for name in bots:
                await _turn(bots[name], range(FIRST_USER - WARM_UP, FIRST_USER))
                bots[name].times.clear()
            for name, sim in bots.items():
                services = sim.app.bot_data["services"]
                watches[name].wrap(services.reports, "submit", SUBMIT)
                watches[name].wrap(services.keys, "receipt_copy", "receipt copy (scrypt, in a thread)")
                watches[name].wrap(services.tips.keystore, "new_record_key", "record keys sealed to groups")
            wall, at_once = await _rounds(bots, reporters)
            for watch in watches.values():
                watch.restore()
            sealed = (await _sealed_tips(people), await _sealed_tips(ring))
    per_tip = {name: wall[name] / reporters for name in bots}
    watch = watches[PEOPLE]
    stages = [
        f"  {stage}: {watch.seconds[stage] / watch.calls[stage] * 1000:.1f} ms × {watch.calls[stage]}"
        for stage in watch.seconds
    ]
    submit = {name: _mean_ms(watches[name], SUBMIT) for name in bots}
    return [
        Figure(
            "keys.filing_per_tip",
            per_tip[PEOPLE],
            "s",
            per_tip[RING],
            "the same tips sealed under the key ring",
            Target(1.2, op="<="),
            [
                f"{reporters} reporters on each bot, a full tip with a photo each ({UPDATES_PER_TIP} updates), up to "
                f"{at_once} at once, the bots taking turns; wall time {wall[PEOPLE]:.1f} s (people), "
                f"{wall[RING]:.1f} s (ring); tips sealed to people: {sealed[0]} (people), {sealed[1]} (ring)",
                "on the bot sealing to people, the wall time of each call (they overlap: submit holds the others):",
                *stages,
            ],
        ),
        Figure(
            "keys.submit",
            submit[PEOPLE],
            "ms",
            submit[RING],
            "ReportService.submit sealing under the ring",
            details=[
                "the mean wall time of ReportService.submit (the tip's transaction and its receipt), which where "
                "tips are sealed to people first makes the receipt copy (its scrypt in a thread) and seals the "
                f"tip's key to its groups; {reporters} tips on each bot, up to {at_once} at once"
            ],
        ),
    ]


async def run(opts: Options) -> list[Figure]:
    say("keys: unlocking a member's keys with their passphrase")
    figures = await _unlock(opts)
    say("keys: filing tips sealed to people and under the ring")
    return figures + await _filing(opts)
