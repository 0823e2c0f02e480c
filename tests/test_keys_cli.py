"""`python -m bot keys init | rotate | status | recover`."""

import io
import os
import re
import stat
import sys
from datetime import timedelta

import pytest
from mnemonic import Mnemonic

from bot import cli, keys_cli, startup
from bot.services import Services
from core import crypto, keys
from storage.db import Database
from storage.keyring import load_ring, save_ring
from storage.state import StateRepository
from storage.vault import Vault


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("TIPLINE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TIPLINE_KEYRING", str(tmp_path / "secrets" / "keyring.json"))
    return tmp_path / "data", tmp_path / "secrets" / "keyring.json"


def test_init_creates_a_private_key_ring_once(env, capsys):
    _, ring_path = env
    assert cli.main(["keys", "init", "--show-words"]) == 0
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
    assert cli.main(["keys", "init", "--show-words"]) == 0
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


# -- the office's recovery key: `keys init` prints it once, `keys recover` gives an admin the keys ------

PASSPHRASE = "储罐区每天巡查 2026"
ADMIN, INTAKE, NEW_ADMIN = 900001, 900002, 900003


def _printed_words(out: str) -> str:
    """The words `keys init` printed: the one indented line after the RECOVERY KEY heading."""
    after = out.split("RECOVERY KEY", 1)[1]
    return next(line.strip() for line in after.splitlines() if line.startswith("    "))


def test_init_prints_the_recovery_key_once_as_24_words_and_keeps_only_its_public_half(env, capsys):
    _, ring_path = env
    assert cli.main(["keys", "init", "--show-words"]) == 0
    words = _printed_words(capsys.readouterr().out)
    assert len(words.split()) == 24 and Mnemonic("english").check(words)
    recovery = keys.recovery_key(words)
    ring_text = ring_path.read_text()
    assert load_ring(ring_path).recovery_public == keys.public_bytes(recovery)
    assert words.split()[0] not in ring_text.split('"') and keys.private_bytes(recovery).hex() not in ring_text


async def _office_with_staff(env) -> str:
    """`keys init` (its words returned), an admin and an intake officer who set a passphrase, an admin who
    did not; the bot started once (its key groups made, sealed to the recovery key alone)."""
    assert await _to_thread(cli.main, ["keys", "init", "--show-words"]) == 0
    for user_id, role in ((ADMIN, "admin"), (INTAKE, "intake"), (NEW_ADMIN, "admin")):
        assert await _to_thread(cli.main, ["staff", "add", str(user_id), "--role", role, "--name", f"n{user_id}"]) == 0
    svc = await _services()
    try:
        for user_id in (ADMIN, INTAKE):
            await svc.keys.set_passphrase(user_id, PASSPHRASE, svc.clock())
        assert await svc.keys.active()
    finally:
        await svc.stop()


async def _services():
    settings = startup.load_settings()
    svc = Services(settings, startup.load_office_config(settings), startup.load_keyring(settings))
    await svc.start()
    return svc


async def _recover(monkeypatch, user_id: int, words: str, *, terminal: bool = False) -> int:
    """`keys recover USER_ID` with the words piped in, or typed at a terminal (asked by getpass)."""
    stdin = io.StringIO("" if terminal else words + "\n")  # at a terminal nothing is read from stdin
    if terminal:
        stdin.isatty = lambda: True
        monkeypatch.setattr(keys_cli.getpass, "getpass", lambda prompt: words if "not shown" in prompt else "")
    monkeypatch.setattr(sys, "stdin", stdin)
    return await _to_thread(cli.main, ["keys", "recover", str(user_id)])


async def test_recover_gives_an_admin_with_a_passphrase_every_group_from_the_words(env, capsys, monkeypatch):
    await _office_with_staff(env)
    words = _printed_words(capsys.readouterr().out)

    assert await _recover(monkeypatch, ADMIN, words, terminal=True) == 0
    out = capsys.readouterr().out
    assert f"n{ADMIN} ({ADMIN}) now holds the office's keys: " in out and words not in out
    svc = await _services()
    try:
        groups = await svc.keys.store.groups()
        assert {"office", "rewards"} < set(groups) and any(name.startswith("dept:") for name in groups)
        for name in groups:
            assert name in out
        chain = await svc.keys.unlock(ADMIN, PASSPHRASE, svc.clock() + timedelta(minutes=5), svc.clock())
        assert set(chain.groups) == {g.id for g in groups.values()}
        (audited,) = await svc.db.fetchone("SELECT COUNT(*) FROM audit_log WHERE action = 'keys.recover'")
    finally:
        await svc.stop()
    assert audited == 1


