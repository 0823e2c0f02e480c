"""Updates of different chats are handled at once, each chat's in order (bot.updates).

Many chats driven together through the real Application (each chat's script awaits its own replies,
the scripts run side by side, so their updates reach the update processor interleaved) store and
answer exactly what the same traffic handled one chat after the other does in a second, fresh bot.
Since each of those chats has one update in flight at a time, two more tests make the two safeguards
fail where they are missing: chats sending several updates at once (the chat's lock, bot.updates) and
an officer reading while another chat's transaction is open (the reader, storage.db `current`).
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
from core import keys
from core.office import OfficeConfig
from storage.keyring import load_ring
from tests.conftest import office_chain, services_of
from tests.liaisons import OTHER_LIAISON, add_unit, put_clock, register_directly
from tests.media import photo_with_exif
from tests.office import EMERGENCY, FIRE, add_staff
from tests.reporter import file_tip, receipt_from, to_step
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
        keys.set_acting(await office_chain(sim))  # the test reads what it compares as the office (conftest)
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
    """Proves chats interleaved (12 reporters, 2 liaisons, an officer, each awaiting its own replies)
    change nothing any chat stores or sees. It cannot catch a missing chat lock or a read on the
    writer connection (no chat has two updates in flight): the burst and reader tests below do."""
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


# -- bursts within one chat, and reads beside another chat's open transaction --------------------

#: Several updates of one chat: awaited together (arrived at once) in the burst run, one after the other
#: in the serial run. Each is a factory, so a coroutine is made only when its update is sent.
Burst = Callable[..., Awaitable[None]]


async def _at_once(*sends: Callable[[], Awaitable[object]]) -> None:
    await asyncio.gather(*(send() for send in sends))


async def _one_by_one(*sends: Callable[[], Awaitable[object]]) -> None:
    for send in sends:
        await send()


def _press_twice(user: SimUser, button: str) -> list[Callable[[], Awaitable[object]]]:
    """The same button pressed twice (a double tap): both presses carry the message the user saw."""
    message, data = user.find_button(button)
    return [lambda: user.press(message, data)] * 2


def _burst_scripts(sim: Simulation, units: dict[int, int], burst: Burst) -> dict[int, Script]:
    """Chats that do not wait for their own replies: a photo then words, a description then a photo,
    a category tapped twice, Submit tapped twice, a liaison's fifteen figures typed in one go."""
    reporters = [sim.user(uid) for uid in REPORTERS[:4]]

    async def photo_then_words(user: SimUser) -> None:
        await to_step(user, "evidence")
        await burst(lambda: user.send_photo(photo_with_exif((10, 200, 40))), lambda: user.send("钢瓶在东墙下。"))
        await _finish(user, "tip:evidence:done")

    async def description_then_photo(user: SimUser) -> None:
        await to_step(user, "description")
        await burst(lambda: user.send("仓库里堆放液化气钢瓶，旁边就是宿舍。"),
                    lambda: user.send_photo(photo_with_exif((200, 10, 40))))  # fmt: skip
        await _finish(user, "tip:evidence:done")

    async def category_twice(user: SimUser) -> None:
        await to_step(user, "kind")
        await burst(*_press_twice(user, "tip:kind:hazard"))
        for data in ("tip:industry:hazchem", "tip:village:xishan"):
            await user.tap(data)
        for text in ("东平路 3 号", "配电箱进水，电线泡在水里。"):
            await user.send(text)
        await _finish(user, "tip:evidence:done")

    async def submit_twice(user: SimUser) -> None:
        await to_step(user, "summary")
        await burst(*_press_twice(user, "tip:summary:submit"))

    def liaison(user: SimUser, unit_id: int) -> Script:
        async def run() -> None:
            await user.send("/language")
            await user.tap("lang:en")
            await user.tap("menu:liaison")
            await user.tap(f"lf:step:{unit_id}:2026-10")
            await burst(*(lambda answer=answer: user.send(answer) for answer in ANSWERS))
            await user.tap("lv:send")

        return run

    runs = [photo_then_words, description_then_photo, category_twice, submit_twice]
    scripts: dict[int, Script] = {
        user.id: lambda run=run, user=user: run(user) for run, user in zip(runs, reporters, strict=True)
    }
    scripts |= {uid: liaison(sim.user(uid, language_code="en"), unit_id) for uid, unit_id in units.items()}
    return scripts


#: The answers to words sent at the evidence step: while a file is being received (a burst), "wait";
#: once it is in (one by one), "use the buttons" and the question again. Either way nothing is stored.
_ANSWERS_TO_WORDS = ("请稍候：您的文件还在接收中", "请用下面的按钮选择")


def _but_the_answer_to_words(conversation: list[tuple]) -> list[tuple]:
    return [reply for reply in conversation if not reply[2].startswith(_ANSWERS_TO_WORDS)]


