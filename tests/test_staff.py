"""Staff: invites by one-time code, /join, the admin's panel, and refusals for everyone else."""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta

import pytest

from core.roles import Role
from tests.office import signed_in

ADMIN, NEWCOMER, STRANGER = 900001, 900002, 900003


async def _make_admin(sim) -> None:
    services = sim.app.bot_data["services"]
    async with services.db.transaction() as conn:
        await services.staff.add(conn, ADMIN, "刘主任", Role.ADMIN, "", "2026-11-23")
    await signed_in(sim, ADMIN)  # /staff's buttons ask the admin's authenticator code


async def _invite(sim, *taps: str) -> str:
    admin = sim.user(ADMIN)
    await admin.send("/staff")
    await admin.tap("staff:invite")
    replies = []
    for data in taps:
        replies = await admin.tap(data)
    return re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}", replies[-1].text)[0]


def _count(settings, table):
    with sqlite3.connect(settings.data_dir / "tipline.sqlite3") as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608 - test tables


async def test_an_admin_invites_and_the_code_works_once(start_bot):
    async with start_bot() as sim:
        await _make_admin(sim)
        code = await _invite(sim, "staff:role:intake")
        newcomer = sim.user(NEWCOMER, "陈晓")
        [welcome] = await newcomer.send(f"/join {code.lower()}")
        assert "欢迎" in welcome.text and "受理人员" in welcome.text
        member = await sim.app.bot_data["services"].staff.get(NEWCOMER)
        assert member.roles == {Role.INTAKE} and member.name == "陈晓"
        [again] = await sim.user(STRANGER).send(f"/join {code}")
        assert "已经用过" in again.text
        assert await sim.app.bot_data["services"].staff.get(STRANGER) is None


async def test_department_officers_get_a_department(start_bot):
    async with start_bot() as sim:
        await _make_admin(sim)
        code = await _invite(sim, "staff:role:department", "staff:dep:fire")
        await sim.user(NEWCOMER).send(f"/join {code}")
        member = await sim.app.bot_data["services"].staff.get(NEWCOMER)
        assert member.departments == {"fire"} and member.may_see("fire") and not member.may_see("urban")


async def test_expired_and_unknown_codes(start_bot, monkeypatch):
    async with start_bot() as sim:
        await _make_admin(sim)
        code = await _invite(sim, "staff:role:auditor")
        services = sim.app.bot_data["services"]
        later = services.clock() + timedelta(hours=73)
        monkeypatch.setattr(services, "clock", lambda: later)
        [expired] = await sim.user(NEWCOMER).send(f"/join {code}")
        assert "已过期" in expired.text
        [unknown] = await sim.user(NEWCOMER).send("/join ABCD-EFGH")
        assert "邀请码不正确" in unknown.text
        [bare] = await sim.user(NEWCOMER).send("/join")
        assert "/join K7QX-M3PA" in bare.text


@pytest.mark.parametrize(
    "data", ["staff:invite", "staff:role:admin", "staff:dep:fire", f"staff:remove_yes:{ADMIN}", "staff:remove:1"]
)
async def test_strangers_pressing_staff_buttons_are_refused_and_nothing_changes(start_bot, settings, data):
    async with start_bot() as sim:
        await _make_admin(sim)
        stranger = sim.user(STRANGER)
        [refused] = await stranger.send("/staff")
        assert "仅限办理单位工作人员" in refused.text
        [menu] = await stranger.send("/start")
        message = sim.api.messages[(STRANGER, menu.message_id)]
        assert await stranger.press(message, data) == []
        assert "仅限办理单位工作人员" in stranger.callback_answers()[-1]
        assert _count(settings, "invites") == 0
        assert (await sim.app.bot_data["services"].staff.get(ADMIN)).roles == {Role.ADMIN}


async def test_a_non_admin_staff_member_cannot_invite(start_bot, settings):
    async with start_bot() as sim:
        await _make_admin(sim)
        code = await _invite(sim, "staff:role:intake")
        newcomer = sim.user(NEWCOMER)
        await newcomer.send(f"/join {code}")
        [refused] = await newcomer.send("/staff")
        assert "/staff 仅供管理员（负责人）使用" in refused.text  # the role it needs, not "staff only"
        message = sim.api.messages[(NEWCOMER, refused.message_id)]
        await newcomer.press(message, "staff:role:admin")
        assert _count(settings, "invites") == 1  # only the admin's


async def test_the_admin_deactivates_a_member_and_it_is_audited(start_bot):
    async with start_bot() as sim:
        await _make_admin(sim)
        code = await _invite(sim, "staff:role:reward")
        await sim.user(NEWCOMER, "王会计").send(f"/join {code}")
        admin = sim.user(ADMIN)
        [panel] = await admin.send("/staff")
        assert "王会计" in panel.text and "奖励兑现人员" in panel.text
        [question] = await admin.tap(f"staff:remove:{NEWCOMER}")
        assert "王会计" in question.text and [b[0] for b in question.buttons[0]] == ["确定", "返回"]
        [kept] = await admin.tap("staff:keep")  # 返回: nobody is deactivated
        assert "没有任何改动" in kept.text and await sim.app.bot_data["services"].staff.get(NEWCOMER) is not None
        await admin.tap(f"staff:remove:{NEWCOMER}")
        [done] = await admin.tap(f"staff:remove_yes:{NEWCOMER}")
        assert "已停用" in done.text
        services = sim.app.bot_data["services"]
        assert await services.staff.get(NEWCOMER) is None
        actions = [e.action for e in await services.audit.entries() if e.action.startswith("staff.")]
        assert actions == ["staff.invite", "staff.join", "staff.deactivate"]
        assert (await services.audit.verify()).broken_at is None
