"""`python -m bot backup PATH` while the bot runs and writes, and `python -m bot restore PATH` into a
fresh data dir: the copy is consistent, passes `audit verify`, and every tip opens with the key ring."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sqlite3
import stat
import threading
from datetime import datetime
from pathlib import Path

import pytest

from bot import backup_cli, cli, startup
from bot.config import Settings
from core.crypto import KeyRing
from core.media import strip_image_metadata
from core.tips import Status
from handlers.notify import notify_reporter
from services.audit import AuditTrail
from storage.audit import AuditLog
from storage.drafts import DraftFiles
from storage.keyring import save_ring
from storage.tips import TipRepository
from storage.vault import Vault
from tests.conftest import EXAMPLE_CONFIG, services_of
from tests.media import photo_with_exif
from tests.office import add_staff, work_to
from tests.reporter import DESCRIPTION, SITE, file_tip

REPORTER = 5551234567
PHOTOS = (photo_with_exif((200, 40, 40)), photo_with_exif((40, 200, 40)))


def _configure(monkeypatch, data_dir: Path, keyring: Path) -> None:
    """The TIPLINE_ settings `python -m bot` reads: this data dir and key ring."""
    monkeypatch.setenv("TIPLINE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("TIPLINE_KEYRING", str(keyring))
    monkeypatch.setenv("TIPLINE_CONFIG", str(EXAMPLE_CONFIG))


async def _cli(*argv: str) -> int:
    """cli.main runs its own event loop: keep it off this test's loop (where the bot may be running)."""
    return await asyncio.to_thread(cli.main, list(argv))


async def _tips_in(settings: Settings, ring: KeyRing) -> dict[str, tuple]:
    """Every tip of the database: number → (content, identity, contact, messages, files), all opened."""

    async def read(db) -> dict[str, tuple]:
        vault = Vault(ring)
        tips = TipRepository(db, vault, DraftFiles(db, vault))
        numbers = [row[0] for row in await db.fetchall("SELECT number FROM tips ORDER BY id")]
        parts = (tips.content, tips.identity, tips.contact, tips.messages, tips.files)
        return {n: tuple([await part(n) for part in parts]) for n in numbers}

    return await startup.on_database(settings, ring, read)


async def test_a_backup_made_while_the_bot_writes_restores_every_tip(
    start_bot, settings, ring, monkeypatch, tmp_path, capsys
):
    _configure(monkeypatch, settings.data_dir, settings.keyring_path)
    copy = tmp_path / "backups" / "tipline.sqlite3"
    copy.parent.mkdir()
    monkeypatch.setattr(backup_cli, "STEP_PAGES", 4)  # many steps, so the bot writes between two of them
    async with start_bot() as sim:
        await add_staff(sim)
        first = await file_tip(sim.user(REPORTER), photos=PHOTOS)
        second = await file_tip(sim.user(REPORTER + 1), photos=PHOTOS[:1], identity=("赵建国", "138 1234-5678"))
        await work_to(sim, first.number, Status.ACCEPTED)  # audited, with an event
        loop, steps, meanwhile = asyncio.get_running_loop(), [], []

        def bot_files_a_tip_meanwhile(status: int, remaining: int, total: int) -> None:
            steps.append(remaining)
            if len(steps) == 1:  # the bot runs a whole submission while the copy is half done
                third = file_tip(sim.user(REPORTER + 2), photos=PHOTOS[1:])
                meanwhile.append(asyncio.run_coroutine_threadsafe(third, loop).result(timeout=20))

        real = backup_cli.make_backup
        monkeypatch.setattr(backup_cli, "make_backup",
                            lambda *a, **kw: real(*a, **kw, progress=bot_files_a_tip_meanwhile))  # fmt: skip
        assert await _cli("backup", str(copy)) == 0
        assert len(steps) > 2 and len(meanwhile) == 1
        sent = await _tips_in(settings, ring)
    assert list(sent) == [first.number, second.number, meanwhile[0].number]
    out = capsys.readouterr().out
    assert str(copy) in out and "key ring" in out and "apart" in out
    _assert_one_private_file(copy)

    restored = Settings(_env_file=None, data_dir=tmp_path / "restored", keyring=settings.keyring_path)
    _configure(monkeypatch, restored.data_dir, restored.keyring_path)
    assert await _cli("restore", str(copy)) == 0
    assert "2 tips" in capsys.readouterr().out
    assert stat.S_IMODE(startup.database_path(restored).stat().st_mode) == 0o600  # now in WAL mode, opened
    assert await _cli("audit", "verify") == 0
    assert "chain is intact" in capsys.readouterr().out

    back = await _tips_in(restored, ring)
    assert list(back) == [first.number, second.number]  # the tip filed during the copy: wholly absent
    for number in back:
        assert back[number] == sent[number]
    content, identity, contact, _, files = back[first.number]
    assert (content.description, content.site, identity, contact) == (DESCRIPTION, SITE, None, None)
    assert [f.data for f in files] == [strip_image_metadata(p)[0] for p in PHOTOS]
    content, identity, _, _, files = back[second.number]
    assert (identity.name, identity.phone) == ("赵建国", "13812345678")
    assert [f.data for f in files] == [strip_image_metadata(PHOTOS[0])[0]]