async def _finish(user: SimUser, *taps: str) -> None:
    for data in (*taps, "tip:identity:anonymous", "tip:push:no", "tip:summary:submit"):
        await user.tap(data)


async def test_a_chat_sending_several_updates_at_once_gets_what_it_would_one_at_a_time(
    settings, office, ring, monkeypatch
):
    """Proves each chat's updates run one at a time in the order they came, even when they arrive
    together (a photo and then words, a double tap on a category or on Submit, a liaison typing the
    next figure before the previous one is answered), while the chats run beside each other: the rows
    stored and every reply equal those of the same updates sent one by one, awaiting each reply (but
    for words sent while a photo is still being received: told to wait; the invariants too: one tip per
    draft, every file kept). With the chat's lock gone (bot.updates `_turn` a no-op) a chat's updates
    run at once and their replies differ from the serial run's (seen: the double Submit's second
    answer, the liaison's answers to figures typed ahead)."""
    results = {}
    for name, burst in (("bursts", _at_once), ("one_by_one", _one_by_one)):
        async with _bot(settings, office, name) as sim:
            units = await _office(sim, monkeypatch)
            mark = len(sim.api.calls)
            scripts = _burst_scripts(sim, units, burst)
            if burst is _at_once:
                await asyncio.gather(*(script() for script in scripts.values()))
                assert sim.app.update_processor.busy_chats == 0
            else:
                for script in scripts.values():
                    await script()
            replies = {chat: _conversation(sim, chat, mark) for chat in scripts}
            results[name] = (await _stored(sim), replies)
    (stored, replies), (stored_serially, replies_serially) = results["bursts"], results["one_by_one"]
    assert sum(stored["tips"].values()) == 5  # the fire tip and one per reporter: one tip per draft
    assert sum(stored["files"].values()) == 2  # both photos kept
    assert sorted(stored["figures"].values(), key=str) == [STORED, STORED]
    assert stored == stored_serially
    photo_first = REPORTERS[0]  # words sent while its photo is still being received: told to wait
    assert sum(reply[2].startswith(_ANSWERS_TO_WORDS) for reply in replies[photo_first]) == 1
    assert _but_the_answer_to_words(replies.pop(photo_first)) == _but_the_answer_to_words(replies_serially[photo_first])
    for chat, conversation in replies.items():
        assert conversation == replies_serially[chat], chat


async def test_an_officer_reading_beside_a_submission_sees_committed_tips_only(start_bot, monkeypatch):
    """Proves a read by one chat never sees another chat's transaction half-done: an officer opens the
    inbox while a reporter's submission has written its tip but not committed it (held there), and is
    shown the tips committed before, count and list agreeing (its update's own write-through then waits
    for the commit, as every update's does); once it commits, the next /inbox shows it. With every
    read on the writer connection (storage.db `Database.current` returning `conn`) the officer's inbox
    counts and lists the uncommitted tip, which a rollback could still take away."""
    async with start_bot() as sim:
        put_clock(sim, monkeypatch, NOV_1)
        await add_staff(sim)
        services = services_of(sim)
        officer = sim.user(EMERGENCY)
        await file_tip(sim.user(REPORTERS[0]))
        [before] = await officer.send("/inbox")
        reporter = sim.user(REPORTERS[1])
        await to_step(reporter, "summary")
        written, commit, read = asyncio.Event(), asyncio.Event(), asyncio.Event()
        submit, page = services.tips.submit, services.tips.page

        async def held_before_commit(conn, *args, **kwargs) -> str:
            number = await submit(conn, *args, **kwargs)
            written.set()
            await commit.wait()
            return number

        async def paged(**kwargs):
            tips = await page(**kwargs)
            read.set()
            return tips

        monkeypatch.setattr(services.tips, "submit", held_before_commit)
        monkeypatch.setattr(services.tips, "page", paged)
        submitting = asyncio.create_task(reporter.tap("tip:summary:submit"))
        await asyncio.wait_for(written.wait(), timeout=20)
        # The officer's update reads (and answers) now; its own write-through then waits for the commit.
        opening = asyncio.create_task(officer.send("/inbox"))
        await asyncio.wait_for(read.wait(), timeout=20)
        tips_meanwhile = (await services.db.fetchone("SELECT COUNT(*) FROM tips"))[0]
        commit.set()
        receipt = receipt_from(await submitting)
        [during] = await opening
        [after] = await officer.send("/inbox")
    assert _inbox(before) == _inbox(during) == (1, 1)  # the committed tip, counted and listed, nothing more
    assert tips_meanwhile == 1
    assert _inbox(after) == (2, 2) and receipt.number in after.text


def _inbox(reply) -> tuple[int, int]:
    """(the total the inbox states, how many tips it lists) in an officer's /inbox."""
    total = int(re.search(r"(\d+)", reply.text.splitlines()[0])[1])
    return total, sum(data.startswith("case:open:") for row in reply.buttons for _, data in row)
