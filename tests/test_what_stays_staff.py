"""What stays in staff chats: a decrypted card (with its dialogue), evidence files, a reporter's identity
and payee details cannot be forwarded or saved, show no link preview, and are deleted after
`[security] card_minutes` by a job that finds them after a restart too and copes with Telegram's
refusals. Recording the verification result tells a reporter who asked for notices."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.office import OfficeConfig, Security
from core.tips import Status
from jobs.sensitive import expire
from tests.conftest import move_clock, services_of
from tests.media import photo_with_exif
from tests.office import ADMIN, EMERGENCY, REPORTER, REWARD, add_staff, notices, open_card, reward_to_claim, work_to
from tests.reporter import file_tip

PHOTO = photo_with_exif()


def _protected(call) -> bool:
    return call.params.get("protect_content") is True and call.result.get("has_protected_content") is True


def _without_preview(call) -> bool:
    return call.params.get("link_preview_options") == {"is_disabled": True}


async def test_the_card_and_the_evidence_cannot_be_forwarded_and_show_no_preview(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER), photos=(PHOTO,))
        officer, card = await open_card(sim, EMERGENCY, receipt.number)
        [sent] = [c for c in sim.api.sent_to(EMERGENCY) if c.result["message_id"] == card.message_id]
        assert "化工厂储罐区" in sent.params["text"] and _protected(sent) and _without_preview(sent)
        await officer.tap(f"case:files:{receipt.number}")
        [document] = sim.api.calls_of("sendDocument")
        assert _protected(document)


async def test_the_identity_cannot_be_forwarded(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER), identity=("张三", "13800138000"))
        officer, _ = await open_card(sim, EMERGENCY, receipt.number)
        await officer.tap(f"form:disclose:{receipt.number}")
        await officer.send("需要联系举报人带路进入厂区")
        await officer.tap("fv:confirm")
        admin = sim.user(ADMIN)
        await admin.tap("批准")
        await admin.tap("确定")
        await officer.tap("👤 查看举报人身份")
        [shown] = await officer.tap("确定")
        [sent] = [c for c in sim.api.sent_to(EMERGENCY) if "张三" in c.params["text"]]
        assert sent.result["message_id"] == shown.message_id and _protected(sent) and _without_preview(sent)


async def test_payee_details_cannot_be_forwarded(start_bot):
    async with start_bot() as sim:
        reporter, receipt = await reward_to_claim(sim)
        await reporter.tap("check:claim")
        await reporter.tap("claim:no")
        await reporter.tap("claim:payee")
        await reporter.send("张三 工商银行 6222 0000 1111 2222")
        officer = sim.user(REWARD)
        await officer.send("/rewards")
        await officer.tap(f"rw:open:{receipt.number}")
        await officer.tap(f"rw:payee:{receipt.number}")
        await officer.tap("确定")
        [sent] = [c for c in sim.api.sent_to(REWARD) if "6222" in c.params["text"]]
        assert _protected(sent) and _without_preview(sent)


async def test_a_card_is_deleted_after_card_minutes_and_not_before(start_bot, monkeypatch):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER), photos=(PHOTO,))
        officer = sim.user(EMERGENCY)
        [listing] = await officer.send("/inbox")
        *_, card = await officer.tap(f"case:open:{receipt.number}")
        await officer.tap(f"case:files:{receipt.number}")
        [document] = sim.api.calls_of("sendDocument")
        move_clock(sim, monkeypatch, timedelta(minutes=29))
        assert await expire(sim.app) == 0 and sim.api.deleted == []
        move_clock(sim, monkeypatch, timedelta(minutes=2))
        assert await expire(sim.app) >= 3  # the card, the file, and the card shown again after the files
        deleted = set(sim.api.deleted)
        assert (EMERGENCY, card.message_id) in deleted and (EMERGENCY, document.result["message_id"]) in deleted
        assert (EMERGENCY, listing.message_id) not in deleted  # the inbox's list holds no content
        assert await services_of(sim).expiring.count() == 0
        assert await expire(sim.app) == 0  # nothing twice


async def test_card_minutes_is_the_offices_to_set(start_bot, office, monkeypatch):
    config = office.model_copy(update={"security": Security(card_minutes=5)})
    async with start_bot(config=config) as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER))
        _, card = await open_card(sim, EMERGENCY, receipt.number)
        move_clock(sim, monkeypatch, timedelta(minutes=6))
        await expire(sim.app)
        assert (EMERGENCY, card.message_id) in sim.api.deleted


def test_card_minutes_defaults_to_30_and_stays_within_telegrams_48_hours():
    assert OfficeConfig().security.card_minutes == 30
    for wrong in (0, 48 * 60):
        with pytest.raises(ValueError):
            Security(card_minutes=wrong)


async def test_the_deletion_survives_a_restart(start_bot, monkeypatch):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER))
        _, card = await open_card(sim, EMERGENCY, receipt.number)
    async with start_bot() as sim:  # the bot was down when the card fell due
        assert sim.app.job_queue.get_jobs_by_name("expire-staff-messages")
        move_clock(sim, monkeypatch, timedelta(hours=3))
        assert await expire(sim.app) == 1
        assert sim.api.deleted == [(EMERGENCY, card.message_id)]


async def test_telegrams_refusals_are_tolerated(start_bot, monkeypatch):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER))
        officer, _first = await open_card(sim, EMERGENCY, receipt.number)
        *_, second = await officer.tap(f"case:open:{receipt.number}")
        *_, third = await officer.tap(f"case:open:{receipt.number}")
        services = services_of(sim)
        move_clock(sim, monkeypatch, timedelta(minutes=31))
        # the officer deleted the first card himself; the second is too old to delete (48 hours);
        # the third meets a dropped connection
        sim.api.fail_next("deleteMessage", status=400, description="Bad Request: message to delete not found")
        sim.api.fail_next("deleteMessage", status=400, description="Bad Request: message can't be deleted for everyone")
        sim.api.fail_next("deleteMessage", network=True)
        assert await expire(sim.app) == 2
        [edit] = sim.api.calls_of("editMessageText")
        assert edit.params["message_id"] == second.message_id and "已被移除" in edit.params["text"]
        assert "化工厂储罐区" not in edit.result["text"]
        assert await services.expiring.count() == 1  # the third is tried again at the next round
        assert await expire(sim.app) == 1
        assert (EMERGENCY, third.message_id) in sim.api.deleted
        assert await services.expiring.count() == 0


async def test_recording_the_verification_result_tells_a_reporter_who_asked(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER), push=True)
        await work_to(sim, receipt.number, Status.ACCEPTED)
        before = len(notices(sim, REPORTER))
        officer, _ = await open_card(sim, EMERGENCY, receipt.number)
        await officer.tap(f"form:verify:{receipt.number}")
        await officer.tap("fv:0:false")
        [done] = await officer.tap("fv:confirm")
        assert "核查结果已记录" in done.text
        assert len(notices(sim, REPORTER)) == before + 1
        assert receipt.number in notices(sim, REPORTER)[-1]
        # correcting the result changes nothing the reporter sees: no second notice
        await officer.tap(f"form:verify:{receipt.number}")
        await officer.tap("fv:0:false")
        await officer.tap("fv:confirm")
        assert len(notices(sim, REPORTER)) == before + 1
