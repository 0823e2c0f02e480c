"""The audit log's head is anchored outside the server: each day the auditors and admins get the
entry count and the newest hash in their private chats, and `audit verify --head HASH` tells a chain
rewritten since (triggers dropped, a row edited, every hash recomputed with the key ring) from the
one they noted. `keys rotate` leaves an audit entry."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from datetime import UTC, datetime, timedelta

from bot import cli
from core.audit import AuditEntry, entry_hash
from core.tips import Status
from jobs.audit_head import send_audit_head
from services.audit import AuditTrail
from storage.audit import AuditLog
from storage.db import Database
from storage.keyring import load_ring
from storage.vault import Vault
from tests.conftest import move_clock, services_of
from tests.office import ADMIN, AUDITOR, EMERGENCY, FIRE, INTAKE, REPORTER, add_staff, work_to
from tests.reporter import file_tip

HEAD = re.compile(
    r"^审计日志 (\d{4}-\d{2}-\d{2})：共 (\d+) 条，最新哈希 ([0-9a-f]{64})"
    r"（请记录，核对时用 python -m bot audit verify --head HASH）$"
)
LATER = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _heads(sim, chat_id: int) -> list[re.Match]:
    texts = [c.params["text"] for c in sim.api.calls_of("sendMessage") if c.params["chat_id"] == chat_id]
    return [m for t in texts if (m := HEAD.match(t))]


async def _head_noted_by_the_auditor(start_bot) -> tuple[str, int]:
    """A worked tip, the day's head sent; the hash the auditor read in their chat, and how many entries
    the log then held (the staff's key set-up is audited too)."""
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER))
        await work_to(sim, receipt.number, Status.ACCEPTED)
        assert await send_audit_head(sim.app) == 2
        [noted] = _heads(sim, AUDITOR)
        return noted[3], int(noted[2])


async def test_the_auditors_and_admins_get_the_head_each_day_and_nobody_else(start_bot, monkeypatch):
    async with start_bot() as sim:
        await add_staff(sim)
        services = services_of(sim)
        before, _head = await services.audit.head()  # the staff's keys set up
        receipt = await file_tip(sim.user(REPORTER))
        await work_to(sim, receipt.number, Status.VERIFIED)
        entries, head = await services.audit.head()
        assert entries == before + 2 and (await services.audit.verify()).head == head
        assert await send_audit_head(sim.app) == 2
        for person in (AUDITOR, ADMIN):
            [message] = _heads(sim, person)
            assert message.groups() == (f"{services.clock():%Y-%m-%d}", str(entries), head)
        for person in (INTAKE, EMERGENCY, FIRE, REPORTER):
            assert _heads(sim, person) == []
        assert await send_audit_head(sim.app) == 0  # the same day again (a restart): nothing twice
        await work_to(sim, receipt.number, Status.REPLIED)
        move_clock(sim, monkeypatch, timedelta(days=1))
        assert await send_audit_head(sim.app) == 2
        tomorrow = _heads(sim, AUDITOR)[-1]
        assert tomorrow[2] == str(entries + 1) and tomorrow[3] == (await services.audit.head())[1] != head


async def test_the_head_is_sent_daily_and_shortly_after_start(start_bot):
    async with start_bot() as sim:
        names = {job.name for job in sim.app.job_queue.jobs()}
        assert {"audit-head", "audit-head-at-start"} <= names


async def test_verify_finds_the_noted_head_while_the_log_grows(start_bot, env, ring, capsys):
    noted, count = await _head_noted_by_the_auditor(start_bot)
    assert await asyncio.to_thread(cli.main, ["audit", "verify", "--head", noted]) == 0
    assert f"The noted head is the newest entry, {count}: nothing was changed" in capsys.readouterr().out
    await _append(env, ring, 3)  # the office works on
    assert await asyncio.to_thread(cli.main, ["audit", "verify", "--head", noted]) == 0
    out = capsys.readouterr().out
    assert f"holds {count + 3} entries and its chain is intact" in out
    assert f"The noted head is entry {count}: entries 1 to {count} are as they were when it was noted" in out
    assert "and the 3 entries after it follow from it" in out
    assert await asyncio.to_thread(cli.main, ["audit", "verify", "--head", noted[:16].upper()]) == 0


async def test_a_rewritten_and_rehashed_chain_passes_plain_verify_but_not_the_noted_head(start_bot, env, ring, capsys):
    noted, _count = await _head_noted_by_the_auditor(start_bot)
    await _append(env, ring, 3)
    _rewrite(env, ring, "UPDATE audit_log SET actor = 4242 WHERE id = 1")  # who accepted the tip, rehashed
    assert await asyncio.to_thread(cli.main, ["audit", "verify"]) == 0  # the key ring holder's rewrite holds
    capsys.readouterr()
    assert await asyncio.to_thread(cli.main, ["audit", "verify", "--head", noted]) == 1
    assert f"The noted head {noted} is NOT in the audit log: the log was rewritten" in capsys.readouterr().out


async def test_a_head_that_is_no_hash_is_refused(env, ring, capsys):
    assert await asyncio.to_thread(cli.main, ["audit", "verify", "--head", "ab12"]) == 2
    assert "--head: a head hash is the 64 hex digits" in capsys.readouterr().err


async def test_keys_rotate_is_audited_without_key_material(env, capsys):
    assert await asyncio.to_thread(cli.main, ["staff", "add", "424242", "--role", "admin"]) == 0
    assert await asyncio.to_thread(cli.main, ["keys", "rotate", "--purpose", "content"]) == 0
    ring = load_ring(env.keyring_path)
    db = await Database.open(env.data_dir / "tipline.sqlite3")
    try:
        *_, entry = await AuditLog(db, Vault(ring)).entries()
    finally:
        await db.close()
    new_id = ring.primary("content").id
    assert (entry.action, entry.actor, entry.detail) == ("keys.rotate", None, f"{new_id};rewrapped=0")
    assert ring.to_json().count(new_id) and all(
        k not in entry.detail for k in re.findall(r'"key": "([^"]+)"', ring.to_json())
    )
    assert await asyncio.to_thread(cli.main, ["audit", "verify"]) == 0
    assert "2 entries" in capsys.readouterr().out


async def _append(settings, ring, count: int) -> None:
    db = await Database.open(settings.data_dir / "tipline.sqlite3")
    try:
        trail = AuditTrail(db, AuditLog(db, Vault(ring)))
        for _ in range(count):
            await trail.note(actor=ADMIN, action="tip.view", at=LATER, tip="JB2026-000001")
    finally:
        await db.close()


def _rewrite(settings, ring, sql: str) -> None:
    """What a key ring holder can do: drop the triggers, edit, and recompute every hash from the first."""
    key = ring.derived_key("audit")
    with sqlite3.connect(settings.data_dir / "tipline.sqlite3") as conn:
        conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        conn.execute(sql)
        prev = "0" * 64
        rows = conn.execute("SELECT id, at, actor, action, tip, detail FROM audit_log ORDER BY id").fetchall()
        for row in rows:
            new = entry_hash(key, prev, AuditEntry(*row))
            conn.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?", (prev, new, row[0]))
            prev = new
