"""Updates of different chats are handled at once, each chat's in order (bot.updates).

Many chats driven together through the real Application (each chat's script awaits its own replies,
the scripts run side by side, so their updates reach the update processor interleaved) store and
answer exactly what the same traffic handled one chat after the other does in a second, fresh bot.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime

import pytest
from telegram import Update
from telegram.ext import MessageHandler, SimpleUpdateProcessor, filters

from bot.app import OFFLINE_TOKEN, build_application
from bot.config import Settings
from bot.fakeapi import InMemoryBotApi
from bot.simulator import Simulation, SimUser, simulation
from bot.updates import ChatOrderedProcessor
from core.office import OfficeConfig
from storage.keyring import load_ring
from tests.conftest import services_of
from tests.liaisons import OTHER_LIAISON, add_unit, put_clock, register_directly
from tests.media import photo_with_exif
from tests.office import FIRE, add_staff
from tests.reporter import file_tip, to_step
from tests.test_liaison_figures import ANSWERS, STORED

NOV_1 = datetime(2026, 11, 1, 10, 0)
REPORTERS = [8400000100 + n for n in range(12)]
LIAISONS = {8400000201: "东平村", OTHER_LIAISON: "西山村"}
FIRE_REPORTER = 8400000099
Script = Callable[[], Awaitable[None]]


@asynccontextmanager
async def _bot(settings: Settings, office: OfficeConfig, name: str) -> AsyncIterator[Simulation]:
    """A fresh bot with a data dir of its own (`name`), the test's key ring."""
    own = Settings(_env_file=None, data_dir=settings.data_dir.parent / name, keyring=settings.keyring_path)
    api = InMemoryBotApi()
    app = build_application(own, office, load_ring(own.keyring_path), token=OFFLINE_TOKEN, request=api)
    async with simulation(app, api) as sim:
        yield sim


async def _office(sim: Simulation, monkeypatch: pytest.MonkeyPatch) -> dict[int, int]:
    """Staff, two units with their liaisons, a fire tip in the fire office's inbox; {liaison: unit id}."""
    put_clock(sim, monkeypatch, NOV_1)
    await add_staff(sim)
    units = {}
    for liaison, name in LIAISONS.items():
        unit = await add_unit(sim, name)
        await register_directly(sim, unit, liaison)
        units[liaison] = unit.id
    await file_tip(sim.user(FIRE_REPORTER), industry="fire")
    return units


def _scripts(sim: Simulation, units: dict[int, int]) -> dict[int, Script]:
    """Each chat's traffic: reporters filing whole tips (every other one with a photo), liaisons sending
    October's figures step by step, the fire office's officer opening its card and going back."""

    def reporter(n: int, user: SimUser) -> Script:
        async def run() -> None:
            await to_step(user, "description")
            await user.send(f"第{n}号举报：仓库里堆放了大量液化气钢瓶，没有通风，旁边就是宿舍，请尽快检查。")
            if n % 2:
                await user.send_photo(photo_with_exif((20 * n, 40, 40)))
            await user.tap("tip:evidence:done")
            await user.tap("tip:identity:anonymous")
            await user.tap("tip:push:no")
            await user.tap("tip:summary:submit")

        return run

    def liaison(user: SimUser, unit_id: int) -> Script:
        async def run() -> None:
            await user.send("/language")
            await user.tap("lang:en")
            await user.tap("menu:liaison")
            await user.tap(f"lf:step:{unit_id}:2026-10")
            for answer in ANSWERS:
                await user.send(answer)
            await user.tap("lv:send")

        return run

    def officer(user: SimUser) -> Script:
        async def run() -> None:
            for _ in range(3):
                [inbox] = await user.send("/inbox")
                [card] = [data for _, data in inbox.buttons[0] if data.startswith("case:open:")]
                await user.tap(card)

        return run

    scripts: dict[int, Script] = {uid: reporter(n, sim.user(uid)) for n, uid in enumerate(REPORTERS)}
    scripts |= {uid: liaison(sim.user(uid, language_code="en"), unit_id) for uid, unit_id in units.items()}
    scripts[FIRE] = officer(sim.user(FIRE))
    return scripts


_VARYING = [(re.compile(r"JB\d{4}-\d{6}"), "JB#"), (re.compile(r"\d{4} \d{4} \d{4} \d{4}"), "CODE")]


def _plain(text: str) -> str:
    """A text without what depends on order or chance: tip numbers, receipt codes."""
    for pattern, placeholder in _VARYING:
        text = pattern.sub(placeholder, text)
    return text


