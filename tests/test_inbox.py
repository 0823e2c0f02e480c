"""/inbox and the tip card: who sees what, filters and pages, decryption audited, strangers refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.roles import Role
from tests.conftest import move_clock, services_of
from tests.media import exif_of, photo_with_exif
from tests.office import signed_in
from tests.reporter import DESCRIPTION, SITE, file_tip

REPORTER, ADMIN, FIRE, URBAN, STRANGER = 8300000001, 8300000002, 8300000003, 8300000004, 8300000005


async def _staff(sim) -> None:
    services = services_of(sim)
    async with services.db.transaction() as conn:
        await services.staff.add(conn, ADMIN, "刘主任", Role.ADMIN, "", "2026-11-23")
        await services.staff.add(conn, FIRE, "消防所小王", Role.DEPARTMENT, "fire", "2026-11-23")
        await services.staff.add(conn, URBAN, "城建站小李", Role.DEPARTMENT, "urban", "2026-11-23")
    await signed_in(sim, ADMIN, FIRE, URBAN)


async def _fire_tip(user) -> str:
    """A tip about fire safety (消防 → 消防工作所) with one photo."""
    return (await file_tip(user, industry="fire", photos=(photo_with_exif(),))).number


async def test_each_sees_their_own_and_the_admin_sees_all(start_bot):
    async with start_bot() as sim:
        await _staff(sim)
        reporter = sim.user(REPORTER)
        fire_tip = await _fire_tip(reporter)
        hazchem = await file_tip(reporter)  # 危险化学品 → 应急站
        [fire_inbox] = await sim.user(FIRE).send("/inbox")
        assert "共 1 件" in fire_inbox.text and fire_tip in fire_inbox.text and hazchem.number not in fire_inbox.text
        [urban_inbox] = await sim.user(URBAN).send("/inbox")
        assert "共 0 件" in urban_inbox.text and "没有符合条件" in urban_inbox.text
        [admin_inbox] = await sim.user(ADMIN).send("/inbox")
        assert "共 2 件" in admin_inbox.text
        assert admin_inbox.text.index(hazchem.number) < admin_inbox.text.index(fire_tip)  # newest first
        [by_department] = await sim.user(ADMIN).tap("inbox:-:-:fire:0")
        assert "共 1 件" in by_department.text and fire_tip in by_department.text


async def test_filters_by_deadline_and_pages(start_bot, monkeypatch):
    async with start_bot() as sim:
        await _staff(sim)
        reporter = sim.user(REPORTER)
        numbers = [(await file_tip(reporter)).number for _ in range(5)]
        second = sim.user(STRANGER)  # not staff: the admin is alerted of these tips (no officer, no intake)
        numbers += [(await file_tip(second)).number for _ in range(4)]
        admin = sim.user(ADMIN)
        [first_page] = await admin.send("/inbox")
        assert "共 9 件" in first_page.text and "较早 ▶" in first_page.labels
        assert numbers[0] not in first_page.text  # the oldest is on page 2
        [second_page] = await admin.tap("较早 ▶")
        assert numbers[0] in second_page.text and "◀ 较新" in second_page.labels
        [overdue] = await admin.tap("inbox:-:overdue:-:0")
        assert "共 0 件" in overdue.text
        move_clock(sim, monkeypatch, timedelta(days=6))  # past the 5 days to decide on acceptance
        [overdue] = await admin.tap("inbox:-:overdue:-:0")
        assert "共 9 件" in overdue.text and "已逾期" in overdue.text
        [received] = await admin.tap("inbox:received:-:-:0")
        assert "共 9 件" in received.text
        [accepted] = await admin.tap("inbox:accepted:-:-:0")
        assert "共 0 件" in accepted.text


async def test_the_card_is_decrypted_for_staff_and_each_view_is_audited(start_bot):
    async with start_bot() as sim:
        await _staff(sim)
        number = await _fire_tip(sim.user(REPORTER, "赵六", username="zhaoliu"))
        officer = sim.user(FIRE)
        await officer.send("/inbox")
        [card] = await officer.tap(f"case:open:{number}")
        assert DESCRIPTION in card.text and SITE in card.text and "西山村" in card.text
        assert "举报人 " in card.text and "匿名" in card.text
        for identity in (str(REPORTER), "赵六", "zhaoliu"):
            assert identity not in card.text
        files = await officer.tap("📎 证据文件")
        assert [f.kind for f in files] == ["document", "text"]  # the files, then the card with its buttons
        assert DESCRIPTION in files[-1].text and "📎 证据文件" in files[-1].labels
        [upload] = sim.api.calls_of("sendDocument")
        assert exif_of(next(iter(upload.files.values()))) == {}
        entries = [(e.actor, e.action, e.tip) for e in await services_of(sim).audit.entries(tip=number)]
        assert entries == [(FIRE, "tip.view", number), (FIRE, "tip.files", number), (FIRE, "tip.view", number)]


async def test_the_pseudonym_is_stable_for_a_tip_and_differs_between_tips(start_bot):
    async with start_bot() as sim:
        await _staff(sim)
        reporter = sim.user(REPORTER)
        first, second = await file_tip(reporter), await file_tip(reporter)
        admin = sim.user(ADMIN)
        [a] = await _open(admin, first.number)
        [b] = await _open(admin, first.number)
        [c] = await _open(admin, second.number)
    alias = a.text.split("举报人 ")[1][:4]
    assert alias == b.text.split("举报人 ")[1][:4] != c.text.split("举报人 ")[1][:4]


async def _open(user, number):
    await user.send("/inbox")
    return await user.tap(f"case:open:{number}")


@pytest.mark.parametrize("who", [STRANGER, URBAN])
async def test_people_without_the_right_role_are_refused_and_nothing_is_decrypted(start_bot, who):
    async with start_bot() as sim:
        await _staff(sim)
        number = await _fire_tip(sim.user(REPORTER))
        person = sim.user(who)
        [menu] = await person.send("/start")
        message = sim.api.messages[(who, menu.message_id)]
        for data in (f"case:open:{number}", f"case:files:{number}"):
            replies = await person.press(message, data)
            reason = "仅限办理单位工作人员" if who == STRANGER else "这份举报属于其他部门"  # staff: the true reason
            assert replies == [] and reason in person.callback_answers()[-1]
        replies = await person.press(message, "inbox:-:-:fire:0")  # filtering to another department
        assert all(DESCRIPTION not in r.text and number not in r.text for r in replies)
        assert await services_of(sim).audit.entries(tip=number) == []
        assert sim.api.calls_of("sendDocument") == []


async def test_the_alert_link_opens_the_card_for_staff_only(start_bot):
    async with start_bot() as sim:
        await _staff(sim)
        number = await _fire_tip(sim.user(REPORTER))
        [card] = await sim.user(FIRE).send(f"/start tip_{number}")
        assert DESCRIPTION in card.text
        [welcome] = await sim.user(STRANGER).send(f"/start tip_{number}")
        assert "您好" in welcome.text and DESCRIPTION not in welcome.text


async def test_no_inbox_in_a_group(start_bot):
    async with start_bot() as sim:
        await _staff(sim)
        admin = sim.user(ADMIN)
        admin.chat = {"id": -100123, "type": "supergroup", "title": "应急站工作群"}
        sim.api.register_chat(admin.chat)
        [reply] = await admin.send("/inbox")
        assert "私聊" in reply.text
