"""Shared fixtures: isolated settings, a key ring, and a bot driven through the in-memory Bot API."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from telegram.ext import BaseHandler

from bot.app import OFFLINE_TOKEN, build_application
from bot.config import Settings, load_office
from bot.fakeapi import InMemoryBotApi
from bot.simulator import Simulation, simulation
from core import keys
from core.crypto import KeyRing
from core.office import OfficeConfig
from storage.keyring import load_ring, save_ring

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = ROOT / "config" / "office.example.toml"

StartBot = Callable[..., AbstractAsyncContextManager[Simulation]]


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No TIPLINE_ setting and no .env of the developer's leaks into a test."""
    import os

    for name in list(os.environ):
        if name.startswith("TIPLINE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    # The default key ring lives in the user's config folder: a test's, never the developer's.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    # As `python -m bot` (bot/__main__.py) and the systemd unit do: what is written is private to its user.
    previous = os.umask(0o077)
    yield
    os.umask(previous)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", keyring=tmp_path / "secrets" / "keyring.json")


#: The office's recovery key in tests (`keys init` prints its words once): tests/office.py grants staff
#: their groups with it, as `python -m bot keys recover` does.
RECOVERY = keys.private_from(hashlib.sha256(b"tipline tests' recovery key").digest())  # the same in a child
RECOVERY_WORDS = keys.recovery_words(keys.private_bytes(RECOVERY))


@pytest.fixture(autouse=True)
def _cheap_key_derivation(monkeypatch: pytest.MonkeyPatch) -> None:
    """scrypt at test strength: the suite derives hundreds of passphrases and receipt copies (bench/keys.py
    measures the real cost)."""
    for use in ("passphrase", "receipt"):
        monkeypatch.setitem(keys._PARAMS, use, keys.KdfParams(log2_n=10))


@pytest.fixture
def ring(settings: Settings) -> KeyRing:
    ring = KeyRing.generate()
    ring.recovery_public = keys.public_bytes(RECOVERY)
    save_ring(ring, settings.keyring_path)
    return ring


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, settings: Settings, ring: KeyRing) -> Settings:
    """`python -m bot …` in this test reads the test's data dir and key ring (a file may override `env`)."""
    monkeypatch.setenv("TIPLINE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TIPLINE_KEYRING", str(settings.keyring_path))
    return settings


@pytest.fixture
def office() -> OfficeConfig:
    return load_office(EXAMPLE_CONFIG)


@pytest.fixture
def start_bot(settings: Settings, ring: KeyRing, office: OfficeConfig) -> StartBot:
    """`async with start_bot() as sim:` runs the real Application; each call is a fresh process's worth."""

    @asynccontextmanager
    async def _start(
        conversations: Sequence[BaseHandler] = (), *, config: OfficeConfig | None = None, **kwargs
    ) -> AsyncIterator[Simulation]:
        api = InMemoryBotApi()
        app = build_application(
            settings,
            config or office,
            load_ring(settings.keyring_path),
            token=OFFLINE_TOKEN,
            request=api,
            conversations=conversations,
        )
        async with simulation(app, api, **kwargs) as sim:
            # The test itself reads what it checks (services.tips.content…) as the office would: with
            # every group's key. Each update runs in its own task with its sender's keys (handlers.acting),
            # never these; a test of who may read what sets keys.NOBODY or a person's chain itself.
            keys.set_acting(await office_chain(sim))
            yield sim

    return _start


async def office_chain(sim: Simulation) -> keys.KeyChain:
    """Every key group's private key, opened with the recovery key (empty where tips are sealed under the
    ring: an install from before people's keys)."""
    from storage.keys import RECOVERY as HOLDER

    store = services_of(sim).keys.store
    return keys.KeyChain(groups=store.open_grants(await store.grants(HOLDER), HOLDER, RECOVERY))


def every_byte_under(directory: Path, *, skip: Sequence[Path] = ()) -> bytes:
    """All bytes of every file below `directory` (database, WAL, shared memory…), except `skip`."""
    skipped = {p.resolve() for p in skip}
    return b"".join(p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file() and p.resolve() not in skipped)


def cells_equal(path: Path, value: object) -> list[str]:
    """Every table.column of the database holding a cell equal to `value`."""
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        hits = []
        for table in tables:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            for column in columns:
                query = f"SELECT COUNT(*) FROM {table} WHERE {column} = ?"  # noqa: S608 - names from the schema
                found = conn.execute(query, (value,)).fetchone()[0]
                if found:
                    hits.append(f"{table}.{column}")
        return hits


def row_counts(settings: Settings, *tables: str) -> dict[str, int]:
    """How many rows each table of the bot's database holds, once SQLite has found the file intact."""
    with sqlite3.connect(settings.data_dir / "tipline.sqlite3") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}  # noqa: S608 - test's names


def services_of(sim: Simulation):
    return sim.app.bot_data["services"]


def move_clock(sim: Simulation, monkeypatch: pytest.MonkeyPatch, delta: timedelta) -> None:
    """Move the bot's clock (its office-local now) forward by `delta`."""
    services = services_of(sim)
    moved = services.clock() + delta
    monkeypatch.setattr(services, "clock", lambda: moved)
