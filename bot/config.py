"""Settings from the environment or `.env`, prefix TIPLINE_ (see .env.example)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.office import OfficeConfig, OfficeConfigError, parse_office

TELEGRAM_API = "https://api.telegram.org/bot"
TELEGRAM_FILES = "https://api.telegram.org/file/bot"
#: Where the key ring was kept by default before it moved out of the data dir: `<data dir>/keyring.json`.
OLD_KEYRING_NAME = "keyring.json"
#: The file `python -m bot console` leaves in a trial data dir of its own (bot.trial).
TRIAL_MARKER = "console-trial.txt"


def default_keyring() -> Path:
    """The user's config folder: $XDG_CONFIG_HOME/tipline/keyring.json, else ~/.config/tipline/keyring.json
    (a relative XDG_CONFIG_HOME is ignored, as the XDG spec says). Never the data dir: whoever copies
    the data dir must not get the keys with it."""
    xdg = os.environ.get("XDG_CONFIG_HOME", "")
    folder = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".config"
    return folder / "tipline" / "keyring.json"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TIPLINE_", env_file=".env", extra="ignore")

    bot_token: SecretStr | None = None
    api_base_url: str = TELEGRAM_API
    api_file_url: str = TELEGRAM_FILES
    proxy: str | None = None
    data_dir: Path = Path("./data")
    keyring: Path | None = None
    config: Path | None = None
    timezone: str = "Asia/Shanghai"
    language: Literal["zh", "en"] = "zh"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("api_base_url", "api_file_url")
    @classmethod
    def _http_url(cls, value: str, info: ValidationInfo) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        value = value.rstrip("/")
        # The token is appended to the address as it is: without /bot every call would go to a wrong URL.
        ending = "/bot" if info.field_name == "api_base_url" else "/file/bot"
        if not value.endswith(ending):
            raise ValueError(f"{value} does not end in {ending}")
        return value

    @field_validator("proxy")
    @classmethod
    def _proxy_url(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        return check_proxy_url(value) if value else None

    @property
    def keyring_path(self) -> Path:
        """TIPLINE_KEYRING, else the user's config folder; an install upgraded from the days when the
        ring lived in the data dir keeps using `<data dir>/keyring.json` while the new place holds none
        (start-up warns, see bot.startup), so it neither stops nor gets a new empty ring."""
        if self.keyring is not None:
            return self.keyring
        new = default_keyring()
        if not new.exists() and self.old_keyring_path.exists():
            return self.old_keyring_path
        return new

    @property
    def old_keyring_path(self) -> Path:
        return self.data_dir / OLD_KEYRING_NAME

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def check_proxy_url(value: str) -> str:
    """An http:// or https:// proxy with a host (and a port, if given, that is a number)."""
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if scheme.startswith("socks"):
        raise ValueError(
            "SOCKS proxies need the httpx[socks] package, which Tipline does not install; "
            "use an HTTP proxy such as http://10.0.0.1:3128"
        )
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("give the proxy's URL, such as http://10.0.0.1:3128 or http://user:password@proxy:8080")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number from 0 to 65535
    except ValueError:
        raise ValueError("the proxy's port must be a number from 1 to 65535, as in http://10.0.0.1:3128") from None
    return value


def load_office(path: Path | None) -> OfficeConfig:
    """Read, parse and validate the office's TOML file (TIPLINE_CONFIG); None gives the built-in defaults."""
    if path is None:
        return OfficeConfig()
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise OfficeConfigError(f"{path} does not exist") from None
    except OSError as exc:
        raise OfficeConfigError(f"{path} cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise OfficeConfigError(f"{path} is not valid TOML: it is not UTF-8 text") from None
    return parse_office(text, str(path))
