"""Hostile files in the reporter's conversations: refused with a clear answer, never stalling other
chats, and reaching staff only as types they may open."""

from __future__ import annotations

import asyncio
import time

from telegram import InputFile, Update

from core.roles import Role
from handlers import files
from handlers.office import inbox
from storage import image_worker
from tests.conftest import services_of
from tests.hostile import EPS, EXE, HTA, LNK, PDF, SVG, office_zip, png_bomb
from tests.media import photo_with_exif
from tests.office import signed_in
from tests.reporter import file_tip, receipt_from, to_step

REPORTER, OTHER, ADMIN = 5551234567, 5551234568, 8400000007


async def _summary(user) -> str:
    await user.tap("tip:evidence:done")
    await user.tap("tip:identity:anonymous")
    return (await user.tap("tip:push:no"))[0].text


async def test_a_decompression_bomb_is_refused_at_once_and_the_draft_keeps_its_files(start_bot, monkeypatch):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await to_step(user, "evidence")
        await user.send_photo(photo_with_exif())
        started = []
        monkeypatch.setattr(image_worker, "run_worker", lambda *args: started.append(args))  # never reached
        [reply] = await user.send_document(png_bomb(), "现场.png", "image/png")
        assert "像素太多" in reply.text and "以“照片”方式发送" in reply.text and "其他内容都已保留" in reply.text
        assert started == []  # refused from its header: no worker, no decoding
        assert "1 个文件" in await _summary(user)


async def test_postscript_renamed_jpg_and_programs_scripts_pages_are_refused(start_bot):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await to_step(user, "evidence")
        [eps] = await user.send_document(EPS, "现场照片.jpg", "image/jpeg")
        assert "无法读取" in eps.text
        [eps_as_file] = await user.send_document(EPS, "现场照片.jpg", "application/octet-stream")
        assert "无法读取" in eps_as_file.text
        for data, name in ((EXE, "整改通知.exe"), (EXE, "整改通知.pdf"), (LNK, "照片.lnk"), (SVG, "平面图.svg"),
                           (HTA, "说明.hta"), (b"<html><body>x</body></html>", "说明.html")):  # fmt: skip
            [active] = await user.send_document(data, name, "application/octet-stream")
            assert "不接受此类文件" in active.text and "照片或 PDF" in active.text, name
        [macro] = await user.send_document(office_zip("word", macros=True), "台账.docx")
        assert "不接受带宏的 Office 文件" in macro.text and ".docx" in macro.text
        [docm] = await user.send_document(b"whatever", "台账.docm")
        assert "不接受带宏的 Office 文件" in docm.text
        [pdf] = await user.send_document(PDF, "通知.pdf")
        assert "已收到第 1 个文件" in pdf.text
        assert "1 个文件" in await _summary(user)


async def test_staff_receive_allowed_types_as_they_are_and_anything_else_as_bin_with_a_warning(start_bot, monkeypatch):
    names = []

    class Recorded(InputFile):
        def __init__(self, obj, filename=None, **kwargs):
            names.append(filename)
            super().__init__(obj, filename=filename, **kwargs)

    monkeypatch.setattr(inbox, "InputFile", Recorded)
    async with start_bot() as sim:
        async with services_of(sim).db.transaction() as conn:
            await services_of(sim).staff.add(conn, ADMIN, "主任", Role.ADMIN, "", "2026-11-23")
        await signed_in(sim, ADMIN)
        user = sim.user(REPORTER)
        await to_step(user, "evidence")
        await user.send_photo(photo_with_exif())
        await user.send_document(PDF, "通知.pdf")
        await user.send_document(office_zip("word"), "台账.docx")
        [kept] = await user.send_document(b"Rar!\x1a\x07\x00 some archive", "材料.rar", "application/vnd.rar")
        assert "已收到第 4 个文件" in kept.text
        await _summary(user)
        number = receipt_from(await user.tap("tip:summary:submit")).number
        admin = sim.user(ADMIN)
        await admin.send("/inbox")
        await admin.tap(f"case:open:{number}")
        replies = await admin.tap("📎 证据文件")
        captions = [r.text for r in replies if r.kind == "document"]
    assert names == [f"{number}-1-photo.jpg", f"{number}-2-document.pdf", f"{number}-3-document.docx",
                     f"{number}-4-document.bin"]  # fmt: skip
    assert [("请勿在办公电脑上打开" in c) for c in captions] == [False, False, False, True]
    assert captions[3].startswith(f"{number} · 4/4\n⚠")


async def test_a_file_kept_before_the_check_goes_to_staff_as_bin(start_bot, monkeypatch):
    """An .exe stored before files were checked (as the bot kept them until now) is not sent as .exe."""
    names = []
    monkeypatch.setattr(inbox, "InputFile", lambda data, filename=None: names.append(filename) or InputFile(data))
    async with start_bot() as sim:
        async with services_of(sim).db.transaction() as conn:
            await services_of(sim).staff.add(conn, ADMIN, "主任", Role.ADMIN, "", "2026-11-23")
        await signed_in(sim, ADMIN)
        receipt = await file_tip(sim.user(REPORTER))
        from storage.drafts import EvidenceFile

        await services_of(sim).reports.add_file(
            receipt.number, EvidenceFile("document", "document.exe", "application/x-msdownload", EXE),
            services_of(sim).clock().date(),
        )  # fmt: skip
        admin = sim.user(ADMIN)
        await admin.send("/inbox")
        await admin.tap(f"case:open:{receipt.number}")
        [document, *_] = await admin.tap("📎 证据文件")
    assert names == [f"{receipt.number}-1-document.bin"] and "⚠" in document.text


