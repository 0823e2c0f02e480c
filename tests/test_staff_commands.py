"""Staff find their commands: their own menu per chat and language (set on /join and at start-up, deleted
on deactivation), their lines in /help, and their entries on /start, each re-checking the role."""

from __future__ import annotations

import re

import pytest

import handlers.office.access as access
from bot.app import OFFLINE_TOKEN, build_application
from bot.fakeapi import InMemoryBotApi
from bot.simulator import simulation
from core.roles import Role
from handlers.menu import MENU_ITEMS
from handlers.office.commands import OFFICE_COMMANDS
from handlers.office.entries import HANDLERS
from storage.keyring import load_ring
from tests.conftest import services_of
from tests.office import ADMIN, AUDITOR, FIRE, INTAKE, STRANGER, add_staff, signed_in

PUBLIC = ["start", "help", "about", "language", "cancel"]
#: Every staff member's own: the authenticator, the passphrase, locking.
OWN = ["totp", "passphrase", "lock"]
REWARD = 8400000008
ZH_MENU = ["📝 我要举报", "🔎 查询举报", "🏘 我是联络员", "❓ 帮助", "🌐 语言 / Language"]


async def _give(sim, user_id: int, role: Role, name: str = "会计") -> None:
    services = services_of(sim)
    async with services.db.transaction() as conn:
        await services.staff.add(conn, user_id, name, role, "", "2026-11-23")


def _menus(sim, user_id: int) -> dict[str, list[str]]:
    """The commands set for one private chat, by language code ("" for apps in any other language)."""
    return {lang: [c["command"] for c in commands] for (kind, chat, lang), commands in sim.api.command_menus.items()
            if kind == "chat" and chat == user_id}  # fmt: skip


def _descriptions(sim, user_id: int, lang: str) -> dict[str, str]:
    return {c["command"]: c["description"] for c in sim.api.command_menus[("chat", user_id, lang)]}


async def _join(sim, role: str, user_id: int) -> None:
    await signed_in(sim, ADMIN)  # /staff's buttons ask the admin's authenticator code
    admin = sim.user(ADMIN)
    await admin.send("/staff")
    await admin.tap("staff:invite")
    [invite] = await admin.tap(f"staff:role:{role}")
    code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}", invite.text)[0]
    [welcome] = await sim.user(user_id, "陈晓").send(f"/join {code}")
    assert "/help" in welcome.text and "/start" in welcome.text


async def test_joining_sets_the_new_staff_members_menu_in_both_languages_and_deactivating_deletes_it(start_bot):
    async with start_bot() as sim:
        await _give(sim, ADMIN, Role.ADMIN, "主任")
        assert sim.api.menu_seen(INTAKE, "zh") == PUBLIC
        await _join(sim, "intake", INTAKE)
        intake = ["inbox", "monthly", "quarter", "exposure", "units", "totp", "passphrase", "lock", *PUBLIC]
        assert _menus(sim, INTAKE) == {"": intake, "zh": intake, "en": intake}
        assert _descriptions(sim, INTAKE, "zh")["inbox"] == "您可查看的举报，最新的在前"
        assert _descriptions(sim, INTAKE, "en")["monthly"] == "The units' monthly figures as a table"
        assert _descriptions(sim, INTAKE, "")["start"].startswith("菜单")  # the office's language
        assert sim.api.menu_seen(INTAKE, "en") == intake and sim.api.menu_seen(STRANGER, "en") == PUBLIC

        admin = sim.user(ADMIN)
        await admin.send("/staff")
        await admin.tap(f"staff:remove:{INTAKE}")
        await admin.tap(f"staff:remove_yes:{INTAKE}")
        assert _menus(sim, INTAKE) == {}
        assert sim.api.menu_seen(INTAKE, "zh") == PUBLIC and sim.api.menu_seen(INTAKE, "en") == PUBLIC
        deleted = [c.params.get("language_code") for c in sim.api.calls_of("deleteMyCommands")]
        assert deleted == [None, "zh", "en"]


