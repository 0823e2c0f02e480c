"""What the office gets: /monthly with the table laid out like the county's form, the CSV and the chart,
who is missing and who was late; `python -m bot export monthly` writes the same; 累计数 across the year
(flows summed, the stock its latest value); template B and a custom template from the office's TOML."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from PIL import Image

from bot import cli
from bot.config import load_office
from core.figures import BUILTIN_TEMPLATES
from core.tips import Status
from tests.conftest import EXAMPLE_CONFIG, services_of
from tests.liaisons import LIAISON, OTHER_LIAISON, add_unit, press, put_clock, register_directly
from tests.office import ADMIN, AUDITOR, INTAKE, PASSPHRASE, REPORTER, add_staff, work_to
from tests.reporter import file_tip


async def _year_of_figures(sim, template: str = "a"):
    """东平村 sends January to October (October late); 西湖社区 sends only January; 镇安监办 nothing."""
    await add_staff(sim)
    east, west = await add_unit(sim, "东平村"), await add_unit(sim, "西湖社区")
    await add_unit(sim, "镇安监办", "department")
    await register_directly(sim, east, LIAISON)
    await register_directly(sim, west, OTHER_LIAISON)
    services = services_of(sim)
    at, chosen = services.clock(), BUILTIN_TEMPLATES[template]
    for month in range(1, 11):
        values = {"enterprises": 100 + month, "inspected": 10, "hazards": 4, "rectified": 3, "cases": month % 3,
                  "fines": 2500 * month}  # fmt: skip
        await services.figures.submit_month(east.id, f"2026-{month:02d}", chosen, values, LIAISON, at, late=month == 10)
    await services.figures.submit_month(west.id, "2026-01", chosen, {"enterprises": 50, "inspected": 5, "hazards": 2,
                                                                    "rectified": 2, "cases": 1}, OTHER_LIAISON, at,
                                        late=False)  # fmt: skip
    return east, west


def _rows(xlsx: bytes):
    return load_workbook(io.BytesIO(xlsx)).active


async def test_monthly_sends_the_table_the_csv_and_the_chart(start_bot, monkeypatch):
    async with start_bot() as sim:
        put_clock(sim, monkeypatch, datetime(2026, 11, 5, 10, 0))
        await _year_of_figures(sim)
        replies = await sim.user(INTAKE).send("/monthly 2026-10")
        summary = replies[0].text
        assert "1" in summary and "3" in summary and "西湖社区" in summary and "镇安监办" in summary
        assert "东平村" in summary.split("\n")[-1]  # late
        documents = sim.api.calls_of("sendDocument")
        files = [body for call in documents for body in call.files.values()]
        [xlsx] = [body for body in files if body[:2] == b"PK"]
        [table] = [body for body in files if body[:3] == b"\xef\xbb\xbf"]
        [photo] = sim.api.calls_of("sendPhoto")
        image = Image.open(io.BytesIO(next(iter(photo.files.values()))))
        assert image.format == "PNG" and image.width > 500
        # the admin may lock, the intake officer may not
        assert replies[0].buttons == []
        ws = _rows(xlsx)
        assert ws["A1"].value == "2026年10月执法攻坚年活动执法情况统计表"
        assert "C3:F3" in {str(r) for r in ws.merged_cells.ranges}  # 检查情况 over its four columns
        assert ws["C4"].value == "监管企业总数（家）" and ws["C3"].value == "检查情况"
        east = [r for r in ws.iter_rows(min_row=5, values_only=True) if r[0] and r[0].startswith("东平村")]
        assert east[0][0] == "东平村（逾期报送）"
        month_row = east[0]
        ytd_row = next(ws.iter_rows(min_row=6, max_row=6, values_only=True))
        assert month_row[1] == "本月数" and month_row[2] == 110 and month_row[6] == 1  # cases: 10 % 3
        assert ytd_row[1] == "累计数" and ytd_row[2] == 110  # a stock: the latest value
        assert ytd_row[4] == 40 and ytd_row[6] == sum(m % 3 for m in range(1, 11))  # flows summed
        assert ytd_row[9] == sum(2500 * m for m in range(1, 11)) / 10_000  # 万元
        rows = list(csv.reader(io.StringIO(table.decode("utf-8-sig"))))
        assert rows[0][:3] == ["单位", "项目", "监管企业总数（家）"] and rows[1][:3] == [
            "东平村（逾期报送）",
            "本月数",
            "110",
        ]
        total_ytd = next(r for r in rows if r[0] == "合计" and r[1] == "累计数")
        assert total_ytd[2] == "160" and total_ytd[4] == str(40 + 2)  # stocks and flows summed over units
        [entry] = [e for e in await services_of(sim).audit.entries() if e.action == "figures.table"]
        assert entry.actor == INTAKE and entry.detail == "2026-10"


async def test_only_the_admin_and_intake_get_the_table(start_bot, monkeypatch):
    async with start_bot() as sim:
        put_clock(sim, monkeypatch, datetime(2026, 11, 5, 10, 0))
        await _year_of_figures(sim)
        await sim.user(AUDITOR).send("/monthly 2026-10")
        await sim.user(LIAISON).send("/monthly 2026-10")
        assert sim.api.calls_of("sendDocument") == []
        [bad] = await sim.user(ADMIN).send("/monthly October")
        assert "/monthly 2026-10" in bad.text
        [summary, *_] = await sim.user(ADMIN).send("/monthly")  # the month now being reported
        assert "2026年10月" in summary.text and summary.buttons[0][0][1] == "mon:lock:2026-10"


async def test_export_monthly_writes_the_same_files(start_bot, settings, ring, monkeypatch, tmp_path):
    async with start_bot() as sim:
        await _year_of_figures(sim)
    monkeypatch.setenv("TIPLINE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TIPLINE_KEYRING", str(settings.keyring_path))
    monkeypatch.setenv("TIPLINE_CONFIG", str(EXAMPLE_CONFIG))
    out = tmp_path / "out"
    assert await asyncio.to_thread(cli.main, ["export", "monthly", "2026-10", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "monthly-2026-10-zh.csv",
        "monthly-2026-10-zh.png",
        "monthly-2026-10-zh.xlsx",
    ]
    ws = load_workbook(out / "monthly-2026-10-zh.xlsx").active
    assert ws["A1"].value == "2026年10月执法攻坚年活动执法情况统计表" and ws["A5"].value == "东平村（逾期报送）"
    with pytest.raises(SystemExit):
        cli.main(["export", "monthly", "2026-13"])


async def test_template_b_and_a_custom_template_from_toml(start_bot, monkeypatch, tmp_path):
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8").replace('template = "a"', 'template = "b"')
    (tmp_path / "b.toml").write_text(text, encoding="utf-8")
    async with start_bot(config=load_office(tmp_path / "b.toml")) as sim:
        put_clock(sim, monkeypatch, datetime(2026, 10, 26, 10, 0))  # template B: prompted 5 days before month end
        await add_staff(sim)
        unit = await add_unit(sim)
        await register_directly(sim, unit)
        user = sim.user(LIAISON)
        await user.send("/start")
        [home] = await user.tap("menu:liaison")
        assert "2026年10月" in home.text and "2026-10-31" in home.text
        await user.tap(f"lf:step:{unit.id}:2026-10")
        for answer in ("2", "15", "8", "1", "0.5", "0", "0", "0", "0", "0", "0"):
            [last] = await user.send(answer)
        assert "累计" in last.text
        await user.tap("lv:send")
        replies = await sim.user(ADMIN).send("/monthly 2026-10")
        [xlsx] = [b for c in sim.api.calls_of("sendDocument") for b in c.files.values() if b[:2] == b"PK"]
        ws = _rows(xlsx)
        assert (
            ws["A1"].value == "2026年10月安全监管“强执法防事故”行动情况月报表"
            and ws["C3"].value == "组织（包括日常、集中、联合、专项等）执法活动（次）"
        )
        assert ws["C5"].value == 2 and ws["G5"].value == 0.5 and replies[0].text
        form = load_workbook(io.BytesIO(xlsx))["东平村"]  # template B: the unit's own form beside the table
        assert form["A2"].value == "填报单位（盖章）：东平村" and form["C2"].value == "填报时间：2026年10月26日"
        assert [c.value for c in form[4]] == ["组织（包括日常、集中、联合、专项等）执法活动", "次", 2, 2]

    custom = (
        EXAMPLE_CONFIG.read_text(encoding="utf-8").replace('template = "a"', 'template = "gas"')
        + """