def _assert_one_private_file(path: Path) -> None:
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes()[18:20] == b"\x01\x01"  # rollback journal, not WAL: the copy is this one file
    assert not Path(f"{path}-wal").exists()


def _data_dir_holding(copy: Path) -> Settings:
    settings = Settings(_env_file=None, data_dir=copy.parent / f"{copy.stem}-dir", keyring=Path("unused"))
    settings.data_dir.mkdir()
    shutil.copyfile(copy, startup.database_path(settings))
    return settings


async def _audit_of(copy: Path, ring: KeyRing) -> tuple[int, int | None, int]:
    """The copy's audit log: (entries, first broken entry, entries of the writer's transaction)."""
    settings = _data_dir_holding(copy)

    async def read(db) -> tuple[int, int | None, int]:
        report = await AuditLog(db, Vault(ring)).verify()
        batch = await db.fetchone("SELECT COUNT(*) FROM audit_log WHERE action = 'batch'")
        return report.entries, report.broken_at, batch[0]

    return await startup.on_database(settings, ring, read)


async def test_a_copy_holds_a_transaction_whole_or_not_at_all(settings, ring, monkeypatch, tmp_path):
    monkeypatch.setattr(backup_cli, "STEP_PAGES", 2)
    now = datetime.now(settings.tz)
    db = await startup.open_database(settings, ring)
    audit = AuditLog(db, Vault(ring))
    opened, release, committed = asyncio.Event(), asyncio.Event(), threading.Event()

    async def writer() -> None:  # five entries in one transaction, held open until released
        async with db.transaction() as conn:
            for _ in range(5):
                await audit.append(conn, actor=None, action="batch", at=now)
            opened.set()
            await release.wait()
        committed.set()

    loop, steps, waited = asyncio.get_running_loop(), [], []

    def commit_midway(status: int, remaining: int, total: int) -> None:
        steps.append(remaining)
        if len(steps) == 1:  # the writer commits while the copy is half done, and is not held back by it
            loop.call_soon_threadsafe(release.set)
            waited.append(committed.wait(timeout=5))

    try:
        for i in range(30):  # some pages to copy
            await AuditTrail(db, audit).note(actor=None, action="filler", at=now, detail=f"{i}:" + "x" * 2000)
        task = asyncio.create_task(writer())
        await opened.wait()  # the snapshot is taken with the writer mid-transaction
        await asyncio.to_thread(backup_cli.make_backup, db.path, tmp_path / "during.sqlite3", progress=commit_midway)
        await task
        await asyncio.to_thread(backup_cli.make_backup, db.path, tmp_path / "after.sqlite3")
    finally:
        await db.close()
    assert waited == [True] and len(steps) > 2
    assert await _audit_of(tmp_path / "during.sqlite3", ring) == (30, None, 0)
    assert await _audit_of(tmp_path / "after.sqlite3", ring) == (35, None, 5)


async def _a_database_with_a_tip(start_bot, monkeypatch, settings, copy: Path | None = None) -> str:
    """One tip with a photo in the configured data dir; backed up to `copy` if given."""
    async with start_bot() as sim:
        receipt = await file_tip(sim.user(REPORTER), photos=PHOTOS[:1])
    _configure(monkeypatch, settings.data_dir, settings.keyring_path)
    if copy is not None:
        assert await _cli("backup", str(copy)) == 0
    return receipt.number


def _database_files(data_dir: Path) -> list[str]:
    return sorted(p.name for p in data_dir.glob("*tipline.sqlite3*"))


