"""The whole life of a tip, from the reporter's message to 办结, through the in-memory Bot API:
every office step a button or a form, the reporter seeing each one in "check a report"."""

from __future__ import annotations

from datetime import timedelta

from core.tips import Status
from tests.conftest import move_clock, services_of
from tests.office import ADMIN, EMERGENCY, INTAKE, REPORTER, add_staff, notices, open_card
from tests.reporter import check, file_tip


async def _view(sim, receipt):
    [view] = await check(sim.user(REPORTER), receipt)
    return view


async def test_the_whole_life_of_a_tip(start_bot, monkeypatch):
    async with start_bot() as sim:
        await add_staff(sim)
        reporter = sim.user(REPORTER)
        receipt = await file_tip(reporter, push=True)
        tips = services_of(sim).tips
        day0 = services_of(sim).clock().date()

        # 受理 by intake
        intake, _card = await open_card(sim, INTAKE, receipt.number)
        await intake.tap(f"case:accept:{receipt.number}")
        await intake.tap("确定")
        view = await _view(sim, receipt)
        assert "已受理" in view.text and f"{day0 + timedelta(days=60):%Y-%m-%d}" in view.text

        # the department asks; the reporter answers; the answer is in the card
        officer, card = await open_card(sim, EMERGENCY, receipt.number)
        assert "❓ 向举报人提问" in card.labels
        [prompt] = await officer.tap(f"form:ask:{receipt.number}")
        assert "请输入问题" in prompt.text
        [summary] = await officer.send("储罐在厂区哪个位置？")
        assert "储罐在厂区哪个位置？" in summary.text and "✅ 确认" in summary.labels
        [done] = await officer.tap("fv:confirm")
        assert "问题已转给" in done.text
        await reporter.send("/start")
        view = await _view(sim, receipt)
        assert "办理人员的提问" in view.text and "储罐在厂区哪个位置？" in view.text
        await reporter.tap("check:write")
        await reporter.send("在东北角，靠近围墙。")
        told = [c.params for c in sim.api.calls_of("sendMessage") if "举报人回复了提问" in c.params["text"]]
        assert told and all("东北角" not in t["text"] for t in told)  # the department knows; no content
        _, card = await open_card(sim, EMERGENCY, receipt.number)
        assert "在东北角，靠近围墙。" in card.text and "储罐在厂区哪个位置？" in card.text

        # an extension: requested by the officer, approved by the admin, told to the reporter
        await officer.tap(f"form:extend:{receipt.number}")
        [again] = await officer.send("45")
        assert "1 到 30" in again.text
        await officer.send("20")
        await officer.send("需要等待第三方检测机构出具检测报告")
        await officer.tap("fv:confirm")
        admin = sim.user(ADMIN)
        await admin.tap("批准")
        [decided] = await admin.tap("确定")
        assert "已批准" in decided.text
        facets = await tips.facets(receipt.number)
        assert facets.due_on == day0 + timedelta(days=80)
        view = await _view(sim, receipt)
        assert "核查期限已延长" in view.text and "第三方检测机构" in view.text
        assert f"{day0 + timedelta(days=80):%Y-%m-%d}" in view.text
        _, card = await open_card(sim, EMERGENCY, receipt.number)
        assert "⏳ 申请延期" not in card.labels  # one extension per tip

        # the verification result: outcome, problem classes, measures, the fine
        move_clock(sim, monkeypatch, timedelta(days=30))
        await officer.tap(f"form:verify:{receipt.number}")
        await officer.tap("fv:0:true")
        [refused] = await officer.tap("fv:1:done")
        assert "至少选择 1 项" in refused.text
        await officer.tap("fv:1:facilities")
        await officer.tap("fv:1:worksite")
        await officer.tap("fv:1:done")
        await officer.tap("fv:2:rectify")
        await officer.tap("fv:2:fine")
        await officer.tap("fv:2:done")
        [bad] = await officer.send("八万")
        assert "这不是金额" in bad.text
        [summary] = await officer.send("8万")
        assert "¥80,000" in summary.text and "设施设备类、作业现场类" in summary.text
        [done] = await officer.tap("fv:confirm")
        day30 = day0 + timedelta(days=30)
        assert f"{day30 + timedelta(days=10):%Y-%m-%d}" in done.text
        verification = await services_of(sim).casework.verification(receipt.number)
        assert verification.fine_fen == 8_000_000 and verification.measures == ("rectify", "fine")

        # the reply in four parts
        [card] = await officer.tap("📂 返回案卡")
        assert "核查结论：属实" in card.text and "罚款：¥80,000" in card.text
        await officer.tap(f"form:reply:{receipt.number}")
        await officer.send("举报属实")
        await officer.send("经现场核查，储罐区未设置防火堤")
        await officer.send("责令限期整改，罚款8万元")
        [summary] = await officer.send("符合奖励条件，请凭回执码申领")
        assert "责令限期整改" in summary.text
        await officer.tap("fv:confirm")
        view = await _view(sim, receipt)
        assert "已答复" in view.text and "核查结论：举报属实" in view.text
        assert "符合奖励条件情况：符合奖励条件" in view.text

        # the objection and the review, then 办结
        await reporter.tap("check:object")
        await reporter.send("只整改了一个储罐，另外两个没有动。")
        assert (await tips.facets(receipt.number)).status == Status.UNDER_REVIEW
        await open_card(sim, EMERGENCY, receipt.number)
        await officer.tap(f"form:review:{receipt.number}")
        await officer.tap("fv:0:changed")
        await officer.send("经复查，另两个储罐已责令一并整改")
        [closed] = await officer.tap("fv:confirm")
        assert "已办结" in closed.text
        view = await _view(sim, receipt)
        assert "已办结" in view.text and "复查结论：变更原答复" in view.text
        history = [e.status for e in await tips.events(receipt.number)]
        assert history == [Status.RECEIVED, Status.ACCEPTED, Status.VERIFIED, Status.REPLIED,
                           Status.UNDER_REVIEW, Status.CLOSED]  # fmt: skip
        # the reporter was pushed a notice at each step that concerned them
        # accept, question, extension, verification result, reply, review (closing)
        assert len(notices(sim, REPORTER)) == 6
        actions = [e.action for e in await services_of(sim).audit.entries(receipt.number)]
        for action in ("tip.accept", "tip.ask", "extension.request", "extension.approve", "tip.verify",
                       "tip.reply", "tip.objection", "tip.review", "tip.close"):  # fmt: skip
            assert action in actions


async def test_a_replied_tip_closes_by_itself_after_the_objection_window(start_bot, monkeypatch):
    from tests.office import work_to

    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER), push=True)
        await work_to(sim, receipt.number, Status.REPLIED)
        services = services_of(sim)
        assert await services.casework.close_expired(services.clock() + timedelta(days=10)) == {}
        closed = await services.casework.close_expired(services.clock() + timedelta(days=11))
        assert closed == {receipt.number: REPORTER}
        assert (await services.tips.facets(receipt.number)).status == Status.CLOSED
