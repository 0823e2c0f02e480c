"""Units and liaisons: the admin adds units and issues codes; a liaison registers with /register CODE
and the contact table; codes work once and expire; a new registration hands the unit over."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from tests.conftest import move_clock, services_of
from tests.liaisons import CONTACT, LIAISON, OTHER_LIAISON, add_unit, code_for, code_in, office_with_unit, press
from tests.office import ADMIN, INTAKE, STRANGER, add_staff

ANSWERS = ("张书记", "村支书", "138 0000 0001", "李会计", "会计", "0730-5172110")


async def _fill_contact(user, answers=ANSWERS, qq: str | None = "12345678"):
    replies = []
    for answer in answers:
        replies = await user.send(answer)
    replies = await user.send(qq) if qq else await user.tap("fv:6:skip")
    replies = await user.tap("fv:7:skip")  # 备注
    return replies


async def _registering_in_english(sim, name: str = "西湖社区"):
    """A unit `name` with a code, and its liaison-to-be, who chose English and sent /register CODE."""
    unit = await office_with_unit(sim, name)
    code = await code_for(sim, unit)
    user = sim.user(OTHER_LIAISON)
    await user.send("/language")
    await user.tap("lang:en")
    await user.send(f"/register {code}")
    return unit, user


async def test_admin_adds_a_unit_and_a_liaison_registers_with_its_code(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        admin = sim.user(ADMIN)
        await admin.send("/units")
        await admin.tap("form:unit:new")
        await admin.send("东平村")
        await admin.tap("村")
        [done] = await admin.tap("fv:confirm")
        assert "东平村" in done.text
        await admin.send("/units")
        await admin.tap("units:page:0")
        [invite] = await admin.tap("东平村")
        code = code_in(invite.text)

        liaison = sim.user(LIAISON)
        [first] = await liaison.send(f"/register {code.lower()}")
        assert "东平村" in first.text
        replies = await _fill_contact(liaison)
        assert any("东平村" in r.text for r in replies)
        [registered, home] = await liaison.tap("fv:confirm")
        assert registered.text == "✅ 登记成功：您已是东平村的联络员。" and "东平村" in home.text
        [item] = await services_of(sim).units.of_user(LIAISON)
        assert item.unit.name == "东平村"
        assert item.contact.head_phone == "13800000001" and item.contact.phone == "0730-5172110"  # the dash kept
        assert item.contact.qq == "12345678" and item.contact.note == ""

        [listing, *_] = await sim.user(INTAKE).send("/units")
        assert "李会计" in listing.text and "张书记" in listing.text and "0730-5172110" in listing.text


async def test_bad_phone_and_qq_are_asked_again_and_nothing_is_lost(start_bot):
    async with start_bot() as sim:
        unit, user = await _registering_in_english(sim)
        await user.send("王主任")
        await user.send("主任")
        [again] = await user.send("call me")
        assert "not a phone number" in again.text
        [sticker] = await user.send_sticker()
        assert "as text" in sticker.text
        for answer in ("13900000000", "赵敏", "联络员", "13900000001"):
            await user.send(answer)
        [bad_qq] = await user.send("0123")
        assert "QQ" in bad_qq.text
        [skipped] = await user.tap("fv:6:skip")
        assert "Anything to note" in skipped.text
        [summary] = await user.send("负责安全生产统计")
        assert "(skipped)" in summary.text and "13900000001" in summary.text
        await user.tap("fv:confirm")
        item = await services_of(sim).units.liaison(unit.id)
    assert item.user_id == OTHER_LIAISON and item.contact.head == "王主任" and item.contact.note == "负责安全生产统计"


async def test_used_expired_and_unknown_codes_are_refused(start_bot, monkeypatch):
    async with start_bot() as sim:
        await add_staff(sim)
        unit = await add_unit(sim)
        used = await code_for(sim, unit)
        services = services_of(sim)
        await services.people.register_liaison(used, LIAISON, "zh", CONTACT, services.clock())
        user = sim.user(OTHER_LIAISON)
        await user.send("/language")
        await user.tap("lang:en")
        [again] = await user.send(f"/register {used}")
        assert "used already" in again.text
        [unknown] = await user.send("/register ABCD-EFGH")
        assert "not right" in unknown.text
        [bare] = await user.send("/register")
        assert "/register K7QX-M3PA" in bare.text
        expiring = await code_for(sim, unit)
        move_clock(sim, monkeypatch, timedelta(hours=73))
        [expired] = await user.send(f"/register {expiring}")
        assert "expired" in expired.text
        assert (await services.units.liaison(unit.id)).user_id == LIAISON


async def test_a_staff_code_does_not_register_a_liaison_nor_the_reverse(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        unit = await add_unit(sim)
        liaison_code = await code_for(sim, unit)
        user = sim.user(STRANGER)
        await user.send("/language")
        await user.tap("lang:en")
        [joined] = await user.send(f"/join {liaison_code}")
        assert "not right" in joined.text
        assert await services_of(sim).staff.get(STRANGER) is None
        [registered] = await user.send(f"/register {liaison_code}")  # still unused: the /join burnt nothing
        assert "Registering as the liaison" in registered.text


async def test_a_code_used_meanwhile_registers_nothing(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        unit = await add_unit(sim)
        code = await code_for(sim, unit)
        user = sim.user(OTHER_LIAISON)
        await user.send("/language")
        await user.tap("lang:en")
        await user.send(f"/register {code}")
        await _fill_contact(user)
        services = services_of(sim)
        await services.people.register_liaison(code, LIAISON, "zh", CONTACT, services.clock())
        [refused] = await user.tap("fv:confirm")
        assert "used already" in refused.text and "Nothing was registered" in refused.text
        assert (await services.units.liaison(unit.id)).user_id == LIAISON


async def test_a_new_registration_hands_the_unit_over_and_tells_the_old_liaison(start_bot, settings):
    async with start_bot() as sim:
        unit = await office_with_unit(sim)
        code = await code_for(sim, unit)
        user = sim.user(OTHER_LIAISON)
        await user.send(f"/register {code}")
        await _fill_contact(user, answers=("张书记", "村支书", "13800000001", "周新", "文书", "13800000009"))
        await user.tap("fv:confirm")
        told = [c.params["text"] for c in sim.api.calls_of("sendMessage") if c.params["chat_id"] == LIAISON]
        assert any("周新" in text and "东平村" in text for text in told)
        services = services_of(sim)
        assert (await services.units.liaison(unit.id)).user_id == OTHER_LIAISON
        assert await services.units.of_user(LIAISON) == []
    with sqlite3.connect(settings.data_dir / "tipline.sqlite3") as conn:
        history = conn.execute("SELECT user_id, until IS NULL FROM liaisons ORDER BY id").fetchall()
    assert history == [(LIAISON, 0), (OTHER_LIAISON, 1)]


async def test_only_the_admin_adds_units_and_issues_codes_and_only_staff_list_them(start_bot):
    async with start_bot() as sim:
        await office_with_unit(sim)
        intake = sim.user(INTAKE)
        [listing] = await intake.send("/units")
        assert listing.buttons == []
        assert await press(intake, "units:invite:1") == []
        assert "仅供管理员（负责人）使用" in intake.callback_answers()[-1]  # the role it needs
        assert await press(intake, "form:unit:new") == []  # no form is opened
        assert "仅供管理员（负责人）使用" in intake.callback_answers()[-1]  # the role it needs
        assert len(await services_of(sim).units.all()) == 1
        [refused] = await sim.user(STRANGER).send("/units")
        assert "李会计" not in refused.text


async def test_unit_contacts_and_codes_never_go_to_a_group(start_bot):
    async with start_bot() as sim:
        await office_with_unit(sim)
        group = {"id": -100123, "type": "supergroup", "title": "应急站"}
        admin = sim.user(ADMIN)
        admin.chat = group
        sim.api.register_chat(group)
        [refused] = await admin.send("/units")
        assert "私聊" in refused.text and "13800000002" not in refused.text
        [monthly] = await admin.send("/monthly 2026-10")
        assert "私聊" in monthly.text and sim.api.calls_of("sendDocument") == []


async def test_back_goes_to_the_previous_question_and_the_summary_asks_to_register(start_bot):
    async with start_bot() as sim:
        unit = await office_with_unit(sim, "西湖社区")
        code = await code_for(sim, unit)
        user = sim.user(OTHER_LIAISON)
        [first] = await user.send(f"/register {code}")
        assert "⬅ 上一步" not in first.labels  # nothing before the first question
        await user.send("王主任")
        [title] = await user.send("村长")
        assert "职务" not in title.text and "⬅ 上一步" in title.labels  # the phone is asked, with ⬅
        [again] = await user.tap("⬅ 上一步")
        assert "职务" in again.text  # the title is asked again
        await user.send("主任")
        for answer in ("13900000000", "赵敏", "联络员", "（0730）517 2110"):
            await user.send(answer)
        await user.tap("fv:6:skip")
        [summary] = await user.tap("fv:7:skip")
        assert "确认按以上信息登记吗？" in summary.text and "发送" not in summary.text
        assert "0730-5172110" in summary.text
        [note] = await user.tap("⬅ 上一步")  # from the summary: the last answer is asked again
        assert "备注" in note.text
        await user.send("负责统计")
        [done, _home] = await user.tap("fv:confirm")
        assert done.text == "✅ 登记成功：您已是西湖社区的联络员。"
        item = await services_of(sim).units.liaison(unit.id)
    assert item.contact.head_title == "主任" and item.contact.phone == "0730-5172110"


async def test_registration_ends_with_registered_in_english(start_bot):
    async with start_bot() as sim:
        _unit, user = await _registering_in_english(sim)
        [summary] = await _fill_contact(user)
        assert "Register with these details?" in summary.text and "Send" not in summary.text
        [done, _home] = await user.tap("fv:confirm")
        assert done.text == "✅ Registered: you are now the liaison of 西湖社区."


async def test_a_unit_deactivated_while_its_liaison_registers_gets_a_polite_answer(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        unit = await add_unit(sim)
        code = await code_for(sim, unit)
        user = sim.user(OTHER_LIAISON)
        await user.send("/language")
        await user.tap("lang:en")
        await user.send(f"/register {code}")
        await _fill_contact(user)
        async with services_of(sim).db.transaction() as conn:  # the office deactivates it meanwhile
            await conn.execute("UPDATE units SET active = 0 WHERE id = ?", (unit.id,))
        replies = await user.tap("fv:confirm")
        assert [r.text for r in replies] == ["This unit is no longer active. Please ask the office."]
