"""4. Memory: resident memory of the bot holding 10,000 open tip conversations, against the same bot idle.

A fresh process (the runner starts one per benchmark) starts the real Application and opens and
cancels a few conversations, so one-time imports and caches are not counted per conversation; then
its resident memory (VmRSS after a full collection) is the baseline. 10,000 different users then
each open the tip conversation from the menu and answer its first question, so each holds a live
conversation state and a draft in its chat data, as a reporter who walked away would. The
simulation's own records (calls, messages, chats of the in-memory Bot API) are dropped after each
user so that only the bot's memory grows.

The database runs with synchronous=OFF here, to keep the run short: fsync costs time, not memory.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path

from bench.harness import TimedSimulation, rss_bytes, say, tipline
from bench.report import Figure, Options
from handlers.reporter import NAME as CONVERSATION
from handlers.state import chat_draft

TITLE = "Memory: resident memory with open tip conversations against the idle bot"
FIRST_USER = 6_300_000_000
WARM_UP = 20
CONCURRENT = 8
STEPS = ("menu:report", "tip:intro:start", "tip:who:public")


async def _open(sim: TimedSimulation, uid: int) -> None:
    """One user: /start, the menu's report button, the first screen, the first question answered.
    What the in-memory Bot API kept of the chat is dropped after (the caller clears its calls)."""
    user = sim.user(uid)
    await user.send("/start")
    for data in STEPS:
        await user.tap(data)
    for key in [key for key in sim.api.messages if key[0] == uid]:
        del sim.api.messages[key]
    sim.api.chats.pop(uid, None)
    sim.api._next_message_id.pop(uid, None)  # the simulation's counter, not the bot's memory


async def _open_many(sim: TimedSimulation, uids: range) -> None:
    """Users CONCURRENT at a time, as Telegram would deliver them from different chats."""
    for first in range(uids.start, uids.stop, CONCURRENT):
        await asyncio.gather(*(_open(sim, uid) for uid in range(first, min(first + CONCURRENT, uids.stop))))
        sim.api.calls.clear()


def _open_conversations(sim: TimedSimulation) -> int:
    handler = next(h for h in sim.app.handlers[0] if getattr(h, "name", None) == CONVERSATION)
    return len(handler._conversations)


async def _cancel(sim: TimedSimulation, uid: int) -> None:
    await sim.user(uid).send("/cancel")
    sim.forget()


async def _measure(sim: TimedSimulation, count: int) -> tuple[int, int, int]:
    """(RSS idle, RSS with `count` open conversations, open conversations counted in the handler)."""
    await _open_many(sim, range(FIRST_USER - WARM_UP, FIRST_USER))
    for uid in range(FIRST_USER - WARM_UP, FIRST_USER):
        await _cancel(sim, uid)
    idle, before, began = rss_bytes(), _open_conversations(sim), time.perf_counter()
    fifth = max(1, count // 5)
    for first in range(FIRST_USER, FIRST_USER + count, fifth):
        await _open_many(sim, range(first, min(first + fifth, FIRST_USER + count)))
        say(
            f"memory: {first + fifth - FIRST_USER:,} conversations open, RSS {rss_bytes() / 2**20:.0f} MB "
            f"({len(sim.times) / (time.perf_counter() - began):.0f} updates/s)"
        )
    return idle, rss_bytes(), _open_conversations(sim) - before


async def run(opts: Options) -> list[Figure]:
    count = opts.conversations
    with tempfile.TemporaryDirectory(prefix="tipline-bench-") as tmp:
        async with tipline(Path(tmp)) as sim:
            # Memory, not time: CONCURRENT chats at once straight to process_update, past the update
            # processor (which may take one at a time), so 10,000 conversations open in minutes.
            sim.through_processor = False
            await sim.app.bot_data["services"].db.conn.execute("PRAGMA synchronous = OFF")
            idle, full, opened = await _measure(sim, count)
            if opened != count:
                raise RuntimeError(f"{opened} conversations are open, not {count}")
            draft = json.dumps(chat_draft(sim.app.chat_data[FIRST_USER]).model_dump(mode="json"), ensure_ascii=False)
    per = (full - idle) / count
    return [
        Figure(
            "memory.rss_open",
            full / 2**20,
            "MB",
            idle / 2**20,
            "idle bot",
            details=[f"{count:,} open tip conversations (each: /start, report, first screen, first answer)"],
        ),
        Figure(
            "memory.per_conversation",
            per,
            "bytes",
            details=[
                f"(RSS with them − RSS idle) ÷ {count:,}; one draft is {len(draft.encode())} bytes as JSON, "
                f"so the rest is Python's dicts, strings and python-telegram-bot's bookkeeping"
            ],
        ),
    ]
