"""The quarter's activity summary and 典型案例 with documents: sent by the liaison, every version kept,
late marked; read by the office with /quarter."""

from __future__ import annotations

from datetime import datetime

from telegram import Message

from tests.conftest import services_of
from tests.liaisons import LIAISON, office_with_unit, press, put_clock
from tests.office import AUDITOR, INTAKE

SUMMARY = "本季度共开展执法检查12次，检查企业30家，发现隐患45处，已整改40处。"
CASES = "某化工厂储罐区未设防火堤，已责令停产整顿并罚款2万元。"


async def _liaison(sim, monkeypatch, when=datetime(2026, 10, 2, 10, 0)):
    put_clock(sim, monkeypatch, when)
    unit = await office_with_unit(sim)
    user = sim.user(LIAISON)
    await user.send("/language")
    await user.tap("lang:en")
    return unit, user


async def test_a_summary_with_cases_and_documents_reaches_the_office(start_bot, monkeypatch):
    async with start_bot() as sim:
        unit, user = await _liaison(sim, monkeypatch)
        [home, *_] = (await user.tap("menu:liaison"))[-1:]
        assert "Q3 2026" in home.text and "2026-10-03" in home.text
        [ask] = await user.tap(f"lq:{unit.id}:2026-Q3")
        assert "activity summary" in ask.text
        [early] = await user.send_document(b"%PDF-1.4 early", "early.pdf")
        assert "answer the question first" in early.text
        [short] = await user.send("ok")
        assert "a little more" in short.text
        await user.send(SUMMARY)
        [docs] = await user.send(CASES)
        assert "Documents so far: 0" in docs.text
        await user.send_document(b"%PDF-1.4 case file", "处罚决定书.pdf")
        [two] = await user.send_photo(b"\xff\xd8\xff\xe0 not really a jpeg")
        assert "Documents so far: 2" in two.text
        [preview] = await user.tap("Done")
        assert SUMMARY in preview.text and "处罚决定书.pdf" in preview.text
        [again] = await user.send("one more thing")
        assert again.text.startswith("Please use the buttons below.") and SUMMARY in again.text
        [stored, *_] = await user.tap("✅ Send")
        assert "Version 1" in stored.text and "late" not in stored.text
        [stale] = await press(user, "fv:confirm")
        assert "expired" in stale.text

        replies = await sim.user(INTAKE).send("/quarter 2026-Q3")
        assert "1" in replies[0].text
        assert any(SUMMARY in r.text for r in replies) and any(CASES in r.text for r in replies)
        names = [c.params.get("document") for c in sim.api.calls_of("sendDocument")]
        assert len(names) == 2
        bodies = [b for c in sim.api.calls_of("sendDocument") for b in c.files.values()]
        assert b"%PDF-1.4 case file" in bodies
        refused = await sim.user(AUDITOR).send("/quarter 2026-Q3")
        assert not any(SUMMARY in r.text for r in refused) and len(sim.api.calls_of("sendDocument")) == 2


async def test_no_case_and_a_late_correction_keep_both_versions(start_bot, monkeypatch):
    async with start_bot() as sim:
        unit, user = await _liaison(sim, monkeypatch, when=datetime(2026, 10, 5, 10, 0))
        for text in (SUMMARY, SUMMARY + "（更正）"):
            await press(user, f"lq:{unit.id}:2026-Q3")
            await user.send(text)
            await user.tap("No typical case this quarter")
            await user.tap("Done")
            [stored, *_] = await user.tap("✅ Send")
            assert "marked late" in stored.text
        report = await services_of(sim).submissions.quarter(unit.id, "2026-Q3")
        assert report.version == 2 and report.summary.endswith("（更正）") and report.cases == "" and report.late


async def test_the_same_summary_sent_again_is_not_a_new_version(start_bot, monkeypatch):
    async with start_bot() as sim:
        unit, user = await _liaison(sim, monkeypatch, when=datetime(2026, 10, 2, 10, 0))
        for _ in range(2):
            await press(user, f"lq:{unit.id}:2026-Q3")
            await user.send(SUMMARY)
            await user.tap("No typical case this quarter")
            await user.tap("Done")
            [stored, *_] = await user.tap("✅ Send")
        assert "version 1, stored already: nothing changed" in stored.text
        assert (await services_of(sim).submissions.quarter(unit.id, "2026-Q3")).version == 1


async def test_a_quarter_not_yet_due_and_a_sticker(start_bot, monkeypatch):
    async with start_bot() as sim:
        unit, user = await _liaison(sim, monkeypatch)
        [early] = await press(user, f"lq:{unit.id}:2026-Q4")
        assert "cannot be reported yet" in early.text
        await press(user, f"lq:{unit.id}:2026-Q3")
        [sticker] = await user.send_sticker()
        assert "activity summary" in sticker.text


async def test_long_texts_still_fit_the_preview_and_reach_the_office_whole(start_bot, monkeypatch):
    async with start_bot() as sim:
        unit, user = await _liaison(sim, monkeypatch)
        await press(user, f"lq:{unit.id}:2026-Q3")
        long_summary, long_cases = "检" * 3400, "案" * 3400
        await user.send(long_summary)
        await user.send(long_cases)
        [preview] = await user.tap("Done")
        assert len(preview.text) < 4096 and "…" in preview.text
        await user.tap("✅ Send")
        replies = await sim.user(INTAKE).send("/quarter 2026-Q3")
        assert any(long_summary in r.text for r in replies) and any(long_cases in r.text for r in replies)


async def test_documents_that_could_harm_the_offices_computers_never_reach_it(start_bot, monkeypatch):
    """Liaisons' documents pass the same type checks as reporters' evidence (core.filetypes)."""
    sent = []
    real = Message.reply_document

    async def recorded(self, document, *args, filename=None, caption=None, **kwargs):
        sent.append((filename, caption))
        return await real(self, document, *args, filename=filename, caption=caption, **kwargs)

    monkeypatch.setattr(Message, "reply_document", recorded)
    async with start_bot() as sim:
        unit, user = await _liaison(sim, monkeypatch)
        await user.tap("menu:liaison")
        await user.tap(f"lq:{unit.id}:2026-Q3")
        await user.send(SUMMARY)
        await user.send(CASES)
        [exe] = await user.send_document(b"MZ\x90\x00 a program", "整改通知.exe")
        assert "not accepted" in exe.text and "Documents so far: 0" in exe.text
        await user.send_document(b"MZ\x90\x00 a program", "整改通知.pdf")  # a program behind a harmless name
        await user.tap("Done")
        [again] = await user.tap("✅ Send")
        assert "not accepted" in again.text and "send the documents again" in again.text
        assert await services_of(sim).submissions.quarter(unit.id, "2026-Q3") is None
        await user.send_document(b"PK\x03\x04 an archive", "照片.zip")
        await user.tap("Done")
        await user.tap("✅ Send")
        await sim.user(INTAKE).send("/quarter 2026-Q3")
        [(name, caption)] = sent
        assert name == "照片.bin" and caption.startswith("⚠")
