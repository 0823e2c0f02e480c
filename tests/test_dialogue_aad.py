"""The dialogue's sender, kind and date are bound into each message's associated data: a row
relabelled in the database (a reporter's message made the office's) fails loudly, and messages
written before migration 0011 are re-sealed so that they are bound too."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date

import pytest

from bot import startup
from core import crypto
from core.crypto import DecryptionError
from storage.db import Database
from storage.drafts import DraftFiles
from storage.migrations import MIGRATIONS_DIR
from storage.tips import TipRepository
from storage.vault import Vault
from tests.conftest import services_of
from tests.office import ADMIN, REPORTER, add_staff
from tests.reporter import file_tip

WORDS = "储罐区东北角还有一个阀门在漏。"
DAY = date(2026, 11, 24)


def _sql(settings, sql: str, params: tuple = ()) -> None:
    with sqlite3.connect(settings.data_dir / "tipline.sqlite3") as conn:
        conn.execute(sql, params)


@pytest.mark.parametrize(
    "relabel",
    ["sender = 'office'", "kind = 'reply'", "on_date = '2026-11-01'"],
    ids=["sender", "kind", "date"],
)
async def test_a_relabelled_message_fails_to_open(start_bot, settings, relabel):
    async with start_bot() as sim:
        receipt = await file_tip(sim.user(REPORTER))
        tips = services_of(sim).tips
        assert await services_of(sim).reports.write(receipt.number, WORDS, DAY) == "message"
        [message] = await tips.messages(receipt.number)
        assert (message.sender, message.text) == ("reporter", WORDS)
        _sql(settings, f"UPDATE tip_messages SET {relabel}")  # noqa: S608 - the test's own SQL
        with pytest.raises(DecryptionError):
            await tips.messages(receipt.number)


async def test_the_office_never_sees_a_relabelled_message_as_its_own(start_bot, settings):
    async with start_bot(raise_errors=False) as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER))
        await services_of(sim).reports.write(receipt.number, WORDS, DAY)
        _sql(settings, "UPDATE tip_messages SET sender = 'office'")
        user = sim.user(ADMIN)
        await user.send("/inbox")
        replies = await user.tap(f"case:open:{receipt.number}")
        assert all(WORDS not in r.text for r in replies)
        assert replies[-1].text.startswith("抱歉，系统出了点问题")  # not shown, as a broken row must not be
        assert [type(e) for e in sim.errors] == [DecryptionError]


async def _old_database(settings, ring) -> str:
    """A database as Tipline wrote it before migration 0011: a tip and a reporter's message bound to
    its tip and uid only. Returns the tip's number."""
    old = settings.data_dir.parent / "migrations-0010"
    old.mkdir()
    for path in sorted(MIGRATIONS_DIR.glob("*.sql"))[:10]:
        shutil.copy(path, old)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = await Database.open(settings.data_dir / "tipline.sqlite3", old)
    vault = Vault(ring)
    async with db.transaction() as conn:
        dek_id, dek = await vault.new_key(conn, crypto.CONTENT)
        content = crypto.seal(dek, b"{}", crypto.field_aad("tips", "JB2026-000001", "content"))
        await conn.execute(
            "INSERT INTO tips (id, number, year, seq, kind, industry, department, involves_death, status,"
            " received_on, accept_due, has_identity, wants_push, dek_id, content, receipt_hash)"
            " VALUES (1, 'JB2026-000001', 2026, 1, 'hazard', 'hazchem', 'emergency', 0, 'received',"
            " '2026-11-23', '2026-11-28', 0, 0, ?, ?, 'x')",
            (dek_id, content),
        )
        body = crypto.seal(dek, WORDS.encode(), crypto.field_aad("tip_messages", "JB2026-000001/abc", "body"))
        await conn.execute(
            "INSERT INTO tip_messages (tip_id, uid, on_date, sender, kind, body)"
            " VALUES (1, 'abc', '2026-11-24', 'reporter', 'message', ?)",
            (body,),
        )
    await db.close()
    return "JB2026-000001"


async def test_messages_from_before_the_upgrade_are_resealed_and_bound(settings, ring):
    number = await _old_database(settings, ring)
    db = await startup.open_database(settings, ring)  # migrates and re-seals
    try:
        rows = await db.fetchall("SELECT aad_version FROM tip_messages")
        assert [r[0] for r in rows] == [2]
    finally:
        await db.close()
    _sql(settings, "UPDATE tip_messages SET sender = 'office'")
    db = await startup.open_database(settings, ring)
    try:
        tips = TipRepository(db, Vault(ring), DraftFiles(db, Vault(ring)))
        with pytest.raises(DecryptionError):
            await tips.messages(number)
        _sql(settings, "UPDATE tip_messages SET sender = 'reporter'")
        [message] = await tips.messages(number)
        assert (message.sender, message.text) == ("reporter", WORDS)
        _sql(settings, "UPDATE tip_messages SET aad_version = 1, sender = 'office'")  # set back: no way round
        with pytest.raises(DecryptionError):
            await tips.messages(number)
    finally:
        await db.close()
