"""What stays in a reporter's chat: the typed real name and phone are deleted once read; the receipt
and the claim code cannot be forwarded or saved, and "I have written it down" deletes them, also
after a restart; the button does nothing on a message that does not carry it, or in a group."""

from __future__ import annotations

from bot.fakeapi import BOT_USER
from tests.office import REPORTER, reward_to_claim
from tests.reporter import check, file_tip, to_step


def _sent_id(user) -> int:
    """The message id of what the user last sent."""
    return user.last_update["message"]["message_id"]


async def test_the_typed_name_and_phone_are_deleted_from_the_chat_once_read(start_bot):
    async with start_bot() as sim:
        reporter = sim.user(REPORTER)
        await to_step(reporter, "identity")
        [ask_name] = await reporter.tap("tip:identity:named")
        assert "读取后即从本聊天中删除" in ask_name.text
        await reporter.send("张三")
        name_id = _sent_id(reporter)
        [again] = await reporter.send("不是电话")  # a wrong answer holds a person's words too
        assert "不是有效的电话号码" in again.text
        wrong_id = _sent_id(reporter)
        await reporter.send("13800138000")
        phone_id = _sent_id(reporter)
        deleted = sim.api.deleted
        assert {(REPORTER, name_id), (REPORTER, wrong_id), (REPORTER, phone_id)} <= set(deleted)
        [summary] = await reporter.tap("tip:push:no")
        assert "张*" in summary.text and "138****8000" in summary.text  # masked in the summary, as before


async def test_a_contact_shared_for_the_phone_is_deleted_too(start_bot):
    async with start_bot() as sim:
        reporter = sim.user(REPORTER)
        await to_step(reporter, "identity")
        await reporter.tap("tip:identity:named")
        await reporter.send("张三")
        contact = {"phone_number": "+8613800138000", "first_name": "张三", "user_id": REPORTER}
        [answer] = await reporter.send_message(contact=contact)
        assert "请用文字输入" in answer.text
        assert (REPORTER, _sent_id(reporter)) in sim.api.deleted


async def test_the_receipt_is_protected_and_written_down_deletes_it(start_bot):
    async with start_bot() as sim:
        reporter = sim.user(REPORTER)
        receipt = await file_tip(reporter)
        [sent] = [c for c in sim.api.sent_to(REPORTER) if receipt.code[:4] in c.params["text"]]
        assert sent.params.get("protect_content") is True  # no forwarding, saving or copying
        message = sent.result
        assert message["has_protected_content"] is True
        labels = [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]
        assert labels[0] == "我已记下" and any("我要举报" in label for label in labels)  # the menu below
        assert "请点“我已记下”" in message["text"]
        [after] = await reporter.tap("我已记下")
        assert (REPORTER, message["message_id"]) in sim.api.deleted
        assert (REPORTER, message["message_id"]) not in sim.api.messages
        assert after.text == "已从本聊天中删除。" and labels[1:] == after.labels  # the menu comes back
        [view] = await check(reporter, receipt)  # written down: the number and code still work
        assert receipt.number in view.text


async def test_written_down_works_after_a_restart(start_bot):
    async with start_bot() as sim:
        receipt = await file_tip(sim.user(REPORTER))
        [sent] = [c for c in sim.api.sent_to(REPORTER) if receipt.code[:4] in c.params["text"]]
        message = sent.result
    async with start_bot() as sim:  # a new process: nothing of the first is in memory
        await sim.user(REPORTER).press(message, "gone")
        assert sim.api.deleted == [(REPORTER, message["message_id"])]


async def test_written_down_pressed_where_it_is_not_deletes_nothing(start_bot):
    async with start_bot() as sim:
        reporter = sim.user(REPORTER)
        [menu] = await reporter.send("/start")
        message = sim.api.messages[(REPORTER, menu.message_id)]
        await reporter.press(message, "gone")  # a forged press on a message without the button
        assert sim.api.deleted == [] and (REPORTER, menu.message_id) in sim.api.messages
        assert reporter.callback_answers()[-1] == "这个按钮已失效。"
        group = sim.group()
        gone = {"inline_keyboard": [[{"text": "我已记下", "callback_data": "gone"}]]}
        in_group = {"message_id": 7, "date": 0, "chat": group.chat, "from": BOT_USER, "text": "JB2026-000001",
                    "reply_markup": gone}  # fmt: skip
        await reporter.press(in_group, "gone")  # a group's message, with the button even
        assert sim.api.deleted == []


async def test_a_receipt_too_old_to_delete_has_its_text_removed(start_bot):
    async with start_bot() as sim:
        reporter = sim.user(REPORTER)
        receipt = await file_tip(reporter)
        sim.api.fail_next("deleteMessage", status=400, description="Bad Request: message can't be deleted for everyone")
        await reporter.tap("我已记下")
        [edit] = sim.api.calls_of("editMessageText")
        assert edit.params["text"] == "（已删除）" and receipt.code[:4] not in edit.result["text"]
        assert "reply_markup" not in edit.result  # the button goes with the text


async def test_the_claim_code_is_protected_and_written_down_deletes_it(start_bot):
    async with start_bot() as sim:
        reporter, _ = await reward_to_claim(sim)
        await reporter.tap("check:claim")
        await reporter.tap("claim:no")
        [shown] = await reporter.tap("claim:person")
        assert "您的领奖码：" in shown.text and shown.labels[0] == "我已记下"
        assert sim.api.messages[(REPORTER, shown.message_id)]["has_protected_content"] is True
        [after] = await reporter.tap("我已记下")
        assert (REPORTER, shown.message_id) in sim.api.deleted
        assert "刷新" in after.labels  # the view's buttons come back, without the code
        [view] = await reporter.tap("check:refresh")
        assert "您的领奖码" not in view.text
