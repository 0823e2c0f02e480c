"""The office's first actions on a tip: accept, not accept with a reason, reassign; roles re-checked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.roles import Role
from core.tips import Status
from tests.conftest import services_of
from tests.reporter import check, file_tip

REPORTER, INTAKE, EMERGENCY, FIRE, AUDITOR, STRANGER = (8400000000 + i for i in range(1, 7))


async def _staff(sim) -> None:
    services = services_of(sim)
    async with services.db.transaction() as conn:
        await services.staff.add(conn, INTAKE, "受理员", Role.INTAKE, "", "2026-11-23")
        await services.staff.add(conn, EMERGENCY, "应急站老周", Role.DEPARTMENT, "emergency", "2026-11-23")
        await services.staff.add(conn, FIRE, "消防所小王", Role.DEPARTMENT, "fire", "2026-11-23")
        await services.staff.add(conn, AUDITOR, "审计", Role.AUDITOR, "", "2026-11-23")


async def _card(sim, user_id: int, number: str):
    user = sim.user(user_id)
    await user.send("/inbox")
    [card] = await user.tap(f"case:open:{number}")
    return user, card


def _notices(sim, chat_id: int) -> list[str]:
    return [c.params["text"] for c in sim.api.calls_of("sendMessage")
            if c.params["chat_id"] == chat_id and "有新进展" in c.params["text"]]  # fmt: skip


async def test_accepting_sets_the_verification_deadline_and_tells_the_reporter(start_bot):
    async with start_bot() as sim:
        await _staff(sim)
        reporter = sim.user(REPORTER)
        receipt = await file_tip(reporter, push=True)
        officer, card = await _card(sim, INTAKE, receipt.number)
        assert {"✅ 受理", "⛔ 不予受理", "↪ 转办其他部门"} <= set(card.labels)
        [done] = await officer.tap(f"case:accept:{receipt.number}")
        assert "已受理" in done.text
        services = services_of(sim)
        facets = await services.tips.facets(receipt.number)
        today = services.clock().date()
        assert facets.status == Status.ACCEPTED and facets.due_on == today + timedelta(days=60)
        assert len(_notices(sim, REPORTER)) == 1
        [view] = await check(reporter, receipt)
        assert "当前状态：已受理" in view.text and f"{today + timedelta(days=60):%Y-%m-%d} 前核查处理完毕" in view.text
        [again] = await officer.tap(f"case:accept:{receipt.number}")  # twice: refused, nothing changes
        assert "现在不能这样操作" in again.text
        actions = [e.action for e in await services.audit.entries(tip=receipt.number)]
        assert actions.count("tip.accept") == 1


async def test_not_accepting_gives_the_reason_and_still_reaches_the_reporter(start_bot):
    async with start_bot() as sim:
        await _staff(sim)
        reporter = sim.user(REPORTER)
        receipt = await file_tip(reporter, push=True)
        officer, _ = await _card(sim, EMERGENCY, receipt.number)
        [reasons] = await officer.tap(f"case:reject:{receipt.number}")
        assert "不属于安全生产问题" in reasons.labels
        [done] = await officer.tap("不属于安全生产问题")
        assert "不予受理" in done.text
        tips = services_of(sim).tips
        assert (await tips.facets(receipt.number)).status == Status.NOT_ACCEPTED
        assert await tips.contact(receipt.number) is None  # the push contact is destroyed…
        assert len(_notices(sim, REPORTER)) == 1  # …after the reporter was told
        [view] = await check(reporter, receipt)
        assert "不予受理" in view.text and "不属于安全生产问题" in view.text and "撤回举报" not in view.labels


async def test_reassigning_moves_the_tip_between_departments(start_bot):
    async with start_bot() as sim:
        await _staff(sim)
        receipt = await file_tip(sim.user(REPORTER))  # 危险化学品 → 应急站
        officer, _ = await _card(sim, EMERGENCY, receipt.number)
        await officer.tap(f"case:move:{receipt.number}")
        [done] = await officer.tap("消防工作所")
        assert "已转办至 消防工作所" in done.text
        [fire_inbox] = await sim.user(FIRE).send("/inbox")
        assert receipt.number in fire_inbox.text
        [emergency_inbox] = await sim.user(EMERGENCY).send("/inbox")
        assert receipt.number not in emergency_inbox.text
        entries = await services_of(sim).audit.entries(tip=receipt.number)
        assert ("tip.reassign", "fire") in [(e.action, e.detail) for e in entries]


@pytest.mark.parametrize("who", [STRANGER, FIRE, AUDITOR])
async def test_others_pressing_action_buttons_are_refused_and_nothing_changes(start_bot, who):
    async with start_bot() as sim:
        await _staff(sim)
        receipt = await file_tip(sim.user(REPORTER))
        person = sim.user(who)
        [menu] = await person.send("/start")
        message = sim.api.messages[(who, menu.message_id)]
        for data in (f"case:accept:{receipt.number}", f"case:reason:outside:{receipt.number}",
                     f"case:to:fire:{receipt.number}"):  # fmt: skip
            assert await person.press(message, data) == []
            assert "仅限办理单位工作人员" in person.callback_answers()[-1]
        facets = await services_of(sim).tips.facets(receipt.number)
        assert (facets.status, facets.department) == (Status.RECEIVED, "emergency")


async def test_the_auditor_sees_the_card_without_action_buttons(start_bot):
    async with start_bot() as sim:
        await _staff(sim)
        receipt = await file_tip(sim.user(REPORTER))
        _, card = await _card(sim, AUDITOR, receipt.number)
        assert "✅ 受理" not in card.labels and "📎 证据文件" in card.labels
