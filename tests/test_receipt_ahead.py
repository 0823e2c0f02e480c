"""The receipt's hash starts when the summary is shown and is peppered by the key ring.

What a reporter (or the operator) would notice: pressing Submit does not run scrypt again when the
summary's hash is done; a restart between summary and Submit still files the tip with a receipt that
works; changing a part keeps the code; the stored hash cannot be checked without the key ring; a tip
stored before the pepper still opens with its code; a wrong or malformed code, or an unknown tip,
costs a derivation like a right one. Derivations are counted, never timed.
"""

from __future__ import annotations

import pytest

from core import receipts
from core.crypto import KeyRing
from handlers.state import chat_draft
from tests.conftest import services_of
from tests.reporter import DESCRIPTION, Receipt, check, receipt_from, to_step

REPORTER = 6667771234


@pytest.fixture
def derivations(monkeypatch) -> list[int]:
    """Every scrypt derivation core.receipts runs (in whichever thread), one entry each."""
    calls: list[int] = []
    derive = receipts._derive

    def counted(*args, **kwargs):
        calls.append(1)
        return derive(*args, **kwargs)

    monkeypatch.setattr(receipts, "_derive", counted)
    return calls


def _code_held(sim) -> str | None:
    """The receipt code the reporter's draft holds (sealed in chat data at rest)."""
    draft = chat_draft(sim.app.chat_data.get(REPORTER))
    return draft.receipt if draft else None


async def _stored(sim, number: str) -> str:
    return await services_of(sim).tips.receipt_hash(number)


async def test_the_summary_starts_the_hash_and_submit_does_not_derive_again(start_bot, derivations):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await to_step(user, "summary")
        services = services_of(sim)
        await services.receipts.settled()
        code = _code_held(sim)
        assert len(derivations) == 1 and code is not None  # made at the summary, not at Submit

        receipt = receipt_from(await user.tap("tip:summary:submit"))
        assert len(derivations) == 1, "Submit ran scrypt again although the summary's hash was done"
        assert receipt.code == code
        assert services.receipts.waiting == 0  # forgotten once the tip is filed
        [view] = await check(user, receipt)
        assert f"举报 {receipt.number}" in view.text


async def test_submit_pressed_before_the_hash_is_done_awaits_it(start_bot, derivations):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await to_step(user, "summary")
        receipt = receipt_from(await user.tap("tip:summary:submit"))  # no wait for the thread
        assert len(derivations) == 1
        assert await services_of(sim).receipts.verify(receipt.code, await _stored(sim, receipt.number))


async def test_a_restart_between_summary_and_submit_files_the_tip_with_a_working_receipt(start_bot, derivations):
    async with start_bot() as first:
        user = first.user(REPORTER)
        await to_step(user, "summary")
        summary, data = user.find_button("tip:summary:submit")
        code = _code_held(first)
    derivations.clear()
    async with start_bot() as second:  # a new process: no hash in memory, the code in the sealed draft
        second.app.job_queue.scheduler.pause()
        reporter = second.user(REPORTER)
        receipt = receipt_from(await reporter.press(summary, data))
        assert receipt.code == code
        assert len(derivations) == 1  # hashed at Submit, as before the summary started it
        assert (await _stored(second, receipt.number)).startswith(f"{receipts.PEPPERED}$")
        [view] = await check(reporter, receipt)
        assert f"举报 {receipt.number}" in view.text


async def test_changing_a_part_at_the_summary_keeps_the_code_and_its_hash(start_bot, derivations):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await to_step(user, "summary")
        code = _code_held(sim)
        await user.tap("tip:summary:edit:description")
        [back] = await user.send(DESCRIPTION + "今天又漏了一次。")
        assert "今天又漏了一次" in back.text  # the summary again
        assert _code_held(sim) == code
        receipt = receipt_from(await user.tap("tip:summary:submit"))
        assert receipt.code == code
        assert len(derivations) == 1  # one hash for the code, reused


async def test_the_stored_hash_is_peppered_by_the_key_ring(start_bot, ring, derivations):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await to_step(user, "summary")
        receipt = receipt_from(await user.tap("tip:summary:submit"))
        stored = await _stored(sim, receipt.number)
    assert stored.startswith(f"{receipts.PEPPERED}$15$8$1$")
    assert not receipts.verify_code(receipt.code, stored)  # a database without its key ring
    assert not receipts.verify_code(receipt.code, stored, pepper=KeyRing.generate().derived_key("receipt"))
    assert receipts.verify_code(receipt.code, stored, pepper=ring.derived_key(receipts.PEPPER_LABEL))


async def test_a_tip_stored_before_the_pepper_is_followed_with_its_code(start_bot):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await to_step(user, "summary")
        receipt = receipt_from(await user.tap("tip:summary:submit"))
        services = services_of(sim)
        async with services.db.transaction() as conn:  # as an older Tipline stored it: no pepper
            old = receipts.hash_code(receipt.code)
            await conn.execute("UPDATE tips SET receipt_hash = ? WHERE number = ?", (old, receipt.number))
        assert (await _stored(sim, receipt.number)).startswith(f"{receipts.UNPEPPERED}$15$")
        [refused] = await check(user, receipt, f"{(int(receipt.code) + 1) % 10**16:016d}")
        assert "举报编号或回执码不正确" in refused.text
        [view] = await check(user, receipt)
        assert f"举报 {receipt.number}" in view.text


@pytest.mark.parametrize("case", ["wrong code", "unknown tip", "malformed code", "right code"])
async def test_every_check_costs_one_derivation(start_bot, derivations, case):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await to_step(user, "summary")
        receipt = receipt_from(await user.tap("tip:summary:submit"))
        wrong = f"{(int(receipt.code) + 1) % 10**16:016d}"
        typed = {
            "wrong code": (receipt, wrong),
            "unknown tip": (Receipt("JB2026-009999", receipt.code), None),
            "malformed code": (receipt, "1234 5678"),
            "right code": (receipt, None),
        }[case]
        derivations.clear()
        [reply] = await check(user, *typed)
        assert len(derivations) == 1
        assert (f"举报 {receipt.number}" in reply.text) is (case == "right code")
