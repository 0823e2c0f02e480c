"""Start-up checks: a bad setting stops the bot with one sentence naming the setting and the fix."""

from __future__ import annotations

import logging
import os
import secrets
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from bot.config import TRIAL_MARKER, Settings, default_keyring, load_office
from core.crypto import KeyRing, KeyRingError
from core.office import OfficeConfig, OfficeConfigError
from core.validation import sentence
from services.stepup import StepUpService
from storage.audit import AuditLog
from storage.db import DB_FILENAME, Database
from storage.dialogue import reseal_old_messages
from storage.keyring import RingNotUpgraded, load_ring
from storage.migrations import MigrationError, SchemaTooNewError
from storage.staff import StaffRepository
from storage.totp import TotpRecords
from storage.vault import Vault

T = TypeVar("T")
log = logging.getLogger("tipline.startup")

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
    """The data dir, made if missing (mode 0700), writable, and neither it nor the database's files
    (`tipline.sqlite3`, `-wal`, `-shm`) open to other users."""
    path = settings.data_dir
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        probe = path / f".write-test-{secrets.token_hex(4)}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise StartupError(
            f"TIPLINE_DATA_DIR: {path} cannot be written ({exc.strerror}); choose a directory the bot's "
            "user may write to, or fix its permissions."
        ) from None
    _refuse_open_to_others(path, database_path(settings))
    return path


def _refuse_open_to_others(folder: Path, db: Path) -> None:
    """As for the key ring: a data dir or database that other users may read stops start-up, with the fix."""
    if os.name != "posix":
        return
    fixes, named = [], []
    if folder.stat().st_mode & 0o077:
        fixes.append(f"chmod 700 {folder}")
        named.append(f"{folder} (mode {folder.stat().st_mode & 0o777:o})")
    files = [f for f in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if f.exists() and f.stat().st_mode & 0o077]
    if files:
        fixes.append("chmod 600 " + " ".join(str(f) for f in files))
        named.extend(f"{f.name} (mode {f.stat().st_mode & 0o777:o})" for f in files)
    if fixes:
        raise StartupError(
            f"TIPLINE_DATA_DIR: {', '.join(named)} may be read by other users; run `{' && '.join(fixes)}`."
        )


def load_keyring(settings: Settings) -> KeyRing:
    path = settings.keyring_path
    try:
        ring = load_ring(path)
    except RingNotUpgraded as exc:
        raise StartupError(
            f"TIPLINE_KEYRING: {exc}; run `python -m bot keys status` once as the bot's user, outside the "
            "service (docs/DEPLOY.md, Upgrading), which adds it, then back the key ring up again."
        ) from None
    except KeyRingError as exc:
        if not path.exists():
            fix = "create it with `python -m bot keys init`, or point TIPLINE_KEYRING at the existing key ring"
        else:
            fix = "point TIPLINE_KEYRING at the key ring made by `python -m bot keys init`, readable by the bot"
        raise StartupError(f"TIPLINE_KEYRING: {exc}; {fix}.") from None
    if os.name == "posix" and path.stat().st_mode & 0o077:
        raise StartupError(f"TIPLINE_KEYRING: {path} may be read by other users; run `chmod 600 {path}`.")
    if ring.added:
        warn(
            f"TIPLINE_KEYRING: the key ring {path} gained a key for {', '.join(ring.added)} (a new kind of data "
            "sealed under a key of its own); back the key ring up again, apart from the data, as after `keys rotate`."
        )
    warning = keyring_warning(settings)
    if warning:
        warn(warning)
    return ring


def keyring_warning(settings: Settings) -> str | None:
    """A sentence if the key ring is inside the data dir (the old default, or TIPLINE_KEYRING set so),
    where whoever copies the data dir gets the keys with it; None if it is kept apart."""
    path, data_dir = settings.keyring_path, settings.data_dir
    if not path.resolve().is_relative_to(data_dir.resolve()) or (data_dir / TRIAL_MARKER).exists():
        return None  # apart, or the console's trial data dir, whose own ring holds no office's keys
    new = default_keyring()
    return (
        f"TIPLINE_KEYRING: the key ring {path} is inside the data dir {data_dir}, so whoever copies the data dir "
        f"gets the keys with it; stop the bot, move it out with `mkdir -p -m 700 {new.parent} && mv {path} {new}` "
        f"and set TIPLINE_KEYRING={new} (in .env or the environment), or move it to a secrets folder such as "
        "/etc/tipline/keyring.json and set TIPLINE_KEYRING to that."
    )


def warn(text: str) -> None:
    """A start-up warning: to the log where logging is set up (the bot), else to stderr (the CLI)."""
    if logging.getLogger().handlers:
        log.warning("%s", text)
    else:
        print(f"tipline: warning: {text}", file=sys.stderr)


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
    recovery = await db.fetchone("SELECT public FROM recovery_key WHERE id = 1")
    if recovery is not None and bytes(recovery[0]) != ring.recovery_public:
        missing.append("recovery")  # the office's keys were made with another ring's recovery key
    if missing:
        await db.close()
        raise StartupError(
            f"TIPLINE_KEYRING: the database holds data wrapped by keys this key ring lacks ({', '.join(missing)}); "
            "point TIPLINE_KEYRING at the key ring this data was made with."
        )
    await reseal_old_messages(db, Vault(ring))  # dialogue messages from before migration 0011
    return db


async def enrolment_warning(db: Database, ring: KeyRing, office: OfficeConfig) -> str | None:
    """A sentence when every staff member must use an authenticator (`[security] require_totp`) and
    some have not set one up (an office upgrading to the step-up); None otherwise."""
    if not office.security.require_totp:
        return None
    vault = Vault(ring)
    stepup = StepUpService(db, StaffRepository(db, vault), AuditLog(db, vault), TotpRecords(db, vault))
    missing = len(await stepup.not_enrolled())
    if not missing:
        return None
    return (
        f"{missing} staff have not set up their authenticator yet: each is walked to it by the first action "
        "that needs a code."
    )


async def on_database(settings: Settings, ring: KeyRing, work: Callable[[Database], Awaitable[T]]) -> T:
    """Open the database (migrated, checked against the ring), run `work` on it, close it."""
    db = await open_database(settings, ring)
    try:
        return await work(db)
    finally:
        await db.close()
