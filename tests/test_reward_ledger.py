"""The reward ledger through the in-memory Bot API: decided, approved, claimed anonymously, paid;
the claim code works once; an unclaimed reward lapses and is reopened; only reward officers act."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.casework import Verification
from core.roles import Role
from core.tips import Status
from tests.conftest import cells_equal, move_clock, services_of
from tests.office import ADMIN, EMERGENCY, INTAKE, REPORTER, STRANGER, add_staff, notices, signed_in, work_to
from tests.reporter import check, file_tip

REWARD = 8400000008


async def _verified(sim, *, fine_yuan: int, push: bool = True, kind: str = "hazard"):
    """A tip verified true with this fine, and a reward officer."""
    services = services_of(sim)
    await add_staff(sim)
    async with services.db.transaction() as conn:
        await services.staff.add(conn, REWARD, "奖励专员", Role.REWARD, "", "2026-11-23")
    await signed_in(sim, REWARD)
    receipt = await file_tip(sim.user(REPORTER), push=push)
    await work_to(sim, receipt.number, Status.ACCEPTED)
    measures = ("fine",) if fine_yuan else ("rectify",)
    verification = Verification(outcome="true", problems=("facilities",), measures=measures, fine_fen=fine_yuan * 100)
    await services.casework.verify(receipt.number, EMERGENCY, verification, services.clock())
    return receipt


async def _decide_by_suggestion(sim, number: str):
    officer = sim.user(REWARD)
    [listing] = await officer.send("/rewards")
    assert number in listing.text and "待决定：1" in listing.text
    [card] = await officer.tap(f"rw:open:{number}")
    assert "罚款：¥80,000" in card.text and "储罐" not in card.text  # facts, never content
    [question] = await officer.tap(f"form:reward:{number}")
    assert "建议奖励：¥12,000" in question.text and "罚款 ¥80,000 × 15% = ¥12,000" in question.text
    [summary] = await officer.tap("fv:4:take")
    assert "¥12,000" in summary.text
    return officer, (await officer.tap("fv:confirm"))[0]


async def test_the_whole_ledger_with_an_anonymous_claim_in_person(start_bot, monkeypatch, settings):
    async with start_bot() as sim:
        receipt = await _verified(sim, fine_yuan=80_000)
        officer, done = await _decide_by_suggestion(sim, receipt.number)
        assert "已批准" in done.text
        # the reporter is told by push, and sees it in "check a report"
        assert notices(sim, REPORTER)
        reporter = sim.user(REPORTER)
        [view] = await check(reporter, receipt)
        assert "💰 奖励：¥12,000" in view.text and "💰 申领奖励" in view.labels
        claim_due = services_of(sim).clock().date() + timedelta(days=60)
        assert f"{claim_due:%Y-%m-%d}" in view.text
        # anonymous claim: the declaration, then in person with a one-time code
        [duty] = await reporter.tap("check:claim")
        assert "负有安全生产监督管理职责" in duty.text
        await reporter.tap("claim:no")
        [shown] = await reporter.tap("claim:person")
        code = shown.text.split("您的领奖码：")[1].split("\n")[0].replace(" ", "")
        assert len(code) == 8 and "只显示这一次" in shown.text
        assert "💰 申领奖励" not in shown.labels
        # the officer checks the code once; a second time it is refused
        await officer.tap(f"rw:open:{receipt.number}")
        await officer.tap(f"form:code:{receipt.number}")
        await officer.send("1111 2222")
        [wrong] = await officer.tap("fv:confirm")
        assert "不正确" in wrong.text
        await officer.tap(f"form:code:{receipt.number}")
        await officer.send(code)
        [right] = await officer.tap("fv:confirm")
        assert "领奖码正确" in right.text
        [again] = await officer.tap(f"form:code:{receipt.number}")
        assert "现在不能这样操作" in again.text
        # the payment
        await officer.tap(f"rw:open:{receipt.number}")
        await officer.tap(f"form:pay:{receipt.number}")
        [wrong_amount] = await officer.send("10000")
        assert "批准的金额为 ¥12,000" in wrong_amount.text
        await officer.send("12000")
        [future] = await officer.send("2099-01-01")
        assert "不能是将来的日期" in future.text
        await officer.send("今天")
        await officer.tap("fv:2:cash")
        await officer.send("收据 No.0001")
        [paid] = await officer.tap("fv:confirm")
        assert "已兑付 ¥12,000" in paid.text
        [view] = await check(reporter, receipt)
        assert "已于" in view.text and "兑付" in view.text
        actions = [e.action for e in await services_of(sim).audit.entries(receipt.number)]
        for action in ("reward.decide", "reward.notify", "reward.claimed", "reward.code_wrong", "reward.code_ok",
                       "reward.paid"):  # fmt: skip
            assert action in actions
    assert cells_equal(settings.data_dir / "tipline.sqlite3", code) == []


async def test_payee_details_are_sealed_shown_to_the_reward_officer_only_and_gone_once_paid(start_bot, settings):
    async with start_bot() as sim:
        receipt = await _verified(sim, fine_yuan=80_000)
        officer, _ = await _decide_by_suggestion(sim, receipt.number)
        reporter = sim.user(REPORTER)
        await check(reporter, receipt)
        await reporter.tap("check:claim")
        await reporter.tap("claim:no")
        await reporter.tap("claim:payee")
        [view] = await reporter.send("张三 工商银行 6222 0000 1111 2222")
        assert "申领已记录" in view.text
        payee_message = sim.api.calls_of("deleteMessage")[-1]
        assert payee_message.params["chat_id"] == REPORTER  # the details are deleted from the chat
        assert cells_equal(settings.data_dir / "tipline.sqlite3", "张三 工商银行 6222 0000 1111 2222") == []
        for other in (ADMIN, INTAKE, EMERGENCY, STRANGER):
            replies = await sim.user(other).send("/rewards")
            assert all("6222" not in r.text for r in replies)
        await officer.tap(f"rw:open:{receipt.number}")
        [question] = await officer.tap(f"rw:payee:{receipt.number}")
        assert "确定查看" in question.text and "6222" not in question.text
        [details] = await officer.tap("确定")
        assert "6222 0000 1111 2222" in details.text
        await officer.tap(f"form:pay:{receipt.number}")
        for answer in ("12000", "today"):
            await officer.send(answer)
        await officer.tap("fv:2:bank")
        await officer.send("转账流水 88")
        await officer.tap("fv:confirm")
        for data in (f"rw:payee:{receipt.number}", f"rw:ok:payee:{receipt.number}"):  # paid: gone
            [gone] = await officer.press(sim.api.messages[(REWARD, details.message_id)], data)
            assert "6222" not in gone.text
        views = [e for e in await services_of(sim).audit.entries(receipt.number) if e.action == "reward.payee_view"]
        assert [e.actor for e in views] == [REWARD]


async def _propose(sim, number: str, *, change_to: str | None = None):
    officer = sim.user(REWARD)
    await officer.send("/rewards")
    await officer.tap(f"rw:open:{number}")
    await officer.tap(f"form:reward:{number}")
    if change_to is None:
        await officer.tap("fv:4:take")
    else:
        await officer.tap("fv:4:change")
        await officer.send(change_to)
        await officer.send("举报人协助查处，证据关键")
    return (await officer.tap("fv:confirm"))[0]


def _approval(sim, amount: str) -> dict:
    """The admin's newest approval request for this amount."""
    return next(m for (chat, _), m in sorted(sim.api.messages.items(), reverse=True)
                if chat == ADMIN and amount in m.get("text", ""))  # fmt: skip


