"""5. Crypto: sealing a 20 MB evidence file against the raw `cryptography` call on the same bytes, the
receipt code's verification (slow on purpose) and the attempt limit that makes guessing hopeless.

Evidence files are sealed by core.crypto.seal (storage.drafts.DraftFiles.add when a file arrives,
storage.tips.TipRepository._store_file on submission): version ‖ nonce ‖ AES-256-GCM. The raw call
is `AESGCM(key).encrypt(nonce, data, aad)` on the same bytes and associated data. The two alternate,
and the best of several runs of each is kept (the least disturbed by the noisy machine).

The attempt limit is not a setting of the office's TOML: it is core.attempts.AttemptPolicy (per
chat: free wrong codes in an hour, then doubling lock-outs). It is measured by driving the real
Limits against a real database with a simulated clock, an attacker trying again the moment a
lock-out ends.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bench.harness import median, say
from bench.report import Figure, Options, Target
from core import crypto, receipts
from core.attempts import AttemptPolicy
from core.crypto import KeyRing
from storage.db import Database
from storage.limits import Limits
from storage.vault import Vault

TITLE = "Crypto: AES-GCM of a 20 MB file, receipt verification, the wrong-code limit"
SIZE = 20 * 2**20
MB = 2**20
AAD = crypto.field_aad("tip_files", "JB2026-000123/0f1e2d3c4b5a6978", "data")
SIMULATED_DAYS = 30
ATTACKER = 6_400_000_001


def _best(runs: int, *jobs) -> list[float]:
    """The best time of each job over `runs` rounds, the jobs alternating within a round."""
    best = [float("inf")] * len(jobs)
    for _ in range(runs):
        for index, job in enumerate(jobs):
            start = time.perf_counter()
            job()
            best[index] = min(best[index], time.perf_counter() - start)
    return best


def _aes(runs: int) -> list[Figure]:
    data, dek = os.urandom(SIZE), AESGCM.generate_key(bit_length=256)
    sealed = crypto.seal(dek, data, AAD)
    nonce, body = sealed[1:13], sealed[13:]
    seal, raw = _best(runs, lambda: crypto.seal(dek, data, AAD), lambda: AESGCM(dek).encrypt(os.urandom(12), data, AAD))
    opened, raw_open = _best(
        runs, lambda: crypto.open_sealed(dek, sealed, AAD), lambda: AESGCM(dek).decrypt(nonce, body, AAD)
    )
    return [
        Figure(
            "crypto.seal_20mb",
            SIZE / seal / MB,
            "MB/s",
            SIZE / raw / MB,
            "raw AESGCM.encrypt",
            Target(0.95),
            [
                f"best of {runs}: core.crypto.seal {seal * 1000:.1f} ms, raw {raw * 1000:.1f} ms for 20 MB; seal "
                "writes the ciphertext behind its header (encrypt_into) where cryptography has it, else copies it"
            ],
        ),
        Figure(
            "crypto.open_20mb",
            SIZE / opened / MB,
            "MB/s",
            SIZE / raw_open / MB,
            "raw AESGCM.decrypt",
            details=[f"best of {runs}: core.crypto.open_sealed {opened * 1000:.1f} ms, raw {raw_open * 1000:.1f} ms"],
        ),
    ]


def _receipts(runs: int) -> list[Figure]:
    code = receipts.new_code()
    started = time.perf_counter()
    stored = receipts.hash_code(code)
    hashed = time.perf_counter() - started
    right, wrong = [], []
    for _ in range(runs):
        for bucket, typed in ((right, code), (wrong, "0" * receipts.DIGITS)):
            start = time.perf_counter()
            receipts.verify_code(typed, stored)
            bucket.append(time.perf_counter() - start)
    params = receipts.DEFAULT_PARAMS
    mean = sum(right + wrong) / (2 * runs)
    return [
        Figure(
            "crypto.verify_receipt",
            mean * 1000,
            "ms",
            target=Target(50, on="value"),
            details=[
                f"core.receipts.verify_code, mean of {2 * runs} (right code median {median(right) * 1000:.0f} ms,"
                f" wrong {median(wrong) * 1000:.0f} ms); scrypt N=2^{params.log2_n}, r={params.r}, "
                f"p={params.p}, {params.maxmem // MB} MB; hashing a new code at submission took "
                f"{hashed * 1000:.0f} ms"
            ],
        ),
    ]


async def _tries_per_day(folder: Path) -> tuple[float, AttemptPolicy]:
    """Wrong codes one chat gets to try in a day, the attacker retrying the moment a lock-out ends;
    and the policy (Limits' default, which bot.services uses)."""
    db = await Database.open(folder / "limits.sqlite3")
    try:
        await db.conn.execute("PRAGMA synchronous = OFF")
        limits = Limits(db, Vault(KeyRing.generate()))
        now = start = datetime(2026, 1, 1, tzinfo=UTC)
        tries = 0
        while now < start + timedelta(days=SIMULATED_DAYS):
            locked = await limits.locked_until(ATTACKER, now)
            if locked is not None:
                now = locked
                continue
            tries += 1
            now = (await limits.record_failure(ATTACKER, now)) or now + timedelta(seconds=1)
        return tries / SIMULATED_DAYS, limits.policy
    finally:
        await db.close()


def _span(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return f"{minutes // 60} h" if minutes >= 60 and minutes % 60 == 0 else f"{minutes} min"


async def _attempts() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="tipline-bench-") as tmp:
        per_day, policy = await _tries_per_day(Path(tmp))
    years = 10**receipts.DIGITS / 2 / per_day / 365.25
    rule = (
        f"core.attempts.AttemptPolicy: {policy.free_failures} wrong codes free per {_span(policy.window)}, then "
        f"lock-outs from {_span(policy.first_wait)}, doubling, up to {_span(policy.longest_wait)}; per chat"
    )
    return [
        Figure(
            "crypto.wrong_codes_per_day",
            per_day,
            "tries/day",
            details=[
                rule,
                f"simulated over {SIMULATED_DAYS}"
                " days with the real Limits (counting in memory); the number is not in the office's TOML",
            ],
        ),
        Figure(
            "crypto.years_to_guess",
            years,
            "years",
            details=[
                f"10^{receipts.DIGITS} codes, half of them tried on average: 5×10^15 ÷ {per_day:.1f} a day = "
                f"{years:.2g} years for one chat; a million chats at once: {years / 1e6:.2g} years"
            ],
        ),
    ]


async def run(opts: Options) -> list[Figure]:
    runs = 5 if opts.quick else 15
    say(f"crypto: sealing 20 MB, best of {runs}")
    figures = _aes(runs)
    say("crypto: verifying receipt codes")
    figures += _receipts(max(3, opts.repeats * 2))
    say("crypto: the wrong-code limit")
    return figures + await _attempts()
