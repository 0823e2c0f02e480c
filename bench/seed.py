"""A database that has lived: 100,000 tips over three years and 1,000 units with a year of monthly
figures, built in about a minute with bulk inserts (not 100,000 submissions), and cached.

The rows (bench.seedrows) are what the bot itself would have written: distinct numbers per year and
sequence, statuses spread over the workflow by age with their events, deadlines, verifications,
rewards and a few office messages; departments from the office's routing; villages; an audit chain
with real HMACs; what reporters' chats leave once their conversations have ended (a language
choice for one in ten; no chat_state row: those are live conversations only, storage.state).
Every sealed field is really sealed under its own data key: any tip the benchmark opens opens for
real.

Two shortcuts, neither of which changes a query plan: every tip's receipt hash is one real scrypt
hash (100,000 scrypt runs would take hours), and seeded tips have no evidence files (their bytes
would make a database of many gigabytes; tip_files is only ever read by tip id). Tables the bot
empties daily (processed_updates, limit_counters, delivered outbox rows) are left empty.

The cache lives in bench/.cache/ (git-ignored), keyed by the latest migration, the seed's version,
its sizes and the day (dates are relative to today); entries of other days, schemas or seed
versions are deleted when one is built.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import sqlite3
from datetime import date
from pathlib import Path

from bench.harness import ROOT, office, say, settings_in
from bench.seedrows import COLUMNS, Rows
from storage.db import DB_FILENAME, Database
from storage.keyring import load_ring
from storage.migrations import MIGRATIONS_DIR

SEED_VERSION = 6  # 6: rewards paid in cash say so as the code does (PayMethod), not "现金"
CACHE = ROOT / "bench" / ".cache"
CHATS_PER_TIP = 0.7  # some reporters file more than one tip


def latest_migration() -> int:
    return max(int(p.name[:4]) for p in MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql"))


def seeded(tips: int, units: int, today: date) -> Path:
    """A folder with data/tipline.sqlite3 and keyring.json: from the cache, or built now (and cached)."""
    key = f"seed-m{latest_migration():04d}-v{SEED_VERSION}-{tips}t-{units}u-{today:%Y%m%d}"
    folder = CACHE / key
    if (folder / "complete").exists():
        say(f"growth: the seeded database comes from the cache ({folder.relative_to(ROOT)})")
        return folder
    say(f"growth: seeding {tips:,} tips and {units:,} units (cached for the next run)")
    CACHE.mkdir(parents=True, exist_ok=True)
    current = (f"seed-m{latest_migration():04d}-v{SEED_VERSION}-", f"-{today:%Y%m%d}")
    for stale in CACHE.glob("seed-*"):  # other days, schemas or seed versions; other sizes of today stay
        if not (stale.name.startswith(current[0]) and stale.name.endswith(current[1])):
            shutil.rmtree(stale, ignore_errors=True)
    building = CACHE / f"{key}.building"
    asyncio.run(_migrate(building))
    _fill(building, tips, units, today)
    (building / "complete").touch()
    building.rename(folder)
    return folder


async def _migrate(folder: Path) -> None:
    """An empty database at the latest schema, made by the bot's own migrations."""
    settings = settings_in(folder)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = await Database.open(settings.data_dir / DB_FILENAME)
    await db.close()


def _fill(folder: Path, tips: int, units: int, today: date) -> None:
    settings = settings_in(folder)
    rows = Rows(load_ring(settings.keyring_path), office(), today, random.Random(20261123))
    rows.tips(tips)
    rows.chats(int(tips * CHATS_PER_TIP))
    rows.units(units)
    conn = sqlite3.connect(settings.data_dir / DB_FILENAME, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN")
        for table, values in rows.tables.items():
            columns = COLUMNS[table]
            marks = ", ".join("?" * len(columns.split(",")))
            conn.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)  # noqa: S608 - our names
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    say("growth: seeded " + ", ".join(f"{len(v):,} {t}" for t, v in rows.tables.items()))


def copy_of(folder: Path, dest: Path) -> Path:
    """A private copy of a seeded folder (the benchmark writes to it; the cache stays as built)."""
    shutil.copytree(folder, dest, dirs_exist_ok=True)
    os.chmod(dest / "keyring.json", 0o600)
    # The bot refuses a data dir or database others may read (bot.startup): as `python -m bot` makes them.
    os.chmod(dest / "data", 0o700)
    for path in (dest / "data").iterdir():
        os.chmod(path, 0o600)
    return dest