async def test_above_the_threshold_the_admin_approves_that_very_proposal(start_bot):
    async with start_bot() as sim:
        receipt = await _verified(sim, fine_yuan=1_000_000)  # 15% = ¥150,000, above ¥50,000
        done = await _propose(sim, receipt.number)
        assert "已提交管理员审批" in done.text
        rewards = services_of(sim).rewards
        assert (await rewards.get(receipt.number)).state == "proposed"
        [view] = await check(sim.user(REPORTER), receipt)
        assert "奖励" not in view.text  # nothing shown before the admin approves
        first = _approval(sim, "¥150,000")
        yes, no = (b["callback_data"] for b in first["reply_markup"]["inline_keyboard"][0])
        for intruder in (REWARD, EMERGENCY, STRANGER):
            await sim.user(intruder).press(first, yes)
            await sim.user(intruder).press(first, yes.replace("rwa:", "rwa:ok:"))  # a forged confirm
        assert (await rewards.get(receipt.number)).state == "proposed"
        [question] = await sim.user(ADMIN).press(first, no)
        assert "确定不批准举报" in question.text and "¥150,000" in question.text
        await sim.user(ADMIN).tap("确定")
        assert (await rewards.get(receipt.number)).refusal == "admin"
        [view] = await check(sim.user(REPORTER), receipt)
        assert "不予奖励" not in view.text  # the officer decides again; the reporter is not told "no" meanwhile
        await _propose(sim, receipt.number, change_to="300000")
        [stale] = await sim.user(ADMIN).press(first, yes)  # the old button, for ¥150,000
        assert "已处理过" in stale.text and (await rewards.get(receipt.number)).state == "proposed"
        second = _approval(sim, "¥300,000")
        await sim.user(ADMIN).press(second, second["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
        [stale] = await sim.user(ADMIN).press(first, yes.replace("rwa:", "rwa:ok:"))  # the old proposal's confirm
        assert "已处理过" in stale.text
        await sim.user(ADMIN).tap("确定")
        reward = await rewards.get(receipt.number)
        assert reward.state == "notified" and reward.amount_fen == 30_000_000


async def test_a_changed_amount_needs_a_reason(start_bot):
    async with start_bot() as sim:
        receipt = await _verified(sim, fine_yuan=20_000)
        officer = sim.user(REWARD)
        await officer.send("/rewards")
        await officer.tap(f"rw:open:{receipt.number}")
        await officer.tap(f"form:reward:{receipt.number}")
        await officer.tap("fv:4:change")
        await officer.send("5000")
        [summary] = await officer.send("举报人提供了关键证据，协助查处")
        assert "¥5,000" in summary.text
        await officer.tap("fv:confirm")
        reward = await services_of(sim).rewards.get(receipt.number)
        assert reward.amount_fen == 500_000 and reward.suggested_fen == 300_000
        [entry] = [e for e in await services_of(sim).audit.entries(receipt.number) if e.action == "reward.decide"]
        assert "suggested_fen=300000" in entry.detail and "amount_fen=500000" in entry.detail


async def test_an_unclaimed_reward_lapses_after_60_days_and_can_be_reopened(start_bot, monkeypatch):
    from jobs.deadlines import run_deadlines

    async with start_bot() as sim:
        receipt = await _verified(sim, fine_yuan=80_000)
        officer, _ = await _decide_by_suggestion(sim, receipt.number)
        move_clock(sim, monkeypatch, timedelta(days=60))
        await run_deadlines(sim.app)
        assert (await services_of(sim).rewards.get(receipt.number)).state == "notified"  # the 60th day still counts
        move_clock(sim, monkeypatch, timedelta(days=1))
        await run_deadlines(sim.app)
        assert (await services_of(sim).rewards.get(receipt.number)).state == "lapsed"
        [view] = await check(sim.user(REPORTER), receipt)
        assert "已逾期失效" in view.text and "💰 申领奖励" not in view.labels
        [card] = await officer.tap(f"rw:open:{receipt.number}")
        assert "奖励：逾期失效" in card.text  # docs/DOMAIN.md's name, as the exported ledger has it
        await officer.tap(f"form:reopen:{receipt.number}")
        await officer.send("举报人因住院未能按期申领")
        await officer.tap("fv:confirm")
        reward = await services_of(sim).rewards.get(receipt.number)
        assert reward.state == "notified" and reward.claim_due == services_of(sim).clock().date() + timedelta(days=60)


async def test_a_declared_supervisory_duty_refuses_the_reward(start_bot):
    async with start_bot() as sim:
        receipt = await _verified(sim, fine_yuan=80_000)
        await _decide_by_suggestion(sim, receipt.number)
        reporter = sim.user(REPORTER)
        await check(reporter, receipt)
        await reporter.tap("check:claim")
        await reporter.tap("claim:yes")
        [view] = await reporter.tap("claim:refuse")
        assert "不予奖励" in view.text and "负有安全监管职责" in view.text
        assert (await services_of(sim).rewards.get(receipt.number)).refusal == "supervisory"


async def test_a_merged_duplicate_is_not_eligible(start_bot):
    async with start_bot() as sim:
        receipt = await _verified(sim, fine_yuan=80_000)
        later = await file_tip(sim.user(REPORTER + 100))
        services = services_of(sim)
        await services.casework.merge(later.number, INTAKE, receipt.number, services.clock())
        suggestion = await services.rewards.suggestion(later.number, None)
        assert suggestion.reason == "duplicate" and receipt.number in suggestion.explanation


async def _claimed(sim, receipt) -> None:
    await _decide_by_suggestion(sim, receipt.number)
    services = services_of(sim)
    await services.rewards.claim(receipt.number, services.clock(), supervisory=False, method="payee",
                                 payee="张三 工商银行 6222 0000 1111 2222")  # fmt: skip


@pytest.mark.parametrize("data", ["form:pay", "form:code", "rw:open", "rw:payee"])
async def test_only_reward_officers_press_reward_buttons(start_bot, data):
    async with start_bot() as sim:
        receipt = await _verified(sim, fine_yuan=80_000)
        await _claimed(sim, receipt)
        for intruder in (ADMIN, INTAKE, EMERGENCY, STRANGER, REPORTER):
            user = sim.user(intruder)
            await user.send("/start")
            own = sim.api.messages[max(k for k in sim.api.messages if k[0] == intruder)]  # a message in their chat
            replies = await user.press(own, f"{data}:{receipt.number}")
            shown = " ".join(r.text for r in replies)
            assert "的奖励" not in shown and "6222" not in shown and "请输入" not in shown
        audit = [e.action for e in await services_of(sim).audit.entries(receipt.number)]
        assert (
            "reward.payee_view" not in audit and (await services_of(sim).rewards.get(receipt.number)).state == "claimed"
        )
        [card] = await sim.user(REWARD).tap(f"rw:open:{receipt.number}")  # the reward officer may
        assert "的奖励" in card.text


async def test_only_reward_officers_decide(start_bot):
    async with start_bot() as sim:
        receipt = await _verified(sim, fine_yuan=80_000)
        for intruder in (ADMIN, INTAKE, EMERGENCY, STRANGER):
            user = sim.user(intruder)
            await user.send("/start")
            own = sim.api.messages[max(k for k in sim.api.messages if k[0] == intruder)]
            replies = await user.press(own, f"form:reward:{receipt.number}")
            assert all("建议奖励" not in r.text for r in replies)
        assert await services_of(sim).rewards.get(receipt.number) is None


async def test_payee_details_are_deleted_even_when_the_check_timed_out(start_bot, monkeypatch):
    async with start_bot() as sim:
        receipt = await _verified(sim, fine_yuan=80_000)
        await _decide_by_suggestion(sim, receipt.number)
        reporter = sim.user(REPORTER)
        await check(reporter, receipt)
        await reporter.tap("check:claim")
        await reporter.tap("claim:no")
        await reporter.tap("claim:payee")
        await reporter.send_photo(b"\xff\xd8 not really a card photo")
        assert sim.api.calls_of("deleteMessage")[-1].params["chat_id"] == REPORTER
        move_clock(sim, monkeypatch, timedelta(minutes=16))
        deleted = len(sim.api.calls_of("deleteMessage"))
        [asked] = await reporter.send("张三 工商银行 6222 0000 1111 2222")
        assert len(sim.api.calls_of("deleteMessage")) == deleted + 1  # gone from the chat first
        assert "超时" in asked.text and (await services_of(sim).rewards.get(receipt.number)).state == "notified"


async def test_a_claim_code_typed_in_full_width_digits_is_right(start_bot):
    async with start_bot() as sim:
        receipt = await _verified(sim, fine_yuan=80_000)
        await _decide_by_suggestion(sim, receipt.number)
        services = services_of(sim)
        code = await services.rewards.claim(receipt.number, services.clock(), supervisory=False, method="in_person")
        wide = "".join(chr(ord(c) + 0xFEE0) for c in code)
        assert await services.rewards.check_code(receipt.number, REWARD, f"{wide[:4]} {wide[4:]}", services.clock())


async def test_a_verification_is_not_corrected_under_a_decided_reward(start_bot):
    from storage.casework import CaseError

    async with start_bot() as sim:
        receipt = await _verified(sim, fine_yuan=80_000)
        await _decide_by_suggestion(sim, receipt.number)
        services = services_of(sim)
        with pytest.raises(CaseError):
            await services.casework.verify(receipt.number, EMERGENCY, Verification(outcome="false"), services.clock())
        assert (await services.casework.verification(receipt.number)).fine_fen == 8_000_000


async def test_a_concealed_accident_asks_the_accident_facts(start_bot):
    async with start_bot() as sim:
        services = services_of(sim)
        await add_staff(sim)
        async with services.db.transaction() as conn:
            await services.staff.add(conn, REWARD, "奖励专员", Role.REWARD, "", "2026-11-23")
        await signed_in(sim, REWARD)
        from tests.reporter import file_concealed

        receipt = await file_concealed(sim.user(REPORTER))
        await work_to(sim, receipt.number, Status.VERIFIED)
        officer = sim.user(REWARD)
        await officer.send("/rewards")
        await officer.tap(f"rw:open:{receipt.number}")
        [deaths] = await officer.tap(f"form:reward:{receipt.number}")
        assert "死亡" in deaths.text
        for answer in ("5", "2", "0"):
            await officer.send(answer)
        [suggested] = await officer.send("0")
        assert "较大事故（死亡 5 人）：查实瞒报死亡 2 人 × ¥40,000 = ¥80,000" in suggested.text
