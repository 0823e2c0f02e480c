"""Cases found in review: flows crossing, old confirmations, live drafts, long replies, leftovers."""

from __future__ import annotations

import io
import sqlite3
from datetime import timedelta

from PIL import Image

from core.tips import Status
from handlers.state import chat_draft
from jobs.housekeeping import housekeeping
from tests.conftest import every_byte_under, move_clock, services_of
from tests.media import exif_of, photo_with_exif
from tests.reporter import SITE, check, file_tip, open_report, to_step

REPORTER = 8123456701


async def test_checking_in_the_middle_of_a_draft_never_writes_into_the_draft(start_bot):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        receipt = await file_tip(user)
        await to_step(user, "site")
        [view] = await check(user, receipt)
        assert "当前状态：已接收" in view.text
        draft = chat_draft(sim.app.chat_data[REPORTER])
        assert draft.step == "site" and "site" not in draft.answers
        assert receipt.code not in str(draft) and receipt.number not in str(draft)
        [resumed] = await open_report(user)  # back to the draft, where it stopped
        assert "没填完的举报" in resumed.text and "第 4 步" in resumed.text


async def test_cancel_during_a_check_keeps_the_draft(start_bot):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        receipt = await file_tip(user)
        await to_step(user, "description")
        await check(user, receipt)
        [left] = await user.send("/cancel")
        assert "已退出查询" in left.text
        assert chat_draft(sim.app.chat_data[REPORTER]).step == "description"


async def test_an_old_withdraw_confirmation_does_not_withdraw_another_tip(start_bot):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        first, second = await file_tip(user), await file_tip(user)
        await check(user, first)
        [confirm] = await user.tap("check:withdraw")
        old_message = sim.api.messages[(REPORTER, confirm.message_id)]
        await user.tap("check:refresh")
        await user.tap("check:exit")
        await check(user, second)
        [refused] = await user.press(old_message, f"check:withdraw_yes:{first.number}")
        assert "这个按钮已失效" in refused.text
        tips = services_of(sim).tips
        assert (await tips.facets(second.number)).status == Status.RECEIVED
        assert (await tips.facets(first.number)).status == Status.RECEIVED


async def test_files_of_a_draft_still_in_use_survive_housekeeping(start_bot, settings, monkeypatch):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await to_step(user, "evidence")
        await user.send_photo(photo_with_exif())
        for _ in range(3):  # the reporter keeps working on it, every few days
            move_clock(sim, monkeypatch, timedelta(days=3))
            await user.tap("tip:evidence:back")
            await user.send("储罐区的消防设施全部损坏，无人维修，已持续半年。")
        await housekeeping(sim.app)
        await user.tap("tip:evidence:done")
        await user.tap("tip:identity:anonymous")
        await user.tap("tip:push:no")
        [done] = await user.tap("tip:summary:submit")
        number = done.text.split("举报编号：")[1].split()[0]
        assert len(await services_of(sim).tips.files(number)) == 1


async def test_a_long_reply_is_always_shown(start_bot):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        receipt = await file_tip(user)
        services = services_of(sim)
        today = services.clock().date()
        await services.reports.write(receipt.number, "补" * 4000, today)
        async with services.db.unit_of_work(tips=services.tips) as uow:
            await uow.tips.add_message(receipt.number, "office", "reply", "核查结论：属实。" + "情" * 3600, today)
        [view] = await check(user, receipt)
    assert "核查结论：属实" in view.text and "已截断" in view.text
    assert len(view.text) <= 4096


async def test_housekeeping_leaves_no_old_key_or_draft_link_behind(start_bot, settings, monkeypatch):
    async with start_bot() as sim:
        receipt = await file_tip(sim.user(REPORTER))
        with sqlite3.connect(settings.data_dir / "tipline.sqlite3") as conn:
            wrapped = [row[0] for row in conn.execute("SELECT wrapped FROM data_keys")]
        move_clock(sim, monkeypatch, timedelta(days=3))
        await sim.user(REPORTER).send("/start")  # the chat's state is sealed anew; its old key is shredded
        await housekeeping(sim.app)
        with sqlite3.connect(settings.data_dir / "tipline.sqlite3") as conn:
            assert conn.execute("SELECT draft_hash FROM tips").fetchone()[0] is None
            live = {row[0] for row in conn.execute("SELECT wrapped FROM data_keys")}
        raw = every_byte_under(settings.data_dir, skip=[settings.keyring_path])
        for key in wrapped:
            if key not in live:
                assert key not in raw  # not in the database file, not in the WAL
        assert (await services_of(sim).tips.facets(receipt.number)).status == Status.RECEIVED


async def test_a_saved_step_that_no_longer_applies_moves_on(start_bot, office):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await to_step(user, "village")
    without_villages = office.model_copy(update={"villages": []})
    async with start_bot(config=without_villages) as sim:
        [reply] = await sim.user(REPORTER).send("西山村")
        assert "第 4 步" in reply.text and "企业或场所" in reply.text
        [description] = await sim.user(REPORTER).send(SITE)
        assert description.text.startswith("第 5 步")


async def test_files_added_after_submission_are_limited_too(start_bot, office):
    small = office.model_copy(update={"limits": office.limits.model_copy(update={"max_files_per_tip": 2})})
    async with start_bot(config=small) as sim:
        user = sim.user(REPORTER)
        receipt = await file_tip(user, photos=(photo_with_exif(),))
        await check(user, receipt)
        await user.tap("check:write")
        [ok] = await user.send_photo(photo_with_exif())
        assert "已加入" in ok.text
        [full] = await user.send_photo(photo_with_exif())
        assert "已达到上限" in full.text
        assert len(await services_of(sim).tips.files(receipt.number)) == 2


def _heic_bytes() -> bytes:
    return b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64


async def test_images_are_recognised_by_their_bytes_and_heic_is_refused(start_bot):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await to_step(user, "evidence")
        [heic] = await user.send_document(_heic_bytes(), "IMG_0001.HEIC", "application/octet-stream")
        assert "HEIC" in heic.text and "照片" in heic.text
        [jpeg] = await user.send_document(photo_with_exif(), "IMG_20261120_2114.bin", "application/octet-stream")
        assert "已去除" in jpeg.text
        await user.tap("tip:evidence:done")
        await user.tap("tip:identity:anonymous")
        await user.tap("tip:push:no")
        [done] = await user.tap("tip:summary:submit")
        number = done.text.split("举报编号：")[1].split()[0]
        [stored] = await services_of(sim).tips.files(number)
    assert exif_of(stored.data) == {} and stored.name == "document.jpg"
    assert Image.open(io.BytesIO(stored.data)).format == "JPEG"


async def test_no_check_in_a_group(start_bot):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        user.chat = {"id": -100777, "type": "supergroup", "title": "村民群"}
        sim.api.register_chat(user.chat)
        [help_text] = await user.send("/help")
        assert not help_text.buttons  # no reporter buttons in a group
        message = {"message_id": 1, "date": 0, "chat": user.chat, "text": "x"}
        assert await user.press(message, "menu:check") == []  # nothing in the group
        assert "私聊" in user.callback_answers()[-1]  # the presser alone is told


async def test_a_right_code_does_not_clear_earlier_failures(start_bot):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        receipt = await file_tip(user)
        wrong = f"{(int(receipt.code) + 7) % 10**16:016d}"
        await check(user, receipt, wrong)
        for _ in range(3):
            await user.send(wrong)
        await user.send(receipt.code)  # four failures, then the right code
        await user.tap("check:exit")
        [locked] = await check(user, receipt, wrong)  # the fifth failure within the hour still locks
    assert "错误次数过多" in locked.text
