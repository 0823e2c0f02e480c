"""Filing a tip through the in-memory Bot API: every step, every bad input, and what is stored."""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta

import pytest

from core.media import DOWNLOAD_LIMIT, strip_image_metadata
from core.tips import Status
from handlers.state import chat_draft
from tests.conftest import cells_equal, every_byte_under, move_clock, services_of
from tests.media import OWNER, SERIAL, exif_of, photo_with_exif
from tests.reporter import DESCRIPTION, SITE, file_tip, open_report, receipt_from, to_step

REPORTER = 5551234567


def _db(settings):
    return sqlite3.connect(settings.data_dir / "tipline.sqlite3")


async def test_a_full_anonymous_tip_with_two_photos(start_bot, settings):
    photos = (photo_with_exif((200, 40, 40)), photo_with_exif((40, 200, 40)))
    async with start_bot() as sim:
        user = sim.user(REPORTER, "王芳", username="wangfang_1990")
        [intro] = await open_report(user)
        assert "119" in intro.text and "Telegram" in intro.text and "匿名" in intro.text
        [who] = await user.tap("tip:intro:start")
        assert who.text.startswith("第 1 步 / 共 9 步")
        await user.tap("tip:who:employee")
        [industry] = await user.tap("tip:kind:hazard")
        assert industry.text.startswith("第 3 步 / 共 9 步")
        assert "危险化学品" in industry.labels
        [village] = await user.tap("tip:industry:hazchem")
        assert village.labels[:3] == ["东平社区", "西山村", "南河村"]
        await user.tap("tip:village:xishan")
        await user.send(SITE)
        [evidence] = await user.send(DESCRIPTION)
        assert "第 6 步" in evidence.text and "位置" in evidence.text
        [first] = await user.send_photo(photos[0])
        assert "已收到第 1 个文件" in first.text and "已去除" in first.text
        await user.send_photo(photos[1])

        # While the draft is open: nothing identifying or written in the clear.
        _assert_nothing_leaks(settings, photos)

        [identity] = await user.tap("tip:evidence:done")
        assert "应急〔2020〕69号" in identity.text  # an employee is told about real names
        await user.tap("tip:identity:anonymous")
        [summary] = await user.tap("tip:push:yes")
        for part in ("被举报单位的职工", "重大事故隐患", "危险化学品", "西山村", SITE, DESCRIPTION, "2 个文件", "匿名"):
            assert part in summary.text
        [done] = await user.tap("tip:summary:submit")
        year = services_of(sim).clock().year
        assert f"JB{year}-000001" in done.text
        assert "只显示这一次" in done.text
        assert done.labels[0] == "我已记下" and len(done.labels) == 6  # it deletes the receipt; then the menu

        tips = services_of(sim).tips
        facets = await tips.facets(f"JB{year}-000001")
        assert (facets.kind, facets.industry, facets.village, facets.department) == (
            "hazard",
            "hazchem",
            "xishan",
            "emergency",
        )
        assert facets.status == Status.RECEIVED and facets.wants_push and not facets.has_identity
        content = await tips.content(facets.number)
        assert content.description == DESCRIPTION and content.reporter_type == "employee"
        stored = await tips.files(facets.number)
        assert [f.kind for f in stored] == ["photo", "photo"]
        for file in stored:
            assert exif_of(file.data) == {}  # no GPS, serial, owner, time
        assert await tips.contact(facets.number) == REPORTER  # opted in: sealed under the contact key

    _assert_nothing_leaks(settings, photos)
    with _db(settings) as conn:
        assert conn.execute("SELECT COUNT(*) FROM draft_files").fetchone()[0] == 0


