"""Without the office's formal name (`unit_name`), nothing is stamped with the bot's display name,
which is no unit's: the county's table leaves 填报单位 blank to fill in by hand, /about names no
运营单位, and the ledgers' titles use the office's name only as "…台账"."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime

from openpyxl import load_workbook

from bot import cli
from core.office import OfficeConfig
from tests.liaisons import office_with_october, put_clock
from tests.office import INTAKE, add_staff


def _unnamed(office: OfficeConfig) -> OfficeConfig:
    return office.model_copy(update={"unit_name": None, "unit_name_en": None})


async def test_the_monthly_table_leaves_the_reporting_unit_blank(start_bot, office, monkeypatch):
    async with start_bot(config=_unnamed(office)) as sim:
        put_clock(sim, monkeypatch, datetime(2026, 11, 5, 10, 0))
        await office_with_october(sim)
        await sim.user(INTAKE).send("/monthly 2026-10")
        [xlsx] = [b for c in sim.api.calls_of("sendDocument") for b in c.files.values() if b[:2] == b"PK"]
    ws = load_workbook(io.BytesIO(xlsx)).active
    assert ws["A2"].value == "填报单位："
    said = [c.value for c in ws[2] if c.value]
    assert said == ["填报单位：", "填报日期：2026年11月5日"]  # the form's date, without leading zeros


async def test_about_names_no_operator(start_bot, office):
    async with start_bot(config=_unnamed(office)) as sim:
        user = sim.user(9000004)
        [zh] = await user.send("/about")
        await user.send("/language")
        await user.tap("lang:en")
        [en] = await user.send("/about")
    assert "运营单位" not in zh.text and office.name not in zh.text
    assert "举报转交负责的部门办理" in zh.text
    assert "Who runs it" not in en.text and "Tips go to the department responsible" in en.text


async def test_the_ledger_is_titled_with_the_office_s_name_alone(start_bot, office, settings, ring, monkeypatch,
                                                                tmp_path):  # fmt: skip
    config = tmp_path / "office.toml"
    config.write_text('name = "东平镇举报平台"\n', encoding="utf-8")
    async with start_bot() as sim:
        await add_staff(sim)
    monkeypatch.setenv("TIPLINE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TIPLINE_KEYRING", str(settings.keyring_path))
    monkeypatch.setenv("TIPLINE_CONFIG", str(config))
    out = tmp_path / "out"
    argv = ["export", "tips", "--from", "2026-01-01", "--to", "2026-12-31", "--out", str(out)]
    assert await asyncio.to_thread(cli.main, argv) == 0
    ledger = load_workbook(out / "tips-2026-01-01-2026-12-31-zh.xlsx").active
    assert ledger["A1"].value == "东平镇举报平台举报台账"
