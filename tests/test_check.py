"""Following a tip with its number and receipt code: status, deadlines, dialogue, lock-out, actions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.tips import Status
from handlers.notify import notify_reporter
from tests.conftest import move_clock, services_of
from tests.media import exif_of, photo_with_exif
from tests.office import work_to
from tests.reporter import Receipt, check, file_tip

REPORTER = 6667778889


async def test_the_right_code_shows_status_history_and_deadlines(start_bot):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        receipt = await file_tip(user)
        [ask_number] = await user.tap("menu:check")
        assert "请输入举报编号" in ask_number.text
        [ask_code] = await user.send(receipt.number.lower().replace("-", " "))  # typed loosely
        assert "16 位回执码" in ask_code.text
        [view] = await user.send(" ".join(receipt.code[i : i + 4] for i in range(0, 16, 4)))
        today = services_of(sim).clock().date()
        assert f"举报 {receipt.number}" in view.text and "当前状态：已接收" in view.text
        assert f"{today:%Y-%m-%d}  已接收" in view.text
        due = today + timedelta(days=5)
        assert f"{due:%Y-%m-%d} 前决定是否受理" in view.text
        assert "✉ 给办理人员留言 / 补充证据" in view.labels and "撤回举报" in view.labels
        code_message = user.last_update["message"]["message_id"]
        deleted = [c.params["message_id"] for c in sim.api.calls_of("deleteMessage")]
        assert code_message in deleted  # the code does not stay in the chat


async def test_wrong_codes_lock_out_growing_and_unknown_tips_look_the_same(start_bot, monkeypatch):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        receipt = await file_tip(user)
        wrong = f"{(int(receipt.code) + 1) % 10**16:016d}"
        [reply] = await check(user, Receipt("JB2026-009999", receipt.code))
        assert "举报编号或回执码不正确" in reply.text
        for _ in range(3):
            [reply] = await user.send(wrong)
            assert "举报编号或回执码不正确" in reply.text
        [locked] = await user.send(wrong)  # the fifth failure within the hour
        assert "错误次数过多" in locked.text
        await user.send("/start")
        [still] = await user.tap("menu:check")  # no more tries until the wait is over
        assert "错误次数过多" in still.text

        move_clock(sim, monkeypatch, timedelta(minutes=1, seconds=1))
        [reply] = await check(user, receipt, wrong)
        assert "错误次数过多" in reply.text  # the sixth failure: a longer wait (2 minutes)
        move_clock(sim, monkeypatch, timedelta(minutes=1, seconds=1))
        await user.send("/start")
        [reply] = await user.tap("menu:check")
        assert "错误次数过多" in reply.text
        move_clock(sim, monkeypatch, timedelta(minutes=1))
        [view] = await check(user, receipt)
        assert "当前状态：已接收" in view.text

        other = sim.user(REPORTER + 1)  # another chat was never locked
        [view] = await check(other, receipt)
        assert "当前状态：已接收" in view.text


async def test_a_malformed_tip_number_is_explained(start_bot):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await user.send("/start")
        await user.tap("menu:check")
        [reply] = await user.send("我的举报")
        assert "不是举报编号" in reply.text
        [reply] = await user.send_sticker()
        assert "请用文字输入" in reply.text


async def test_messages_answers_and_evidence_reach_the_office(start_bot):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        receipt = await file_tip(user)
        tips = services_of(sim).tips
        today = services_of(sim).clock().date()
        await check(user, receipt)
        [prompt] = await user.tap("check:write")
        assert "完成" in prompt.labels
        [sent] = await user.send("储罐今天又在漏")
        assert "已转给办理人员" in sent.text
        [stored] = await user.send_photo(photo_with_exif())
        assert "已加入您的举报" in stored.text
        [view] = await user.tap("check:refresh")
        assert "您的留言" in view.text and "储罐今天又在漏" in view.text

        async with services_of(sim).db.unit_of_work(tips=tips) as uow:
            await uow.tips.add_message(receipt.number, "office", "question", "储罐在厂区哪个位置？", today)
        [view] = await user.tap("check:refresh")
        assert "办理人员的提问" in view.text and "✉ 回答办理人员的提问" in view.labels
        await user.tap("check:write")
        await user.send("在厂区东北角，靠近围墙")
        messages = await tips.messages(receipt.number)
        assert [(m.sender, m.kind) for m in messages] == [
            ("reporter", "message"), ("office", "question"), ("reporter", "answer"),
        ]  # fmt: skip
        files = await tips.files(receipt.number)
        assert len(files) == 1 and exif_of(files[0].data) == {}


async def test_withdrawing_a_tip(start_bot):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        receipt = await file_tip(user, push=True)
        await check(user, receipt)
        [confirm] = await user.tap("check:withdraw")
        assert "确定撤回" in confirm.labels
        [done] = await user.tap("确定撤回")
        assert f"举报 {receipt.number} 已撤回" in done.text
        tips = services_of(sim).tips
        assert (await tips.facets(receipt.number)).status == Status.WITHDRAWN
        assert await tips.contact(receipt.number) is None  # the push contact is destroyed
        [view] = await check(user, receipt)
        assert "已撤回" in view.text and "撤回举报" not in view.labels and "✉" not in "".join(view.labels)


async def test_objecting_to_the_reply_within_ten_days(start_bot, monkeypatch):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        receipt = await file_tip(user)
        tips = services_of(sim).tips
        await work_to(sim, receipt.number, Status.REPLIED)
        [view] = await check(user, receipt)
        assert "答复" in view.text and "核查结论：属实" in view.text and "处理决定：责令限期整改" in view.text
        assert "↩ 对答复提出异议" in view.labels and "撤回举报" not in view.labels
        await user.tap("check:object")
        [short] = await user.send("不对")
        assert "请多写几句" in short.text
        [view] = await user.send("企业只整改了一个储罐，另外两个没有动。")
        assert "您的异议已记录" in view.text and "复查中" in view.text
        assert (await tips.facets(receipt.number)).status == Status.UNDER_REVIEW


async def test_no_objection_after_the_window(start_bot, monkeypatch):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        receipt = await file_tip(user)
        tips = services_of(sim).tips
        await work_to(sim, receipt.number, Status.REPLIED)
        move_clock(sim, monkeypatch, timedelta(days=11))
        [view] = await check(user, receipt)
        assert "↩ 对答复提出异议" not in view.labels
        message = sim.api.messages[(REPORTER, view.message_id)]
        [forged] = await user.press(message, "check:object")  # a forged press changes nothing
        assert "现在不能这样操作" in forged.text and "当前状态：已答复" in forged.text
        [typed] = await user.send("我有异议")
        assert "请用下面的按钮回答" in typed.text
        assert (await tips.facets(receipt.number)).status == Status.REPLIED


async def test_the_check_times_out(start_bot, monkeypatch):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        receipt = await file_tip(user)
        await check(user, receipt)
        move_clock(sim, monkeypatch, timedelta(minutes=16))
        [reply] = await user.tap("check:refresh")
        assert "查询已超时" in reply.text and "16 位回执码" in reply.text
        [view] = await user.send(receipt.code)
        assert "当前状态" in view.text


@pytest.mark.parametrize("push", [True, False])
async def test_push_notices_only_for_those_who_asked(start_bot, push):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        receipt = await file_tip(user, push=push)
        sent = await notify_reporter(sim.app, receipt.number)
        notices = [c for c in sim.api.calls_of("sendMessage") if "有新进展" in c.params["text"]]
    assert sent is push
    assert len(notices) == int(push)
    if push:
        assert notices[0].params["chat_id"] == REPORTER
        assert receipt.number in notices[0].params["text"] and "储罐" not in notices[0].params["text"]


async def test_closing_a_tip_forgets_where_to_push(start_bot):
    async with start_bot() as sim:
        receipt = await file_tip(sim.user(REPORTER), push=True)
        tips = services_of(sim).tips
        await work_to(sim, receipt.number, Status.REPLIED)
        await services_of(sim).casework.close_expired(services_of(sim).clock() + timedelta(days=11))
        assert await tips.contact(receipt.number) is None
        assert await notify_reporter(sim.app, receipt.number) is False


async def test_a_reporter_who_blocked_the_bot_is_not_an_error(start_bot):
    async with start_bot() as sim:
        receipt = await file_tip(sim.user(REPORTER), push=True)
        sim.api.refuse_chat(REPORTER)
        assert await notify_reporter(sim.app, receipt.number) is False