async def test_at_start_up_every_active_member_gets_the_menu_of_their_roles(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)  # as `python -m bot staff add` does, while the bot is not told
        await _give(sim, REWARD, Role.REWARD)
        assert _menus(sim, ADMIN) == {}
    async with start_bot() as sim:
        admin = ["inbox", "staff", "stats", "monthly", "quarter", "exposure", "units", "totp", "passphrase", "lock"]
        assert sim.api.menu_seen(ADMIN, "zh") == [*admin, *PUBLIC]
        assert sim.api.menu_seen(AUDITOR, "en") == ["inbox", "stats", "units", *OWN, *PUBLIC]
        assert sim.api.menu_seen(FIRE, "zh") == ["inbox", "units", *OWN, *PUBLIC]
        assert sim.api.menu_seen(REWARD, "zh") == ["inbox", "rewards", "units", *OWN, *PUBLIC]
        assert sim.api.menu_seen(STRANGER, "zh") == PUBLIC
        assert sim.api.command_menus[("default", None, "")][0]["command"] == "start"  # the public menu stays


async def test_a_member_the_bot_cannot_reach_holds_up_no_one(settings, ring, office):
    """Someone added on the server who never started the bot: Telegram refuses their chat's menu."""
    api = InMemoryBotApi()
    app = build_application(settings, office, load_ring(settings.keyring_path), token=OFFLINE_TOKEN, request=api)
    async with simulation(app, api) as sim:
        await add_staff(sim)
    api = InMemoryBotApi()
    api.refuse_chat(FIRE, "Bad Request: chat not found")
    app = build_application(settings, office, load_ring(settings.keyring_path), token=OFFLINE_TOKEN, request=api)
    async with simulation(app, api) as sim:
        assert sim.api.menu_seen(FIRE, "zh") == PUBLIC
        assert sim.api.menu_seen(ADMIN, "zh")[0] == "inbox" and sim.api.menu_seen(AUDITOR, "zh")[0] == "inbox"
        api.accept_chat(FIRE)  # they start the bot: their menu is set then
        [menu] = await sim.user(FIRE).send("/start")
        assert "office:inbox" in repr(menu.buttons)
        assert sim.api.menu_seen(FIRE, "zh") == ["inbox", "units", *OWN, *PUBLIC]
        calls = len(sim.api.calls_of("setMyCommands"))
        await sim.user(FIRE).send("/start")
        await sim.user(ADMIN).send("/start")
        assert len(sim.api.calls_of("setMyCommands")) == calls  # set once, not at every /start


async def test_the_menus_show_exactly_the_commands_each_role_may_use(start_bot, monkeypatch):
    """The table of handlers.office.commands agrees with each command's own check of the role."""
    refused = []
    original = access.refuse

    async def record(update, context, *args, **kwargs):
        refused.append((update.effective_user.id, update.effective_message.text))
        return await original(update, context, *args, **kwargs)

    monkeypatch.setattr(access, "refuse", record)
    people = {INTAKE: Role.INTAKE, FIRE: Role.DEPARTMENT, AUDITOR: Role.AUDITOR, ADMIN: Role.ADMIN, REWARD: Role.REWARD}
    async with start_bot() as sim:
        await add_staff(sim)
        await _give(sim, REWARD, Role.REWARD)
        assert set(HANDLERS) == {c.name for c in OFFICE_COMMANDS}
        for command in OFFICE_COMMANDS:
            for user_id, role in people.items():
                refused.clear()
                await sim.user(user_id).send(f"/{command.name}")
                allowed = not command.roles or role in command.roles
                assert bool(refused) != allowed, (command.name, role)


