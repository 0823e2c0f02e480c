"""`python -m bot export tips`: the ledger as .xlsx and .csv that open, with the right rows, no
content, and an audit entry."""

from __future__ import annotations

import asyncio
import csv

from openpyxl import load_workbook

from bot import cli
from core.casework import Verification
from core.tips import Status
from tests.conftest import EXAMPLE_CONFIG, services_of
from tests.office import ADMIN, REPORTER, add_staff, work_to
from tests.reporter import DESCRIPTION, SITE, file_tip


async def test_the_tip_ledger_opens_in_excel_and_holds_no_content(start_bot, settings, ring, monkeypatch, tmp_path):
    async with start_bot() as sim:
        await add_staff(sim)
        first = await file_tip(sim.user(REPORTER))
        second = await file_tip(sim.user(REPORTER + 100), industry="fire")
        services = services_of(sim)
        await work_to(sim, first.number, Status.ACCEPTED)
        fined = Verification(outcome="partly", problems=("facilities", "training"), measures=("fine",),
                             fine_fen=1_234_56)  # fmt: skip
        await services.casework.verify(first.number, ADMIN, fined, services.clock())
        day = services.clock().date()
    monkeypatch.setenv("TIPLINE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TIPLINE_KEYRING", str(settings.keyring_path))
    monkeypatch.setenv("TIPLINE_CONFIG", str(EXAMPLE_CONFIG))
    out = tmp_path / "out"
    argv = ["export", "tips", "--from", f"{day:%Y}-01-01", "--to", f"{day}", "--out", str(out)]
    assert await asyncio.to_thread(cli.main, argv) == 0

    [xlsx] = out.glob("*.xlsx")
    sheet = load_workbook(xlsx).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "举报台账" in rows[0][0]
    assert rows[2][:3] == ("举报编号", "接收日期", "举报类型")
    by_number = {r[0]: r for r in rows[3:]}
    assert set(by_number) == {first.number, second.number}
    assert by_number[first.number][10] == "部分属实" and by_number[first.number][11] == "设施设备类、培训教育类"
    assert by_number[first.number][13] == 1234.56 and by_number[second.number][3] == "消防"
    table = list(csv.reader(xlsx.with_suffix(".csv").read_text(encoding="utf-8-sig").splitlines()))
    assert table[0][0] == "举报编号" and len(table) == 3
    everything = repr(rows) + repr(table)
    assert DESCRIPTION[:8] not in everything and SITE[:6] not in everything

    async with start_bot() as sim:
        [entry] = [e for e in await services_of(sim).audit.entries() if e.action == "export.tips"]
        assert entry.actor is None and "rows=2" in entry.detail


def test_a_period_backwards_is_refused(settings, ring, monkeypatch, capsys):
    monkeypatch.setenv("TIPLINE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TIPLINE_KEYRING", str(settings.keyring_path))
    assert cli.main(["export", "tips", "--from", "2026-12-01", "--to", "2026-01-01"]) == 2
    assert "before" in capsys.readouterr().out


def test_the_export_reads_through_the_services_the_bot_uses():
    """bot/export.py builds no repository of its own and reads no storage module: it opens
    bot.services.Services and reads what /stats and /monthly read (svc.rewards.touching, svc.ledger)."""
    import ast
    from pathlib import Path

    tree = ast.parse((Path(cli.__file__).parent / "export.py").read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert "bot.services" in imported
    assert not [name for name in imported if name and name.split(".")[0] == "storage"]
