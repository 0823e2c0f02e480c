"""曝光, continued: the monthly statistics post (and what it must not single out), /exposure's list
(reading and deciding a draft from it, a publishing a restart interrupted, older pages), withdrawing
when the bot cannot delete, and how published posts count in the month's figures."""

from __future__ import annotations

import asyncio
import io
from datetime import date, timedelta

from openpyxl import load_workbook

from bot import cli
from core.casework import Verification
from core.exposure import ExposureState, MonthFacts, month_facts, month_post
from core.stats import TipRecord
from core.tips import Status
from tests.conftest import move_clock, services_of
from tests.exposure import (
    CHANNEL,
    CHANNEL_CHAT,
    ENTERPRISE,
    approve,
    channel_posts,
    closed_tip,
    datas,
    draft,
    exposures,
    last_message,
    pushed,
    with_channel,
)
from tests.office import ADMIN, INTAKE, REPORTER, add_staff
from tests.reporter import file_tip


def _record(number: str, kind: str, industry: str, accepted: bool, verified: bool) -> TipRecord:
    return TipRecord(
        number=number, received_on=date(2026, 10, 5), kind=kind, industry=industry, village="xishan",
        department="emergency", status=Status.CLOSED, involves_death=False, due_on=None, merged_into=None,
        accepted_on=date(2026, 10, 6) if accepted else None,
        verification=Verification(outcome="true") if verified else None,
    )  # fmt: skip


def test_the_monthly_post_says_small_numbers_as_fewer_than_three_and_names_no_tip():
    records = [_record(f"JB2026-00000{i}", "hazard", "hazchem", True, i < 3) for i in range(4)]
    records.append(_record("JB2026-000009", "illegal", "fireworks", True, False))
    records.append(_record("JB2026-000010", "hazard", "hazchem", False, False))
    facts = month_facts("2026-10", records, [(date(2026, 10, 20), 120_000), (date(2026, 9, 1), 5)])
    assert facts == MonthFacts(period="2026-10", received=6, by_kind={"hazard": 5, "illegal": 1},
                               by_industry={"hazchem": 5, "fireworks": 1}, accepted=5, verified=3, paid=1,
                               paid_fen=120_000)  # fmt: skip
    post = month_post(facts, "东平镇安委办", "zh")
    assert "按类型：重大事故隐患 5、其余不足 3" in post and "按行业领域：危险化学品 5、其余不足 3" in post
    assert "烟花爆竹" not in post and "非法违法行为 1" not in post  # the one fireworks tip is not picked out
    assert "3/5 = 60.0%" in post and "不足 3 笔" in post and "¥1,200" not in post  # one reward: no amount
    assert "JB2026" not in post
    alone = month_post(month_facts("2026-10", records[4:5], []), "东平镇安委办", "zh")
    assert "本月收到举报不足 3 件。" in alone and "按类型" not in alone and "烟花爆竹" not in alone
    assert "受理不足 3 件" in alone and "本月未兑现举报奖励" in alone
    english = month_post(facts, "Dongping work-safety office", "en")
    assert "Major accident hazard 5, others fewer than 3" in english and "fewer than 3" in english


async def test_the_monthly_statistics_post_is_drafted_approved_and_published(start_bot, office):
    async with start_bot(config=with_channel(office)) as sim:
        sim.api.register_chat(CHANNEL_CHAT)
        await add_staff(sim)
        services = services_of(sim)
        numbers = [(await file_tip(sim.user(REPORTER + 100 * i))).number for i in range(1, 4)]
        intake = sim.user(INTAKE)
        period = f"{services.clock():%Y-%m}"
        [listing] = await intake.send(f"/exposure {period}")
        assert "暂无曝光信息" in listing.text
        [preview] = await intake.tap(f"xpm:{period}")
        assert "收到举报 3 件" in preview.text and "重大事故隐患 3" in preview.text
        [done] = await intake.tap(f"xpm:ok:{period}")
        assert "已送管理员审批" in done.text
        [again] = await intake.tap(f"xpm:ok:{period}")  # pressed twice: one draft
        assert "已在审批中或已发布" in again.text
        admin = sim.user(ADMIN)
        await admin.tap(pushed(sim, ADMIN, "xp:yes"))
        await admin.tap(pushed(sim, ADMIN, "xp:ok:yes"))
        [post] = channel_posts(sim)
        assert "收到举报 3 件" in post and not any(number in post for number in numbers)
        assert await services.exposure.exposed_by_month(services.clock().year) == {}  # not an enterprise
        [redelivered] = await admin.redeliver() or [None]  # the same update again: nothing new
        assert redelivered is None and len(channel_posts(sim)) == 1
        [refused] = await admin.press(last_message(sim, ADMIN), pushed(sim, ADMIN, "xp:ok:yes"))  # pressed again
        assert "已审批、已发布或已撤回" in refused.text and len(channel_posts(sim)) == 1