def _assert_nothing_leaks(settings, photos):
    raw = every_byte_under(settings.data_dir, skip=[settings.keyring_path])
    secrets = [str(REPORTER), "王芳", "wangfang_1990", DESCRIPTION, SITE, SERIAL, OWNER, "西山路"]
    for secret in secrets:
        assert secret.encode() not in raw, secret
    for photo in photos:
        middle = len(photo) // 2
        assert photo[middle : middle + 48] not in raw
        cleaned, _ = strip_image_metadata(photo)  # what the bot stores, before sealing
        assert cleaned[len(cleaned) // 2 : len(cleaned) // 2 + 48] not in raw
    database = settings.data_dir / "tipline.sqlite3"
    assert cells_equal(database, REPORTER) == [] and cells_equal(database, str(REPORTER)) == []


async def test_the_real_name_path(start_bot, settings):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await to_step(user, "identity")
        [name] = await user.tap("tip:identity:named")
        assert name.text.startswith("第 7 步") and "姓名" in name.text
        await user.send("赵建国")
        [wrong] = await user.send("电话是多少")
        assert "不是有效的电话号码" in wrong.text and "0730-5172110" in wrong.text
        [push] = await user.send("138 1234-5678")
        assert push.text.startswith("第 8 步")
        [summary] = await user.tap("tip:push:no")
        assert "赵**" in summary.text and "138****5678" in summary.text and "赵建国" not in summary.text
        [done] = await user.tap("tip:summary:submit")
        number = done.text.split("举报编号：")[1].split()[0]
        tips = services_of(sim).tips
        assert (await tips.facets(number)).has_identity
        identity = await tips.identity(number)
        assert (identity.name, identity.phone) == ("赵建国", "13812345678")
        assert await tips.contact(number) is None  # not opted in
    raw = every_byte_under(settings.data_dir, skip=[settings.keyring_path])
    assert "赵建国".encode() not in raw and b"13812345678" not in raw


async def test_back_and_change_at_the_summary(start_bot):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await to_step(user, "industry")
        [kind] = await user.tap("tip:industry:back")
        assert kind.text.startswith("第 2 步")
        [who] = await user.tap("tip:kind:back")
        assert who.text.startswith("第 1 步")
        await user.tap("tip:who:public")
        await user.tap("tip:kind:hazard")
        await user.tap("tip:industry:fire")
        await user.tap("tip:village:nanhe")
        await user.send(SITE)
        await user.send(DESCRIPTION)
        await user.tap("tip:evidence:done")
        await user.tap("tip:identity:anonymous")
        [summary] = await user.tap("tip:push:no")
        assert "消防" in summary.text

        [industry] = await user.tap("tip:summary:edit:industry")
        assert industry.text.startswith("第 3 步")
        [summary] = await user.tap("tip:industry:gas")
        assert summary.text.startswith("第 9 步") and "燃气（镇村燃气）" in summary.text

        # Changing the kind to an illegal act asks for its sub-type, then returns to the summary.
        [kind] = await user.tap("tip:summary:edit:kind")
        [subtype] = await user.tap("tip:kind:illegal")
        assert "无证、证照不全或过期从事生产经营建设" in subtype.labels
        [summary] = await user.tap("tip:subtype:exits")
        assert "非法违法行为 · 封闭堵塞安全出口、疏散通道" in summary.text

        # Back from the first step of an edited part returns to the summary.
        await user.tap("tip:summary:edit:description")
        [summary] = await user.tap("tip:description:back")
        assert summary.text.startswith("第 9 步")
        [done] = await user.tap("tip:summary:submit")
        assert "举报已提交" in done.text


async def test_a_concealed_accident_with_deaths_is_flagged(start_bot):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await to_step(user, "kind", kind="concealed")
        [when] = await user.tap("tip:kind:concealed")
        assert "什么时候" in when.text
        [_dead] = await user.send("11月3日晚上")
        [again] = await user.send("-1")
        assert "0 或正整数" in again.text
        [injured] = await user.send("两")
        assert "受伤" in injured.text
        [industry] = await user.tap("tip:acc_injured:unknown")
        assert industry.text.startswith("第 3 步")
        await user.tap("tip:industry:mining")
        await user.tap("tip:village:none")
        await user.send_location(31.2304, 121.4737)  # a pin first, then the name
        await user.send("废弃矿井，西山北坡")
        await user.send(DESCRIPTION)
        await user.tap("tip:evidence:done")
        await user.tap("tip:identity:anonymous")
        [summary] = await user.tap("tip:push:no")
        assert "事故：11月3日晚上；死亡：2；受伤：不清楚" in summary.text and "📍 已附位置" in summary.text
        [done] = await user.tap("tip:summary:submit")
        number = done.text.split("举报编号：")[1].split()[0]
        facets = await services_of(sim).tips.facets(number)
        assert facets.involves_death and facets.village is None
        content = await services_of(sim).tips.content(number)
        assert content.accident.dead == 2 and content.accident.injured is None
        assert (content.location.latitude, content.location.longitude) == (31.2304, 121.4737)


# -- bad input ---------------------------------------------------------------------------------


async def test_a_sticker_where_text_was_expected(start_bot):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await to_step(user, "description")
        [reply] = await user.send_sticker()
        assert "请用文字输入" in reply.text and "第 5 步" in reply.text


async def test_a_voice_note_is_refused_with_the_reason(start_bot):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await to_step(user, "description")
        [reply] = await user.send_voice()
        assert "不接收语音" in reply.text and "声音" in reply.text and "第 5 步" in reply.text


@pytest.mark.parametrize(
    "text, answer",
    [("   ", "消息是空的"), ("太短了", "太短了"), ("隐" * 4001, "太长了（4001 字）")],
    ids=["empty", "too-short", "too-long"],
)
async def test_bad_descriptions_are_named_and_the_step_stays(start_bot, text, answer):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await to_step(user, "description")
        [reply] = await user.send(text)
        assert answer in reply.text and "第 5 步" in reply.text
        [evidence] = await user.send(DESCRIPTION)
        assert evidence.text.startswith("第 6 步")


async def test_an_oversized_file_is_refused_and_the_rest_is_kept(start_bot):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await to_step(user, "evidence")
        await user.send_photo(photo_with_exif())
        [reply] = await user.send_document(b"\0" * (DOWNLOAD_LIMIT + 1), "video.mov", "video/quicktime")
        assert "超过 20 MB" in reply.text and "其他内容都已保留" in reply.text
        [_identity] = await user.tap("tip:evidence:done")
        await user.tap("tip:identity:anonymous")
        [summary] = await user.tap("tip:push:no")
        assert "1 个文件" in summary.text and DESCRIPTION in summary.text


async def test_a_file_that_is_not_an_image_is_kept_as_sent_and_a_broken_image_refused(start_bot):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await to_step(user, "evidence")
        [pdf] = await user.send_document(b"%PDF-1.4 inspection notice", "通知.pdf")
        assert "已收到第 1 个文件" in pdf.text and "已去除" not in pdf.text
        [broken] = await user.send_document(b"not really a jpeg", "x.jpg", "image/jpeg")
        assert "无法读取" in broken.text


async def test_files_outside_the_evidence_step_and_the_file_limit(start_bot, office):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await to_step(user, "site")
        [early] = await user.send_photo(photo_with_exif())
        assert "第 6 步" in early.text and early.text.count("第 4 步") == 1
        await user.send(SITE)
        await user.send(DESCRIPTION)
        for _ in range(office.limits.max_files_per_tip):
            await user.send_photo(photo_with_exif())
        [full] = await user.send_photo(photo_with_exif())
        assert "已达到一份举报的上限" in full.text


@pytest.mark.parametrize("data", ["tip:kind:nuclear", "tip:summary:submit", "tip:who:public", "tip:kind:back:x"])
async def test_unknown_or_stale_buttons_are_refused(start_bot, data):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        [kind] = await to_step(user, "kind")
        message = sim.api.messages[(user.id, kind.message_id)]
        [reply] = await user.press(message, data)
        assert "第 2 步" in reply.text
        assert "这个按钮已失效" in (reply.text + "".join(user.callback_answers()))
        [industry] = await user.tap("tip:kind:hazard")
        assert industry.text.startswith("第 3 步")


@pytest.mark.parametrize("step", ["intro", "who", "kind", "industry", "village", "site", "description", "evidence",
                                  "identity", "push", "summary"])  # fmt: skip
async def test_cancel_at_every_step_discards_the_draft(start_bot, settings, step):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await to_step(user, step)
        if step == "evidence":
            await user.send_photo(photo_with_exif())
        [reply] = await user.send("/cancel")
        assert "已取消" in reply.text and len(reply.labels) == 5
        [menu] = await user.send("继续")
        assert "没有看懂" in menu.text  # the conversation is over
        [intro] = await open_report(user)
        assert "开始之前" in intro.text and "没填完" not in intro.text  # a new, empty draft
        assert chat_draft(sim.app.chat_data[REPORTER]).answers == {}
    with _db(settings) as conn:
        assert conn.execute("SELECT COUNT(*) FROM draft_files").fetchone()[0] == 0


async def test_the_cancel_button_too(start_bot):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await to_step(user, "industry")
        [reply] = await user.tap("tip:cancel")
        assert "已取消" in reply.text


# -- restarts, repeats, limits -----------------------------------------------------------------


async def test_a_draft_resumes_after_a_restart(start_bot):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await to_step(user, "evidence")
        await user.send_photo(photo_with_exif())
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        [reply] = await user.send_photo(photo_with_exif())
        assert "已收到第 2 个文件" in reply.text
        await user.tap("tip:evidence:done")
        await user.tap("tip:identity:anonymous")
        await user.tap("tip:push:no")
        [done] = await user.tap("tip:summary:submit")
        number = done.text.split("举报编号：")[1].split()[0]
        assert len(await services_of(sim).tips.files(number)) == 2


async def test_reopening_the_menu_continues_the_unfinished_draft(start_bot):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await to_step(user, "description")
        [reply] = await open_report(user)
        assert "没填完的举报" in reply.text and "第 5 步" in reply.text


async def test_the_same_update_delivered_twice_makes_one_tip(start_bot, settings):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await to_step(user, "summary")
        [done] = await user.tap("tip:summary:submit")
        assert "举报已提交" in done.text
        assert await user.redeliver() == []  # handled once; the second delivery is dropped
        await to_step(user, "description")
        await user.send(DESCRIPTION)
        assert await user.redeliver() == []
    with _db(settings) as conn:
        assert conn.execute("SELECT COUNT(*) FROM tips").fetchone()[0] == 1


class ProcessDied(Exception):
    """Stands for SIGKILL right after the commit: nothing after it runs."""


async def _submit_and_die(sim, monkeypatch, *, before_receipt: bool):
    """Submit, and "die" right after the commit (before the receipt goes out) or right after the
    receipt: in both cases nothing more reaches the persistence. Returns the summary and the number."""
    sim.app.job_queue.scheduler.pause()  # the dying process's outbox job never runs
    user = sim.user(REPORTER)
    [summary] = await to_step(user, "summary")
    reports, app = services_of(sim).reports, sim.app
    real_submit, real_update = reports.submit, app.update_persistence
    crashed = []

    async def submit_then_die(*args, **kwargs):
        submitted = await real_submit(*args, **kwargs)
        crashed.append(submitted.number)
        if before_receipt:
            raise ProcessDied
        return submitted

    async def update_unless_dead():
        if not crashed:
            await real_update()

    real_write = app.persistence.write_update  # the write-through at the end of the update (handlers.writethrough)

    async def write_unless_dead(*args, **kwargs):
        return await real_write(*args, **kwargs) if not crashed else False

    monkeypatch.setattr(reports, "submit", submit_then_die)
    monkeypatch.setattr(app, "update_persistence", update_unless_dead)
    monkeypatch.setattr(app.persistence, "write_update", write_unless_dead)
    replies = await user.tap("tip:summary:submit")
    assert any("回执码" in reply.text for reply in replies) is not before_receipt
    return sim.api.messages[(REPORTER, summary.message_id)], crashed[0]


async def test_a_submission_repeated_after_a_crash_delivers_the_receipt_once(start_bot, settings, monkeypatch):
    async with start_bot(raise_errors=False) as first:
        summary, number = await _submit_and_die(first, monkeypatch, before_receipt=True)
        # A new process reads the state as it was before the commit, and Telegram delivers the tap again.
        async with start_bot() as second:
            second.app.job_queue.scheduler.pause()  # the press, not the outbox job, delivers it here
            reporter = second.user(REPORTER)
            [receipt] = await reporter.press(summary, "tip:summary:submit")
            got = receipt_from([receipt])
            assert got.number == number
            services = services_of(second)
            assert await services.receipts.verify(got.code, await services.tips.receipt_hash(number))
            # Pressed once more: the conversation is over and the receipt is not repeated.
            [again] = await reporter.press(summary, "tip:summary:submit")
            assert got.code not in again.text.replace(" ", "")
            assert sum("回执码" in c.params["text"] for c in second.api.calls_of("sendMessage")) == 1
    with _db(settings) as conn:
        assert conn.execute("SELECT COUNT(*) FROM tips").fetchone()[0] == 1


async def test_a_submission_repeated_after_its_receipt_went_out_does_not_repeat_the_code(start_bot, monkeypatch):
    async with start_bot() as first:
        summary, number = await _submit_and_die(first, monkeypatch, before_receipt=False)
        async with start_bot() as second:
            [again] = await second.user(REPORTER).press(summary, "tip:summary:submit")
    assert number in again.text and "已经提交" in again.text and "回执码在您提交后" in again.text
    assert not re.search(r"\d{4} \d{4} \d{4} \d{4}", again.text)


async def test_the_daily_limit(start_bot, office, monkeypatch):
    strict = office.model_copy(update={"limits": office.limits.model_copy(update={"tips_per_day": 2})})
    async with start_bot(config=strict) as sim:
        user = sim.user(REPORTER)
        for _ in range(2):
            await file_tip(user)
        [reply] = await open_report(user)
        assert "今天已提交 2 份举报" in reply.text and "12350" in reply.text
        other = sim.user(REPORTER + 1)
        [intro] = await open_report(other)  # another chat is not limited
        assert "开始之前" in intro.text
        # The next day the limit is lifted.
        move_clock(sim, monkeypatch, timedelta(days=1))
        [intro] = await open_report(user)
        assert "开始之前" in intro.text


async def test_tip_numbers_count_up_within_the_year(start_bot):
    async with start_bot() as sim:
        first = await file_tip(sim.user(REPORTER))
        second = await file_tip(sim.user(REPORTER + 1))
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1