async def test_a_draft_holds_at_most_its_configured_bytes(start_bot, office):
    small = office.model_copy(update={"limits": office.limits.model_copy(update={"bytes_per_draft": 2**20})})
    part = PDF + b"%" * 600_000
    async with start_bot(config=small) as sim:
        user = sim.user(REPORTER)
        await to_step(user, "evidence")
        [first] = await user.send_document(part, "通知一.pdf")
        assert "已收到第 1 个文件" in first.text
        [second] = await user.send_document(part, "通知二.pdf")
        assert "超过 1 MB" in second.text and "其他内容都已保留" in second.text and "完成" in second.text
        assert "1 个文件" in await _summary(user)


# -- decoding off the update pipeline -------------------------------------------------------------


def _update(sim, user, **content) -> Update:
    message = {"message_id": sim.api.new_message_id(user.id), "date": int(time.time()), "chat": user.chat,
               "from": user.user, **content}  # fmt: skip
    return Update.de_json({"update_id": sim.next_update_id(), "message": message}, sim.app.bot)


def _photo(sim) -> list[dict]:
    return [{**sim.api.store_file(photo_with_exif()), "width": 96, "height": 64}]


class SlowWorker:
    """The image worker held until the test lets it go: a decode that takes as long as the test wants.
    `go` lets every decode go; `let(n)` the n-th alone (from 1), `started_n(n)` waits for it to start."""

    def __init__(self, monkeypatch):
        self.started = asyncio.Event()
        self.go = asyncio.Event()
        self.calls: list[tuple[asyncio.Event, asyncio.Event]] = [(asyncio.Event(), asyncio.Event()) for _ in range(9)]
        self.count = 0
        real = image_worker.run_worker

        async def held(data: bytes, *request):
            begun, allowed = self.calls[self.count]
            self.count += 1
            self.started.set()
            begun.set()
            await asyncio.wait([asyncio.ensure_future(self.go.wait()), asyncio.ensure_future(allowed.wait())],
                               return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
            return await real(data, *request)

        monkeypatch.setattr(image_worker, "run_worker", held)

    def let(self, n: int) -> None:
        self.calls[n - 1][1].set()

    async def started_n(self, n: int) -> None:
        await self.calls[n - 1][0].wait()

    def __enter__(self) -> SlowWorker:
        return self

    def __exit__(self, *exc) -> None:
        self.go.set()  # on a failure too, or the bot could never stop


async def _queue(sim, update: Update) -> None:
    """Hand an update to the Application's own queue, which processes them one at a time, as in production."""
    await sim.app.update_queue.put(update)
    await asyncio.wait_for(sim.app.update_queue.join(), 60)  # a safety net only: a stall fails the test


async def test_another_chat_is_answered_while_a_photo_is_decoded(start_bot, monkeypatch):
    async with start_bot() as sim:
        with SlowWorker(monkeypatch) as worker:
            slow, other = sim.user(REPORTER), sim.user(OTHER)
            await to_step(slow, "evidence")
            mark = len(sim.api.calls)
            await _queue(sim, _update(sim, slow, photo=_photo(sim)))
            await worker.started.wait()
            await _queue(sim, _update(sim, other, text="/start", entities=[{"type": "bot_command", "offset": 0,
                                                                              "length": 6}]))  # fmt: skip
            [greeting, *_] = sim.replies_in(OTHER, mark)
            assert greeting.text.startswith("您好")
            assert sim.replies_in(REPORTER, mark) == []  # the photo is still being decoded
            worker.go.set()
            await files.settle(sim.app, REPORTER)
            [received] = sim.replies_in(REPORTER, mark)
            assert "已收到第 1 个文件" in received.text


async def test_an_album_queues_behind_the_first_photo_and_other_input_waits(start_bot, monkeypatch):
    async with start_bot() as sim:
        with SlowWorker(monkeypatch) as worker:
            user = sim.user(REPORTER)
            await to_step(user, "evidence")
            mark = len(sim.api.calls)
            await _queue(sim, _update(sim, user, photo=_photo(sim)))
            await worker.started.wait()
            await _queue(sim, _update(sim, user, photo=_photo(sim)))
            await _queue(sim, _update(sim, user, text="好了"))
            [wait] = sim.replies_in(REPORTER, mark)
            assert "文件还在接收中" in wait.text
            worker.go.set()
            await files.settle(sim.app, REPORTER)
            texts = [r.text for r in sim.replies_in(REPORTER, mark)][1:]
            assert ["已收到第 1 个文件" in texts[0], "已收到第 2 个文件" in texts[1]] == [True, True]
            assert "2 个文件" in await _summary(user)


def _press(sim, user, data: str) -> Update:
    message, _ = user.find_button(data)
    query = {"id": str(sim.next_update_id()), "from": user.user, "chat_instance": "ci", "message": message,
             "data": data}  # fmt: skip
    return Update.de_json({"update_id": sim.next_update_id(), "callback_query": query}, sim.app.bot)


async def test_done_tapped_before_the_albums_last_photo_is_stored_waits_for_it(start_bot, monkeypatch):
    async with start_bot() as sim:
        with SlowWorker(monkeypatch) as worker:
            user = sim.user(REPORTER)
            await to_step(user, "evidence")
            mark = len(sim.api.calls)
            await _queue(sim, _update(sim, user, photo=_photo(sim)))
            await worker.started_n(1)
            await _queue(sim, _update(sim, user, photo=_photo(sim)))
            worker.let(1)
            await worker.started_n(2)  # the first photo is stored, the second is being decoded
            await _queue(sim, _press(sim, user, "tip:evidence:done"))
            assert "文件还在接收中" in user.callback_answers()[-1]
            assert [("已收到第 1 个" in r.text) for r in sim.replies_in(REPORTER, mark)] == [True]
            worker.let(2)
            await files.settle(sim.app, REPORTER)
            assert "2 个文件" in await _summary(user)