async def test_an_old_post_that_cannot_be_deleted_is_replaced_by_a_withdrawal_notice(start_bot, office):
    async with start_bot(config=with_channel(office)) as sim:
        sim.api.register_chat(CHANNEL_CHAT)
        await draft(sim, await closed_tip(sim))
        await approve(sim)
        admin = sim.user(ADMIN)
        await admin.tap(pushed(sim, ADMIN, "xp:del"))
        [kept] = await admin.tap(pushed(sim, ADMIN, "xp:keep"))
        assert kept.text == "没有任何改动。"
        assert len(channel_posts(sim)) == 1
        await admin.tap(pushed(sim, ADMIN, "xp:del"))
        sim.api.fail_next("deleteMessage", status=400, description="Bad Request: message can't be deleted")
        [gone] = await admin.tap(pushed(sim, ADMIN, "xp:ok:del"))
        assert "已将其内容改为" in gone.text
        assert channel_posts(sim) == ["本条信息已由发布单位撤回。"] and ENTERPRISE not in str(channel_posts(sim))
        [exposure] = await exposures(sim)
        assert exposure.state == ExposureState.WITHDRAWN


async def test_the_bot_out_of_the_channel_lets_the_admin_record_a_withdrawal_by_hand(start_bot, office):
    async with start_bot(config=with_channel(office)) as sim:
        sim.api.register_chat(CHANNEL_CHAT)
        await draft(sim, await closed_tip(sim))
        await approve(sim)
        admin = sim.user(ADMIN)
        await admin.tap(pushed(sim, ADMIN, "xp:del"))
        sim.api.fail_next("deleteMessage", status=403, description="Forbidden: bot is not a member of the channel chat")
        [told] = await admin.tap(pushed(sim, ADMIN, "xp:ok:del"))
        assert "未作记录" in told.text and (await exposures(sim))[0].state == ExposureState.PUBLISHED
        await admin.tap(pushed(sim, ADMIN, "xp:manual"))
        [done] = await admin.tap(pushed(sim, ADMIN, "xp:ok:manual"))
        assert "已记为撤回" in done.text and (await exposures(sim))[0].state == ExposureState.WITHDRAWN
        entry = [e for e in await services_of(sim).audit.entries() if e.action == "exposure.withdraw"]
        assert entry and entry[0].detail.endswith("manual")


async def test_an_admin_reads_and_decides_a_draft_from_the_list(start_bot, office):
    async with start_bot(config=with_channel(office)) as sim:
        sim.api.register_chat(CHANNEL_CHAT)
        await draft(sim, await closed_tip(sim))
        admin = sim.user(ADMIN)
        [listing] = await admin.send("/exposure")  # the push was lost: the list leads to the draft
        assert "待管理员审批" in listing.text
        [shown] = await admin.tap(pushed(sim, ADMIN, "xp:back"))
        assert ENTERPRISE in shown.text
        await admin.tap(pushed(sim, ADMIN, "xp:yes"))
        await admin.tap(pushed(sim, ADMIN, "xp:ok:yes"))
        assert len(channel_posts(sim)) == 1


async def test_a_publishing_a_restart_interrupted_is_restored_and_published_again(start_bot, office):
    async with start_bot(config=with_channel(office)) as sim:
        sim.api.register_chat(CHANNEL_CHAT)
        sim.api.refuse_chat(CHANNEL, "Forbidden: bot is not a member of the channel chat")
        await draft(sim, await closed_tip(sim))
        await approve(sim)
        services = services_of(sim)
        async with services.db.transaction() as conn:  # claimed, then the process died before Telegram answered
            await conn.execute("UPDATE exposures SET state = 'publishing'")
        sim.api.accept_chat(CHANNEL)
        admin = sim.user(ADMIN)
        [listing] = await admin.send("/exposure")
        assert "发布中断" in listing.text and not any(d.startswith("xp:pub") for d in datas(listing))
        await admin.tap(pushed(sim, ADMIN, "xp:restore"))
        [restored] = await admin.tap(pushed(sim, ADMIN, "xp:ok:restore"))
        assert "已恢复" in restored.text
        await admin.tap(pushed(sim, ADMIN, "xp:pub"))
        assert len(channel_posts(sim)) == 1 and (await exposures(sim))[0].state == ExposureState.PUBLISHED


