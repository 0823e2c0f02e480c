"""The office's side in tests: staff with their roles, opening a card, a tip worked to a status, a
reward decided."""

from __future__ import annotations

from bot.simulator import SimUser
from core.casework import Reply, Verification
from core.roles import Role
from core.tips import Status
from tests.conftest import services_of
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
    services = services_of(sim)
    async with services.db.transaction() as conn:
        for user_id, (name, role, department) in STAFF.items():
            await services.staff.add(conn, user_id, name, role, department, "2026-11-23")


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