async def test_staff_help_lists_their_commands_after_the_reporters_help(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        [reporter] = await sim.user(STRANGER).send("/help")
        [admin] = await sim.user(ADMIN).send("/help")
        [officer] = await sim.user(FIRE).send("/help")
        by_button = await sim.user(FIRE).tap("menu:help")
        en = sim.user(AUDITOR)
        await en.send("/language")
        await en.tap("lang:en")
        [auditor] = await en.send("/help")
    assert "/inbox" not in reporter.text and "/chatid" not in reporter.text
    assert admin.text.startswith(reporter.text)
    office = admin.text[len(reporter.text) :]
    assert "工作人员功能，您的角色为管理员（负责人）：" in office
    for line in ("/inbox：您可查看的举报", "/staff：人员名单、邀请与停用", "/stats [2026]：年度统计",
                 "/monthly [2026-10]：各单位月报汇总表", "/quarter [2026-Q3]：", "/units：",
                 "/totp：绑定验证器", "/passphrase：设置或更改口令", "/lock：立即上锁",
                 "/chatid@tipline_bot："):  # fmt: skip
        assert line in office
    assert "/rewards" not in office
    assert "/inbox" in officer.text and "/units" in officer.text and "/totp" in officer.text
    assert "/staff" not in officer.text
    assert by_button[0].text == officer.text
    assert "For the office (Auditor):" in auditor.text and "/stats [2026]: Statistics of a year" in auditor.text
    assert "/monthly" not in auditor.text and "：" not in auditor.text.split("For the office")[1]


async def test_the_admins_start_offers_the_offices_entries_beside_the_reporters_menu(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        await _give(sim, REWARD, Role.REWARD)
        [admin_menu] = await sim.user(ADMIN).send("/start")
        [reward_menu] = await sim.user(REWARD).send("/start")
        [stranger_menu] = await sim.user(STRANGER).send("/start")
        [panel] = await sim.user(ADMIN).tap("👥 人员")
        inbox = await sim.user(ADMIN).tap("📥 收件箱")
    office = ["📥 收件箱", "👥 人员", "📊 统计", "📅 月报", "🗓 季报", "📢 曝光", "🏢 单位", "🔐 验证器"]
    office += ["🔑 口令", "🔒 上锁"]
    assert admin_menu.labels == [*ZH_MENU, *office]
    assert admin_menu.buttons[len(MENU_ITEMS)] == [("📥 收件箱", "office:inbox"), ("👥 人员", "office:staff")]
    assert reward_menu.labels == [*ZH_MENU, "📥 收件箱", "💰 奖励台账", "🏢 单位", "🔐 验证器", "🔑 口令", "🔒 上锁"]
    assert stranger_menu.labels == ZH_MENU
    assert "主任" in panel.text and "staff:invite" in repr(panel.buttons)
    assert inbox and "staff:invite" not in repr(inbox[-1].buttons)


@pytest.mark.parametrize("who", [INTAKE, AUDITOR, STRANGER])
async def test_a_forged_press_of_an_admins_entry_is_refused(start_bot, who):
    async with start_bot() as sim:
        await add_staff(sim)
        user = sim.user(who)
        [menu] = await user.send("/start")
        assert "office:staff" not in repr(menu.buttons)
        message = sim.api.messages[(who, menu.message_id)]
        for entry in ("office:staff", "office:rewards"):
            replies = await user.press(message, entry)
            [answer] = [c.params for c in sim.api.calls_of("answerCallbackQuery")][-1:]
            assert answer.get("show_alert") and answer.get("text")
            assert not any("staff:invite" in repr(r.buttons) or "奖励" in r.text for r in replies)


async def test_an_entry_pressed_in_a_group_says_nothing_there(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        admin = sim.user(ADMIN)
        group = sim.group()
        message = {"message_id": 1, "chat": group.chat, "date": 0}
        mark = len(sim.api.calls)
        await admin.press(message, "office:staff")
        assert sim.replies_in(group.id, mark) == [] and sim.replies_in(ADMIN, mark) == []
