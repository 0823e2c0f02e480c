"""Where the key ring lives, what a backup holds, who may read the data dir, and that what is
destroyed leaves the WAL at once (issue 15, points 3 to 5)."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot import backup_cli, cli
from bot.config import Settings
from core.crypto import KeyRing
from storage import checkpoint
from storage.db import Database
from storage.keyring import save_ring
from tests.conftest import ROOT
from tests.media import photo_with_exif
from tests.reporter import file_tip, to_step

MARKER = "MARKER-储罐区-7f3a9c"


def _xdg() -> Path:
    return Path(os.environ["XDG_CONFIG_HOME"])


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def _bytes(path: Path | str) -> bytes:
    return Path(path).read_bytes()


@pytest.fixture
def old_install(tmp_path, monkeypatch) -> tuple[Path, Path]:
    """An install from before the move: the key ring at the old default, <data dir>/keyring.json, and a
    database made with it; TIPLINE_KEYRING unset."""
    data = tmp_path / "data"
    ring = data / "keyring.json"
    save_ring(KeyRing.generate(), ring)
    monkeypatch.setenv("TIPLINE_DATA_DIR", str(data))
    assert cli.main(["staff", "list"]) == 0  # makes the database with that ring
    return data, ring


# -- point 3: where the key ring lives ------------------------------------------------------------


def test_the_key_ring_defaults_to_the_users_config_folder(tmp_path, monkeypatch):
    assert Settings(_env_file=None).keyring_path == _xdg() / "tipline" / "keyring.json"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert Settings(_env_file=None).keyring_path == tmp_path / "home" / ".config" / "tipline" / "keyring.json"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/config")  # ignored, as the XDG spec says
    assert Settings(_env_file=None).keyring_path == tmp_path / "home" / ".config" / "tipline" / "keyring.json"


def test_keys_init_writes_the_ring_outside_the_data_dir(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TIPLINE_DATA_DIR", str(tmp_path / "data"))
    assert cli.main(["keys", "init"]) == 0
    assert (_xdg() / "tipline" / "keyring.json").is_file()
    assert not (tmp_path / "data" / "keyring.json").exists()
    assert cli.main(["staff", "list"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_an_install_with_the_ring_at_the_old_default_still_starts_and_is_told_to_move_it(
    old_install, monkeypatch, caplog
):
    _, ring = old_install
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="tipline.startup"):
        assert cli.main(["keys", "init", "--if-missing"]) == 0  # what scripts/run does: no new, empty ring
        assert cli.main(["staff", "list"]) == 0
    assert not (_xdg() / "tipline" / "keyring.json").exists()
    [warning, *_] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert f"{ring} is inside the data dir" in warning
    assert f"mv {ring} " in warning and "TIPLINE_KEYRING=" in warning
    # Moved as told, the ring is found at its new place and nothing warns.
    new = _xdg() / "tipline" / "keyring.json"
    new.parent.mkdir(parents=True)
    ring.rename(new)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="tipline.startup"):
        assert cli.main(["staff", "list"]) == 0
    assert not [r for r in caplog.records if r.levelno == logging.WARNING]


def test_no_new_ring_is_made_beside_a_database_whose_ring_is_missing(old_install, capsys):
    _, ring = old_install
    ring.unlink()
    assert cli.main(["keys", "init", "--if-missing"]) == 2
    assert "point TIPLINE_KEYRING at the key ring that database was made with" in capsys.readouterr().err
    assert not (_xdg() / "tipline" / "keyring.json").exists()


def test_the_cli_warns_on_stderr_when_the_ring_is_inside_the_data_dir(old_install):
    data, ring = old_install
    env = {**os.environ, "TIPLINE_DATA_DIR": str(data)}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "staff", "list"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith(f"tipline: warning: TIPLINE_KEYRING: the key ring {ring} is inside the data dir")
    assert f"mv {ring} " in done.stderr


def test_a_ring_set_inside_the_data_dir_is_warned_about_and_one_outside_is_not(tmp_path, monkeypatch, caplog):
    inside = tmp_path / "data" / "keys" / "keyring.json"
    outside = tmp_path / "secrets" / "keyring.json"
    monkeypatch.setenv("TIPLINE_DATA_DIR", str(tmp_path / "data"))
    for ring in (inside, outside):
        save_ring(KeyRing.generate(), ring)
        monkeypatch.setenv("TIPLINE_KEYRING", str(ring))
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="tipline.startup"):
            assert cli.main(["keys", "status"]) == 0
        warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        if ring == inside:
            assert len(warned) == 1 and f"{inside} is inside the data dir" in warned[0]
            (tmp_path / "data" / "tipline.sqlite3").unlink()  # the next ring gets a database of its own
            for suffix in ("-wal", "-shm"):
                Path(f"{tmp_path}/data/tipline.sqlite3{suffix}").unlink(missing_ok=True)
        else:
            assert warned == []


def test_the_consoles_trial_data_dir_keeps_its_own_ring_without_a_warning(tmp_path, monkeypatch):
    from bot import startup, trial

    monkeypatch.setenv("TIPLINE_DATA_DIR", str(tmp_path / "trial"))
    settings = trial.trial_settings(startup.load_settings())
    assert settings.keyring_path.is_relative_to(tmp_path / "trial")
    assert startup.keyring_warning(settings) is None
    (tmp_path / "trial" / trial.MARKER).unlink()
    assert "is inside the data dir" in startup.keyring_warning(settings)


async def test_a_backup_holds_no_key_material(start_bot, settings, ring, tmp_path):
    async with start_bot() as sim:
        await file_tip(sim.user(7300000001), photos=(photo_with_exif(),), identity=("张三", "13800000000"))
    target = tmp_path / "backups" / "copy.sqlite3"
    target.parent.mkdir()
    backup_cli.make_backup(settings.data_dir / "tipline.sqlite3", target)
    copy = target.read_bytes()
    ring_file = settings.keyring_path.read_bytes()
    keys = [kek.key for kek in ring._keys.values()]
    assert len(keys) >= 5
    for key in keys:
        assert key not in copy and base64.b64encode(key) not in copy
    assert ring_file not in copy and b'"format"' not in copy
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT COUNT(*) FROM tips").fetchone() == (1,)


# -- point 5: file modes ---------------------------------------------------------------------------


async def test_a_new_data_dir_and_database_are_readable_by_the_owner_only(start_bot, settings):
    os.umask(0o022)  # a shell's usual umask (the test's own is put back after it)
    async with start_bot() as sim:
        await sim.user(7300000002).send("/start")
        db = settings.data_dir / "tipline.sqlite3"
        assert _mode(settings.data_dir) == 0o700
        for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            assert _mode(path) == 0o600, path


def test_python_m_bot_writes_private_files_whatever_the_shells_umask(tmp_path):
    env = {**os.environ, "TIPLINE_DATA_DIR": str(tmp_path / "data"), "TIPLINE_KEYRING": str(tmp_path / "k.json")}
    save_ring(KeyRing.generate(), tmp_path / "k.json")
    command = [sys.executable, "-m", "bot", "export", "tips", "--from", "2026-01-01", "--to", "2026-01-31"]
    command += ["--out", str(tmp_path / "out")]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, preexec_fn=lambda: os.umask(0o022)
    )
    assert done.returncode == 0, done.stderr
    assert _mode(tmp_path / "out") == 0o700
    written = list((tmp_path / "out").iterdir())
    assert written and all(_mode(path) == 0o600 for path in written)
    assert _mode(tmp_path / "data") == 0o700 and _mode(tmp_path / "data" / "tipline.sqlite3") == 0o600


def test_a_data_dir_or_database_open_to_others_stops_start_up_with_the_fix(tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    save_ring(KeyRing.generate(), tmp_path / "k.json")
    monkeypatch.setenv("TIPLINE_DATA_DIR", str(data))
    monkeypatch.setenv("TIPLINE_KEYRING", str(tmp_path / "k.json"))
    assert cli.main(["staff", "list"]) == 0
    db = data / "tipline.sqlite3"

    os.chmod(data, 0o755)  # noqa: S103 - the mistake under test
    assert cli.main(["staff", "list"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "may be read by other users" in err and f"run `chmod 700 {data}`" in err
    os.chmod(data, 0o700)
    os.chmod(db, 0o644)
    assert cli.main(["staff", "list"]) == 2
    err = capsys.readouterr().err
    assert f"tipline.sqlite3 (mode 644) may be read by other users; run `chmod 600 {db}`" in err
    os.chmod(db, 0o600)
    assert cli.main(["staff", "list"]) == 0


# -- point 4: nothing destroyed stays in the WAL --------------------------------------------------


def _secrets_of_the_draft(db: Path) -> list[bytes]:
    """The wrapped data keys and ciphertexts that hold the draft: its chat state and its files."""
    with sqlite3.connect(db) as conn:
        found = conn.execute(
            "SELECT k.wrapped, s.data FROM chat_state s JOIN data_keys k ON k.id = s.dek_id"
            " UNION ALL SELECT k.wrapped, f.data FROM draft_files f JOIN data_keys k ON k.id = f.dek_id"
        ).fetchall()
    assert len(found) == 2  # one chat, one file
    return [blob[:48] for row in found for blob in row]


@pytest.mark.parametrize("end", ["cancel", "submit"])
async def test_a_cancelled_or_submitted_draft_leaves_nothing_in_the_wal_or_the_database(start_bot, settings, end):
    db = settings.data_dir / "tipline.sqlite3"
    async with start_bot() as sim:
        user = sim.user(7300000003)
        await to_step(user, "description")
        await user.send(f"{MARKER} 储罐区没有防火堤，工人在罐旁抽烟。")
        await user.send_photo(photo_with_exif())
        secrets = _secrets_of_the_draft(db)
        on_disk = _bytes(db) + _bytes(f"{db}-wal")
        assert all(s in on_disk for s in secrets)  # the search finds the draft while it lives
        if end == "cancel":
            [reply] = await user.send("/cancel")
            assert "已取消" in reply.text
        else:
            await user.tap("tip:evidence:done")
            await user.tap("tip:identity:anonymous")
            await user.tap("tip:push:no")
            replies = await user.tap("tip:summary:submit")
            assert "JB" in replies[-1].text
        services = sim.app.bot_data["services"]
        assert (await services.db.fetchone("PRAGMA secure_delete"))[0] == 1
        await services.db.settled()  # the checkpoint within CHECKPOINT_WITHIN of the shred, no other write
        for name in (f"{db}-wal", str(db)):
            content = _bytes(name)
            assert MARKER.encode() not in content
            leaks = [s.hex()[:16] for s in secrets if s in content]
            assert leaks == [], f"{name} still holds {leaks}"


async def test_a_checkpoint_a_reader_blocks_is_retried_until_complete_without_another_write(
    tmp_path, monkeypatch, caplog
):
    """The last shred before a quiet spell: nothing else is written, and still the WAL is emptied once
    the reader lets go (not hours later at the nightly housekeeping). Said once in the log, not per try."""
    monkeypatch.setattr(checkpoint, "CHECKPOINT_WITHIN", 0.01)
    monkeypatch.setattr(checkpoint, "RETRY_FIRST", 0.01)  # a test's seconds; the growth is the same
    caplog.set_level(logging.INFO, logger="tipline.db")
    path = tmp_path / "t.sqlite3"
    db = await Database.open(path)
    tries: list[str] = []
    await db.conn.set_trace_callback(lambda sql: tries.append(sql) if "wal_checkpoint" in sql else None)
    insert = "INSERT INTO data_keys (purpose, kek_id, wrapped, created_on) VALUES ('content', 'k', ?, 'd')"
    async with db.transaction() as conn:
        await conn.execute(insert, (b"WRAPPED-KEY-OF-A-DRAFT",))
    reader = sqlite3.connect(path)
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM data_keys").fetchone()  # a backup's snapshot, say
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM data_keys")
    tried = len(tries)
    for _ in range(1000):  # partial three times: never waited for
        if len(tries) >= tried + 3:
            break
        await asyncio.sleep(0.01)
    assert len(tries) >= tried + 3
    assert b"WRAPPED-KEY-OF-A-DRAFT" in _bytes(f"{path}-wal")
    reader.close()
    await db.settled()  # no write since the shred: the retry completes it
    assert _bytes(f"{path}-wal") == b""
    assert b"WRAPPED-KEY-OF-A-DRAFT" not in _bytes(path)
    said = [r.getMessage() for r in caplog.records if r.name == "tipline.db"]
    assert len([m for m in said if "incomplete" in m]) == 1 and said[-1] == "WAL checkpoint complete again"
    await db.close()