def _conversation(sim: Simulation, chat_id: int, since: int) -> list[tuple]:
    """What the chat was shown from the `since`-th Bot API call on, as the user sees it."""
    return [(r.kind, r.edited, _plain(r.text), [[(label, _plain(data)) for label, data in row] for row in r.buttons])
            for r in sim.replies_in(chat_id, since)]  # fmt: skip


async def _stored(sim: Simulation) -> dict[str, object]:
    """Every stored row that depends neither on chance nor on the order chats came in."""
    services = services_of(sim)
    db = services.db
    tips = await db.fetchall("SELECT number, status, department, kind, industry, village FROM tips")
    contents = Counter()
    for number, *_ in tips:
        contents[(await services.tips.content(number)).model_dump_json()] += 1
    files = await db.fetchall("SELECT kind, size FROM tip_files")
    figures = {
        (unit_id, period): (await services.submissions.latest(unit_id, period)).values
        for unit_id, period in await db.fetchall("SELECT DISTINCT unit_id, period FROM figure_reports")
    }
    return {
        "tips": Counter(tuple(row[1:]) for row in tips),
        "contents": contents,
        "files": Counter(tuple(row) for row in files),
        "figures": figures,
        "outbox": Counter(tuple(r) for r in await db.fetchall("SELECT kind, status FROM outbox")),
        "audit": Counter(tuple(r) for r in await db.fetchall("SELECT actor, action FROM audit_log")),
        "events": Counter(tuple(r) for r in await db.fetchall("SELECT status FROM tip_events")),
        "drafts": (await db.fetchone("SELECT COUNT(*) FROM draft_files"))[0],
        "chats": (await db.fetchone("SELECT COUNT(*) FROM chat_state"))[0],
    }


async def _peak_while(processor: ChatOrderedProcessor, work: Awaitable[None]) -> int:
    """The most updates being handled at once while `work` runs."""
    peak = 0
    task = asyncio.ensure_future(work)
    while not task.done():
        peak = max(peak, processor.current_concurrent_updates)
        await asyncio.sleep(0)
    await task
    return peak


async def test_many_chats_at_once_store_and_answer_what_they_would_one_after_the_other(
    settings, office, ring, monkeypatch
):
    results = {}
    for name in ("together", "one_by_one"):
        async with _bot(settings, office, name) as sim:
            units = await _office(sim, monkeypatch)
            mark = len(sim.api.calls)
            scripts = _scripts(sim, units)
            if name == "together":
                processor = sim.app.update_processor
                peak = await _peak_while(processor, asyncio.gather(*(script() for script in scripts.values())))
                assert peak > 1  # the updates really were handled side by side
                assert processor.busy_chats == 0  # and every chat's lock is gone
            else:
                for script in scripts.values():
                    await script()
            replies = {chat: _conversation(sim, chat, mark) for chat in scripts}
            results[name] = (await _stored(sim), replies)
    (stored, replies), (stored_serially, replies_serially) = results["together"], results["one_by_one"]
    assert stored["tips"] == Counter({("received", "emergency", "hazard", "hazchem", "xishan"): 12,
                                      ("received", "fire", "hazard", "fire", "xishan"): 1})  # fmt: skip
    assert sum(stored["contents"].values()) == 13 and len(stored["contents"]) == 13
    assert sum(stored["files"].values()) == 6
    assert sorted(stored["figures"].values(), key=str) == [STORED, STORED]
    assert stored == stored_serially
    for chat, conversation in replies.items():
        assert conversation == replies_serially[chat], chat
    assert all(len(conversation) > 5 for conversation in replies.values())


# -- one chat in order, the others beside it ------------------------------------------------------


def _message(update_id: int, chat_id: int, text: str) -> Update:
    chat = {"id": chat_id, "type": "private", "first_name": "T"}
    user = {"id": chat_id, "is_bot": False, "first_name": "T"}
    message = {"message_id": update_id, "date": 0, "chat": chat, "from": user, "text": text}
    return Update.de_json({"update_id": update_id, "message": message}, None)


CHAT_A, CHAT_B = 8400000301, 8400000302


