"""`python -m bot backup PATH`: a consistent copy of the database while the bot runs.
`python -m bot restore PATH`: that copy into an empty data dir, checked against the key ring.

The copy is made with SQLite's online backup API from one read transaction: in WAL mode a reader
never blocks the bot's writes, and the copy is the database as it was at one moment, every
transaction whole or absent. It holds the latest snapshot only, never the WAL's older frames. It
is encrypted like the database, so it is useless without the key ring, which is never part of it.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import os
import secrets
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path

from bot import startup
from bot.config import Settings
from bot.startup import StartupError
from core.crypto import CryptoError, KeyRing
from storage.audit import AuditLog, AuditReport
from storage.drafts import DraftFiles
from storage.migrations import load_migrations
from storage.tips import TipRepository
from storage.vault import Vault

#: Pages copied per step of the backup (4 MB at SQLite's default page size).
STEP_PAGES = 1024

Progress = Callable[[int, int, int], object]


def add_parser(sub: argparse._SubParsersAction) -> None:
    backup = sub.add_parser("backup", help="copy the database while the bot runs (never the key ring)")
    backup.add_argument("path", metavar="PATH", help="the copy's file, or a folder for tipline-DATE-TIME.sqlite3")
    backup.add_argument("--force", action="store_true", help="replace PATH if it exists")
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser("restore", help="put a backup into a data dir without a database, and check it")
    restore.add_argument("path", type=Path, metavar="PATH", help="a copy made by `python -m bot backup`")
    restore.set_defaults(func=cmd_restore)


# -- backup ------------------------------------------------------------------------------------


def cmd_backup(args: argparse.Namespace) -> int:
    settings = startup.load_settings()
    source = startup.database_path(settings)
    target = backup_target(args.path, datetime.now(settings.tz))
    size = make_backup(source, target, force=args.force)
    print(f"Backed up {source} to {target} ({_size(size)}, mode 0600).")
    print(
        f"The copy is useless without the key ring ({settings.keyring_path}); keep the key ring apart from it, "
        "never on the same disk or in the same archive, or the two together give everything away."
    )
    return 0


def backup_target(path: str, now: datetime) -> Path:
    """PATH itself, or inside PATH if it is a folder (or ends with a slash) a file named by the date and time."""
    target = Path(path)
    if target.is_dir() or path.endswith(("/", os.sep)):
        return target / f"tipline-{now:%Y%m%d-%H%M%S}.sqlite3"
    return target


def make_backup(source: Path, target: Path, *, force: bool = False, progress: Progress | None = None) -> int:
    """Copy the database at `source` to `target` (all or nothing); returns the copy's size in bytes.

    `progress(status, remaining, total)` is called after each step, as sqlite3's backup does."""
    if not source.is_file():
        raise StartupError(
            f"TIPLINE_DATA_DIR: there is no database at {source}; point TIPLINE_DATA_DIR at the bot's data dir."
        )
    if target.exists() and target.resolve() == source.resolve():
        raise StartupError(f"{target} is the database itself; give a path outside the data dir.")
    if target.exists() and not force:
        raise _exists(target)
    folder = target.parent
    if not folder.exists():
        # Never made here: an unmounted backup disk would fill the system disk instead.
        raise StartupError(f"the folder {folder} does not exist: mount the backup disk or create the folder first.")
    tmp = _private_file(folder, target.name)
    try:
        with _plain_errors(folder, "backed up"):
            _copy(source, tmp, progress)
            _finish_copy(tmp, f"the copy of {source}", "backed up")
            _publish(tmp, target, force=force)
        return target.stat().st_size
    finally:
        _remove(tmp, Path(f"{tmp}-journal"))


def _copy(source: Path, tmp: Path, progress: Progress | None) -> None:
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True, isolation_level=None, timeout=10)
    dst = _connect_copy(tmp)
    try:
        if src.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            # One read transaction for every step: one snapshot, and the bot's commits (in the WAL) neither
            # wait for it nor make it start over. Without WAL a step's read lock would hold writers back,
            # so each step reads on its own and SQLite starts over when another connection writes.
            src.execute("BEGIN")
            src.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        src.backup(dst, pages=STEP_PAGES, progress=progress)
    finally:
        dst.close()
        src.close()  # ends the read transaction


