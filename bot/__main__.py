import os
import sys

try:
    import aiosqlite  # noqa: F401
    import telegram  # noqa: F401
except ImportError as exc:  # a Python without Tipline's packages (not .venv/bin/python)
    sys.stderr.write(
        f"This Python ({sys.executable}) lacks Tipline's packages ({exc.name} is missing). "
        "Start Tipline with ./scripts/run, which installs them into .venv, "
        "or run .venv/bin/python -m bot …\n"
    )
    sys.exit(2)

from bot.cli import main

# Everything the bot and its commands write (database, -wal, -shm, exports, backups) is private to
# its user, whatever the shell's umask; the systemd unit sets UMask=0077 too.
os.umask(0o077)

sys.exit(main())