async def _first_waits_for_the_other_chat(processor) -> list[str]:
    """Chat A's first update waits until chat B's update has run; chat A's second came right after its
    first. What ran, in order (or a TimeoutError, if chat B could not run beside chat A's first)."""
    done: list[str] = []
    b_ran = asyncio.Event()

    async def handle(name: str, wait_for: asyncio.Event | None = None) -> None:
        done.append(f"{name} starts")
        if wait_for is not None:
            await wait_for.wait()
        for _ in range(3):  # give the loop to whatever else may run
            await asyncio.sleep(0)
        done.append(f"{name} ends")
        if name == "B":
            b_ran.set()

    updates = [(_message(1, CHAT_A, "a1"), handle("A1", b_ran)), (_message(2, CHAT_A, "a2"), handle("A2")),
               (_message(3, CHAT_B, "b"), handle("B"))]  # fmt: skip
    # As Application's update fetcher does: a task per update, in the order the updates came.
    tasks = [asyncio.create_task(processor.process_update(update, work)) for update, work in updates]
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=10)
    return done


async def test_one_chats_updates_are_handled_in_order_while_another_chat_goes_ahead():
    processor = ChatOrderedProcessor()
    done = await _first_waits_for_the_other_chat(processor)
    assert done.index("A1 ends") < done.index("A2 starts")  # chat A in order
    assert done.index("B ends") < done.index("A1 ends")  # chat B did not wait for chat A
    assert processor.busy_chats == 0


async def test_ptbs_own_concurrent_updates_would_mix_one_chats_updates():
    """What the processor prevents: with concurrent_updates=True, chat A's second update starts while its
    first is still running (the test above fails against it)."""
    done = await _first_waits_for_the_other_chat(SimpleUpdateProcessor(32))
    assert done.index("A2 starts") < done.index("A1 ends")


async def test_a_chat_sending_many_updates_at_once_takes_one_slot_not_all():
    """Two slots; chat A's first update waits for chat B, and three more of chat A's wait behind it.
    Were the slot taken before the chat's turn (as the base class does), chat A's waiting updates
    would hold both slots and chat B would never run."""
    processor = ChatOrderedProcessor(max_concurrent_updates=2)
    b_ran, done = asyncio.Event(), []

    async def handle(name: str) -> None:
        if name == "A1":
            await b_ran.wait()
        done.append(name)
        if name == "B":
            b_ran.set()

    names = ["A1", "A2", "A3", "A4", "B"]
    tasks = [asyncio.create_task(processor.process_update(_message(n, CHAT_B if name == "B" else CHAT_A, name),
                                                           handle(name)))
             for n, name in enumerate(names)]  # fmt: skip
    await asyncio.sleep(0)
    assert processor.busy(CHAT_A)
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=10)
    assert done == ["B", "A1", "A2", "A3", "A4"]
    assert not processor.busy(CHAT_A) and not processor.busy(CHAT_B) and processor.busy_chats == 0


async def test_an_update_that_raised_releases_its_chat():
    processor = ChatOrderedProcessor()

    async def fail() -> None:
        raise ValueError("handler")

    with pytest.raises(ValueError, match="handler"):
        await processor.process_update(_message(1, CHAT_A, "x"), fail())
    assert not processor.busy(CHAT_A)
    ran = []

    async def after() -> None:
        ran.append(True)

    await processor.process_update(_message(2, CHAT_A, "y"), after())
    assert ran == [True]


async def test_the_bot_orders_one_chats_messages_through_its_processor(start_bot):
    """Through the real Application: two messages of chat A and one of chat B delivered at once; A's first
    handler waits for chat B's, which runs meanwhile; A's second waits for A's first."""
    done: list[str] = []
    b_ran = asyncio.Event()

    busy: list[bool] = []

    async def probe(update: Update, context) -> None:
        name = update.message.text
        done.append(f"{name} starts")
        busy.append(context.application.persistence.busy(update.effective_chat.id))
        if name == "probe a1":
            await b_ran.wait()
        done.append(f"{name} ends")
        if name == "probe b":
            b_ran.set()

    async with start_bot([MessageHandler(filters.Regex("^probe "), probe)]) as sim:
        assert isinstance(sim.app.update_processor, ChatOrderedProcessor)
        a, b = sim.user(CHAT_A), sim.user(CHAT_B)
        await asyncio.wait_for(asyncio.gather(a.send("probe a1"), a.send("probe a2"), b.send("probe b")), timeout=20)
        assert sim.app.update_processor.busy_chats == 0
        assert not sim.app.persistence.busy(CHAT_A) and not sim.app.persistence.busy(CHAT_B)
    assert busy == [True, True, True]  # the persistence (quiet-chat sweep, housekeeping) sees each chat busy
    assert done.index("probe a1 ends") < done.index("probe a2 starts")
    assert done.index("probe b ends") < done.index("probe a1 ends")
