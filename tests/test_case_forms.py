"""Staff forms and the actions behind them: merging, identity disclosure, and every kind of bad
input (a sticker, a forged or stale button, a restart mid-form, a stranger, a repeated update)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.roles import Role
from core.tips import Status
from tests.conftest import cells_equal, services_of
from tests.office import (
    ADMIN,
    AUDITOR,
    EMERGENCY,
    FIRE,
    INTAKE,
    PASSPHRASE,
    REPORTER,
    STRANGER,
    add_staff,
    open_card,
    signed_in,
    with_keys,
    work_to,
)
from tests.reporter import check, file_tip


async def test_merging_a_duplicate_into_the_earlier_tip(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        first = await file_tip(sim.user(REPORTER))
        second = await file_tip(sim.user(REPORTER + 100), push=True)
        await work_to(sim, first.number, Status.ACCEPTED)
        officer, card = await open_card(sim, EMERGENCY, second.number)
        await officer.tap(f"form:merge:{second.number}")
        [refused] = await officer.send(second.number)  # not into itself
        assert "只能并入一件更早的" in refused.text
        [refused] = await officer.send("JB2026-000099")
        assert "没有您可以查看的举报" in refused.text
        [summary] = await officer.send(first.number.lower())
        assert first.number in summary.text
        [done] = await officer.tap("fv:confirm")
        assert "已并入" in done.text
        tips = services_of(sim).tips
        facets = await tips.facets(second.number)
        assert facets.status == Status.MERGED and facets.merged_into == first.number
        _, card = await open_card(sim, EMERGENCY, first.number)
        assert second.number in card.text  # the earlier card lists what was merged into it
        [view] = await check(sim.user(REPORTER + 100), second)
        assert "已并案办理" in view.text and first.number not in view.text  # the earlier report stays unknown

        # the officer writing the reply is told who reads it; it reaches the merged tip's reporter
        await work_to(sim, first.number, Status.VERIFIED)
        replier, _ = await open_card(sim, EMERGENCY, first.number)
        [warned] = await replier.tap(f"form:reply:{first.number}")
        assert "并入本件的 1 件举报的举报人" in warned.text
        await replier.send("/cancel")
        await work_to(sim, first.number, Status.REPLIED)
        [view] = await check(sim.user(REPORTER + 100), second)
        assert "核查结论：属实" in view.text
        services = services_of(sim)
        await services.casework.close_expired(services.clock() + timedelta(days=11))
        assert (await tips.facets(second.number)).status == Status.CLOSED


async def test_identity_is_shown_only_to_the_requester_after_approval(start_bot, settings):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER), identity=("张三", "13800138000"))
        officer, card = await open_card(sim, EMERGENCY, receipt.number)
        assert "张三" not in card.text and "13800138000" not in card.text and "留有真实姓名" in card.text
        await officer.tap(f"form:disclose:{receipt.number}")
        await officer.send("需要联系举报人带路进入厂区")
        await officer.tap("fv:confirm")
        message = sim.api.messages[next(k for k in sim.api.messages if k[0] == EMERGENCY)]
        [early] = await officer.press(message, f"case:identity:{receipt.number}")  # before approval
        assert "张三" not in early.text
        admin = sim.user(ADMIN)
        [push] = [c.params["text"] for c in sim.api.calls_of("sendMessage") if c.params["chat_id"] == ADMIN]
        assert "需要联系举报人带路" not in push and "按下方按钮查看" in push  # the reason is sealed: shown on a press
        [question] = await admin.tap("批准")
        assert "确定批准举报" in question.text and "理由：需要联系举报人带路进入厂区" in question.text
        await admin.tap("确定")
        [told] = [r for r in sim.api.calls_of("sendMessage") if r.params["chat_id"] == EMERGENCY][-1:]
        assert "已批准" in told.params["text"]
        [question] = await officer.tap("👤 查看举报人身份")
        assert "每次查看都会记录在案" in question.text and "张三" not in question.text
        [shown] = await officer.tap("确定")
        assert "张三" in shown.text and "13800138000" in shown.text
        # nobody else: not the intake officer, not the admin who approved it, not even by a forged confirm
        for other in (INTAKE, ADMIN, AUDITOR):
            for data in (f"case:identity:{receipt.number}", f"case:ok:identity:{receipt.number}"):
                await sim.user(other).press(message, data)
        shown_to = [c.params["chat_id"] for c in sim.api.calls_of("sendMessage") if "张三" in c.params["text"]]
        assert shown_to == [EMERGENCY]
        actions = [e.action for e in await services_of(sim).audit.entries(receipt.number)]
        assert actions.count("identity.view") == 1
        assert "disclosure.request" in actions and "disclosure.approve" in actions
    assert cells_equal(settings.data_dir / "tipline.sqlite3", "张三") == []


async def test_a_sticker_a_stale_button_and_a_repeated_confirm_in_a_form(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER))
        await work_to(sim, receipt.number, Status.ACCEPTED)
        officer, _ = await open_card(sim, EMERGENCY, receipt.number)
        await officer.tap(f"form:verify:{receipt.number}")
        [answer] = await officer.send_sticker()
        assert "请用文字回答，或使用按钮" in answer.text and "属实" in " ".join(answer.labels)
        [answer] = await officer.send("属实")  # typed where a button is asked for
        assert "请用下面的按钮回答" in answer.text
        message = sim.api.messages[next(k for k in reversed(sim.api.messages) if k[0] == EMERGENCY)]
        [forged] = await officer.press(message, "fv:2:fine")  # a button of a later step
        assert "按钮已失效" in forged.text
        [forged] = await officer.press(message, "fv:0:maybe")  # an option that does not exist
        assert "按钮已失效" in forged.text
        await officer.tap("fv:0:false")
        [confirmed] = await officer.tap("fv:confirm")
        assert "核查结果已记录" in confirmed.text
        await officer.redeliver()  # Telegram delivers the press again
        entries = [e.action for e in await services_of(sim).audit.entries(receipt.number)]
        assert entries.count("tip.verify") == 1 and "tip.verify.correct" not in entries


async def test_a_form_resumes_after_a_restart(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER))
        officer, _ = await open_card(sim, EMERGENCY, receipt.number)
        await officer.tap(f"form:ask:{receipt.number}")
    async with start_bot() as sim:
        officer = sim.user(EMERGENCY)
        [summary] = await officer.send("储罐离围墙多远？")
        assert "确认发送吗" in summary.text
        [asked] = await officer.tap("fv:confirm")
        assert "输入您的口令" in asked.text  # the keys went with the process: the passphrase first
        await officer.send(PASSPHRASE)
        messages = await services_of(sim).tips.messages(receipt.number)
        assert [m.text for m in messages] == ["储罐离围墙多远？"]


async def test_cancel_leaves_the_form_and_nothing_is_sent(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER))
        officer, _ = await open_card(sim, EMERGENCY, receipt.number)
        await officer.tap(f"form:ask:{receipt.number}")
        [cancelled] = await officer.send("/cancel")
        assert "已取消" in cancelled.text
        [after] = await officer.send("这句话不是问题")
        assert "这句话不是问题" not in after.text
        assert await services_of(sim).tips.messages(receipt.number) == []


async def test_the_tip_moving_on_during_a_form_writes_nothing(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER))
        officer, _ = await open_card(sim, EMERGENCY, receipt.number)
        await officer.tap(f"form:ask:{receipt.number}")
        await officer.send("储罐离围墙多远？")
        services = services_of(sim)
        await services.casework.withdraw(receipt.number, services.clock())  # meanwhile, the reporter withdraws
        [answer] = await officer.tap("fv:confirm")
        assert "没有发送任何内容" in answer.text
        assert await services.tips.messages(receipt.number) == []


@pytest.mark.parametrize(
    "data",
    ["form:ask", "form:verify", "form:reply", "form:merge", "form:extend", "form:review", "form:disclose",
     "case:accept", "case:reject", "case:reason:unclear", "case:move", "case:to:fire", "case:close",
     "case:identity", "case:open", "case:files"],
)  # fmt: skip
async def test_strangers_reporters_and_auditors_pressing_staff_buttons_change_nothing(start_bot, data):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER), identity=("张三", "13800138000"))
        await open_card(sim, INTAKE, receipt.number)
        message = sim.api.messages[next(k for k in reversed(sim.api.messages) if k[0] == INTAKE)]
        before = await services_of(sim).audit.entries(receipt.number)
        for intruder in (STRANGER, REPORTER, AUDITOR, FIRE):
            replies = await sim.user(intruder).press(message, f"{data}:{receipt.number}")
            shown = " ".join(r.text for r in replies)
            assert ("张三" not in shown and "储罐" not in shown) or intruder == AUDITOR
        facets = await services_of(sim).tips.facets(receipt.number)
        assert facets.status == Status.RECEIVED and facets.department == "emergency"
        after = await services_of(sim).audit.entries(receipt.number)
        assert [e.action for e in after if e.actor != AUDITOR] == [e.action for e in before]
        assert await services_of(sim).tips.messages(receipt.number) == []


async def test_only_an_admin_decides_requests(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER))
        await work_to(sim, receipt.number, Status.ACCEPTED)
        officer, _ = await open_card(sim, EMERGENCY, receipt.number)
        await officer.tap(f"form:extend:{receipt.number}")
        await officer.send("10")
        await officer.send("等待检测报告")
        await officer.tap("fv:confirm")
        [request] = [k for k, m in sim.api.messages.items() if k[0] == ADMIN and "申请将举报" in m["text"]]
        message = sim.api.messages[request]
        for intruder in (EMERGENCY, INTAKE, STRANGER):
            await sim.user(intruder).press(message, "req:yes:1")
        assert (await services_of(sim).tips.facets(receipt.number)).due_on == (
            services_of(sim).clock().date() + timedelta(days=60)
        )
        [question] = await sim.user(ADMIN).press(message, "req:no:1")
        assert "确定不批准" in question.text
        await sim.user(ADMIN).tap("req:ok:no:1")
        [again] = await sim.user(ADMIN).press(message, "req:yes:1")  # decided already
        assert "已处理过" in again.text
        [again] = await sim.user(ADMIN).press(message, "req:ok:yes:1")  # the confirm, forged: the same
        assert "已处理过" in again.text
        _, card = await open_card(sim, EMERGENCY, receipt.number)
        assert "⏳ 申请延期" in card.labels  # refused: may be asked again


async def test_a_form_left_open_never_takes_text_meant_for_checking_a_tip(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER))
        officer, _ = await open_card(sim, EMERGENCY, receipt.number)
        await officer.tap(f"form:ask:{receipt.number}")  # left open
        own = await file_tip(sim.user(REPORTER + 100))
        await officer.send("/start")
        await officer.tap("menu:check")
        [asked] = await officer.send(own.number)
        assert "16 位回执码" in asked.text  # the check got the number, not the form
        await officer.send(own.code)
        assert sim.api.calls_of("deleteMessage")  # the receipt code was read by the check and deleted
        assert await services_of(sim).tips.messages(receipt.number) == []


async def test_merging_has_no_chains_and_a_withdrawn_target_sets_its_reports_free(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        services = services_of(sim)
        casework, at = services.casework, services.clock()
        first, second, third = [await file_tip(sim.user(REPORTER + 100 + i)) for i in range(3)]
        from storage.casework import CaseError

        with pytest.raises(CaseError):  # not into a tip still awaiting acceptance
            await casework.merge(second.number, INTAKE, first.number, at)
        await work_to(sim, first.number, Status.ACCEPTED)
        await work_to(sim, second.number, Status.ACCEPTED)
        await casework.merge(third.number, INTAKE, second.number, at)
        with pytest.raises(CaseError):  # second has a report merged into it: no chains
            await casework.merge(second.number, INTAKE, first.number, at)
        await casework.withdraw(second.number, at)
        facets = await services.tips.facets(third.number)
        assert facets.status == Status.RECEIVED and facets.merged_into is None and facets.due_on is not None
        await work_to(sim, first.number, Status.REPLIED)
        await work_to(sim, third.number, Status.ACCEPTED)
        with pytest.raises(CaseError):  # not into a tip already replied to
            await casework.merge(third.number, INTAKE, first.number, at)


async def test_an_admin_does_not_approve_their_own_disclosure_when_another_admin_can(start_bot):
    from storage.casework import CaseError

    async with start_bot() as sim:
        await add_staff(sim)
        services = services_of(sim)
        receipt = await file_tip(sim.user(REPORTER), identity=("张三", "13800138000"))
        at = services.clock()
        solo = await services.requests.request(receipt.number, "disclosure", ADMIN, "需要联系举报人", at)
        await services.requests.decide(solo, ADMIN, True, at)  # the only admin may
        async with services.db.transaction() as conn:
            await services.staff.add(conn, ADMIN + 100, "副主任", Role.ADMIN, "", "2026-11-23")
        again = await services.requests.request(receipt.number, "disclosure", ADMIN + 100, "核实身份", at)
        with pytest.raises(CaseError, match="no_passphrase"):  # a requester with no key of their own
            await services.requests.decide(again, ADMIN, True, at)  # cannot be given the identity yet
        await with_keys(sim, ADMIN + 100)
        with pytest.raises(CaseError):
            await services.requests.decide(again, ADMIN + 100, True, at)
        await services.requests.decide(again, ADMIN, True, at)


async def test_an_admin_pressing_approve_on_their_own_request_is_told_another_admin_decides(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        services = services_of(sim)
        deputy = ADMIN + 100
        async with services.db.transaction() as conn:
            await services.staff.add(conn, deputy, "副主任", Role.ADMIN, "", "2026-11-23")
        await signed_in(sim, deputy)
        receipt = await file_tip(sim.user(REPORTER), identity=("张三", "13800138000"))
        officer, _ = await open_card(sim, deputy, receipt.number)
        await officer.tap(f"form:disclose:{receipt.number}")
        await officer.send("需要联系举报人")
        [sent] = await officer.tap("fv:confirm")
        shown = [k for k, m in sim.api.messages.items() if "申请查阅举报" in m["text"]]
        assert [k[0] for k in shown] == [ADMIN]  # not sent to the admin who asked
        message = sim.api.messages[shown[0]]
        for data in ("req:yes:1", "req:ok:yes:1"):  # forged by the requester in their own chat
            [told] = await officer.press(sim.api.messages[(deputy, sent.message_id)], data)
            assert "须由另一位管理员审批" in told.text
        assert not await services.requests.may_see_identity(receipt.number, deputy)
        await sim.user(ADMIN).press(message, "req:ok:yes:1")
        assert await services.requests.may_see_identity(receipt.number, deputy)
