"""The key ring file: read, and written atomically, readable by its owner only (mode 0600).

core.crypto holds the ring and its JSON form; this is the file it lives in (TIPLINE_KEYRING).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from core.crypto import KeyRing, KeyRingError


class RingNotUpgraded(KeyRingError):
    """The ring lacks a purpose added since it was written, and its file cannot be written to add it
    (a read-only /etc under the systemd unit): a command run as the bot's user adds it."""


def load_ring(path: Path) -> KeyRing:
    """The ring in the file; KeyRingError naming the file when it is missing, unreadable or malformed.

    A ring written before a purpose existed (core.crypto.LATER_PURPOSES) gains a key for it, and the
    file is saved at once, so the key that seals data under the new purpose is never lost."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeyRingError(f"{path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyRingError(f"{path} cannot be read ({exc.strerror or type(exc).__name__})") from None
    ring = KeyRing.from_json(text)
    if ring.added:
        try:
            save_ring(ring, path)
        except OSError as exc:
            raise RingNotUpgraded(
                f"{path} lacks a key for {', '.join(ring.added)} and cannot be written to add it "
                f"({exc.strerror or type(exc).__name__})"
            ) from None
    return ring


def save_ring(ring: KeyRing, path: Path) -> None:
    """Write atomically, readable by the owner only (mode 0600)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".keyring-", dir=path.parent)
    try:
        os.fchmod(fd, stat.S_IRUSR | stat.S_IWUSR)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(ring.to_json())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
