"""`python -m bot export tips|rewards|monthly` as files an office files and prints: the office's formal
name in the header, real dates, an autofilter, A4 landscape; one file per language; `--out` naming
a file is a sentence, not a traceback."""

from __future__ import annotations

import asyncio
import csv
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from bot import cli
from core.casework import Verification
from core.roles import Role
from core.tips import Status
from tests.conftest import EXAMPLE_CONFIG, services_of
from tests.liaisons import add_unit, office_with_october
from tests.office import ADMIN, REPORTER, add_staff, work_to
from tests.reporter import file_tip

REWARD = 8400000008
A4_PAPER = 9  # the OOXML paper size code of A4
CHINESE_PUNCTUATION = "（）：，、。；“”"


def _environment(monkeypatch, settings) -> None:
    monkeypatch.setenv("TIPLINE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TIPLINE_KEYRING", str(settings.keyring_path))
    monkeypatch.setenv("TIPLINE_CONFIG", str(EXAMPLE_CONFIG))


async def _a_paid_reward(sim) -> tuple[str, date]:
    """A tip verified true with a ¥80,000 fine (two problem classes), its ¥12,000 reward decided,
    claimed in person and paid; and a second tip just received."""
    services = services_of(sim)
    await add_staff(sim)
    async with services.db.transaction() as conn:
        await services.staff.add(conn, REWARD, "奖励专员", Role.REWARD, "", "2026-11-23")
    receipt = await file_tip(sim.user(REPORTER))
    await file_tip(sim.user(REPORTER + 100), industry="fire")
    await work_to(sim, receipt.number, Status.ACCEPTED)
    at = services.clock()
    verified = Verification(outcome="true", problems=("facilities", "training"), measures=("rectify", "fine"),
                            fine_fen=8_000_000)  # fmt: skip
    await services.casework.verify(receipt.number, ADMIN, verified, at)
    await services.rewards.decide(receipt.number, REWARD, at, choice="take")
    code = await services.rewards.claim(receipt.number, at, supervisory=False, method="in_person")
    assert await services.rewards.check_code(receipt.number, REWARD, code, at)
    await services.rewards.pay(receipt.number, REWARD, at, amount_fen=1_200_000, paid_on=at.date(), method="cash",
                               reference="收据 0001")  # fmt: skip
    return receipt.number, at.date()


def _export(*argv: str) -> int:
    return cli.main(["export", *argv])