async def test_a_post_withdrawn_after_its_month_still_counts_in_that_month(start_bot, office, monkeypatch):
    async with start_bot(config=with_channel(office)) as sim:
        sim.api.register_chat(CHANNEL_CHAT)
        number = await closed_tip(sim)
        await draft(sim, number)
        await approve(sim)
        services = services_of(sim)
        month = f"{services.clock():%Y-%m}"
        move_clock(sim, monkeypatch, timedelta(days=40))
        admin = sim.user(ADMIN)
        await admin.tap(pushed(sim, ADMIN, "xp:del"))
        await admin.tap(pushed(sim, ADMIN, "xp:ok:del"))
        assert (await exposures(sim))[0].state == ExposureState.WITHDRAWN
        year = int(month[:4])
        assert (await services.exposure.exposed_by_month(year)).get(month) == 1  # reported months keep it
        [record] = [
            r for r in await services.ledger.records(date(year, 1, 1), date(year, 12, 31)) if r.number == number
        ]
        assert record.exposed_on is not None


async def test_older_published_posts_are_listed_a_page_at_a_time(start_bot, office):
    async with start_bot(config=with_channel(office)) as sim:
        sim.api.register_chat(CHANNEL_CHAT)
        number = await closed_tip(sim)
        services = services_of(sim)
        async with services.db.transaction() as conn:  # twelve published posts of the month's statistics
            for i in range(12):
                await conn.execute(
                    "INSERT INTO exposures (uid, kind, period, facts, state, drafted_by, drafted_on, channel,"
                    " message_id, published_on) VALUES (?, 'monthly', ?, ?, 'published', ?, '2026-01-01', ?, ?,"
                    " '2026-01-02')",
                    (f"u{i}", f"2025-{i + 1:02d}", MonthFacts(period=f"2025-{i + 1:02d}", received=0, by_kind={},
                     by_industry={}, accepted=0, verified=0, paid=0, paid_fen=0).model_dump_json(), ADMIN,
                     str(CHANNEL), 100 + i),
                )  # fmt: skip
        admin = sim.user(ADMIN)
        [listing] = await admin.send("/exposure")
        assert listing.text.count("已发布") == 10 and "xpl:10" in datas(listing)
        [older] = await admin.tap("xpl:10")
        assert older.text.count("已发布") == 2 and not any(d.startswith("xpl:") for d in datas(older))
        assert sum(d.startswith("xp:del") for d in datas(older)) == 2  # each still withdrawable
        assert number


async def test_a_published_post_counts_in_the_months_table_and_rates(start_bot, office, settings, monkeypatch):
    async with start_bot(config=with_channel(office)) as sim:
        sim.api.register_chat(CHANNEL_CHAT)
        await draft(sim, await closed_tip(sim))
        await approve(sim)
        admin = sim.user(ADMIN)
        period = f"{services_of(sim).clock():%Y-%m}"
        replies = await admin.send(f"/monthly {period}")
        rates = next(r.text for r in replies if "6 个 100%" in r.text)
        assert "重大事故隐患企业曝光率" in rates and "1 ÷ 1 = 100.0%" in rates  # the tip's hazard, exposed
        [xlsx] = [b for c in sim.api.calls_of("sendDocument") for b in c.files.values() if b[:2] == b"PK"]
        sheet = load_workbook(io.BytesIO(xlsx)).worksheets[0]
        notes = [str(c.value) for row in sheet.iter_rows() for c in row if c.value and "本平台曝光" in str(c.value)]
        assert notes and "1 家" in notes[0]
    monkeypatch.setenv("TIPLINE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TIPLINE_KEYRING", str(settings.keyring_path))
    out = settings.data_dir.parent / "export"
    out.mkdir()
    assert await asyncio.to_thread(cli.main, ["export", "monthly", period, "--out", str(out)]) == 0
    sheet = load_workbook(next(out.glob("*.xlsx"))).worksheets[0]
    assert any("本平台曝光" in str(c.value) for row in sheet.iter_rows() for c in row if c.value)