async def test_recover_refuses_wrong_words_a_non_admin_and_an_admin_without_a_passphrase(env, capsys, monkeypatch):
    await _office_with_staff(env)
    words = _printed_words(capsys.readouterr().out).split()
    other = keys.recovery_words(keys.private_bytes(keys.new_private()))
    wordlist = Mnemonic("english")
    mistyped = next(t for w in wordlist.wordlist if not wordlist.check(t := " ".join([w, *words[1:]])))
    for user_id, typed, said in (
        (ADMIN, other, "these words are of another office's recovery key; check the words against the paper"),
        (ADMIN, mistyped, "a word is mistyped, missing or out of order"),
        (ADMIN, " ".join(words[:23]), "a word is mistyped, missing or out of order"),
        (INTAKE, " ".join(words), f"{INTAKE} is not an active admin"),
        (NEW_ADMIN, " ".join(words), "has not set a passphrase yet"),
    ):
        assert await _recover(monkeypatch, user_id, typed) == 2
        err = capsys.readouterr().err
        assert said in err and " ".join(words) not in err
    svc = await _services()
    try:
        assert await svc.keys.store.held(ADMIN) == set() == await svc.keys.store.held(INTAKE)
    finally:
        await svc.stop()


async def test_status_lists_the_groups_their_holders_and_who_lacks_a_passphrase_or_keys(env, capsys, monkeypatch):
    await _office_with_staff(env)
    words = _printed_words(capsys.readouterr().out)
    assert await _recover(monkeypatch, ADMIN, words) == 0
    capsys.readouterr()

    assert await _to_thread(cli.main, ["keys", "status"]) == 0
    out = capsys.readouterr().out
    assert "The recovery key is set" in out
    assert "group office                   held by 1 of the active staff and the recovery key" in out
    assert f"No passphrase yet (they send /passphrase to the bot): n{NEW_ADMIN} ({NEW_ADMIN})" in out
    assert f"Lacks keys of their roles (an admin grants them in /staff): n{INTAKE} ({INTAKE}): office" in out
    assert f"n{ADMIN} ({ADMIN})" not in out  # holds every key of their roles


def test_status_of_an_install_from_before_the_recovery_key(env, capsys, monkeypatch):
    _, ring_path = env
    save_ring(crypto.KeyRing.generate(), ring_path)  # as `keys init` made it before keys held by people
    assert cli.main(["keys", "status"]) == 0
    assert "No recovery key: this install" in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.StringIO(keys.recovery_words(bytes(32))))
    assert cli.main(["keys", "recover", str(ADMIN)]) == 2
    assert "no recovery key" in capsys.readouterr().err


def test_init_with_no_terminal_prints_no_words_and_makes_no_recovery_key(env, capsys):
    """Run by a service manager, the words would go into its log on the server: none are made."""
    _, ring_path = env
    assert cli.main(["keys", "init"]) == 0  # pytest's captured output is no terminal
    out = capsys.readouterr().out
    assert "No terminal" in out and not re.search(r"\n    ((?:[a-z]+ ){23}[a-z]+)\n", out)
    assert load_ring(ring_path).recovery_public is None


def test_rotate_group_makes_a_new_key_for_a_group_and_names_an_unknown_one(env, capsys):
    assert cli.main(["keys", "init", "--show-words"]) == 0
    assert cli.main(["keys", "rotate-group", "dept:fire"]) == 0
    assert "New key for dept:fire: sealed to its 1 holders" in capsys.readouterr().out  # the recovery key
    assert cli.main(["keys", "rotate-group", "dept:nowhere"]) == 2
    assert "no key group 'dept:nowhere'" in capsys.readouterr().err
