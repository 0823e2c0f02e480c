"""The reporter's side of a race: what they send or submit while the tip (or their draft) changes
under them is checked again inside the unit of work that writes it."""

from __future__ import annotations

import asyncio
import re
from contextlib import asynccontextmanager

from core.tips import Status
from tests.conftest import services_of
from tests.media import photo_with_exif
from tests.office import INTAKE, open_card, staff_and_a_checked_tip
from tests.reporter import to_step


def _reporter_write_waits(services, monkeypatch):
    """The reporter's write (a unit of work over the tips alone) waits at its door until `release`:
    the handler has checked the tip already; `paused` is set once it waits."""
    paused, release = asyncio.Event(), asyncio.Event()
    unit_of_work = services.db.unit_of_work

    @asynccontextmanager
    async def door(**repositories):
        if set(repositories) == {"tips"} and not paused.is_set():
            paused.set()
            await release.wait()
        async with unit_of_work(**repositories) as uow:
            yield uow

    monkeypatch.setattr(services.db, "unit_of_work", door)
    return paused, release


async def _not_accepted_meanwhile(sim, number: str, sending, paused, release) -> list:
    """While `sending` waits at its unit's door, the intake officer does not accept the tip."""
    task = asyncio.create_task(sending)
    await paused.wait()
    officer, _card = await open_card(sim, INTAKE, number)
    await officer.tap(f"case:reject:{number}")
    await officer.tap("不属于安全生产问题")
    await officer.tap("确定")
    release.set()
    return await task


async def test_a_message_in_flight_when_the_tip_is_not_accepted_is_refused(start_bot, monkeypatch):
    async with start_bot() as sim:
        services = services_of(sim)
        reporter, receipt = await staff_and_a_checked_tip(sim, 7130)
        await reporter.tap("check:write")
        waits = _reporter_write_waits(services, monkeypatch)
        replies = await _not_accepted_meanwhile(sim, receipt.number, reporter.send("储罐今天又在漏"), *waits)

        assert (await services.tips.facets(receipt.number)).status == Status.NOT_ACCEPTED
        assert [m.sender for m in await services.tips.messages(receipt.number)] == ["office"]  # "not accepted"
        assert any(reply.text.startswith("这份举报现在不能这样操作。") for reply in replies)
        assert not any("已转给办理人员" in reply.text for reply in replies)
        assert "完成" not in replies[-1].labels and "✉" not in "".join(replies[-1].labels)


async def test_a_file_in_flight_when_the_tip_is_not_accepted_is_refused(start_bot, monkeypatch):
    async with start_bot() as sim:
        services = services_of(sim)
        reporter, receipt = await staff_and_a_checked_tip(sim, 7131)
        await reporter.tap("check:write")
        waits = _reporter_write_waits(services, monkeypatch)
        replies = await _not_accepted_meanwhile(sim, receipt.number, reporter.send_photo(photo_with_exif()), *waits)

        assert (await services.tips.facets(receipt.number)).status == Status.NOT_ACCEPTED
        assert await services.tips.file_count(receipt.number) == 0
        assert any(reply.text.startswith("这份举报现在不能这样操作。") for reply in replies)
        assert not any("已加入您的举报" in reply.text for reply in replies)


async def test_submit_pressed_twice_at_once_files_one_tip_and_the_reporter_gets_its_receipt(start_bot, monkeypatch):
    """Both presses of Submit processed concurrently: the first submission's unit waits until the second
    asks for its own, so the second looks for the draft's tip only once the first has written it."""
    async with start_bot() as sim:
        services = services_of(sim)
        reporter = sim.user(7140)
        await to_step(reporter, "evidence")
        await reporter.tap("tip:evidence:done")
        await reporter.tap("tip:identity:anonymous")
        await reporter.tap("tip:push:no")
        summary, data = reporter.find_button("tip:summary:submit")
        paused, release, second_in = asyncio.Event(), asyncio.Event(), asyncio.Event()
        unit_of_work = services.db.unit_of_work

        @asynccontextmanager
        async def door(**repositories):
            if set(repositories) == {"tips", "outbox"}:
                if paused.is_set():
                    second_in.set()
                else:
                    paused.set()
                    await release.wait()
            async with unit_of_work(**repositories) as uow:
                yield uow

        monkeypatch.setattr(services.db, "unit_of_work", door)
        sim.ordered = False  # the chat's lock (bot.updates) would run the presses one after the other
        first = asyncio.create_task(reporter.press(summary, data))
        await paused.wait()
        second = asyncio.create_task(reporter.press(summary, data))
        at_door = asyncio.create_task(second_in.wait())
        await asyncio.wait({second, at_door}, return_when=asyncio.FIRST_COMPLETED)
        at_door.cancel()
        release.set()
        await asyncio.gather(first, second)

        assert second_in.is_set(), "the second press never reached its unit of work: no race was run"
        assert (await services.db.fetchone("SELECT COUNT(*) FROM tips"))[0] == 1
        [number] = [row[0] for row in await services.db.fetchall("SELECT number FROM tips")]
        texts = [c.params["text"] for c in sim.api.calls_of("sendMessage") if c.params["chat_id"] == reporter.id]
        receipts = [text for text in texts if number in text and re.search(r"\d{4} \d{4} \d{4} \d{4}", text)]
        assert len(receipts) == 1  # the receipt, with its code, once
        assert await services.outbox.status(f"receipt:{number}") is not None
