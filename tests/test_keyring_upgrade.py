"""An office upgrading to the staff authenticators: its key ring (from before the 'staff' purpose)
still opens and gains a key for it, saved at once; its database (from before migration 0012) keeps
every data key and what they seal, and takes keys of the new purpose."""

from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
import stat

import pytest

from bot.startup import StartupError, load_keyring
from core import crypto
from core.crypto import KeyRing
from core.roles import Role
from storage import keyring
from storage.db import Database
from storage.keyring import load_ring
from storage.migrations import MIGRATIONS_DIR
from storage.staff import StaffRepository
from storage.state import StateRepository
from storage.totp import TotpRecords
from storage.vault import Vault


def _old_ring_text() -> str:
    """A key ring as Tipline wrote it before the 'staff' purpose existed."""
    doc = json.loads(KeyRing.generate().to_json())
    doc["keys"] = [k for k in doc["keys"] if k["purpose"] != crypto.STAFF]
    del doc["primary"][crypto.STAFF]
    return json.dumps(doc, indent=2)


def _write_private(path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)


def test_an_old_key_ring_gains_the_staff_purpose_and_is_saved_once(tmp_path):
    path = tmp_path / "keyring.json"
    old = _old_ring_text()
    _write_private(path, old)
    ring = load_ring(path)
    assert ring.added == (crypto.STAFF,)
    staff_key = ring.primary(crypto.STAFF)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["primary"][crypto.STAFF] == staff_key.id
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    for purpose in ("content", "identity", "contact", "session", "lookup"):  # the old keys, as they were
        assert saved["primary"][purpose] == json.loads(old)["primary"][purpose]
    again = load_ring(path)
    assert again.added == () and again.primary(crypto.STAFF).key == staff_key.key


def test_a_ring_lacking_an_original_purpose_is_still_refused(tmp_path):
    doc = json.loads(KeyRing.generate().to_json())
    del doc["primary"][crypto.CONTENT]
    with pytest.raises(crypto.KeyRingError, match="content"):
        KeyRing.from_json(json.dumps(doc))


async def test_an_old_database_keeps_its_sealed_data_and_takes_staff_keys(tmp_path):
    before_0012 = tmp_path / "migrations"
    before_0012.mkdir()
    for sql in sorted(MIGRATIONS_DIR.glob("*.sql"))[:11]:
        shutil.copy(sql, before_0012)
    ring_path, db_path = tmp_path / "keyring.json", tmp_path / "tipline.sqlite3"
    _write_private(ring_path, _old_ring_text())
    old_ring = KeyRing.from_json(ring_path.read_text(encoding="utf-8"))

    db = await Database.open(db_path, before_0012)  # the office's database, at version 11
    async with db.unit_of_work(state=StateRepository(db, Vault(old_ring))) as uow:
        await uow.state.write_chat(4242, {"lang": "en", "draft": {"text": "隐患"}})
    await db.close()

    ring = load_ring(ring_path)  # as the bot starts: the ring gains its staff key
    db = await Database.open(db_path)  # and the database is migrated
    try:
        vault = Vault(ring)
        chats = await StateRepository(db, vault).load_chat_data()
        assert chats[4242]["draft"] == {"text": "隐患"}
        async with db.transaction() as conn:
            await StaffRepository(db, vault).add(conn, 77, "受理员", Role.INTAKE, "", "2026-12-01")
            await TotpRecords(db, vault).begin(conn, 77, "JBSWY3DPEHPK3PXP")
        assert await TotpRecords(db, vault).secret(77) == "JBSWY3DPEHPK3PXP"
    finally:
        await db.close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert sorted(r[0] for r in conn.execute("SELECT purpose FROM data_keys")) == ["session", "staff"]
        with pytest.raises(sqlite3.IntegrityError):  # the rebuilt table is still what the others refer to
            conn.execute("DELETE FROM data_keys WHERE purpose = 'session'")
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO data_keys (purpose, kek_id, wrapped, created_on) VALUES ('x', 'k', x'00', 'd')")


def test_the_upgrade_says_to_back_the_key_ring_up_again(settings, caplog, capsys):
    _write_private(settings.keyring_path, _old_ring_text())
    load_keyring(settings)
    said = caplog.text + capsys.readouterr().err  # the log where it is set up, else stderr
    assert "gained a key for staff" in said and "back the key ring up again" in said
    caplog.clear()
    load_keyring(settings)
    assert "gained" not in caplog.text + capsys.readouterr().err


def test_a_key_ring_the_service_cannot_write_says_how_to_add_the_key(settings, monkeypatch):
    _write_private(settings.keyring_path, _old_ring_text())

    def read_only(ring, path):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(keyring, "save_ring", read_only)
    with pytest.raises(StartupError) as refused:
        load_keyring(settings)
    said = str(refused.value)
    assert "lacks a key for staff and cannot be written to add it (Read-only file system)" in said
    assert "run `python -m bot keys status` once as the bot's user, outside the service" in said
    assert crypto.STAFF not in json.loads(settings.keyring_path.read_text(encoding="utf-8"))["primary"]
