"""6. Start-up against the chats ever seen: a database that many chats have used against one that few
have, each started in a fresh interpreter (time from build_application to polling, and the resident
memory then), alternating, the median of the repeats.

What a chat leaves once its conversation has ended is at most its language choice (chat_language:
a keyed hash and the language); only live conversations (a draft, a form) have a chat_state row, and
only those are loaded at start-up (storage.state, bot.persistence). Both databases hold the same
live drafts, saved through the bot's own persistence; the "ever seen" chats are seeded as what the
bot leaves of them (one in ten chose English, the others left nothing). An older Tipline kept a
sealed row per chat ever seen and opened every one at start-up: 18 s at 70,000 chats.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import ROOT, median, rss_bytes, say, settings_in, tipline
from bench.report import Figure, Options, Target
from handlers.state import STATE, ReportDraft
from storage.db import DB_FILENAME, Database
from storage.keyring import load_ring
from storage.state import StateRepository
from storage.vault import Vault

TITLE = "Start-up with many chats ever seen against few (live conversations only are loaded)"
FEW = 100  # chats ever seen in the baseline's database
LIVE = 50  # drafts under way, the same in both databases
FIRST_CHAT = 6_500_000_000
ENGLISH_EVERY = 10  # one chat in ten chose English


async def _prepare(folder: Path, seen: int) -> None:
    """A database at the latest schema with `seen` chats ever seen and LIVE live drafts."""
    settings = settings_in(folder)
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    ring = load_ring(settings.keyring_path)
    db = await Database.open(settings.data_dir / DB_FILENAME)
    try:
        state = StateRepository(db, Vault(ring))
        for n in range(LIVE):  # through the persistence's own path: sealed rows, their data keys
            draft = ReportDraft(token=f"bench{n}", step="site", answers={"who": "public", "kind": "hazard"})
            await state.save_chat_data(FIRST_CHAT - 1 - n, {STATE: draft.model_dump(mode="json"), "lang": "zh"})
    finally:
        await db.close()
    rows = [(ring.lookup_hash("chat", FIRST_CHAT + n), "en") for n in range(0, seen, ENGLISH_EVERY)]
    with sqlite3.connect(settings.data_dir / DB_FILENAME) as conn:
        conn.executemany("INSERT INTO chat_language (chat_hash, lang) VALUES (?, ?)", rows)
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


async def _start(folder: Path) -> dict[str, float]:
    """In the child: one start-up, timed, and the resident memory once it is up."""
    began = time.perf_counter()
    async with tipline(folder) as sim:
        took = time.perf_counter() - began
        return {"seconds": took, "rss": rss_bytes(), "loaded": len(sim.app.chat_data)}


def child(folder: str) -> None:
    print(json.dumps(asyncio.run(_start(Path(folder)))))


def _measure(folder: Path) -> dict[str, float]:
    code = f"from bench.startup import child; child({str(folder)!r})"
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(opts: Options) -> list[Figure]:
    seen = opts.chats_seen
    with tempfile.TemporaryDirectory(prefix="tipline-bench-") as tmp:
        folders = {"few": Path(tmp) / "few", "many": Path(tmp) / "many"}
        for name, count in (("few", FEW), ("many", seen)):
            asyncio.run(_prepare(folders[name], count))
        runs: dict[str, list[dict[str, float]]] = {"few": [], "many": []}
        for index in range(max(3, opts.repeats)):
            for name in ("few", "many") if index % 2 == 0 else ("many", "few"):
                runs[name].append(_measure(folders[name]))
            say(f"start-up round {index + 1}: few {runs['few'][-1]['seconds']:.2f} s, "
                f"many {runs['many'][-1]['seconds']:.2f} s")  # fmt: skip
        size = (folders["many"] / "data" / DB_FILENAME).stat().st_size
    took = {name: median([r["seconds"] for r in rs]) for name, rs in runs.items()}
    rss = {name: median([r["rss"] for r in rs]) for name, rs in runs.items()}
    loaded = {name: int(rs[-1]["loaded"]) for name, rs in runs.items()}
    baseline = f"{FEW:,} chats ever seen"
    return [
        Figure(
            "startup.seconds",
            took["many"],
            "s",
            took["few"],
            baseline,
            Target(2, op="<="),
            [
                f"{seen:,} chats ever seen ({seen // ENGLISH_EVERY:,} language choices kept, {size / 2**20:.1f} MB "
                f"database) and {LIVE} live drafts; chats loaded at start-up: {loaded['many']} (baseline "
                f"{loaded['few']}); median of {len(runs['many'])} starts, each in a fresh interpreter",
            ],
        ),
        Figure(
            "startup.memory",
            rss["many"] / 2**20,
            "MB",
            rss["few"] / 2**20,
            baseline,
            Target(1.1, op="<="),
            ["resident memory of the whole process once the bot is up"],
        ),
    ]
