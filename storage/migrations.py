"""Versioned schema migrations: numbered SQL files applied in order, each in its own transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(Exception):
    """A migration could not be applied; the database is left at the last good version."""


class SchemaTooNewError(MigrationError):
    """The database was written by a newer Tipline than this one."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"migration file {path.name!r} is not named NNNN_name.sql")
        found.append(Migration(int(match[1]), match[2], path.read_text(encoding="utf-8")))
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise MigrationError(f"migrations must be numbered 1, 2, 3… without gaps; found {versions}")
    return found


async def current_version(conn: aiosqlite.Connection) -> int:
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    async with conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version") as cur:
        row = await cur.fetchone()
    return int(row[0])


async def migrate(conn: aiosqlite.Connection, directory: Path = MIGRATIONS_DIR) -> tuple[int, int]:
    """Bring the schema up to date; returns (version before, version after).

    The connection must be in autocommit mode (isolation_level=None): each migration runs
    between its own BEGIN and COMMIT and is rolled back whole if any statement fails.
    """
    migrations = load_migrations(directory)
    known = len(migrations)
    before = await current_version(conn)
    if before > known:
        raise SchemaTooNewError(f"the database is at schema version {before} but this Tipline knows only up to {known}")
    for migration in migrations[before:]:
        try:
            await conn.executescript(
                "BEGIN IMMEDIATE;\n"
                f"{migration.sql}\n;\n"
                "INSERT INTO schema_version (version, name, applied_at) "
                f"VALUES ({migration.version}, '{migration.name}', datetime('now'));\n"
                "COMMIT;"
            )
        except Exception as exc:
            if conn.in_transaction:
                await conn.rollback()
            raise MigrationError(f"migration {migration.version:04d}_{migration.name} failed: {exc}") from exc
    return before, known