async def test_the_ledgers_name_the_office_and_hold_real_dates_an_autofilter_and_a4(
    start_bot, settings, ring, monkeypatch, tmp_path
):
    async with start_bot() as sim:
        number, day = await _a_paid_reward(sim)
    _environment(monkeypatch, settings)
    out = tmp_path / "out"
    period = ["--from", f"{day:%Y}-01-01", "--to", f"{day}", "--out", str(out)]
    for what in ("tips", "rewards"):
        for lang in ("zh", "en"):
            assert await asyncio.to_thread(_export, what, *period, "--lang", lang) == 0
    stem = f"{day:%Y}-01-01-{day}"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{what}-{stem}-{lang}.{ext}"
        for what in ("tips", "rewards")
        for lang in ("zh", "en")
        for ext in ("xlsx", "csv")
    )  # one file per language: the English export did not overwrite the Chinese

    tips = load_workbook(out / f"tips-{stem}-zh.xlsx").active
    assert tips["A1"].value == "东平镇安全生产委员会办公室举报台账"
    assert tips.auto_filter.ref == "A3:R5" and tips["A3"].value == "举报编号"
    received = tips["B4"]
    assert received.value == datetime(day.year, day.month, day.day) and received.number_format == "yyyy-mm-dd"
    assert tips["J4"].is_date and tips["J4"].value.date() == day  # 核查日期
    assert tips.page_setup.paperSize == A4_PAPER and tips.page_setup.orientation == "landscape"
    # one page wide: a file that leaves fitToWidth out means 1 (OOXML), as XlsxWriter writes it
    assert tips.sheet_properties.pageSetUpPr.fitToPage and tips.page_setup.fitToWidth in (None, 1)
    assert tips["L4"].value == "设施设备类、培训教育类"

    tips_en = load_workbook(out / f"tips-{stem}-en.xlsx").active
    assert tips_en["A1"].value == "Tip ledger: Dongping Town Work Safety Committee Office"
    problems = tips_en["L4"].value
    assert ", " in problems and not any(mark in problems for mark in CHINESE_PUNCTUATION)
    table = list(csv.reader((out / f"tips-{stem}-en.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert table[1][1] == day.isoformat()  # the CSV writes dates as ISO text

    rewards = load_workbook(out / f"rewards-{stem}-zh.xlsx").active
    assert rewards["A1"].value == "东平镇安全生产委员会办公室奖励台账" and rewards.auto_filter.ref == "A3:Q4"
    row = {rewards.cell(row=3, column=c).value: rewards.cell(row=4, column=c) for c in range(1, 18)}
    assert row["举报编号"].value == number and row["奖励金额（元）"].value == 12000
    for header in ("决定日期", "告知日期", "申领截止", "申领日期", "兑付日期"):
        assert row[header].is_date and row[header].number_format == "yyyy-mm-dd", header
    assert row["兑付日期"].value.date() == day
    assert rewards.page_setup.paperSize == A4_PAPER and rewards.page_setup.orientation == "landscape"
    rewards_en = load_workbook(out / f"rewards-{stem}-en.xlsx").active
    assert rewards_en["A1"].value == "Reward ledger: Dongping Town Work Safety Committee Office"
    assert rewards_en["C4"].value == "National rules of 2018 (Anjian Zongcai [2018] No. 19)"


@pytest.mark.parametrize("what", [["tips", "--from", "2026-01-01", "--to", "2026-12-31"], ["monthly", "2026-10"]])
def test_out_naming_a_file_is_a_sentence_and_exit_2(settings, ring, monkeypatch, tmp_path, capsys, what):
    _environment(monkeypatch, settings)
    taken = tmp_path / "report.xlsx"
    taken.write_bytes(b"not a folder")
    assert _export(*what, "--out", str(taken)) == 2
    said = capsys.readouterr()
    assert f"--out {taken} is a file" in said.out and "Traceback" not in said.out + said.err
    assert taken.read_bytes() == b"not a folder"
    assert _export(*what, "--out", str(taken / "inside")) == 2  # a file on the way is refused the same way
    assert "Traceback" not in capsys.readouterr().err


async def test_monthly_in_both_languages_names_the_office_as_its_formal_name(
    start_bot, settings, ring, monkeypatch, tmp_path
):
    async with start_bot() as sim:
        await office_with_october(sim)
    _environment(monkeypatch, settings)
    out = tmp_path / "out"
    for lang in ("zh", "en"):
        assert await asyncio.to_thread(_export, "monthly", "2026-10", "--out", str(out), "--lang", lang) == 0
    names = sorted(p.name for p in out.iterdir())
    assert {"monthly-2026-10-zh.xlsx", "monthly-2026-10-en.xlsx", "monthly-2026-10-zh.csv",
            "monthly-2026-10-en.csv"} <= set(names)  # fmt: skip
    assert load_workbook(out / "monthly-2026-10-zh.xlsx").active["A2"].value == "填报单位：东平镇安全生产委员会办公室"
    english = load_workbook(out / "monthly-2026-10-en.xlsx").active
    assert english["A2"].value == "Reporting unit: Dongping Town Work Safety Committee Office"


async def test_monthly_in_english_lists_the_missing_units_with_commas(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        for name in ("东平村", "西山村", "南河村"):
            await add_unit(sim, name)
        admin = sim.user(ADMIN)
        await admin.send("/language")
        await admin.tap("lang:en")
        [summary, *_] = await admin.send("/monthly 2026-10")
        assert "Missing: 东平村, 西山村, 南河村" in summary.text and "、" not in summary.text
