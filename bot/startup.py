"""Start-up checks: a bad setting stops the bot with one sentence naming the setting and the fix."""

from __future__ import annotations

import os
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from bot.config import Settings
from core.crypto import KeyRing, KeyRingError
from core.office import OfficeConfig, OfficeConfigError, load_office
from core.validation import sentence
from storage.db import DB_FILENAME, Database
from storage.migrations import MigrationError, SchemaTooNewError
from storage.vault import Vault

T = TypeVar("T")

_FIX_HINT = {
    "timezone": "use an IANA name such as Asia/Shanghai",
    "language": "use zh or en",
    "log_level": "use DEBUG, INFO, WARNING or ERROR",
    "api_base_url": "use the full URL of the Bot API server, e.g. https://api.telegram.org/bot",
    "api_file_url": "use the full URL of its file endpoint, e.g. https://api.telegram.org/file/bot",
}


class StartupError(Exception):
    """Printed as is, and the process exits with code 2."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise StartupError("\n".join(_setting_problem(error) for error in exc.errors())) from None


def _setting_problem(error: ErrorDetails) -> str:
    """One bad setting in one line: its name, what is wrong in words, and the fix."""
    field = str(error["loc"][0]) if error["loc"] else "setting"
    said = sentence(dict(error))
    if error["type"] == "literal_error":  # the sentence names the choices already
        return f"TIPLINE_{field.upper()}: {said}."
    return f"TIPLINE_{field.upper()}: {said}; {_FIX_HINT.get(field, 'see .env.example')}."


def require_token(settings: Settings) -> str:
    token = settings.bot_token.get_secret_value().strip() if settings.bot_token else ""
    if not token:
        raise StartupError(
            "TIPLINE_BOT_TOKEN is not set: put the token @BotFather gave you in .env or the environment "
            "(see .env.example)."
        )
    return token


def check_data_dir(settings: Settings) -> Path:
    path = settings.data_dir
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test-{secrets.token_hex(4)}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise StartupError(
            f"TIPLINE_DATA_DIR: {path} cannot be written ({exc.strerror}); choose a directory the bot's "
            "user may write to, or fix its permissions."
        ) from None
    return path


def load_keyring(settings: Settings) -> KeyRing:
    path = settings.keyring_path
    try:
        ring = KeyRing.load(path)
    except KeyRingError as exc:
        if not path.exists():
            fix = "create it with `python -m bot keys init`, or point TIPLINE_KEYRING at the existing key ring"
        else:
            fix = "point TIPLINE_KEYRING at the key ring made by `python -m bot keys init`, readable by the bot"
        raise StartupError(f"TIPLINE_KEYRING: {exc}; {fix}.") from None
    if os.name == "posix" and path.stat().st_mode & 0o077:
        raise StartupError(f"TIPLINE_KEYRING: {path} may be read by other users; run `chmod 600 {path}`.")
    return ring


def load_office_config(settings: Settings) -> OfficeConfig:
    try:
        return load_office(settings.config)
    except OfficeConfigError as exc:
        fix = "correct the file (config/office.example.toml explains every setting)"
        if exc.problems:
            lines = "".join(f"\n  - {line}" for line in exc.problems)
            raise StartupError(f"TIPLINE_CONFIG: {exc.heading}; {fix}:{lines}") from None
        raise StartupError(f"TIPLINE_CONFIG: {exc}; {fix}.") from None


def database_path(settings: Settings) -> Path:
    return settings.data_dir / DB_FILENAME


async def open_database(settings: Settings, ring: KeyRing) -> Database:
    """Open and migrate the database, and check that the key ring opens what it holds."""
    check_data_dir(settings)
    path = database_path(settings)
    try:
        db = await Database.open(path)
    except SchemaTooNewError as exc:
        raise StartupError(
            f"TIPLINE_DATA_DIR: {path}: {exc}; upgrade Tipline, or restore a backup made by this version."
        ) from None
    except MigrationError as exc:
        raise StartupError(f"TIPLINE_DATA_DIR: {path}: {exc}; restore the last backup and report this.") from None
    missing = [kek for kek in await Vault.usage(db) if kek not in ring]
    if missing:
        await db.close()
        raise StartupError(
            f"TIPLINE_KEYRING: the database holds data wrapped by keys this key ring lacks ({', '.join(missing)}); "
            "point TIPLINE_KEYRING at the key ring this data was made with."
        )
    return db


async def on_database(settings: Settings, ring: KeyRing, work: Callable[[Database], Awaitable[T]]) -> T:
    """Open the database (migrated, checked against the ring), run `work` on it, close it."""
    db = await open_database(settings, ring)
    try:
        return await work(db)
    finally:
        await db.close()
