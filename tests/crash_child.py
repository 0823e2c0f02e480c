"""A bot process that dies on purpose, for tests/test_crash.py.

`python -m tests.crash_child KIND DATA_DIR KEYRING MOMENT` runs the real Application over the
in-memory Bot API, brings a reporter (KIND `tip`: a whole tip with one photo) or a liaison (KIND
`figures`: October's figures step by step) to the last step, then presses the button that submits and
kills itself with SIGKILL when the submission issues the SQL statement named by MOMENT:

- `insert`: the statement inserting the tip (the figures), inside the open transaction;
- `file`: the statement storing the tip's photo, inside the transaction (KIND `tip` only);
- `commit`: the COMMIT of that transaction, before SQLite runs it;
- `after`: the first statement after that COMMIT (everything committed, nothing more done).

It prints `SUMMARY <message json>` before pressing, so the test can press the same button again
after the restart, as Telegram would deliver it.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from datetime import datetime
from pathlib import Path

from bot.app import OFFLINE_TOKEN, build_application
from bot.config import Settings, load_office
from bot.fakeapi import InMemoryBotApi
from bot.simulator import simulation
from storage.keyring import load_ring
from tests.liaisons import LIAISON, office_with_unit
from tests.media import photo_with_exif
from tests.office import REPORTER
from tests.reporter import to_step

ROOT = Path(__file__).resolve().parent.parent
#: The submission's own statement, per kind, after which the COMMIT to kill at is looked for.
INSERTS = {"tip": "INSERT INTO tips ", "figures": "INSERT INTO figure_reports"}
OCTOBER_FIGURES = ["120", "12", "30", "25", "3", "0", "1", "1", "0", "0", "2", "0", "0", "0", "1"]
NOV_1 = datetime(2026, 11, 1, 10, 0)


def _die_at(conn, kind: str, moment: str) -> None:
    """Wrap the connection's execute so the process dies when the statement named by `moment` is issued."""
    seen = {"insert": False, "committed": False}
    execute, executemany = conn.execute, conn.executemany

    def check(sql: str) -> None:
        statement = " ".join(sql.split())
        if statement.startswith(INSERTS[kind]):
            seen["insert"] = True
            if moment == "insert":
                os.kill(os.getpid(), signal.SIGKILL)
        elif seen["insert"] and moment == "file" and statement.startswith("INSERT INTO tip_files"):
            os.kill(os.getpid(), signal.SIGKILL)
        elif seen["insert"] and statement == "COMMIT":
            if moment == "commit":
                os.kill(os.getpid(), signal.SIGKILL)
            seen["committed"] = True
        elif seen["committed"] and moment == "after":
            os.kill(os.getpid(), signal.SIGKILL)

    def watched(sql, *args, **kwargs):
        check(sql)
        return execute(sql, *args, **kwargs)

    def watched_many(sql, *args, **kwargs):
        check(sql)
        return executemany(sql, *args, **kwargs)

    conn.execute, conn.executemany = watched, watched_many


async def _to_the_last_step(sim, kind: str):
    services = sim.app.bot_data["services"]
    if kind == "tip":
        user = sim.user(REPORTER)
        await to_step(user, "evidence")
        await user.send_photo(photo_with_exif())
        for data in ("tip:evidence:done", "tip:identity:anonymous", "tip:push:no"):
            await user.tap(data)
        return user, "tip:summary:submit"
    services.clock = lambda: NOV_1.replace(tzinfo=services.tz)
    unit = await office_with_unit(sim)
    user = sim.user(LIAISON)
    await user.send("/start")
    await user.tap("menu:liaison")
    await user.tap(f"lf:step:{unit.id}:2026-10")
    for answer in OCTOBER_FIGURES:
        await user.send(answer)
    return user, "lv:send"


async def main(kind: str, data_dir: str, keyring: str, moment: str) -> None:
    settings = Settings(_env_file=None, data_dir=Path(data_dir), keyring=Path(keyring))
    api = InMemoryBotApi()
    app = build_application(
        settings, load_office(ROOT / "config" / "office.example.toml"), load_ring(settings.keyring_path),
        token=OFFLINE_TOKEN, request=api,
    )  # fmt: skip
    async with simulation(app, api) as sim:
        app.job_queue.scheduler.pause()
        user, button = await _to_the_last_step(sim, kind)
        message, _ = user.find_button(button)
        print("SUMMARY", json.dumps(message, ensure_ascii=False), flush=True)
        _die_at(app.bot_data["services"].db.conn, kind, moment)
        await user.tap(button)
    print("SURVIVED", flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
