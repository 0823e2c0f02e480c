import shutil
import sqlite3

import pytest

from bot import cli
from storage.db import Database
from storage.migrations import MIGRATIONS_DIR, MigrationError, SchemaTooNewError, load_migrations


def _tables(path):
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _version(path):
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]


async def test_a_fresh_database_gets_every_migration(tmp_path):
    path = tmp_path / "fresh.sqlite3"
    db = await Database.open(path)
    assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"
    assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1
    assert (await db.fetchone("PRAGMA secure_delete"))[0] == 1
    await db.close()
    assert _version(path) == len(load_migrations())
    assert {"schema_version", "data_keys", "chat_state", "conversation_state"} <= _tables(path)


async def test_reopening_applies_nothing_twice(tmp_path):
    path = tmp_path / "db.sqlite3"
    await (await Database.open(path)).close()
    await (await Database.open(path)).close()
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT version FROM schema_version").fetchall()
    assert [r[0] for r in rows] == list(range(1, len(load_migrations()) + 1))


async def test_an_old_database_is_upgraded_and_keeps_its_data(tmp_path):
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    for f in sorted(MIGRATIONS_DIR.glob("*.sql")):
        shutil.copy(f, migrations)
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path, migrations)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO data_keys (purpose, kek_id, wrapped, created_on) VALUES ('content', 'k1', x'00', '2026-01-01')"
        )
    await db.close()
    before = _version(path)

    next_number = before + 1
    (migrations / f"{next_number:04d}_add_note.sql").write_text("ALTER TABLE data_keys ADD COLUMN note TEXT;")
    db = await Database.open(path, migrations)
    row = await db.fetchone("SELECT kek_id, note FROM data_keys")
    await db.close()
    assert tuple(row) == ("k1", None)
    assert _version(path) == next_number


async def test_a_failing_migration_is_rolled_back_whole(tmp_path):
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    for f in sorted(MIGRATIONS_DIR.glob("*.sql")):
        shutil.copy(f, migrations)
    path = tmp_path / "db.sqlite3"
    await (await Database.open(path, migrations)).close()
    good = _version(path)
    (migrations / f"{good + 1:04d}_broken.sql").write_text(
        "CREATE TABLE half_done (x INTEGER);\nINSERT INTO no_such_table VALUES (1);"
    )
    with pytest.raises(MigrationError, match="broken"):
        await Database.open(path, migrations)
    assert _version(path) == good
    assert "half_done" not in _tables(path)


async def test_a_database_newer_than_the_code_is_refused(tmp_path):
    path = tmp_path / "db.sqlite3"
    await (await Database.open(path)).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_version VALUES (99, 'from_the_future', datetime('now'))")
    with pytest.raises(SchemaTooNewError, match="version 99"):
        await Database.open(path)


def test_the_bot_refuses_a_newer_database_with_one_sentence(tmp_path, settings, ring, monkeypatch, capsys):
    settings.data_dir.mkdir(parents=True)
    with sqlite3.connect(settings.data_dir / "tipline.sqlite3") as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)")
        conn.execute("INSERT INTO schema_version VALUES (99, 'future', '2030-01-01')")
    monkeypatch.setenv("TIPLINE_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("TIPLINE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TIPLINE_KEYRING", str(settings.keyring_path))
    assert cli.main(["run"]) == 2
    err = capsys.readouterr().err
    assert "schema version 99" in err and "upgrade Tipline" in err
    assert "Traceback" not in err


def test_migration_files_are_numbered_without_gaps(tmp_path):
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "0003_c.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="without gaps"):
        load_migrations(tmp_path)


async def test_every_reference_to_a_data_key_is_indexed(tmp_path):
    """Shredding a data key makes SQLite look in every table referencing data_keys; an unindexed
    reference means reading that table whole on every save of a chat's state (bench/growth.py)."""
    db = await Database.open(tmp_path / "t.sqlite3")
    await db.close()
    unindexed = []
    with sqlite3.connect(tmp_path / "t.sqlite3") as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            leading = {
                conn.execute(f"PRAGMA index_info('{index[1]}')").fetchone()[2]
                for index in conn.execute(f"PRAGMA index_list('{table}')")
            }
            for fk in conn.execute(f"PRAGMA foreign_key_list('{table}')"):
                if fk[2] == "data_keys" and fk[3] not in leading:
                    unindexed.append(f"{table}.{fk[3]}")
    assert unindexed == []
