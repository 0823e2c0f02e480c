"""services.receipts.ReceiptService: hashes made ahead of Submit, reused, bounded, forgotten; and
verification with the ring's pepper. Derivations are counted (core.receipts._derive), never timed."""

from __future__ import annotations

import pytest

from core import receipts
from core.receipts import ScryptParams
from services import receipts as service
from services.receipts import ReceiptService

FAST = ScryptParams(log2_n=10)
PEPPER = bytes(range(32))
CODE, OTHER = "1234567890123456", "6543210987654321"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def derivations(monkeypatch) -> list[bytes]:
    calls: list[bytes] = []
    derive = receipts._derive

    def counted(secret, salt, params):
        calls.append(secret)
        return derive(secret, salt, params)

    monkeypatch.setattr(receipts, "_derive", counted)
    return calls


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def hashes(clock) -> ReceiptService:
    return ReceiptService(PEPPER, params=FAST, clock=clock)


async def test_a_hash_started_ahead_is_the_one_submit_gets(hashes, derivations):
    hashes.start("draft", CODE)
    hashes.start("draft", CODE)  # the summary shown again with the same code
    await hashes.settled()
    stored = await hashes.hash_for("draft", CODE)
    assert len(derivations) == 1
    assert receipts.verify_code(CODE, stored, pepper=PEPPER)
    assert await hashes.hash_for("draft", CODE) == stored  # a second press at once: the same hash


async def test_without_a_hash_ahead_submit_hashes_the_code(hashes, derivations):
    stored = await hashes.hash_for("after-a-restart", CODE)
    assert len(derivations) == 1 and await hashes.verify(CODE, stored)


async def test_another_code_for_the_draft_is_hashed_anew(hashes, derivations):
    hashes.start("draft", CODE)
    stored = await hashes.hash_for("draft", OTHER)
    hashes.start("draft", OTHER)
    await hashes.settled()
    assert len(derivations) == 3 and hashes.waiting == 1  # CODE ahead, OTHER at the press, OTHER ahead
    assert receipts.verify_code(OTHER, stored, pepper=PEPPER)


async def test_a_forgotten_draft_leaves_nothing_waiting(hashes, derivations):
    hashes.start("draft", CODE)
    hashes.forget("draft")
    assert hashes.waiting == 0
    await hashes.hash_for("draft", CODE)
    assert len(derivations) == 2


async def test_an_abandoned_hash_goes_after_its_time(hashes, clock):
    hashes.start("abandoned", CODE)
    clock.now += service.KEEP_SECONDS - 1
    hashes.start("recent", OTHER)
    assert hashes.waiting == 2
    clock.now += 2
    hashes.start("newest", CODE)
    await hashes.settled()
    assert hashes.waiting == 2  # "abandoned" went; "recent" is not yet an hour old


async def test_showing_the_summary_again_keeps_the_hash_longer(hashes, clock, derivations):
    hashes.start("draft", CODE)
    clock.now += service.KEEP_SECONDS - 1
    hashes.start("draft", CODE)
    clock.now += 2
    hashes.start("other", OTHER)
    await hashes.settled()
    await hashes.hash_for("draft", CODE)
    assert len(derivations) == 2  # CODE once, OTHER once


async def test_at_most_MOST_hashes_wait_the_oldest_going_first(hashes, monkeypatch, derivations):
    monkeypatch.setattr(service, "MOST", 3)
    for n in range(5):
        hashes.start(f"draft-{n}", CODE)
    await hashes.settled()
    assert hashes.waiting == 3
    derivations.clear()
    await hashes.hash_for("draft-4", CODE)
    assert derivations == []
    await hashes.hash_for("draft-0", CODE)
    assert len(derivations) == 1


async def test_a_hash_that_failed_in_its_thread_is_made_again(hashes, monkeypatch):
    derive = receipts._derive
    failures = iter([MemoryError("scrypt")])

    def flaky(*args):
        for failure in failures:
            raise failure
        return derive(*args)

    monkeypatch.setattr(receipts, "_derive", flaky)
    hashes.start("draft", CODE)
    await hashes.settled()
    stored = await hashes.hash_for("draft", CODE)
    assert receipts.verify_code(CODE, stored, pepper=PEPPER)


async def test_verifying_an_unknown_tip_costs_a_derivation_and_fails(hashes, derivations):
    assert not await hashes.verify(CODE, None)
    assert not await hashes.verify("garbage", None)
    assert len(derivations) == 2
    assert all(len(secret) == 32 for secret in derivations)  # peppered: scrypt never sees the code itself


async def test_verification_takes_both_schemes(hashes):
    old = receipts.hash_code(CODE, FAST)
    new = receipts.hash_code(CODE, FAST, pepper=PEPPER)
    assert await hashes.verify(CODE, old) and await hashes.verify(CODE, new)
    assert not await hashes.verify(OTHER, old) and not await hashes.verify(OTHER, new)
    assert not await hashes.verify(CODE, receipts.hash_code(CODE, FAST, pepper=bytes(32)))
