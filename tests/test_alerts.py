"""A new tip alerts its department without content, and a death reaches the county and the admins."""

from __future__ import annotations

import pytest

from bot.fakeapi import ApiCall
from core.office import OfficeConfig
from core.roles import Role
from tests.conftest import services_of
from tests.reporter import DESCRIPTION, SITE, file_tip, to_step

REPORTER, ADMIN, FIRE_OFFICER, INTAKE = 8200000001, 8200000002, 8200000003, 8200000004
EMERGENCY_GROUP, COUNTY = -1001000000001, -1009000000000


@pytest.fixture
def config(office) -> OfficeConfig:
    data = office.model_dump()
    for department in data["departments"]:
        if department["code"] == "emergency":
            department["chat_id"] = EMERGENCY_GROUP
    data["county_chat_id"] = COUNTY
    return OfficeConfig.model_validate(data)


async def _staff(sim) -> None:
    services = services_of(sim)
    async with services.db.transaction() as conn:
        await services.staff.add(conn, ADMIN, "刘主任", Role.ADMIN, "", "2026-11-23")
        await services.staff.add(conn, FIRE_OFFICER, "消防所小王", Role.DEPARTMENT, "fire", "2026-11-23")
        await services.staff.add(conn, INTAKE, "受理员", Role.INTAKE, "", "2026-11-23")


def _sent_to(sim, chat_id: int) -> list[ApiCall]:
    return [c for c in sim.api.calls_of("sendMessage") if c.params["chat_id"] == chat_id]


async def test_the_group_alert_holds_facets_only(start_bot, config):
    async with start_bot(config=config) as sim:
        await _staff(sim)
        receipt = await file_tip(sim.user(REPORTER))  # 危险化学品 → 应急站
        [alert] = _sent_to(sim, EMERGENCY_GROUP)
        text = alert.params["text"]
        for fact in (receipt.number, "重大事故隐患", "危险化学品", "西山村", "前决定是否受理"):
            assert fact in text
        for secret in (DESCRIPTION, SITE, "西山路", str(REPORTER), receipt.code):
            assert secret not in text
        [[button]] = alert.params["reply_markup"]["inline_keyboard"]
        assert button["url"] == f"https://t.me/tipline_bot?start=tip_{receipt.number}"
        assert _sent_to(sim, COUNTY) == [] and _sent_to(sim, ADMIN) == []  # no death reported


async def test_without_a_group_the_officers_and_intake_are_told_privately(start_bot, config):
    async with start_bot(config=config) as sim:
        await _staff(sim)
        await file_tip(sim.user(REPORTER), industry="fire")  # 消防 → 消防工作所, which has no group
        assert len(_sent_to(sim, FIRE_OFFICER)) == 1 and len(_sent_to(sim, INTAKE)) == 1
        assert _sent_to(sim, EMERGENCY_GROUP) == []


async def test_a_death_goes_to_the_county_and_the_admins_at_once(start_bot, config):
    async with start_bot(config=config) as sim:
        await _staff(sim)
        user = sim.user(REPORTER)
        await to_step(user, "kind", kind="concealed")
        await user.tap("tip:kind:concealed")
        await user.send("上周三")
        await user.send("1")
        await user.tap("tip:acc_injured:unknown")
        await user.tap("tip:industry:mining")
        await user.tap("tip:village:nanhe")
        await user.send(SITE)
        await user.send(DESCRIPTION)
        await user.tap("tip:evidence:done")
        await user.tap("tip:identity:anonymous")
        await user.tap("tip:push:no")
        await user.tap("tip:summary:submit")
        [county] = _sent_to(sim, COUNTY)
        assert "涉及人员死亡" in county.params["text"] and "第七十三条" in county.params["text"]
        [admin] = _sent_to(sim, ADMIN)
        assert "涉及人员死亡" in admin.params["text"] and DESCRIPTION not in admin.params["text"]


async def test_a_group_that_cannot_be_reached_falls_back_to_private_alerts(start_bot, config):
    async with start_bot(config=config) as sim:
        await _staff(sim)
        user = sim.user(REPORTER)
        await to_step(user, "summary")
        sim.api.refuse_chat(EMERGENCY_GROUP, "Forbidden: bot was kicked from the group chat")
        [done] = await user.tap("tip:summary:submit")
        assert "举报已提交" in done.text
        assert len(_sent_to(sim, INTAKE)) == 1


async def test_with_no_officer_and_no_intake_the_admins_hear_of_a_new_tip(start_bot, config):
    async with start_bot(config=config) as sim:
        services = services_of(sim)
        async with services.db.transaction() as conn:
            await services.staff.add(conn, ADMIN, "刘主任", Role.ADMIN, "", "2026-11-23")
        receipt = await file_tip(sim.user(REPORTER), industry="fire")  # 消防工作所: no group, no officer
        [alert] = _sent_to(sim, ADMIN)
        assert receipt.number in alert.params["text"]
