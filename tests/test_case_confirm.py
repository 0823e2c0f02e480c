"""Taps that cannot be undone ask "确定…吗？" first; the confirm re-checks role and status; the card reads
in words (no stored codes); a refusal names the role it needs; the four-eyes rule is said as such."""

from __future__ import annotations

import re
from datetime import timedelta

from core.casework import Verification
from core.roles import Role
from core.tips import Status
from tests.conftest import move_clock, services_of
from tests.office import (
    ADMIN,
    AUDITOR,
    EMERGENCY,
    FIRE,
    INTAKE,
    REPORTER,
    STRANGER,
    add_staff,
    open_card,
    signed_in,
    work_to,
)
from tests.reporter import file_tip

SECOND_ADMIN = ADMIN + 100


async def test_back_from_a_confirm_question_changes_nothing_and_shows_the_card(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER))
        number = receipt.number
        officer, _ = await open_card(sim, INTAKE, number)
        [asked] = await officer.tap("✅ 受理")
        assert asked.labels == ["确定", "返回"]
        [card] = await officer.tap("返回")
        assert "当前状态：已接收" in card.text and "✅ 受理" in card.labels
        await officer.tap("⛔ 不予受理")
        [asked] = await officer.tap("没有明确的被举报对象或事实")
        assert f"确定以“没有明确的被举报对象或事实”为由不予受理 {number} 吗？" in asked.text
        await officer.tap("返回")
        await officer.tap("↪ 转办其他部门")
        [asked] = await officer.tap("消防工作所")
        assert asked.buttons[0][0] == ("确定", f"case:ok:to:fire:{number}")  # the same explicit data
        await officer.tap("返回")
        facets = await services_of(sim).tips.facets(number)
        assert (facets.status, facets.department) == (Status.RECEIVED, "emergency")
        actions = {e.action for e in await services_of(sim).audit.entries(tip=number)}
        assert actions == {"tip.view"}


