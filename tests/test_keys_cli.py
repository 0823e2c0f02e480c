"""`python -m bot keys init | rotate | status`."""

import os
import stat

import pytest

from bot import cli
from core import crypto
from storage.db import Database
from storage.keyring import load_ring
from storage.state import StateRepository
from storage.vault import Vault


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("TIPLINE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TIPLINE_KEYRING", str(tmp_path / "secrets" / "keyring.json"))
    return tmp_path / "data", tmp_path / "secrets" / "keyring.json"


def test_init_creates_a_private_key_ring_once(env, capsys):
    _, ring_path = env
    assert cli.main(["keys", "init"]) == 0
    assert stat.S_IMODE(os.stat(ring_path).st_mode) == 0o600
    load_ring(ring_path)
    assert cli.main(["keys", "init"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert cli.main(["keys", "init", "--if-missing"]) == 0


def test_init_refuses_when_data_exists_without_its_ring(env, capsys):
    data_dir, _ = env
    data_dir.mkdir()
    (data_dir / "tipline.sqlite3").write_bytes(b"")
    assert cli.main(["keys", "init"]) == 2
    assert "point TIPLINE_KEYRING" in capsys.readouterr().err


async def _store_chat(data_dir, ring_path):
    db = await Database.open(data_dir / "tipline.sqlite3")
    repo = StateRepository(db, Vault(load_ring(ring_path)))
    async with db.unit_of_work(state=repo) as uow:
        await uow.state.write_chat(4242, {"lang": "en", "draft": {"text": "隐患"}})
    await db.close()


async def _load_chats(data_dir, ring_path):
    db = await Database.open(data_dir / "tipline.sqlite3")
    try:
        return await StateRepository(db, Vault(load_ring(ring_path))).load_chat_data(), await Vault.usage(db)
    finally:
        await db.close()


async def test_rotate_rewraps_and_old_data_stays_readable(env, capsys):
    data_dir, ring_path = env
    assert cli.main(["keys", "init"]) == 0
    await _store_chat(data_dir, ring_path)
    old = load_ring(ring_path).primary(crypto.SESSION).id

    assert await _to_thread(cli.main, ["keys", "rotate"]) == 0
    assert "Re-wrapped 1 data keys" in capsys.readouterr().out
    ring = load_ring(ring_path)
    assert ring.primary(crypto.SESSION).id != old and old in ring
    chats, usage = await _load_chats(data_dir, ring_path)
    assert chats == {4242: {"lang": "en", "draft": {"text": "隐患"}}}
    assert usage == {ring.primary(crypto.SESSION).id: 1}

    assert await _to_thread(cli.main, ["keys", "status"]) == 0
    out = capsys.readouterr().out
    assert old in out and "old" in out and "wraps 1 data keys" in out


async def _to_thread(func, *args):
    """cli.main runs its own event loop; keep it off this test's loop."""
    import asyncio

    return await asyncio.to_thread(func, *args)
