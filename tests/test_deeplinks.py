"""Deep links from posters: ?start=report opens the tip conversation, report_<industry> preselects the
industry (and a village), check opens "check a report", liaison the liaison's page; nothing else."""

from __future__ import annotations

import pytest

from core import links
from tests.conftest import services_of
from tests.liaisons import LIAISON, office_with_unit
from tests.reporter import DESCRIPTION, SITE, receipt_from

READER = 8400000301


async def test_report_link_opens_the_tip_conversation(start_bot):
    async with start_bot() as sim:
        [intro] = await sim.user(READER).send("/start report")
    assert any(data == "tip:intro:start" for _, data in (b for row in intro.buttons for b in row))


async def test_an_industry_and_a_village_from_the_poster_hold_through_to_the_tip(start_bot):
    async with start_bot() as sim:
        user = sim.user(READER)
        await user.send("/start report_construction_xishan")
        await user.tap("tip:intro:start")
        await user.tap("tip:who:public")
        [site] = await user.tap("tip:kind:hazard")  # industry and village skipped: straight to the site
        assert "tip:industry:" not in repr(site.buttons) and "tip:village:" not in repr(site.buttons)
        await user.send(SITE)
        await user.send(DESCRIPTION)
        await user.tap("tip:evidence:done")
        await user.tap("tip:identity:anonymous")
        [summary] = await user.tap("tip:push:no")
        assert "建筑施工" in summary.text and "西山村" in summary.text
        receipt = receipt_from(await user.tap("tip:summary:submit"))
        facets = await services_of(sim).tips.facets(receipt.number)
    assert facets.industry == "construction" and facets.village == "xishan"


async def test_the_preselection_can_be_changed_at_the_summary(start_bot):
    async with start_bot() as sim:
        user = sim.user(READER)
        await user.send("/start report_gas")
        await user.tap("tip:intro:start")
        await user.tap("tip:who:public")
        [village] = await user.tap("tip:kind:hazard")
        assert "tip:village:" in repr(village.buttons)  # only the industry was preset
        for step in (lambda: user.tap("tip:village:xishan"), lambda: user.send(SITE), lambda: user.send(DESCRIPTION),
                     lambda: user.tap("tip:evidence:done"), lambda: user.tap("tip:identity:anonymous")):  # fmt: skip
            await step()
        [summary] = await user.tap("tip:push:no")
        assert "燃气" in summary.text
        [industry] = await user.tap("tip:summary:edit:industry")
        assert "tip:industry:fire" in repr(industry.buttons)
        [back] = await user.tap("tip:industry:fire")
        assert "消防" in back.text and "燃气（镇村燃气）" not in back.text


async def test_unknown_parts_are_dropped_and_a_draft_under_way_is_kept(start_bot):
    async with start_bot() as sim:
        user = sim.user(READER)
        await user.send("/start report_nuclear_atlantis")
        await user.tap("tip:intro:start")
        await user.tap("tip:who:public")
        [industry] = await user.tap("tip:kind:hazard")
        assert "tip:industry:hazchem" in repr(industry.buttons)  # nothing preset: asked as usual
        [resumed] = await user.send("/start report_construction")
        assert "没填完" in resumed.text
        assert "tip:industry:hazchem" in repr(resumed.buttons)


async def test_check_and_liaison_links(start_bot):
    async with start_bot() as sim:
        [ask] = await sim.user(READER).send("/start check")
        assert "JB2026-000123" in ask.text
        await office_with_unit(sim)
        [home] = await sim.user(LIAISON).send("/start liaison")
        assert "东平村" in home.text
        [how] = await sim.user(READER + 1).send("/start liaison")
        assert "/register" in how.text


async def test_other_start_parameters_show_the_menu(start_bot):
    async with start_bot() as sim:
        [menu] = await sim.user(READER).send("/start somethingelse")
    assert "menu:report" in repr(menu.buttons)


def test_payloads_round_trip_and_carry_nothing_else():
    assert links.payload("report") == "report" and links.payload("check") == "check"
    assert links.payload("report", "construction") == "report_construction"
    assert links.payload("report", None, "xishan") == "report_any_xishan"
    parsed = links.parse("report_construction_xishan", frozenset({"xishan"}))
    assert parsed.preset == {"industry": "construction", "village": "xishan"}
    assert links.parse("report_any_xishan", frozenset({"xishan"})).preset == {"village": "xishan"}
    assert links.parse("tip_JB2026-000001") is None and links.parse("a" * 65) is None
    with pytest.raises(ValueError):
        links.payload("report", "nuclear")
    assert links.url("TiplineBot", "report") == "https://t.me/TiplineBot?start=report"