async def test_a_stale_or_forged_confirm_is_refused_politely_and_changes_nothing(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        number = (await file_tip(sim.user(REPORTER))).number
        intake, _ = await open_card(sim, INTAKE, number)
        admin, _ = await open_card(sim, ADMIN, number)
        await intake.tap("✅ 受理")
        await admin.tap("⛔ 不予受理")
        await admin.tap("不属于安全生产问题")  # both asked at once
        await intake.tap("确定")
        [late] = await admin.tap("确定")  # the report was accepted meanwhile
        assert "这份举报现在不能这样操作" in late.text and late.labels == ["📂 返回案卡"]
        for forged in (f"case:ok:reason:bogus:{number}", f"case:ok:to:emergency:{number}"):
            [refused] = await admin.press(_last(sim, ADMIN), forged)
            assert "这份举报现在不能这样操作" in refused.text
        for forged in (f"case:ok:open:{number}", f"case:ok:files:{number}", f"case:ok:reject:{number}"):
            [invalid] = await admin.press(_last(sim, ADMIN), forged)
            assert "按钮已失效" in invalid.text
        facets = await services_of(sim).tips.facets(number)
        assert (facets.status, facets.department) == (Status.ACCEPTED, "emergency")
        actions = [e.action for e in await services_of(sim).audit.entries(tip=number)]
        assert actions.count("tip.accept") == 1 and "tip.not_accept" not in actions and "tip.reassign" not in actions


def _last(sim, chat: int) -> dict:
    return sim.api.messages[max(k for k in sim.api.messages if k[0] == chat)]


async def test_closing_asks_to_confirm(start_bot, monkeypatch):
    async with start_bot() as sim:
        await add_staff(sim)
        number = (await file_tip(sim.user(REPORTER))).number
        await work_to(sim, number, Status.REPLIED)
        move_clock(sim, monkeypatch, timedelta(days=16))  # past the objection window
        officer, _card = await open_card(sim, EMERGENCY, number)
        [asked] = await officer.tap("🏁 办结")
        assert f"确定办结 {number} 吗？办结后不能撤销。" in asked.text
        assert (await services_of(sim).tips.facets(number)).status == Status.REPLIED
        [done] = await officer.tap("确定")
        assert "已办结" in done.text and "📂 返回案卡" in done.labels
        assert (await services_of(sim).tips.facets(number)).status == Status.CLOSED


async def test_the_card_names_every_dialogue_entry_in_words(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        services = services_of(sim)
        first = (await file_tip(sim.user(REPORTER))).number
        second = (await file_tip(sim.user(REPORTER + 100))).number
        await work_to(sim, first, Status.ACCEPTED)
        at = services.clock()
        await services.casework.ask(first, EMERGENCY, "储罐在哪个位置？", at)
        assert await services.reports.write(first, "在东北角。", at.date()) == "answer"
        assert await services.reports.write(first, "还有一处隐患。", at.date()) == "message"
        await services.casework.merge(second, INTAKE, first, at)
        _, card = await open_card(sim, EMERGENCY, first)
        assert "办理单位向举报人提问：储罐在哪个位置？" in card.text
        assert re.search(r"举报人 \w{4} 回答：在东北角。", card.text)
        assert re.search(r"举报人 \w{4} 留言：还有一处隐患。", card.text)
        _, merged = await open_card(sim, EMERGENCY, second)
        assert f"已并案至：{first}" in merged.text
        for text in (card.text, merged.text):
            assert not re.search(r"\((message|question|answer|reply|merged|objection|review|extension)\)", text)
            assert "office" not in text and "reporter" not in text

        third = (await file_tip(sim.user(REPORTER + 200))).number
        officer, _ = await open_card(sim, INTAKE, third)
        await officer.tap("⛔ 不予受理")
        await officer.tap("不属于安全生产问题")
        await officer.tap("确定")
        [card] = await officer.tap("📂 返回案卡")
        assert "不予受理，理由：不属于安全生产问题" in card.text and "not_accepted" not in card.text
        await officer.send("/language")
        await officer.tap("lang:en")
        [card] = await officer.tap(f"case:open:{third}")
        assert "Not accepted (不予受理), reason: Not a work-safety matter" in card.text


async def test_a_refusal_names_the_role_it_needs_and_tells_an_admin_how_to_give_it(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        [admin] = await sim.user(ADMIN).send("/rewards")
        assert "/rewards 仅供奖励兑现人员使用" in admin.text
        assert "/staff" in admin.text and "--role reward" in admin.text  # how to give the role
        [intake] = await sim.user(INTAKE).send("/rewards")
        assert "/rewards 仅供奖励兑现人员使用" in intake.text and "/staff" not in intake.text
        [stranger] = await sim.user(STRANGER).send("/rewards")
        assert "仅限办理单位工作人员" in stranger.text and "奖励" not in stranger.text  # no hints for strangers
        [officer] = await sim.user(EMERGENCY).send("/stats")
        assert "/stats 仅供管理员（负责人）、审计人员使用" in officer.text
        auditor = sim.user(AUDITOR)
        [menu] = await auditor.send("/start")
        assert await auditor.press(sim.api.messages[(AUDITOR, menu.message_id)], "rw:open:JB2026-000001") == []
        assert "此功能仅供奖励兑现人员使用" in auditor.callback_answers()[-1]


async def _proposed_by_the_admin(sim, *, other_admin: bool) -> str:
    """A tip verified with a ¥1,000,000 fine; the admin, also a reward officer, proposes ¥150,000."""
    services = services_of(sim)
    await add_staff(sim)
    async with services.db.transaction() as conn:
        await services.staff.add(conn, ADMIN, None, Role.REWARD, "", "2026-11-23")
        if other_admin:
            await services.staff.add(conn, SECOND_ADMIN, "副主任", Role.ADMIN, "", "2026-11-23")
    if other_admin:
        await signed_in(sim, SECOND_ADMIN)
    number = (await file_tip(sim.user(REPORTER))).number
    await work_to(sim, number, Status.ACCEPTED)
    fine = Verification(outcome="true", problems=("facilities",), measures=("fine",), fine_fen=100_000_000)
    await services.casework.verify(number, EMERGENCY, fine, services.clock())
    admin = sim.user(ADMIN)
    await admin.send("/rewards")
    await admin.tap(f"rw:open:{number}")
    await admin.tap(f"form:reward:{number}")
    await admin.tap("fv:4:take")
    request, done = await admin.tap("fv:confirm")  # the admin is asked too, as every admin is
    assert "已提交管理员审批" in done.text and "需要您审批" in request.text
    return number


async def test_the_only_admin_pressing_approve_on_their_own_proposal_is_told_another_admin_must(start_bot):
    async with start_bot() as sim:
        number = await _proposed_by_the_admin(sim, other_admin=False)
        admin = sim.user(ADMIN)
        [told] = await admin.tap("批准")
        assert "这项奖励是您本人提出的，须由另一位管理员审批" in told.text
        assert "目前还没有其他管理员" in told.text and "已处理过" not in told.text
        yes = next(d for label, d in _approval_buttons(sim, ADMIN) if label == "批准")
        [forged] = await admin.press(_last(sim, ADMIN), yes.replace("rwa:", "rwa:ok:"))
        assert "须由另一位管理员审批" in forged.text
        assert (await services_of(sim).rewards.get(number)).state == "proposed"


async def test_another_admin_approves_the_admins_proposal_after_confirming(start_bot):
    async with start_bot() as sim:
        number = await _proposed_by_the_admin(sim, other_admin=True)
        rewards = services_of(sim).rewards
        [told] = await sim.user(ADMIN).tap("批准")
        assert "须由另一位管理员审批" in told.text and "目前还没有其他管理员" not in told.text
        other = sim.user(SECOND_ADMIN)
        [asked] = await other.tap("批准")
        assert f"确定批准举报 {number} 的奖励 ¥150,000 吗？" in asked.text
        assert (await rewards.get(number)).state == "proposed"
        [back] = await other.tap("返回")
        assert "需要您审批" in back.text and "批准" in back.labels
        await other.tap("批准")
        [done] = await other.tap("确定")
        assert "已批准" in done.text and (await rewards.get(number)).state == "notified"


def _approval_buttons(sim, chat: int) -> list[tuple[str, str]]:
    message = next(m for (c, _), m in sorted(sim.api.messages.items(), reverse=True)
                   if c == chat and "需要您审批" in m.get("text", ""))  # fmt: skip
    return [(b["text"], b["callback_data"]) for b in message["reply_markup"]["inline_keyboard"][0]]


async def test_an_admin_deciding_their_own_request_is_told_another_admin_must(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        services = services_of(sim)
        async with services.db.transaction() as conn:
            await services.staff.add(conn, SECOND_ADMIN, "副主任", Role.ADMIN, "", "2026-11-23")
        await signed_in(sim, SECOND_ADMIN)
        number = (await file_tip(sim.user(REPORTER), identity=("张三", "13800138000"))).number
        admin, _ = await open_card(sim, ADMIN, number)
        await admin.tap(f"form:disclose:{number}")
        await admin.send("需要联系举报人带路")
        await admin.tap("fv:confirm")
        for data in ("req:yes:1", "req:ok:yes:1"):  # not sent to the requester: forged presses
            [told] = await admin.press(_last(sim, ADMIN), data)
            assert "这项申请是您本人提出的，须由另一位管理员审批" in told.text
        other = sim.user(SECOND_ADMIN)
        [asked] = await other.tap("批准")
        assert f"确定批准举报 {number} 的这项申请吗？" in asked.text
        [back] = await other.tap("返回")
        assert "需要联系举报人带路" in back.text and back.labels == ["批准", "不批准"]
        assert not await services.requests.may_see_identity(number, ADMIN)
        await other.tap("批准")
        await other.tap("确定")
        assert await services.requests.may_see_identity(number, ADMIN)


async def test_a_form_refused_for_the_role_or_the_department_says_so(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        number = (await file_tip(sim.user(REPORTER))).number  # 危险化学品 → 应急站
        await work_to(sim, number, Status.ACCEPTED)
        expected = {
            (AUDITOR, f"form:verify:{number}"): "审计人员只能查阅举报",
            (FIRE, f"form:ask:{number}"): "这份举报属于其他部门",
            (ADMIN, f"form:pay:{number}"): "此功能仅供奖励兑现人员使用",
            (INTAKE, f"form:reward:{number}"): "此功能仅供奖励兑现人员使用",
        }
        for (who, data), reason in expected.items():
            person = sim.user(who)
            [menu] = await person.send("/start")
            replies = await person.press(sim.api.messages[(who, menu.message_id)], data)  # forged: never shown
            shown = " ".join([r.text for r in replies] + person.callback_answers()[-1:])
            assert reason in shown and "现在不能这样操作" not in shown
        assert [e.action for e in await services_of(sim).audit.entries(tip=number)] == ["tip.accept"]
