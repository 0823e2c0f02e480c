"""6. Start-up against the chats ever seen: databases that 10,000, 70,000 and 200,000 chats have used
against one that no chat has (beyond the live drafts all of them hold), each started in a fresh
interpreter (time from build_application to polling, and the resident memory then), in turns whose
order alternates, the median of the repeats. The ladder is issue 18's: 0, 10,000, 70,000 and
`--chats-seen` (200,000); a quick run starts only the empty database and its chats_seen (each
start is a fresh interpreter, whose imports take seconds on the shared machine).

What a chat leaves once its conversation has ended is at most its language choice (chat_language:
a keyed hash and the language); only live conversations (a draft, a form) have a chat_state row, and
only those are loaded at start-up (storage.state, bot.persistence). Both databases hold the same
live drafts, saved through the bot's own persistence; the "ever seen" chats are seeded as what the
bot leaves of them (one in ten chose English, the others left nothing), and one in twenty as an older
housekeeping left a reporter who gave up (a conversation row without its chat's row). An older Tipline kept a
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
from handlers.reporter import NAME as REPORTER
from handlers.state import STATE, ReportDraft
from storage.db import DB_FILENAME, Database
from storage.keyring import load_ring
from storage.state import StateRepository
from storage.vault import Vault

TITLE = "Start-up against the chats ever seen: 0, 10,000, 70,000 and 200,000"
LIVE = 50  # drafts under way, the same in every database
FIRST_CHAT = 6_500_000_000
ENGLISH_EVERY = 10  # one chat in ten chose English
#: One chat in twenty gave up on a report: the conversation row an older housekeeping left when it
#: destroyed the draft (its chat has no row). The first start destroys them (storage.state
#: load_conversations); before, every start opened each, one data key look-up per row.
ABANDONED_EVERY = 20


async def _prepare(folder: Path, seen: int) -> None:
    """A database at the latest schema with `seen` chats ever seen and LIVE live drafts."""
    settings = settings_in(folder)
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    ring = load_ring(settings.keyring_path)
    db = await Database.open(settings.data_dir / DB_FILENAME)
    try:
        state = StateRepository(db, Vault(ring))
        async with db.unit_of_work(state=state) as uow:  # the persistence's own writes: sealed rows, data keys
            for n in range(LIVE):  # a live draft: its chat's row and its conversation's, as one update leaves them
                chat = FIRST_CHAT - 1 - n
                draft = ReportDraft(token=f"bench{n}", step="site", answers={"who": "public", "kind": "hazard"})
                await uow.state.write_chat(chat, {STATE: draft.model_dump(mode="json"), "lang": "zh"})
                await uow.state.write_conversation(REPORTER, (chat, chat), "site")
            for n in range(0, seen, ABANDONED_EVERY):  # a conversation whose draft housekeeping destroyed
                await uow.state.write_conversation(REPORTER, (FIRST_CHAT + n, FIRST_CHAT + n), "evidence")
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


def child(folder: str, began: float) -> None:
    """In the child: `began` is before the bot's imports, which the start-up itself does not count."""
    imports = time.perf_counter() - began
    print(json.dumps(asyncio.run(_start(Path(folder))) | {"imports": imports}))


def _measure(folder: Path) -> dict[str, float]:
    code = f"import time; t = time.perf_counter(); from bench.startup import child; child({str(folder)!r}, t)"
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _conversation_rows(folder: Path) -> int:
    with sqlite3.connect(folder / "data" / DB_FILENAME) as conn:
        return conn.execute("SELECT COUNT(*) FROM conversation_state").fetchone()[0]


def ladder(seen: int, quick: bool = False) -> tuple[int, ...]:
    """Chats ever seen in each database: 0 (the baseline), seen/20, 7·seen/20 and seen; quick: 0 and seen."""
    return (0, seen) if quick else (0, seen // 20, seen * 7 // 20, seen)


def _starts(folders: dict[int, Path], repeats: int) -> dict[int, list[dict[str, float]]]:
    """Every database started `repeats` times, in turns whose order alternates."""
    runs: dict[int, list[dict[str, float]]] = {seen: [] for seen in folders}
    for index in range(repeats):
        for seen in list(folders) if index % 2 == 0 else list(folders)[::-1]:
            runs[seen].append(_measure(folders[seen]))
        say("start-up round " f"{index + 1}/{repeats}: " + ", ".join(
            f"{seen:,} chats {rs[-1]['seconds']:.2f} s" for seen, rs in runs.items()))  # fmt: skip
    return runs


def run(opts: Options) -> list[Figure]:
    steps = ladder(opts.chats_seen, opts.quick)
    repeats = max(1, opts.repeats) if opts.quick else max(3, opts.repeats)
    with tempfile.TemporaryDirectory(prefix="tipline-bench-") as tmp:
        folders = {seen: Path(tmp) / f"seen-{seen}" for seen in steps}
        for seen, folder in folders.items():
            asyncio.run(_prepare(folder, seen))
        runs = _starts(folders, repeats)
        size = {seen: (folder / "data" / DB_FILENAME).stat().st_size for seen, folder in folders.items()}
        left = {seen: _conversation_rows(folder) for seen, folder in folders.items()}
    took = {seen: median([r["seconds"] for r in rs]) for seen, rs in runs.items()}
    rss = {seen: median([r["rss"] for r in rs]) for seen, rs in runs.items()}
    loaded = {seen: int(rs[-1]["loaded"]) for seen, rs in runs.items()}
    baseline = f"empty: 0 chats ever seen, {LIVE} live drafts"
    top = steps[-1]
    figures = [
        Figure(
            f"startup.seconds_{seen // 1000}k" if seen >= 1000 else f"startup.seconds_{seen}",
            took[seen],
            "s",
            took[0],
            baseline,
            Target(2, op="<=") if seen == top else None,
            [
                f"start-up with {seen:,} chats ever seen ÷ empty: {seen // ENGLISH_EVERY:,} language choices kept, "
                f"{size[seen] / 2**20:.1f} MB database, {LIVE} live drafts; chats loaded at start-up: "
                f"{loaded[seen]} (empty: {loaded[0]}); {seen // ABANDONED_EVERY:,} conversation rows of abandoned "
                f"drafts seeded, conversation rows after the starts: {left[seen]:,} (the live drafts'); "
                f"median of {len(runs[seen])} starts, each in a fresh interpreter; resident memory "
                f"{rss[seen] / 2**20:.0f} MB; before it, the interpreter's imports "
                f"took {median([r['imports'] for r in runs[seen]]):.1f} s (the same for every database, not counted)"
            ],
        )
        for seen in steps[1:]
    ]
    figures.append(
        Figure(
            "startup.memory",
            rss[top] / 2**20,
            "MB",
            rss[0] / 2**20,
            baseline,
            Target(1.1, op="<="),
            [f"resident memory with {top:,} chats ever seen ÷ empty: the whole process once the bot is up"],
        )
    )
    return figures
