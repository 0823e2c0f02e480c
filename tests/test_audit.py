"""The audit chain: append-only, and `audit verify` names the first broken link after any edit."""

import sqlite3
from datetime import UTC, datetime

import pytest

from bot import cli
from services.audit import AuditTrail
from storage.audit import AuditLog
from storage.db import Database
from storage.vault import Vault

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def _log_five(settings, ring) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = await Database.open(settings.data_dir / "tipline.sqlite3")
    trail = AuditTrail(db, AuditLog(db, Vault(ring)))
    for i in range(5):
        await trail.note(actor=1000 + i, action="tip.view", at=NOW, tip=f"JB2026-00000{i}", detail="content")
    await db.close()


def _raw(settings, sql):
    with sqlite3.connect(settings.data_dir / "tipline.sqlite3") as conn:
        conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        conn.execute(sql)


async def test_an_intact_chain_verifies(env, ring, capsys):
    await _log_five(env, ring)
    assert await _to_thread(cli.main, ["audit", "verify"]) == 0
    assert "5 entries" in capsys.readouterr().out


async def test_the_database_refuses_edits_and_deletions(env, ring):
    await _log_five(env, ring)
    with sqlite3.connect(env.data_dir / "tipline.sqlite3") as conn:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE audit_log SET actor = 1 WHERE id = 2")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM audit_log WHERE id = 2")


@pytest.mark.parametrize(
    "sql, broken",
    [
        ("UPDATE audit_log SET actor = 4242 WHERE id = 3", 3),
        ("UPDATE audit_log SET detail = 'identity' WHERE id = 2", 2),
        ("DELETE FROM audit_log WHERE id = 2", 3),
        # Always a different first hex digit (a fixed 'f' left 1 hash in 16 unchanged: a flaky test).
        (
            "UPDATE audit_log SET hash = (CASE WHEN hash LIKE '0%' THEN '1' ELSE '0' END) || substr(hash, 2)"
            " WHERE id = 4",
            4,
        ),
    ],
    ids=["actor-edited", "detail-edited", "row-deleted", "hash-forged"],
)
async def test_verify_finds_the_first_broken_link(env, ring, capsys, sql, broken):
    await _log_five(env, ring)
    _raw(env, sql)  # someone with the database file drops the triggers and edits
    assert await _to_thread(cli.main, ["audit", "verify"]) == 1
    assert f"BROKEN at entry {broken}" in capsys.readouterr().out


async def _to_thread(func, *args):
    import asyncio

    return await asyncio.to_thread(func, *args)


def test_staff_add_and_list(env, office, capsys):
    assert cli.main(["staff", "add", "424242", "--role", "admin", "--name", "刘主任"]) == 0
    assert cli.main(["staff", "add", "515151", "--role", "department", "--department", "fire"]) == 0
    assert cli.main(["staff", "add", "616161", "--role", "department", "--department", "nowhere"]) == 2
    assert "--department" in capsys.readouterr().err
    assert cli.main(["staff", "list"]) == 0
    out = capsys.readouterr().out
    assert "424242  刘主任  admin" in out and "515151" in out and "[fire]" in out
    assert cli.main(["audit", "verify"]) == 0  # the additions are audited
    assert "2 entries" in capsys.readouterr().out
