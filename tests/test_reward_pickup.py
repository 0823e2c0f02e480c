"""A reporter collecting a reward in person reads where and when ([rewards] pickup_address and
pickup_hours of the office's TOML), in their language; without an address, in person is not offered
(after the case is closed the bot could not tell them where)."""

from __future__ import annotations

import logging

from core.office import OfficeConfig
from tests.office import REPORTER, reward_to_claim


async def test_the_claim_says_where_and_when_to_collect(start_bot):
    async with start_bot() as sim:
        reporter, _ = await reward_to_claim(sim)
        await reporter.tap("check:claim")
        [how] = await reporter.tap("claim:no")
        place = "领奖地点：东平镇人民政府二楼应急办（东平路1号）\n领奖时间：工作日 9:00-11:30，14:30-17:00"
        assert place in how.text
        [shown] = await reporter.tap("claim:person")
        assert "您的领奖码：" in shown.text and place in shown.text


async def test_in_english_the_english_address_and_hours(start_bot):
    async with start_bot() as sim:
        reporter = sim.user(REPORTER)
        await reporter.send("/language")
        await reporter.tap("lang:en")
        reporter, _ = await reward_to_claim(sim)
        await reporter.tap("check:claim")
        await reporter.tap("claim:no")
        [shown] = await reporter.tap("claim:person")
        assert (
            "Where to collect: Emergency office, 2nd floor, Dongping town government, 1 Dongping Road\n"
            "When: Weekdays 9:00-11:30 and 14:30-17:00"
        ) in shown.text


def _with_pickup(office: OfficeConfig, **pickup: str | None) -> OfficeConfig:
    """The example office with these pickup keys (None: not configured)."""
    keys = dict.fromkeys(("pickup_address", "pickup_address_en", "pickup_hours", "pickup_hours_en")) | pickup
    return office.model_copy(update={"rewards": office.rewards.model_copy(update=keys)})


async def test_without_a_configured_place_in_person_is_not_offered(start_bot, office, caplog):
    caplog.set_level(logging.WARNING, logger="tipline")
    async with start_bot(config=_with_pickup(office, pickup_hours="周三上午")) as sim:
        assert "[rewards] pickup_address is not set" in caplog.text  # said at start-up
        reporter, _ = await reward_to_claim(sim)
        await reporter.tap("check:claim")
        [how] = await reporter.tap("claim:no")
        assert "claim:person" not in repr(how.buttons) and "claim:payee" in repr(how.buttons)
        assert "转账发放" in how.text and "现场领取" not in how.text and "另行告知" not in how.text
        message = sim.api.messages[(REPORTER, how.message_id)]
        [refused] = await reporter.press(message, "claim:person")  # a forged (or stale) press
        assert "按钮已失效" in refused.text and "领奖码" not in refused.text


async def test_an_address_without_hours_says_office_hours(start_bot, office, caplog):
    async with start_bot(config=_with_pickup(office, pickup_address="镇政府一楼大厅")) as sim:
        assert "pickup_address" not in caplog.text
        reporter, _ = await reward_to_claim(sim)
        await reporter.tap("check:claim")
        [how] = await reporter.tap("claim:no")
        assert "领奖地点：镇政府一楼大厅\n领奖时间：工作时间" in how.text and "另行告知" not in how.text
        [shown] = await reporter.tap("claim:person")
        assert "您的领奖码：" in shown.text


def test_the_new_keys_are_read_from_the_toml_and_an_empty_one_is_refused(tmp_path):
    import pytest

    from bot.config import load_office
    from core.office import OfficeConfigError

    path = tmp_path / "office.toml"
    path.write_text('unit_name = "西山镇应急管理办公室"\n[rewards]\npickup_hours = "周三上午"\n', encoding="utf-8")
    office = load_office(path)
    assert office.unit("zh") == office.unit("en") == "西山镇应急管理办公室"  # no English name: the Chinese one
    assert office.rewards.pickup("zh") == office.rewards.pickup("en") == (None, "周三上午")
    path.write_text('unit_name = ""\n', encoding="utf-8")
    with pytest.raises(OfficeConfigError, match="unit_name"):
        load_office(path)