def _connect_copy(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


# -- restore -----------------------------------------------------------------------------------


def cmd_restore(args: argparse.Namespace) -> int:
    settings = startup.load_settings()
    ring = startup.load_keyring(settings)
    data_dir = startup.check_data_dir(settings)
    target = startup.database_path(settings)
    _refuse_existing(data_dir, target)
    if not args.path.is_file():
        raise StartupError(f"{args.path} is not a file; give the path of a copy made by `python -m bot backup`.")
    tmp = _private_file(data_dir, target.name)
    try:
        with _plain_errors(data_dir, "restored"):
            shutil.copyfile(args.path, tmp)
            version = _finish_copy(tmp, str(args.path), "restored")
            _publish(tmp, target, force=False)
    finally:
        _remove(tmp, Path(f"{tmp}-journal"))
    try:
        tips, report, waiting = asyncio.run(_open_everything(settings, ring))
    except BaseException:
        _remove(*_database_files(target))
        raise
    counted = f"{tips} tip" if tips == 1 else f"{tips} tips"
    print(f"Restored {args.path} (schema version {version}) into {target}: {counted}, each opened with the key "
          f"ring {settings.keyring_path}: content, identity, contact, messages and files.")  # fmt: skip
    if waiting:
        print(f"Messages waiting to be sent when the copy was made (receipts, notices, liaisons' prompts): {waiting};"
              " they go out when the bot starts.")  # fmt: skip
    if report.broken_at is not None:
        print(f"The audit log is BROKEN at entry {report.broken_at}, as it is in the backup: an entry was edited, "
              "inserted or deleted before the copy was made. The data is restored; tell the auditor, and restore "
              "an older backup instead if one has an intact chain.")  # fmt: skip
        return 1
    print(f"The audit log holds {report.entries} entries and its chain is intact. Newest hash: {report.head}")
    return 0


def _database_files(db: Path) -> list[Path]:
    return [db, *(Path(f"{db}{suffix}") for suffix in ("-wal", "-shm", "-journal"))]


def _refuse_existing(data_dir: Path, target: Path) -> None:
    found = [p for p in _database_files(target) if p.exists()]
    if found:
        raise StartupError(
            f"TIPLINE_DATA_DIR: {data_dir} already holds a database ({', '.join(p.name for p in found)}); restore "
            f"only into a data dir without one: stop the bot and move {', '.join(str(p) for p in found)} somewhere "
            "else, or point TIPLINE_DATA_DIR at a new folder."
        )


async def _open_everything(settings: Settings, ring: KeyRing) -> tuple[int, AuditReport, int]:
    """Open the restored database as the bot would, then every data key and every tip with the key ring;
    the number of tips, the audit chain's report, and how many outbox messages wait to be sent. A tip
    sealed to people's keys cannot be opened here (that is its point): its push contact, the ring's, is
    opened, and its content is checked to be sealed to a key pair of its own."""
    try:
        db = await startup.open_database(settings, ring)
    except StartupError as exc:
        raise StartupError(f"{exc} Nothing was restored: the data dir is as it was.") from None
    try:
        vault = Vault(ring)
        for dek_id, purpose in await db.fetchall(
            "SELECT id, purpose FROM data_keys WHERE purpose != 'people' ORDER BY id"
        ):
            try:
                await vault.key(db.current, dek_id, purpose)
            except (CryptoError, ValueError) as exc:
                raise _unreadable(f"data key {dek_id} ({purpose})", exc) from None
        tips = TipRepository(db, vault, DraftFiles(db, vault))
        numbers = [row[0] for row in await db.fetchall("SELECT number FROM tips ORDER BY id")]
        for number in numbers:
            try:
                sealed_to_people = await tips.keystore.tip_record(number) is not None
                parts = (tips.contact,) if sealed_to_people else (tips.content, tips.identity, tips.contact,
                                                                  tips.messages, tips.files)  # fmt: skip
                for part in parts:
                    await part(number)
            except (CryptoError, ValueError, sqlite3.DatabaseError) as exc:
                raise _unreadable(f"tip {number}", exc) from None
        [(waiting,)] = await db.fetchall("SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
        return len(numbers), await AuditLog(db, vault).verify(), waiting
    finally:
        await db.close()


def _unreadable(what: str, exc: Exception) -> StartupError:
    return StartupError(
        f"{what} of the backup cannot be opened with this key ring ({type(exc).__name__}): the backup is damaged "
        "or was made with another key ring, so nothing was restored; try an older backup, or point "
        "TIPLINE_KEYRING at the key ring it was made with."
    )


# -- shared steps ------------------------------------------------------------------------------


def _finish_copy(path: Path, named: str, done: str) -> int:
    """Check the copy's integrity and schema version, then make it one self-contained file; returns the version."""
    conn = _connect_copy(path)
    try:
        try:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check(3)")]
            row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        except sqlite3.DatabaseError as exc:
            if exc.sqlite_errorcode == sqlite3.SQLITE_FULL:
                raise
            raise StartupError(f"{named} is damaged or not a Tipline database ({exc}); nothing was {done}.") from None
        if problems != ["ok"]:
            raise StartupError(f"{named} fails SQLite's integrity check ({problems[0]}); nothing was {done}.")
        version, known = int(row[0] or 0), len(load_migrations())
        if version > known:
            raise StartupError(
                f"{named} was made by a newer Tipline (schema version {version}, this one knows up to {known}), "
                f"so nothing was {done}; upgrade Tipline first."
            )
        conn.execute("PRAGMA journal_mode = DELETE")  # no -wal file: the copy is this one file
        return version
    finally:
        conn.close()


def _private_file(folder: Path, name: str) -> Path:
    """An empty file of mode 0600 beside the target, where the copy is written before it is renamed."""
    tmp = folder / f".{name}.{secrets.token_hex(4)}.tmp"
    try:
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.chmod(tmp, 0o600)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise _full(folder) from None
        raise StartupError(f"{folder} cannot be written ({exc.strerror}); choose a folder you may write to.") from None
    return tmp


def _publish(tmp: Path, target: Path, *, force: bool) -> None:
    """fsync the copy, rename it into place atomically (never over a file unless forced), fsync the folder."""
    _fsync(tmp)
    if force:
        os.replace(tmp, target)
    else:
        try:
            os.link(tmp, target)  # fails if the target appeared meanwhile; os.replace would not
        except FileExistsError:
            raise _exists(target) from None
        except OSError:  # a file system without hard links
            if target.exists():
                raise _exists(target) from None
            os.replace(tmp, target)
    if os.name == "posix":
        _fsync(target.parent)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(*paths: Path) -> None:
    for path in paths:
        with suppress(FileNotFoundError):
            path.unlink()


@contextmanager
def _plain_errors(folder: Path, done: str) -> Iterator[None]:
    """SQLite's and the file system's errors as one sentence each; a full disk says so."""
    try:
        yield
    except sqlite3.Error as exc:
        if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            raise _full(folder) from None
        raise StartupError(f"SQLite stopped the copy ({exc}); nothing was {done}.") from None
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise _full(folder) from None
        raise StartupError(f"{exc.filename or folder}: {exc.strerror}; nothing was {done}.") from None


def _full(folder: Path) -> StartupError:
    return StartupError(f"the disk holding {folder} is full; free some space or choose another disk, and try again.")


def _exists(target: Path) -> StartupError:
    return StartupError(f"{target} already exists; choose another name, or add --force to replace it.")


def _size(size: int) -> str:
    value, unit = float(size), "bytes"
    for bigger in ("KB", "MB", "GB"):
        if value < 1000:
            break
        value, unit = value / 1000, bigger
    return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
