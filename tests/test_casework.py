"""The office's first actions on a tip: accept, not accept with a reason, reassign; roles re-checked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.tips import Status
from tests.conftest import services_of
from tests.office import AUDITOR, EMERGENCY, FIRE, INTAKE, REPORTER, STRANGER, add_staff, notices, open_card
from tests.reporter import check, file_tip


async def test_accepting_sets_the_verification_deadline_and_tells_the_reporter(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        reporter = sim.user(REPORTER)
        receipt = await file_tip(reporter, push=True)
        officer, card = await open_card(sim, INTAKE, receipt.number)
        assert {"✅ 受理", "⛔ 不予受理", "↪ 转办其他部门"} <= set(card.labels)
        [question] = await officer.tap(f"case:accept:{receipt.number}")
        assert f"确定受理 {receipt.number} 吗？" in question.text and question.labels == ["确定", "返回"]
        assert (await services_of(sim).tips.facets(receipt.number)).status == Status.RECEIVED  # not yet
        [done, card] = await officer.tap("确定")
        assert "已受理" in done.text
        assert "当前状态：已受理" in card.text and "🔍 记录核查结果" in card.labels  # the next actions, at once
        services = services_of(sim)
        facets = await services.tips.facets(receipt.number)
        today = services.clock().date()
        assert facets.status == Status.ACCEPTED and facets.due_on == today + timedelta(days=60)
        assert len(notices(sim, REPORTER)) == 1
        [view] = await check(reporter, receipt)
        assert "当前状态：已受理" in view.text and f"{today + timedelta(days=60):%Y-%m-%d} 前核查处理完毕" in view.text
        [again] = await officer.tap(f"case:ok:accept:{receipt.number}")  # the confirm again: refused
        assert "现在不能这样操作" in again.text and "📂 返回案卡" in again.labels
        asked = sim.api.messages[(INTAKE, question.message_id)]
        [again] = await officer.press(asked, f"case:accept:{receipt.number}")  # the first tap, again: stale
        assert "现在不能这样操作" in again.text
        actions = [e.action for e in await services.audit.entries(tip=receipt.number)]
        assert actions.count("tip.accept") == 1


async def test_not_accepting_gives_the_reason_and_still_reaches_the_reporter(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        reporter = sim.user(REPORTER)
        receipt = await file_tip(reporter, push=True)
        officer, _ = await open_card(sim, EMERGENCY, receipt.number)
        [reasons] = await officer.tap(f"case:reject:{receipt.number}")
        assert "不属于安全生产问题" in reasons.labels
        [question] = await officer.tap("不属于安全生产问题")
        assert "确定以“不属于安全生产问题”为由不予受理" in question.text
        [done] = await officer.tap("确定")
        assert "不予受理" in done.text
        tips = services_of(sim).tips
        assert (await tips.facets(receipt.number)).status == Status.NOT_ACCEPTED
        assert await tips.contact(receipt.number) is None  # the push contact is destroyed…
        assert len(notices(sim, REPORTER)) == 1  # …after the reporter was told
        [view] = await check(reporter, receipt)
        assert "不予受理" in view.text and "不属于安全生产问题" in view.text and "撤回举报" not in view.labels


async def test_reassigning_moves_the_tip_between_departments(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER))  # 危险化学品 → 应急站
        officer, _ = await open_card(sim, EMERGENCY, receipt.number)
        await officer.tap(f"case:move:{receipt.number}")
        [question] = await officer.tap("消防工作所")
        assert f"确定将 {receipt.number} 转办至 消防工作所 吗？" in question.text
        [done] = await officer.tap("确定")
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
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER))
        person = sim.user(who)
        [menu] = await person.send("/start")
        message = sim.api.messages[(who, menu.message_id)]
        reason = {STRANGER: "仅限办理单位工作人员", FIRE: "属于其他部门", AUDITOR: "审计人员只能查阅举报"}[who]
        for data in (f"case:accept:{receipt.number}", f"case:reason:outside:{receipt.number}",
                     f"case:to:fire:{receipt.number}", f"case:ok:accept:{receipt.number}",
                     f"case:ok:reason:outside:{receipt.number}", f"case:ok:to:fire:{receipt.number}"):  # fmt: skip
            assert await person.press(message, data) == []
            assert reason in person.callback_answers()[-1]
        facets = await services_of(sim).tips.facets(receipt.number)
        assert (facets.status, facets.department) == (Status.RECEIVED, "emergency")


async def test_the_auditor_sees_the_card_without_action_buttons(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER))
        _, card = await open_card(sim, AUDITOR, receipt.number)
        assert "✅ 受理" not in card.labels and "📎 证据文件" in card.labels


def test_verification_outcomes_are_one_enum_and_store_the_same_codes():
    from core.casework import Verification
    from core.taxonomy import Outcome

    assert [o.value for o in Outcome] == ["true", "partly", "false"]
    assert Verification(outcome="partly").substantiated and Verification(outcome=Outcome.TRUE).substantiated
    assert not Verification(outcome=Outcome.FALSE).substantiated
    assert Verification(outcome=Outcome.TRUE).model_dump(mode="json")["outcome"] == "true"
    assert Outcome.PARTLY.label("zh") == "部分属实"