async def test_backup_refuses_to_overwrite_and_names_a_copy_in_a_folder(
    start_bot, settings, ring, monkeypatch, tmp_path, capsys
):
    copy = tmp_path / "copy.sqlite3"
    await _a_database_with_a_tip(start_bot, monkeypatch, settings, copy)
    made = copy.read_bytes()
    assert await _cli("backup", str(copy)) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err and copy.read_bytes() == made
    assert await _cli("backup", "--force", str(copy)) == 0
    assert await _cli("backup", "--force", str(startup.database_path(settings))) == 2
    assert "the database itself" in capsys.readouterr().err

    folder = tmp_path / "backups"
    folder.mkdir()
    assert await _cli("backup", str(folder)) == 0
    [named] = folder.iterdir()
    assert named.name.startswith("tipline-") and named.suffix == ".sqlite3"
    assert str(named) in capsys.readouterr().out
    assert [p.name for p in tmp_path.rglob("*.tmp")] == []


async def test_restore_says_how_many_messages_were_waiting_to_be_sent(start_bot, settings, ring, monkeypatch, tmp_path,
                                                                      capsys):  # fmt: skip
    _configure(monkeypatch, settings.data_dir, settings.keyring_path)
    copy = tmp_path / "copy.sqlite3"
    async with start_bot() as sim:
        sim.app.job_queue.scheduler.pause()
        receipt = await file_tip(sim.user(REPORTER), push=True)
        sim.api.fail_next("sendMessage", network=True)
        await notify_reporter(sim.app, receipt.number)  # the connection drops: the notice waits
        assert await _cli("backup", str(copy)) == 0
    restored = tmp_path / "restored"
    _configure(monkeypatch, restored, settings.keyring_path)
    capsys.readouterr()
    assert await _cli("restore", str(copy)) == 0
    assert "Messages waiting to be sent when the copy was made (receipts, notices, liaisons' prompts): 1;" in (
        capsys.readouterr().out
    )


