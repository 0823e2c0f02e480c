"""/stats: the figures match a hand count, come from plaintext only, and the chart draws Chinese."""

from __future__ import annotations

import io
import warnings
from datetime import datetime, timedelta

import pytest
from PIL import Image

from core.charts import Panel, bar_panels
from core.figures import TEMPLATE_A
from core.tips import Status
from storage.tips import TipRepository
from tests.conftest import move_clock, services_of
from tests.liaisons import LIAISON, add_unit, put_clock, register_directly
from tests.office import ADMIN, AUDITOR, EMERGENCY, INTAKE, REPORTER, STRANGER, add_staff, work_to
from tests.reporter import file_tip


async def _four_tips(sim) -> list[str]:
    """Hand count: 4 received this month; 3 accepted (2 hazchem, 1 fire), 2 verified, 1 replied."""
    numbers = [(await file_tip(sim.user(REPORTER + 100 + i), industry=ind)).number
               for i, ind in enumerate(("hazchem", "hazchem", "fire", "gas"))]  # fmt: skip
    await work_to(sim, numbers[0], Status.REPLIED)
    await work_to(sim, numbers[1], Status.VERIFIED)
    await work_to(sim, numbers[2], Status.ACCEPTED)
    return numbers


async def test_stats_match_a_hand_count(start_bot, monkeypatch):
    async with start_bot() as sim:
        await add_staff(sim)
        await _four_tips(sim)
        year = services_of(sim).clock().year
        move_clock(sim, monkeypatch, timedelta(days=61))  # the accepted, unverified tip is now overdue

        async def no_decrypting(*args, **kwargs):
            raise AssertionError("stats decrypted a tip")

        for method in ("content", "identity", "messages", "files", "contact"):
            monkeypatch.setattr(TipRepository, method, no_decrypting)
        admin = sim.user(ADMIN)
        replies = await admin.send(f"/stats {year}")
        text, chart = replies[0].text, replies[2]
        assert "收到举报：4" in text
        assert "已接收 1" in text and "已受理 1" in text and "已核查，待答复 1" in text and "已答复 1" in text
        assert "危险化学品 2" in text and "消防 1" in text
        assert "核实查处率（已核查/已受理）：2/3 = 66.7%（目标 100%）" in text
        assert "目前超期：3" in text  # not accepted in 5 days, not verified in 60, not replied in 10
        assert "中位数）：0" in text
        assert chart.kind == "photo"
        await admin.send("/language")
        await admin.tap("lang:en")
        english = (await admin.send(f"/stats {year}"))[0].text
        assert "Verified-and-handled rate (verified among accepted): 2/3 = 66.7% (target 100%)" in english
        assert "核实查处率" not in english


async def test_stats_are_for_the_admin_and_auditors_only(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        await file_tip(sim.user(REPORTER))
        [auditor] = (await sim.user(AUDITOR).send("/stats"))[:1]
        assert "收到举报：1" in auditor.text
        for person in (INTAKE, EMERGENCY, STRANGER, REPORTER):
            replies = await sim.user(person).send("/stats")
            assert all("收到举报" not in r.text for r in replies)
        [bad] = await sim.user(ADMIN).send("/stats 二〇二六")
        assert "请给出年份" in bad.text
        [empty, rates] = await sim.user(ADMIN).send("/stats 2020")
        assert "收到举报：0" in empty.text and "6 个 100%" in rates.text  # no chart: nothing to draw


async def test_stats_show_the_six_rates_with_formula_source_and_quarters(start_bot, monkeypatch):
    """Hand count: tips 2 verified of 3 accepted (November); 东平村 sent January (40 enterprises, 10
    inspected, 8 hazards, 6 rectified, 2 cases) and April (50, 20, 0, 0, 0), nothing since."""
    async with start_bot() as sim:
        put_clock(sim, monkeypatch, datetime(2026, 11, 5, 10, 0))
        await add_staff(sim)
        await _four_tips(sim)
        unit = await add_unit(sim)
        await register_directly(sim, unit)
        services = services_of(sim)
        for period, values in (
            ("2026-01", {"enterprises": 40, "inspected": 10, "hazards": 8, "rectified": 6, "cases": 2}),
            ("2026-04", {"enterprises": 50, "inspected": 20, "hazards": 0, "rectified": 0, "cases": 0}),
        ):
            await services.figures.submit_month(unit.id, period, TEMPLATE_A, values, LIAISON, services.clock())
        replies = await sim.user(ADMIN).send("/stats")
        rates = replies[1].text.splitlines()
        assert rates[0] == "📈 “6 个 100%”（2026年，目标均为 100%）"
        coverage = rates[rates.index("• 重点企业执法检查覆盖率") + 1]
        assert coverage.startswith("  30 ÷ 50 = 60.0%（现场监督检查企业数 ÷ 监管企业总数，来源：各单位月报；")
        assert coverage.endswith("第 1 季度 25.0% · 第 2 季度 40.0% · 第 3 季度 —（未报） · 第 4 季度 —（未报）")
        assert rates[rates.index("• 重点企业执法检查覆盖率") + 2] == (
            "  举报台账：无此数据（缺少：执法检查的重点企业数、重点企业总数）"
        )
        recheck = rates[rates.index("• 问题企业复查率") + 1]
        assert recheck.startswith("  6 ÷ 8 = 75.0%（隐患整改数 ÷ 排查隐患数")
        assert "第 2 季度 —（本期排查隐患数为 0）" in recheck  # a zero denominator, named
        verified = rates[rates.index("• 举报核实查处率") + 2]
        assert verified == "  2 ÷ 3 = 66.7%（已核查的举报数 ÷ 已受理的举报数，来源：举报台账）；" + " · ".join(
            [f"第 {q} 季度 —（本期已受理的举报数为 0）" for q in (1, 2, 3)] + ["第 4 季度 66.7%"]
        )
        assert "1 ÷ —" not in replies[1].text and "涉嫌犯罪案件数" in replies[1].text  # 移送率: the denominator named
        assert [r.kind for r in replies[2:]] == ["photo", "photo"]  # the tips' chart, then the rates by month
        await sim.user(ADMIN).send("/language")
        await sim.user(ADMIN).tap("lang:en")
        english = (await sim.user(ADMIN).send("/stats"))[1].text
        assert "2 ÷ 3 = 66.7% (tips verified ÷ tips accepted, tip ledger); Q1 — (tips accepted is 0 in the period)" in (
            english
        )


def test_the_chart_draws_every_chinese_glyph():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = bar_panels(
            "安全生产举报统计", [Panel("按行业领域", [("危险化学品", 2), ("农村自建房", 1)], horizontal=True)]
        )
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width > 600


def test_a_glyph_the_font_lacks_fails_instead_of_drawing_a_box():
    with pytest.raises(UserWarning):
        bar_panels("\U0001f6a7\U000e0100", [Panel("x", [("\U00010900", 1)])])
