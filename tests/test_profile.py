"""At start-up the bot sets its commands and descriptions in both languages; /about in both."""

from __future__ import annotations

from bot.app import OFFLINE_TOKEN, build_application
from bot.fakeapi import InMemoryBotApi
from bot.simulator import simulation
from core.crypto import KeyRing
from handlers.profile import about_text
from storage.keyring import load_ring, save_ring
from tests.conftest import EXAMPLE_CONFIG


async def test_commands_and_descriptions_are_set_per_language_at_start(start_bot, office):
    async with start_bot() as sim:
        commands = {c.params.get("language_code"): c.params["commands"] for c in sim.api.calls_of("setMyCommands")
                    if "scope" not in c.params}  # fmt: skip
        described = {c.params.get("language_code"): c.params["description"]
                     for c in sim.api.calls_of("setMyDescription")}  # fmt: skip
        short = {c.params.get("language_code"): c.params["short_description"]
                 for c in sim.api.calls_of("setMyShortDescription")}  # fmt: skip
    assert set(commands) == set(described) == set(short) == {None, "zh", "en"}
    names = [c["command"] for c in commands["en"]]
    assert names == ["start", "help", "about", "language", "cancel"]
    assert "菜单" in commands["zh"][0]["description"] and "Menu" in commands["en"][0]["description"]
    assert commands[None] == commands["zh"]  # the office's default language for everyone else
    assert "匿名" in described["zh"] and "anonymous" in described["en"] and office.name in described["zh"]
    assert "12350" in short["zh"] and len(short["en"]) <= 120 and len(described["zh"]) <= 512


async def test_groups_get_a_menu_of_chatid_alone_in_both_languages(start_bot):
    async with start_bot() as sim:
        menus = sim.api.command_menus
        group = {lang: menus[("all_group_chats", None, lang)] for lang in ("", "zh", "en")}
        private = sim.api.menu_seen(9000003, "zh")
    assert [c["command"] for c in group["zh"]] == [c["command"] for c in group["en"]] == ["chatid"]
    assert group["zh"][0]["description"] == "工作人员：私聊告诉您本群的 chat id" and group[""] == group["zh"]
    assert group["en"][0]["description"] == "Staff: this group's chat id, told to you privately"
    assert "chatid" not in private and "start" in private  # private chats keep the public menu


async def test_a_failing_profile_call_does_not_stop_the_bot(settings, ring, office):
    api = InMemoryBotApi()
    api.fail_next("setMyDescription", times=3, status=500)
    app = build_application(settings, office, load_ring(settings.keyring_path), token=OFFLINE_TOKEN, request=api)
    async with simulation(app, api) as sim:
        [menu] = await sim.user(9000001).send("/start")
        assert "menu:report" in repr(menu.buttons)
        assert len(sim.api.calls_of("setMyCommands")) == 6  # the other calls were still made


async def test_about_in_both_languages(start_bot, office):
    async with start_bot() as sim:
        user = sim.user(9000002)
        [zh] = await user.send("/about")
        await user.send("/language")
        await user.tap("lang:en")
        [en] = await user.send("/about")
    assert "12350" in zh.text and "Telegram" in zh.text and "加密" in zh.text
    assert "运营单位：东平镇安全生产委员会办公室。" in zh.text  # the formal name, unit_name
    assert "Who runs it: Dongping Town Work Safety Committee Office." in en.text
    assert f"{office.limits.draft_days} 天" in zh.text
    for words in ("Who runs it", "What is stored", "What is encrypted", "What the server can read",
                  "What Telegram can see", "How long", "12350"):  # fmt: skip
        assert words in en.text
    assert about_text(office, "en") == en.text and EXAMPLE_CONFIG.exists()
    # Tips are sealed to the office's people here (the ring has a recovery key): what the server reads, and not.
    assert "服务器能读取的：用于统计和期限的信息" in zh.text and "以服务器自己的密钥加密" in zh.text
    assert "服务器读取不了的：已提交的举报及其文件和往来消息，以及您留下的姓名和电话" in zh.text
    assert "验证器和个人口令登录的办理单位工作人员" in zh.text and "凭回执码" in zh.text
    assert "(under the server's own key), and a report while you are still filling it in" in en.text
    assert "signed in with their authenticator and their passphrase, and for you with your receipt code" in en.text


async def test_about_does_not_promise_what_an_install_sealing_under_its_key_ring_cannot_keep(start_bot, settings):
    save_ring(KeyRing.generate(), settings.keyring_path)  # made before keys held by people: no recovery key
    async with start_bot() as sim:
        [zh] = await sim.user(9000002).send("/about")
    assert "服务器读取不了" not in zh.text and "口令" not in zh.text
    assert "打开所存内容的密钥保存在服务器上" in zh.text and "加密" in zh.text


def test_about_names_no_operator_when_no_formal_name_is_configured():
    from core.office import OfficeConfig

    default = OfficeConfig()
    assert "运营单位" not in about_text(default, "zh") and "安全生产举报平台" not in about_text(default, "zh")
    assert "Who runs it" not in about_text(default, "en")