async def test_backup_says_what_is_wrong_in_one_sentence(start_bot, settings, ring, monkeypatch, tmp_path, capsys):
    _configure(monkeypatch, tmp_path / "empty", settings.keyring_path)
    assert await _cli("backup", str(tmp_path / "copy.sqlite3")) == 2
    assert "there is no database at" in capsys.readouterr().err

    await _a_database_with_a_tip(start_bot, monkeypatch, settings)
    (tmp_path / "a-file").write_text("")
    assert await _cli("backup", str(tmp_path / "a-file" / "copy.sqlite3")) == 2
    assert "cannot be written" in capsys.readouterr().err

    def small_disk(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA max_page_count = 3")  # SQLite answers as it does on a full disk
        return conn

    monkeypatch.setattr(backup_cli, "_connect_copy", small_disk)
    (tmp_path / "full").mkdir()
    assert await _cli("backup", str(tmp_path / "full" / "copy.sqlite3")) == 2
    err = capsys.readouterr().err
    assert "is full" in err and err.count("\n") == 1
    assert list((tmp_path / "full").iterdir()) == []


async def test_backup_into_a_folder_that_does_not_exist_creates_nothing(
    start_bot, settings, ring, monkeypatch, tmp_path, capsys
):
    await _a_database_with_a_tip(start_bot, monkeypatch, settings)
    unmounted = tmp_path / "mnt" / "backup"
    for path in (f"{unmounted}/", str(unmounted / "copy.sqlite3")):
        assert await _cli("backup", path) == 2
        err = capsys.readouterr().err
        assert f"the folder {unmounted} does not exist: mount the backup disk or create the folder first" in err
    assert not (tmp_path / "mnt").exists()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
async def test_backup_into_a_folder_it_may_not_write(start_bot, settings, ring, monkeypatch, tmp_path, capsys):
    await _a_database_with_a_tip(start_bot, monkeypatch, settings)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    assert await _cli("backup", str(locked)) == 2
    assert f"{locked} cannot be written" in capsys.readouterr().err


async def test_restore_refuses_a_data_dir_that_holds_a_database(
    start_bot, settings, ring, monkeypatch, tmp_path, capsys
):
    copy = tmp_path / "copy.sqlite3"
    await _a_database_with_a_tip(start_bot, monkeypatch, settings, copy)
    before = startup.database_path(settings).read_bytes()
    assert await _cli("restore", str(copy)) == 2
    err = capsys.readouterr().err
    assert "already holds a database" in err and "move" in err
    assert startup.database_path(settings).read_bytes() == before


async def test_restore_with_another_key_ring_fails_and_restores_nothing(
    start_bot, settings, ring, monkeypatch, tmp_path, capsys
):
    copy = tmp_path / "copy.sqlite3"
    await _a_database_with_a_tip(start_bot, monkeypatch, settings, copy)
    other = tmp_path / "other" / "keyring.json"
    save_ring(KeyRing.generate(), other)
    _configure(monkeypatch, tmp_path / "restored", other)
    assert await _cli("restore", str(copy)) == 2
    err = capsys.readouterr().err
    assert "TIPLINE_KEYRING" in err and "Nothing was restored" in err and err.count("\n") == 1
    assert _database_files(tmp_path / "restored") == []

    _configure(monkeypatch, tmp_path / "restored", settings.keyring_path)  # the right ring: nothing in the way
    assert await _cli("restore", str(copy)) == 0
    assert "1 tip," in capsys.readouterr().out


def _flip_inside_a_photo(copy: Path) -> None:
    """Change one byte of the sealed photo: SQLite's integrity check cannot see it, AES-GCM can."""
    with sqlite3.connect(copy) as conn:
        [sealed] = conn.execute("SELECT data FROM tip_files").fetchone()
    raw = bytearray(copy.read_bytes())
    at = raw.find(sealed[100:140])
    assert at > 0
    raw[at + 20] ^= 0xFF
    copy.write_bytes(bytes(raw))


def _flip_a_page_header(copy: Path) -> None:
    raw = bytearray(copy.read_bytes())
    page_size = int.from_bytes(raw[16:18], "big")
    for at in range(page_size, page_size + 12):  # the second page's b-tree header
        raw[at] ^= 0xA5
    copy.write_bytes(bytes(raw))


def _from_the_future(copy: Path) -> None:
    with sqlite3.connect(copy) as conn:
        conn.execute("INSERT INTO schema_version VALUES (99, 'future', '2031-01-01')")
    conn.close()


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (_flip_a_page_header, "damaged"),
        (_flip_inside_a_photo, "cannot be opened with this key ring"),
        (lambda copy: copy.write_text("not a database, a shopping list\n" * 200), "not a Tipline database"),
        (_from_the_future, "newer Tipline"),
    ],
)
async def test_restore_refuses_a_damaged_copy(start_bot, settings, ring, monkeypatch, tmp_path, capsys, damage, said):
    copy = tmp_path / "copy.sqlite3"
    if damage is _flip_inside_a_photo:  # only a tip sealed under the ring can be opened (and found damaged) here;
        ring.recovery_public = None  # one sealed to people shows its damage when staff open it
        save_ring(ring, settings.keyring_path)
    number = await _a_database_with_a_tip(start_bot, monkeypatch, settings, copy)
    damage(copy)
    _configure(monkeypatch, tmp_path / "restored", settings.keyring_path)
    assert await _cli("restore", str(copy)) == 2
    err = capsys.readouterr().err
    assert said in err and "nothing was restored" in err.lower(), err
    if damage is _flip_inside_a_photo:
        assert f"tip {number}" in err
    assert _database_files(tmp_path / "restored") == []
    assert [p.name for p in (tmp_path / "restored").iterdir()] == []


async def test_a_copy_with_a_broken_audit_chain_is_restored_and_flagged(
    start_bot, settings, ring, monkeypatch, tmp_path, capsys
):
    copy = tmp_path / "copy.sqlite3"
    async with start_bot() as sim:
        services = services_of(sim)
        await services.trail.note(actor=None, action="test.entry", at=services.clock(), detail="detail-ABCDEFGH")
    _configure(monkeypatch, settings.data_dir, settings.keyring_path)
    assert await _cli("backup", str(copy)) == 0
    _replace_bytes(copy, b"detail-ABCDEFGH", b"detail-ABCDEFGX")  # an edit the triggers would have refused
    _configure(monkeypatch, tmp_path / "restored", settings.keyring_path)
    assert await _cli("restore", str(copy)) == 1  # as `audit verify` does: the data is there, the chain is not
    assert re.search(r"BROKEN at entry \d+", capsys.readouterr().out)
    assert _database_files(tmp_path / "restored") == ["tipline.sqlite3"]


def _replace_bytes(path: Path, old: bytes, new: bytes) -> None:
    raw = path.read_bytes()
    assert raw.count(old) == 1
    path.write_bytes(raw.replace(old, new))
