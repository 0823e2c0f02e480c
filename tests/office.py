"""The office's side in tests: staff with their roles, opening a card, a tip worked to a status, a
reward decided."""

from __future__ import annotations

from datetime import timedelta

from bot.simulator import SimUser
from core import totp
from core.casework import Reply, Verification
from core.keys import KeyChain
from core.roles import Role
from core.tips import Status
from storage.keys import RECOVERY as RECOVERY_HOLDER
from storage.keys import groups_of
from tests.conftest import RECOVERY, office_chain, services_of
from tests.reporter import Receipt, check, file_tip

REPORTER = 8400000001
#: Staff by role: user id → (name, role, department).
STAFF = {
    8400000002: ("受理员", Role.INTAKE, ""),
    8400000003: ("应急站老周", Role.DEPARTMENT, "emergency"),
    8400000004: ("消防所小王", Role.DEPARTMENT, "fire"),
    8400000005: ("审计", Role.AUDITOR, ""),
    8400000007: ("主任", Role.ADMIN, ""),
}
INTAKE, EMERGENCY, FIRE, AUDITOR, ADMIN = STAFF
STRANGER = 8400000006
REWARD = 8400000008  # the reward officer (奖励专员), added by reward_to_claim
REPLY = Reply(conclusion="属实", findings="储罐区无防火堤属实", decision="责令限期整改", reward="符合奖励条件")


async def add_staff(sim) -> None:
    """The office's staff (STAFF), each with an authenticator set up and signed in (signed_in)."""
    services = services_of(sim)
    async with services.db.transaction() as conn:
        for user_id, (name, role, department) in STAFF.items():
            await services.staff.add(conn, user_id, name, role, department, "2026-11-23")
    await signed_in(sim, *STAFF)


#: How long signed_in's session lasts: longer than any test moves the clock.
SIGNED_IN_FOR = timedelta(days=5 * 365)


#: The passphrase every staff member of the tests sets.
PASSPHRASE = "储罐区每天巡查 2026"


async def signed_in(sim, *user_ids: int) -> None:
    """These staff members have an authenticator set up and a session open for SIGNED_IN_FOR, so the
    step-up gate (handlers.office.stepup) lets them open cards, files and exports as before it existed.
    Written straight to storage, as add_staff writes the staff rows (nothing audited); the gate's own
    tests (tests/test_stepup_gate.py) set staff up through the use case, without a session. Each also
    holds their keys (with_keys)."""
    services = services_of(sim)
    now = services.clock()
    async with services.db.unit_of_work(records=services.stepup.records) as uow:
        for user_id in user_ids:
            await uow.records.begin(user_id, totp.new_secret())
            assert await uow.records.confirm(user_id, totp.step_of(now), now, now + SIGNED_IN_FOR)
    await with_keys(sim, *user_ids)


async def with_keys(sim, *user_ids: int, unlocked: bool = True) -> None:
    """These staff members set PASSPHRASE, hold the key groups their roles hold (granted with the
    recovery key, as `keys recover` grants) and, `unlocked`, have them open for SIGNED_IN_FOR."""
    services = services_of(sim)
    store, now = services.keys.store, services.clock()
    groups = await store.groups()
    if not groups:
        return  # an install sealing with the ring: no keys to hold
    opened = store.open_grants(await store.grants(RECOVERY_HOLDER), RECOVERY_HOLDER, RECOVERY)
    departments = [d.code for d in services.office.departments]
    for user_id in user_ids:
        await services.keys.set_passphrase(user_id, PASSPHRASE, now)
        member, public = await services.staff.get(user_id), (await store.member(user_id)).public
        async with services.db.unit_of_work(store=store) as uow:
            for name in groups_of(member, departments):
                group = groups[name]
                await uow.store.grant(group.id, opened[group.id], user_id, public, None, now.date())
        if unlocked:
            assert await services.keys.unlock(user_id, PASSPHRASE, now + SIGNED_IN_FOR, now) is not None


async def open_card(sim, user_id: int, number: str):
    """The staff member's chat and the card they see after /inbox and a tap on the tip."""
    user = sim.user(user_id)
    await user.send("/inbox")
    *_, card = await user.tap(f"case:open:{number}")
    return user, card


def notices(sim, chat_id: int) -> list[str]:
    """The push notices a reporter's chat got."""
    return [c.params["text"] for c in sim.api.calls_of("sendMessage")
            if c.params["chat_id"] == chat_id and "有新进展" in c.params["text"]]  # fmt: skip


async def work_to(sim, number: str, status: Status) -> None:
    """Take a tip from where it is through the office's actions (by the admin) up to `status`."""
    services = services_of(sim)
    if await services.staff.get(ADMIN) is None:  # the use cases check who acts: the admin is staff
        async with services.db.transaction() as conn:
            await services.staff.add(conn, ADMIN, STAFF[ADMIN][0], Role.ADMIN, "", "2026-11-23")
    now_at = (await services.tips.facets(number)).status
    casework, at = services.casework, services.clock()
    steps = [
        (Status.ACCEPTED, lambda: casework.accept(number, ADMIN, at)),
        (Status.VERIFIED, lambda: casework.verify(number, ADMIN, Verification(
            outcome="true", problems=("facilities",), measures=("rectify",)), at)),
        (Status.REPLIED, lambda: casework.reply(number, ADMIN, REPLY, at)),
    ]  # fmt: skip
    order = [Status.RECEIVED] + [reached for reached, _ in steps]
    for reached, step in steps[order.index(now_at) :]:
        await step()
        if reached == status:
            return
    raise ValueError(f"work_to does not go to {status}")


async def reward_to_claim(sim) -> tuple[SimUser, Receipt]:
    """A tip verified true with a ¥80,000 fine and its ¥12,000 reward decided by the reward officer
    (REWARD); the reporter's chat opened on it in "check a report"."""
    services = services_of(sim)
    await add_staff(sim)
    async with services.db.transaction() as conn:
        await services.staff.add(conn, REWARD, "奖励专员", Role.REWARD, "", "2026-11-23")
    await signed_in(sim, REWARD)
    receipt = await file_tip(sim.user(REPORTER))
    await work_to(sim, receipt.number, Status.ACCEPTED)
    verified = Verification(outcome="true", problems=("facilities",), measures=("fine",), fine_fen=8_000_000)
    await services.casework.verify(receipt.number, ADMIN, verified, services.clock())
    await services.rewards.decide(receipt.number, REWARD, services.clock(), choice="take")
    reporter = sim.user(REPORTER)
    await check(reporter, receipt)
    return reporter, receipt


async def staff_and_a_checked_tip(sim, reporter_id: int) -> tuple[SimUser, Receipt]:
    """The office's staff added, and a reporter who filed a tip and is looking at it (its check open)."""
    await add_staff(sim)
    reporter = sim.user(reporter_id)
    receipt = await file_tip(reporter)
    await check(reporter, receipt)
    return reporter, receipt


async def office_keys(sim) -> KeyChain:
    """Every key group's private key, opened with the recovery key: what the test task holds from the
    start (tests/conftest.py start_bot), to set again after a test of who may read what."""
    return await office_chain(sim)
