"""Hostile files, round 2: every check of a file's content runs off the bot's event loop (in a worker
process), a chat holds at most one worker, decoded pixels count against the chat's daily bytes, the
verdict is kept with the file, and the names staff receive are clean."""

from __future__ import annotations

import asyncio
import io
import zipfile

import pytest
from PIL import Image
from telegram import InputFile

from core.media import UnreadableImage, check_png_header
from core.roles import Role
from handlers import files
from handlers.files import staff_file
from handlers.i18n import translator
from handlers.office import inbox
from storage import image_worker
from tests.conftest import services_of
from tests.hostile import EXE, PDF, chunky_png, crowded_zip, png_header_late
from tests.office import signed_in
from tests.reporter import receipt_from, to_step
from tests.test_hostile_files import SlowWorker, _queue, _summary, _update

REPORTER, OTHER, ADMIN = 5551234567, 5551234568, 8400000007


def _start(sim, user):
    return _update(sim, user, text="/start", entities=[{"type": "bot_command", "offset": 0, "length": 6}])


def _document(sim, user, data: bytes, name: str, mime: str):
    return _update(sim, user, document={**sim.api.store_file(data), "file_name": name, "mime_type": mime})


def _no_sniffing_in_the_bot(monkeypatch) -> None:
    """Whatever reads a file's content in the bot's own process fails the test (the worker is another process)."""

    def forbidden(*args, **kwargs):
        raise AssertionError("a file's content was read on the event loop")

    monkeypatch.setattr(Image, "open", forbidden)
    monkeypatch.setattr(zipfile, "ZipFile", forbidden)
    monkeypatch.setattr(files, "classify", forbidden)


async def test_a_zip_of_180000_entries_named_docx_is_checked_off_the_event_loop_and_goes_as_bin(start_bot, monkeypatch):
    crowded = crowded_zip(180_000)
    assert 18 * 2**20 < len(crowded) < 20 * 2**20
    async with start_bot() as sim:
        with SlowWorker(monkeypatch) as worker:
            _no_sniffing_in_the_bot(monkeypatch)
            slow, other = sim.user(REPORTER), sim.user(OTHER)
            await to_step(slow, "evidence")
            mark = len(sim.api.calls)
            await _queue(sim, _document(sim, slow, crowded, "台账.docx", "application/octet-stream"))
            await asyncio.wait_for(worker.started.wait(), 30)  # a safety net: the check is in the worker
            await _queue(sim, _start(sim, other))
            [greeting, *_] = sim.replies_in(OTHER, mark)
            assert greeting.text.startswith("您好")
            assert sim.replies_in(REPORTER, mark) == []  # still being checked
            worker.go.set()
            await files.settle(sim.app, REPORTER)
            [received] = sim.replies_in(REPORTER, mark)
            assert "已收到第 1 个文件" in received.text
        monkeypatch.undo()
        assert "1 个文件" in await _summary(slow)


async def test_a_png_of_a_million_empty_chunks_is_refused_from_its_header_without_stalling(start_bot, monkeypatch):
    chunky = chunky_png(1_600_000)
    assert len(chunky) > 19_000_000
    with pytest.raises(UnreadableImage):
        check_png_header(chunky)  # constant time: no chunk past the thousandth is read
    async with start_bot() as sim:
        started = []
        monkeypatch.setattr(image_worker, "run_worker", lambda *args: started.append(args))  # never reached
        _no_sniffing_in_the_bot(monkeypatch)
        slow, other = sim.user(REPORTER), sim.user(OTHER)
        await to_step(slow, "evidence")
        mark = len(sim.api.calls)
        await _queue(sim, _document(sim, slow, chunky, "现场.png", "image/png"))
        await _queue(sim, _start(sim, other))
        await files.settle(sim.app, REPORTER)
        assert sim.replies_in(OTHER, mark)[0].text.startswith("您好")
        [refused] = sim.replies_in(REPORTER, mark)
        assert "无法读取" in refused.text and started == []


def test_a_png_whose_header_is_not_its_first_chunk_is_refused():
    late = png_header_late(16, 16)
    assert Image.open(io.BytesIO(late)).size == (16, 16)  # Pillow would read it
    with pytest.raises(UnreadableImage):
        check_png_header(late)