[figures.custom.gas]
code = "gas"
title = "燃气安全检查月报"
due_day = 5
columns = [
  { code = "checked", name = "检查户数", unit = "户" },
  { code = "bottles", name = "在用气瓶", unit = "个", stock = true },
  { code = "fines", name = "罚款", unit = "万元", kind = "money" },
]
rules = [ { left = "checked", right = "bottles", scope = "month" } ]
"""
    )
    (tmp_path / "gas.toml").write_text(custom, encoding="utf-8")
    async with start_bot(config=load_office(tmp_path / "gas.toml")) as sim:
        put_clock(sim, monkeypatch, datetime(2026, 11, 4, 10, 0))
        unit = (await services_of(sim).units.all())[0]
        user = sim.user(LIAISON)
        [form] = await press(user, f"lf:text:{unit.id}:2026-10")
        assert "检查户数（户）：\n在用气瓶（个）：\n罚款（万元）：" in form.text
        [problem] = await user.send("检查户数：30\n在用气瓶：20\n罚款：0")
        assert "检查户数" in problem.text and "在用气瓶" in problem.text  # 30 > 20
        [preview] = await user.send("检查户数：12")
        assert "累计" in preview.text
        await user.tap("lv:send")
        assert (await services_of(sim).submissions.latest(unit.id, "2026-10")).values == {
            "checked": 12, "bottles": 20, "fines": 0}  # fmt: skip
        [asked] = await sim.user(ADMIN).send("/monthly 2026-10")  # a restart: the keys are asked for again
        assert "口令" in asked.text
        await sim.user(ADMIN).send(PASSPHRASE)
        [xlsx] = [b for c in sim.api.calls_of("sendDocument") for b in c.files.values() if b[:2] == b"PK"]
        ws = _rows(xlsx)
        assert ws["A1"].value == "2026年10月燃气安全检查月报" and ws["D3"].value == "在用气瓶（个）"
        assert ws["C5"].value == 12 and ws["D6"].value == 20 and ws["E5"].value == 0


async def test_locking_a_month_asks_first_and_only_the_admin_may(start_bot, monkeypatch):
    async with start_bot() as sim:
        put_clock(sim, monkeypatch, datetime(2026, 11, 5, 10, 0))
        await _year_of_figures(sim)
        submissions = services_of(sim).submissions
        await sim.user(ADMIN).send("/monthly 2026-10")
        [question] = await sim.user(ADMIN).tap("mon:lock:2026-10")
        assert "确定锁定 2026年10月吗" in question.text and not await submissions.locked("2026-10")
        intake = sim.user(INTAKE)
        assert await press(intake, "mon:ok:lock:2026-10") == []  # a forged confirm: refused in an alert
        assert "管理员" in intake.callback_answers()[-1] and not await submissions.locked("2026-10")
        [stale] = await press(sim.user(ADMIN), "mon:ok:lock:2026-13")
        assert "no longer valid" in stale.text or "已失效" in stale.text
        [locked] = await sim.user(ADMIN).tap("mon:ok:lock:2026-10")
        assert "已锁定" in locked.text and await submissions.locked("2026-10")


async def test_monthly_gives_the_six_rates_in_a_message_and_a_sheet(start_bot, monkeypatch):
    """Hand count for October (东平村 alone): coverage 10 ÷ 110; the year (东平村's ten months and 西湖社区's
    January): inspected 100 + 5 of 110 + 50 enterprises (the stocks' latest values), cases 10 + 1,
    hazards 40 + 2 of which 30 + 2 rectified. One tip received in October, verified true with a measure."""
    async with start_bot() as sim:
        put_clock(sim, monkeypatch, datetime(2026, 10, 20, 10, 0))
        await _year_of_figures(sim)
        number = (await file_tip(sim.user(REPORTER))).number
        await work_to(sim, number, Status.VERIFIED)
        put_clock(sim, monkeypatch, datetime(2026, 11, 5, 10, 0))
        replies = await sim.user(ADMIN).send("/monthly 2026-10")
        rates = replies[1].text
        assert rates.startswith("📈 “6 个 100%”：2026年10月及本年累计（各单位合计；目标均为 100%）")
        coverage = "• 重点企业执法检查覆盖率（现场监督检查企业数 ÷ 监管企业总数，各单位月报）："
        assert coverage + "本月 10 ÷ 110 = 9.1%；累计 105 ÷ 160 = 65.6%" in rates
        assert "（立案数 ÷ 现场监督检查企业数，各单位月报）：本月 1 ÷ 10 = 10.0%；累计 11 ÷ 105 = 10.5%" in rates
        assert "（隐患整改数 ÷ 排查隐患数，各单位月报）：本月 3 ÷ 4 = 75.0%；累计 32 ÷ 42 = 76.2%" in rates
        assert "（已核查的举报数 ÷ 已受理的举报数，举报台账）：本月 1 ÷ 1 = 100.0%；累计 1 ÷ 1 = 100.0%" in rates
        assert "缺少：涉嫌犯罪案件数" in rates
        [xlsx] = [b for c in sim.api.calls_of("sendDocument") for b in c.files.values() if b[:2] == b"PK"]
        book = load_workbook(io.BytesIO(xlsx))
        assert book.sheetnames == ["2026-10", "6 个 100%"]
        ws = book["6 个 100%"]
        assert ws["C3"].value == "重点企业执法检查覆盖率\n现场监督检查企业数 ÷ 监管企业总数"
        rows = [list(r) for r in ws.iter_rows(min_row=4)]
        total = next(i for i, r in enumerate(rows) if r[0].value == "合计")
        assert rows[total][2].value == pytest.approx(0.091) and rows[total][2].number_format == "0.0%"
        assert rows[total + 1][2].value == pytest.approx(0.656)
        west = next(i for i, r in enumerate(rows) if r[0].value == "西湖社区")
        assert rows[west][2].value == "—（未报）" and rows[west + 1][2].value == pytest.approx(0.1)  # 5 ÷ 50
        assert any("本表不能计算：举报核实查处率（缺少：" in str(r[0].value) for r in rows)
        emergency = next(i for i, r in enumerate(rows) if r[0].value == "应急站")  # the tips, by department
        verified = next(c for c in range(2, 8) if "举报核实查处率" in str(rows[emergency - 1][c].value))
        assert rows[emergency][verified].value == 1 and rows[emergency + 1][verified].value == 1


async def test_a_ledger_that_could_not_be_read_is_said_not_shown_as_zeros(start_bot, monkeypatch):
    async with start_bot() as sim:
        put_clock(sim, monkeypatch, datetime(2026, 11, 5, 10, 0))
        await _year_of_figures(sim)

        def broken(records):
            raise RuntimeError("the worker died")

        monkeypatch.setattr("handlers.liaison.monthly.count_tips", broken)
        replies = await sim.user(ADMIN).send("/monthly 2026-10")
        rates = next(r.text for r in replies if "6 个 100%" in r.text)
        assert "本次未能读取举报台账" in rates and "已受理的举报数为 0" not in rates and "举报台账）" not in rates
        assert "重点企业执法检查覆盖率" in rates  # the units' figures still come
