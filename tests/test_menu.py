"""/start → menu → /help → /language → /cancel, and polite answers to what does not fit."""

import logging

import pytest
from telegram.ext import CommandHandler

from bot.logs import QUIET_LOGGERS, configure_logging
from handlers.menu import MENU_ITEMS

ZH_MENU = ["📝 我要举报", "🔎 查询举报", "🏘 我是联络员", "❓ 帮助", "🌐 语言 / Language"]
EN_MENU = ["📝 Report a problem", "🔎 Check a report", "🏘 I am a liaison", "❓ Help", "🌐 Language"]


async def test_start_shows_the_welcome_and_the_menu_in_chinese(start_bot):
    async with start_bot() as sim:
        user = sim.user(501)
        [reply] = await user.send("/start")
    assert "东平镇安全生产举报平台" in reply.text
    assert "119" in reply.text and "120" in reply.text  # emergencies first
    assert "匿名" in reply.text
    assert reply.labels == ZH_MENU


async def test_help_explains_each_menu_item(start_bot):
    async with start_bot() as sim:
        user = sim.user(502)
        await user.send("/start")
        [by_button] = await user.tap("❓ 帮助")
        [by_command] = await user.send("/help")
    assert by_button.text == by_command.text
    for term in ("我要举报", "查询举报", "我是联络员", "/cancel", "/language", "12350"):
        assert term in by_command.text


async def test_language_switch_is_remembered_per_chat(start_bot):
    async with start_bot() as sim:
        alice, bob = sim.user(503), sim.user(504)
        [picker] = await alice.send("/language")
        assert picker.labels == ["中文", "English"]
        confirmation, menu = await alice.tap("English")
        assert confirmation.edited and confirmation.text == "Language set to English."
        assert menu.labels == EN_MENU
        assert "Welcome to Dongping town work-safety tip line" in menu.text
        [again] = await alice.send("/start")
        assert again.labels == EN_MENU
        [other] = await bob.send("/start")
        assert other.labels == ZH_MENU
        await alice.send("/language")
        back, _ = await alice.tap("中文")
        assert back.text == "已切换为中文。"


async def test_language_from_the_menu_button(start_bot):
    async with start_bot() as sim:
        user = sim.user(505)
        await user.send("/start")
        [picker] = await user.tap("🌐 语言 / Language")
        assert picker.labels == ["中文", "English"]


async def test_cancel_with_nothing_under_way(start_bot):
    async with start_bot() as sim:
        [reply] = await sim.user(506).send("/cancel")
    assert "当前没有进行中的操作" in reply.text
    assert reply.labels == ZH_MENU


@pytest.mark.parametrize(
    "send",
    [
        lambda u: u.send_sticker(),
        lambda u: u.send_voice(),
        lambda u: u.send_photo(b"\xff\xd8\xff"),
        lambda u: u.send_location(31.2, 121.4),
        lambda u: u.send("随便说点什么"),
        lambda u: u.send("/nosuchcommand"),
    ],
    ids=["sticker", "voice", "photo", "location", "text", "unknown-command"],
)
async def test_anything_unexpected_gets_a_polite_answer_and_the_menu(start_bot, send):
    async with start_bot() as sim:
        [reply] = await send(sim.user(508))
    assert "没有看懂" in reply.text and "/help" in reply.text
    assert reply.labels == ZH_MENU


@pytest.mark.parametrize("data", ["tip:accept:123", "lang:fr", "menu:admin", "x" * 64])
async def test_a_forged_or_stale_button_is_refused_and_changes_nothing(start_bot, data):
    async with start_bot() as sim:
        user = sim.user(509)
        [menu] = await user.send("/start")
        message = sim.api.messages[(user.id, menu.message_id)]
        [reply] = await user.press(message, data)
        assert user.callback_answers()[-1] == "这个按钮已失效。"
        assert "已过期" in reply.text
        [after] = await user.send("/start")
        assert after.labels == ZH_MENU  # the language did not change


async def test_start_in_a_group_sends_people_to_a_private_chat(start_bot):
    async with start_bot() as sim:
        user = sim.user(510)
        user.chat = {"id": -100500, "type": "supergroup", "title": "应急站工作群"}
        sim.api.register_chat(user.chat)
        [reply] = await user.send("/start")
        assert "私聊" in reply.text and not reply.buttons
        assert await user.send("今天开会") == []  # the bot stays quiet in groups


@pytest.fixture
def production_logging():
    """Logging as `python -m bot run` sets it with TIPLINE_LOG_LEVEL=DEBUG; restored afterwards."""
    loggers = [logging.getLogger(), *(logging.getLogger(n) for n in QUIET_LOGGERS)]
    levels = [lg.level for lg in loggers]
    configure_logging("DEBUG")
    yield
    for lg, level in zip(loggers, levels, strict=True):
        lg.setLevel(level)


async def test_an_error_apologises_and_logs_no_text_or_identity(start_bot, caplog, production_logging):
    caplog.set_level(logging.DEBUG, logger="tipline")

    async def broken(update, context):
        raise ValueError(f"secret text {update.message.text}")

    async with start_bot([CommandHandler("boom", broken)], raise_errors=False) as sim:
        user = sim.user(77123456, "张三", username="zhangsan_real")
        [reply] = await user.send("/boom 化工厂偷排")
    assert "抱歉" in reply.text and "/cancel" in reply.text
    assert "ValueError" in caplog.text
    for secret in ("化工厂偷排", "secret text", "77123456", "张三", "zhangsan_real"):
        assert secret not in caplog.text


@pytest.mark.parametrize("data", [data.pack() for data, _ in MENU_ITEMS])
async def test_every_menu_button_is_answered(start_bot, data):
    async with start_bot() as sim:
        user = sim.user(511)
        await user.send("/start")
        [reply] = await user.tap(data)
    assert reply.text and "已过期" not in reply.text
    assert user.callback_answers() == [""]  # answered, without the stale-button notice
