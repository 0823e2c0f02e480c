"""Groups: added to one by staff, the bot tells every admin privately the group's title and chat id and
says nothing in the group; added by anyone else, it tells nobody and leaves; /chatid in a group answers
a staff member privately and nobody else."""

from __future__ import annotations

import logging

from core.roles import Role
from tests.conftest import services_of
from tests.office import ADMIN, FIRE, INTAKE, STRANGER, add_staff

GROUP_ID, TITLE = -1001000000042, "消防所工作群"
SECOND_ADMIN = 8400000009


def _private(sim, user_id: int, since: int) -> list[str]:
    return [r.text for r in sim.replies_in(user_id, since)]


async def test_added_to_a_group_every_admin_hears_privately_and_the_group_hears_nothing(start_bot, caplog):
    caplog.set_level(logging.INFO, logger="tipline")
    async with start_bot() as sim:
        await add_staff(sim)
        services = services_of(sim)
        async with services.db.transaction() as conn:
            await services.staff.add(conn, SECOND_ADMIN, "副主任", Role.ADMIN, "", "2026-11-23")
        for user_id in (ADMIN, SECOND_ADMIN, INTAKE, FIRE):
            sim.user(user_id)
        en = sim.user(SECOND_ADMIN)
        await en.send("/language")
        await en.tap("lang:en")
        group = sim.group(GROUP_ID, TITLE)
        mark = len(sim.api.calls)
        said = await group.add_bot(by=sim.user(FIRE))
        assert said == [] and sim.replies_in(GROUP_ID, mark) == []
        [zh] = _private(sim, ADMIN, mark)
        [english] = _private(sim, SECOND_ADMIN, mark)
        assert _private(sim, INTAKE, mark) == _private(sim, FIRE, mark) == []

        mark = len(sim.api.calls)
        await group.remove_bot(by=sim.user(FIRE))
        assert await group.add_bot(by=sim.user(FIRE), status="administrator") == []
        assert len(_private(sim, ADMIN, mark)) == 1  # added again: told again; removed: nothing
    assert f"群组“{TITLE}”的 chat id：{GROUP_ID}" in zh
    assert "chat_id" in zh and "county_chat_id" in zh and "[[departments]]" in zh and "重启" in zh
    assert f'Group "{TITLE}": chat id {GROUP_ID}' in english and "restart the bot" in english
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"bot added to group {GROUP_ID}" in logged
    assert TITLE not in logged and str(FIRE) not in logged and str(ADMIN) not in logged


async def test_added_to_a_group_by_a_stranger_nobody_is_told_and_the_bot_leaves(start_bot, caplog):
    caplog.set_level(logging.INFO, logger="tipline")
    lure = "领奖请点 t.me/phish"
    async with start_bot() as sim:
        await add_staff(sim)
        for user_id in (ADMIN, INTAKE, FIRE, STRANGER):
            sim.user(user_id)
        group = sim.group(GROUP_ID, lure)
        mark = len(sim.api.calls)
        assert await group.add_bot(by=sim.user(STRANGER)) == []
        assert [c for c in sim.api.calls[mark:] if c.method.startswith("send")] == []
        [left] = [c for c in sim.api.calls[mark:] if c.method == "leaveChat"]
        assert int(left.params["chat_id"]) == GROUP_ID

        mark = len(sim.api.calls)  # a staff member adds it again: the admins hear of it
        await group.add_bot(by=sim.user(FIRE))
        assert len(_private(sim, ADMIN, mark)) == 1
        assert [c for c in sim.api.calls[mark:] if c.method == "leaveChat"] == []
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"bot added to group {GROUP_ID} by someone not on the staff: left" in logged
    assert lure not in logged and str(STRANGER) not in logged


async def test_a_private_chat_blocking_or_unblocking_the_bot_tells_no_one(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        admin, stranger = sim.user(ADMIN), sim.user(STRANGER)
        mark = len(sim.api.calls)
        await sim.bot_membership(stranger.chat, stranger, "member", "kicked")
        await sim.bot_membership(stranger.chat, stranger, "kicked", "member")
        assert _private(sim, admin.id, mark) == [] and _private(sim, STRANGER, mark) == []


async def test_chatid_by_staff_in_a_group_is_answered_privately_and_by_others_not_at_all(start_bot, caplog):
    caplog.set_level(logging.INFO, logger="tipline")
    async with start_bot() as sim:
        await add_staff(sim)
        fire, stranger = sim.user(FIRE), sim.user(STRANGER)
        group = sim.group(GROUP_ID, TITLE)
        mark = len(sim.api.calls)
        assert await group.send(fire, "/chatid@tipline_bot") == []
        [told] = _private(sim, FIRE, mark)
        assert str(GROUP_ID) in told and TITLE in told

        mark = len(sim.api.calls)
        assert await group.send(stranger, "/chatid") == []
        assert [c for c in sim.api.calls[mark:] if c.method == "sendMessage"] == []

        [hint] = await fire.send("/chatid")
        assert "群组里发送 /chatid" in hint.text
        [unknown] = await stranger.send("/chatid")
        assert "没有看懂" in unknown.text  # as any command it does not know: nothing to learn here
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert TITLE not in logged and str(FIRE) not in logged and str(STRANGER) not in logged


async def test_chatid_by_staff_who_never_started_the_bot_gets_the_bare_id_in_the_group(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        sim.api.refuse_chat(INTAKE, "Forbidden: bot can't initiate conversation with a user")
        group = sim.group(GROUP_ID, TITLE)
        [answer] = await group.send(sim.user(INTAKE), "/chatid")
        assert answer.text == str(GROUP_ID)


async def test_a_group_that_becomes_a_supergroup_has_its_new_id_told_to_the_admins(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        admin = sim.user(ADMIN)
        group = sim.group(-4000000042, TITLE)
        mark = len(sim.api.calls)
        await group.become_supergroup(GROUP_ID)
        [told] = _private(sim, admin.id, mark)
        assert sim.replies_in(-4000000042, mark) == sim.replies_in(GROUP_ID, mark) == []
    assert f"chat id 变为 {GROUP_ID}（原为 -4000000042）" in told and TITLE in told
