"""/stats: the figures match a hand count, come from plaintext only, and the chart draws Chinese."""

from __future__ import annotations

import io
import warnings
from datetime import timedelta

import pytest
from PIL import Image

from core.charts import Panel, bar_panels
from core.tips import Status
from storage.tips import TipRepository
from tests.conftest import move_clock, services_of
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
        text, chart = replies[0].text, replies[1]
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
        [empty] = await sim.user(ADMIN).send("/stats 2020")
        assert "收到举报：0" in empty.text


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
