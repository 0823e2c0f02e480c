"""Texts that quote a number of days read it from the office's TOML ([deadlines], [limits]): an
office configured with other numbers than the example's sees its own, in Chinese and in English."""

from __future__ import annotations

from core.casework import Deadlines
from core.tips import Status
from tests.office import work_to
from tests.reporter import check, file_tip, open_report

REPORTER = 9000011


def _own_numbers(office):
    deadlines = Deadlines(accept_days=4, verify_days=45, review_days=20, objection_days=12)
    limits = office.limits.model_copy(update={"draft_days": 9})
    return office.model_copy(update={"deadlines": deadlines, "limits": limits})


async def _in_english(user) -> None:
    await user.send("/language")
    await user.tap("lang:en")


async def test_the_first_screen_and_about_quote_the_offices_own_days_in_both_languages(start_bot, office):
    async with start_bot(config=_own_numbers(office)) as sim:
        user = sim.user(REPORTER)
        [intro_zh] = await open_report(user)
        [about_zh] = await user.send("/about")
        await _in_english(user)
        [intro_en] = await open_report(user)
        [about_en] = await user.send("/about")
    assert "在 4 日内决定是否受理" in intro_zh.text and "一般在 45 日内" in intro_zh.text
    assert "within 4 days whether to accept" in intro_en.text and "usually within 45 days" in intro_en.text
    assert "草稿 9 天未修改即被销毁" in about_zh.text and "可在 12 天内提出" in about_zh.text
    assert "destroyed after 9 days without changes" in about_en.text
    assert "object to the reply within 12 days" in about_en.text
    for text in (intro_zh.text, about_zh.text, intro_en.text, about_en.text):
        assert "60" not in text and "7 天" not in text and "7 days" not in text  # the example's numbers


async def test_an_objection_quotes_the_offices_own_review_days_in_both_languages(start_bot, office):
    async with start_bot(config=_own_numbers(office)) as sim:
        zh_user, en_user = sim.user(REPORTER), sim.user(REPORTER + 1)
        await _in_english(en_user)
        said = {}
        for user in (zh_user, en_user):
            receipt = await file_tip(user)
            await work_to(sim, receipt.number, Status.REPLIED)
            await check(user, receipt)
            await user.tap("check:object")
            [said[user]] = await user.send("Only one of the three tanks was fixed.")
    assert "办理单位将在 20 天内复查" in said[zh_user].text
    assert "The office reviews the case within 20 days." in said[en_user].text


def test_about_quotes_how_long_housekeeping_keeps_a_receipts_row(office, monkeypatch):
    """Not a setting, but one number: what /about says is what housekeeping purges by (storage.outbox.KEPT_DAYS)."""
    from handlers import profile
    from jobs import housekeeping
    from storage import outbox

    assert housekeeping.KEPT_DAYS is outbox.KEPT_DAYS is profile.KEPT_DAYS
    monkeypatch.setattr(profile, "KEPT_DAYS", 45)
    assert "回执已发送的记录保存 45 天" in profile.about_text(office, "zh")
    assert "receipt was sent is kept 45 days" in profile.about_text(office, "en")
