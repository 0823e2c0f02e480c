"""A data dir of the console's own: trial data never mixes with the office's.

`python -m bot console` without `--temp` keeps what the user does for the next session, in a data
dir it marks as its own when it makes the database there. It refuses a data dir that holds the
office's database (trial tips would land in the real inbox, and what the bot "sent" them would go to
the in-memory Bot API, marked as delivered and lost), and `run` refuses a data dir the console made
(the trial's personas would be the office's staff).
"""

from __future__ import annotations

from bot.config import TRIAL_MARKER, Settings
from bot.startup import StartupError, database_path, load_settings
from core.crypto import KeyRing
from storage.keyring import save_ring

MARKER = TRIAL_MARKER
MARKER_TEXT = "Made by `python -m bot console`: trial data, not an office's. The bot refuses to run on it.\n"
#: A trial's own key ring, in its data dir unless TIPLINE_KEYRING names one: nothing of the office's is made or used.
KEYRING = "trial-keyring.json"


def trial_settings(settings: Settings) -> Settings:
    """The settings of a console session on a data dir of its own, made (with its key ring) if new.

    Refuses a data dir that holds the office's database."""
    if "keyring" not in settings.model_fields_set:
        settings = load_settings(keyring=settings.data_dir / KEYRING)
    marker = settings.data_dir / MARKER
    if marker.exists():
        return settings
    if database_path(settings).exists():
        raise StartupError(
            f"TIPLINE_DATA_DIR: {settings.data_dir} holds the office's database; the console would mix trial tips "
            "into it, and their messages would go nowhere. Try the bot with `console --temp`, or set "
            "TIPLINE_DATA_DIR to a folder of its own for trials."
        )
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    marker.write_text(MARKER_TEXT, encoding="utf-8")
    if not settings.keyring_path.exists():
        save_ring(KeyRing.generate(), settings.keyring_path)
    return settings


def refuse_trial_data(settings: Settings) -> None:
    """`run` never serves a data dir the console made."""
    if (settings.data_dir / MARKER).exists():
        raise StartupError(
            f"TIPLINE_DATA_DIR: {settings.data_dir} holds trial data made by `python -m bot console`; give the bot "
            "a data dir of its own (or delete that folder if the trial is over)."
        )