async def test_a_chat_holds_one_worker_at_a_time_and_its_files_queue_behind_its_own(monkeypatch):
    held: list[tuple[int, asyncio.Event]] = []

    async def worker(data: bytes, request: str):
        done = asyncio.Event()
        held.append((data[0], done))
        await done.wait()
        return "file unknown bin", b""

    monkeypatch.setattr(image_worker, "run_worker", worker)
    first = asyncio.create_task(image_worker.examine("a.rar", b"\x01", image=False, chat=1))
    second = asyncio.create_task(image_worker.examine("b.rar", b"\x02", image=False, chat=1))
    third = asyncio.create_task(image_worker.examine("c.rar", b"\x03", image=False, chat=2))
    for _ in range(5):
        await asyncio.sleep(0)
    assert [n for n, _ in held] == [1, 3]  # the chat's second file waits, although a worker is free
    held[0][1].set()
    await first
    for _ in range(5):
        await asyncio.sleep(0)
    assert [n for n, _ in held] == [1, 3, 2]
    for _n, done in held:
        done.set()
    assert (await second).filetype.extension == "bin" and (await third).filetype.extension == "bin"


def _picture(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


async def test_decoded_pixels_count_against_the_chats_daily_bytes(start_bot, office):
    small = office.model_copy(update={"limits": office.limits.model_copy(update={"bytes_per_day": 2**20})})
    picture = _picture(1100, 1000)  # a few KB that decode to 1.1 million pixels
    assert len(picture) < 50_000
    async with start_bot(config=small) as sim:
        user = sim.user(REPORTER)
        await to_step(user, "evidence")
        [first] = await user.send_document(picture, "现场.png", "image/png")
        assert "已收到第 1 个文件" in first.text
        [second] = await user.send_document(PDF, "通知.pdf")
        assert "超过 1 MB" in second.text and "请明天再发" in second.text


async def test_staff_get_the_verdict_kept_with_the_file_without_checking_it_again(start_bot, monkeypatch):
    names = []
    monkeypatch.setattr(inbox, "InputFile", lambda data, filename=None: names.append(filename) or InputFile(data))
    async with start_bot() as sim:
        async with services_of(sim).db.transaction() as conn:
            await services_of(sim).staff.add(conn, ADMIN, "主任", Role.ADMIN, "", "2026-11-23")
        await signed_in(sim, ADMIN)
        user = sim.user(REPORTER)
        await to_step(user, "evidence")
        await user.send_document(PDF, "通知.pdf")
        await user.send_document(b"Rar!\x1a\x07\x00 some archive", "材料.rar", "application/vnd.rar")
        await _summary(user)
        number = receipt_from(await user.tap("tip:summary:submit")).number
        monkeypatch.setattr(files, "classify", lambda *args: (_ for _ in ()).throw(AssertionError("checked again")))
        admin = sim.user(ADMIN)
        await admin.send("/inbox")
        await admin.tap(f"case:open:{number}")
        await admin.tap("📎 证据文件")
    assert names == [f"{number}-1-document.pdf", f"{number}-2-document.bin"]


def test_the_name_staff_receive_loses_control_characters_and_separators():
    _ = translator("zh")
    name, warning = staff_file(_, "整改通知\u202efdp.exe", EXE)  # shown as "整改通知exe.pdf" by the override
    assert name == "整改通知fdp.bin" and warning is not None
    name, _warning = staff_file(_, "..\\..\\Start Menu/evil\x00\u200b" + "长" * 100 + ".pdf", PDF)
    assert name == "Start Menuevil" + "长" * 46 + ".pdf"
    assert staff_file(_, "\u202e\u200d.pdf", PDF)[0] == "file.pdf"


async def test_a_file_whose_check_runs_out_of_time_is_refused(start_bot, monkeypatch):
    async def timed_out(data: bytes, request: str):
        return "timeout", b""

    monkeypatch.setattr(image_worker, "run_worker", timed_out)
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await to_step(user, "evidence")
        [refused] = await user.send_document(b"Rar!\x1a\x07\x00 some archive", "材料.rar", "application/vnd.rar")
        assert "未能及时完成检查" in refused.text and "其他内容都会保留" in refused.text
        [photo] = await user.send_document(_picture(20, 20), "现场.png", "image/png")
        assert "无法读取" in photo.text
