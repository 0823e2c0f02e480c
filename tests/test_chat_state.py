"""The chat's state is one typed model (handlers.state) for every flow: it survives a restart mid-flow
through the real persistence, a state an older Tipline left is read (or, unreadable, the chat is told),
and no module but handlers/state.py reaches into chat data by a flow's key."""

from __future__ import annotations

import re
from datetime import datetime

from handlers.conversation import Flow
from handlers.reporter import FLOWS
from handlers.state import STATE, CheckMark, MonthFigures, ReportDraft, StaffForm
from storage.db import Database
from storage.state import StateRepository
from storage.vault import Vault
from tests.conftest import ROOT, services_of
from tests.liaisons import LIAISON, office_with_unit, put_clock
from tests.office import EMERGENCY, PASSPHRASE, add_staff, open_card
from tests.reporter import DESCRIPTION, check, file_tip, open_report, to_step

REPORTER = 7_400_000_031
NOV_1 = datetime(2026, 11, 1, 10, 0)
OCT_2 = datetime(2026, 10, 2, 10, 0)
SUMMARY = "本季度共开展执法检查12次，检查企业30家，发现隐患45处，已整改40处。"
CASES = "某化工厂储罐区未设防火堤，已责令停产整顿并罚款2万元。"


async def _stored(settings, ring) -> dict[int, dict]:
    """What is at rest, as the next start reads it (without the conversion this version does)."""
    db = await Database.open(settings.data_dir / "tipline.sqlite3")
    try:
        return await StateRepository(db, Vault(ring)).load_chat_data()
    finally:
        await db.close()


async def _store(settings, ring, chat_id: int, data: dict) -> None:
    """Put a chat's data at rest as it is given (an older version's shape, say)."""
    db = await Database.open(settings.data_dir / "tipline.sqlite3")
    try:
        async with db.unit_of_work(state=StateRepository(db, Vault(ring))) as uow:
            await uow.state.write_chat(chat_id, data)
    finally:
        await db.close()


async def _home(user) -> None:
    """A liaison's page, from the menu."""
    await user.send("/start")
    await user.tap("menu:liaison")


def _state(sim, chat_id: int):
    return sim.app.chat_data[chat_id].get(STATE)


async def _loaded(sim, chat_id: int):
    """The chat's state after a restart, loaded as its next update loads it (on demand)."""
    await sim.app.persistence.refresh_chat_data(chat_id, sim.app.chat_data[chat_id])
    return _state(sim, chat_id)


# -- every flow, across a restart --------------------------------------------------------------


async def test_a_draft_is_typed_at_rest_and_resumes(start_bot, settings, ring):
    async with start_bot() as sim:
        await to_step(sim.user(REPORTER), "description")
    assert (await _stored(settings, ring))[REPORTER][STATE]["flow"] == "report"
    async with start_bot() as sim:
        draft = await _loaded(sim, REPORTER)
        assert isinstance(draft, ReportDraft) and draft.step == "description" and draft.answers["who"] == "public"
        [evidence] = await sim.user(REPORTER).send(DESCRIPTION)
        assert "第 6 步" in evidence.text


async def test_a_staff_form_is_typed_at_rest_and_resumes(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER))
        officer, _card = await open_card(sim, EMERGENCY, receipt.number)
        await officer.tap(f"form:ask:{receipt.number}")
    async with start_bot() as sim:
        form = await _loaded(sim, EMERGENCY)
        assert isinstance(form, StaffForm) and form.action == "ask" and form.number == receipt.number
        officer = sim.user(EMERGENCY)
        await officer.send("储罐离围墙多远？")
        await officer.tap("fv:confirm")  # the keys went with the process: the passphrase first
        await officer.send(PASSPHRASE)
        assert [m.text for m in await services_of(sim).tips.messages(receipt.number)] == ["储罐离围墙多远？"]
        assert _state(sim, EMERGENCY) is None


async def test_month_figures_are_typed_at_rest_and_resume(start_bot, monkeypatch):
    async with start_bot() as sim:
        put_clock(sim, monkeypatch, NOV_1)
        unit = await office_with_unit(sim)
        user = sim.user(LIAISON)
        await _home(user)
        await user.tap(f"lf:step:{unit.id}:2026-10")
        await user.send("120")
        await user.send("12")
    async with start_bot() as sim:
        put_clock(sim, monkeypatch, NOV_1)
        figures = await _loaded(sim, LIAISON)
        assert isinstance(figures, MonthFigures) and figures.values == {"enterprises": 120, "inspected": 12}
        await sim.user(LIAISON).send("30")
        assert _state(sim, LIAISON).values == {"enterprises": 120, "inspected": 12, "hazards": 30}


async def test_a_quarter_summary_form_is_typed_at_rest_and_resumes(start_bot, monkeypatch):
    async with start_bot() as sim:
        put_clock(sim, monkeypatch, OCT_2)
        unit = await office_with_unit(sim)
        user = sim.user(LIAISON)
        await _home(user)
        await user.tap(f"lq:{unit.id}:2026-Q3")
        await user.send(SUMMARY)
        await user.send(CASES)
    async with start_bot() as sim:
        put_clock(sim, monkeypatch, OCT_2)
        form = await _loaded(sim, LIAISON)
        assert isinstance(form, StaffForm) and form.action == "quarter" and form.number == f"{unit.id}:2026-Q3"
        assert form.values == {"summary": SUMMARY, "cases": CASES}
        user = sim.user(LIAISON)
        await user.send_document(b"%PDF-1.4 case file", "处罚决定书.pdf")
        assert len(_state(sim, LIAISON).files) == 1
        await user.tap("完成")
        await user.tap("✅ 确认报送")
        report = await services_of(sim).submissions.quarter(unit.id, "2026-Q3")
        assert report.summary == SUMMARY and report.cases == CASES and _state(sim, LIAISON) is None


async def test_a_check_is_not_kept_but_the_draft_it_held_is(start_bot, settings, ring):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        receipt = await file_tip(user)
        await to_step(user, "description")
        await check(user, receipt)
        assert isinstance(_state(sim, REPORTER), CheckMark)
    at_rest = (await _stored(settings, ring))[REPORTER][STATE]
    assert at_rest["flow"] == "report" and at_rest["step"] == "description"
    assert receipt.number not in str(at_rest) and receipt.code not in str(at_rest)
    async with start_bot() as sim:
        [resumed] = await open_report(sim.user(REPORTER))
        assert "没填完的举报" in resumed.text and "第 5 步" in resumed.text


# -- what an older version left ----------------------------------------------------------------


async def test_an_old_shape_draft_and_form_are_read_into_the_new_one(start_bot, settings, ring):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER))
        await to_step(sim.user(REPORTER), "description")
        officer, _card = await open_card(sim, EMERGENCY, receipt.number)
        await officer.tap(f"form:ask:{receipt.number}")
        draft = _state(sim, REPORTER).model_dump(mode="json", exclude={"flow"})
        form = _state(sim, EMERGENCY).model_dump(mode="json", exclude={"flow", "draft"})
    # the older shape: each flow under its own key, the draft without `flow`, a form beside a draft
    await _store(settings, ring, REPORTER, {"tip": {k: v for k, v in draft.items() if k != "preset"}})
    await _store(settings, ring, EMERGENCY, {"form": form, "tip": draft})
    async with start_bot() as sim:
        [evidence] = await sim.user(REPORTER).send(DESCRIPTION)
        assert "第 6 步" in evidence.text
        [left] = await sim.user(EMERGENCY).send("/cancel")  # the form is left, the draft beside it stays
        assert left.text == "已取消，没有发送任何内容。"
        assert isinstance(_state(sim, EMERGENCY), ReportDraft)
    stored = await _stored(settings, ring)
    assert {"tip", "form"}.isdisjoint(stored[REPORTER]) and stored[REPORTER][STATE]["flow"] == "report"


async def test_an_unreadable_state_is_told_once_and_the_user_starts_again(start_bot, settings, ring):
    async with start_bot() as sim:
        await to_step(sim.user(REPORTER), "description")
    await _store(settings, ring, REPORTER, {"tip": {"step": "description", "answers": "not what a draft holds"}})
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        [told] = await user.send(DESCRIPTION)
        assert "无法保留" in told.text and "重新开始" in told.text and len(told.labels) == 5
        [fresh] = await user.tap("menu:report")
        assert "没填完" not in fresh.text and isinstance(_state(sim, REPORTER), ReportDraft)
    assert (await _stored(settings, ring))[REPORTER][STATE]["step"] == "intro"


async def test_a_liaison_mid_summary_in_a_retired_conversation_state_is_told_it_was_not_kept(start_bot, settings, ring):
    async with start_bot() as sim:
        await office_with_unit(sim)
    # before the quarter's summary was a form: its own conversation state and its own key
    await _store(settings, ring, LIAISON, {"quarter": {"unit_id": 1, "quarter": "2026-Q3", "summary": SUMMARY}})
    db = await Database.open(settings.data_dir / "tipline.sqlite3")
    try:
        async with db.unit_of_work(state=StateRepository(db, Vault(ring))) as uow:
            await uow.state.write_conversation("reporter", (LIAISON, LIAISON), "liaison_quarter")
    finally:
        await db.close()
    async with start_bot() as sim:
        user = sim.user(LIAISON)
        [told] = await user.send(CASES)
        assert "无法保留" in told.text and "重新开始" in told.text
        assert _state(sim, LIAISON) is None
        [again] = await user.send(CASES)
        assert "无法保留" not in again.text


# -- one protocol, one place -------------------------------------------------------------------


def test_every_flow_of_the_conversation_is_a_flow_with_its_own_state():
    assert all(isinstance(flow, Flow) for flow in FLOWS)
    kinds = [flow.KIND for flow in FLOWS]
    assert len(set(kinds)) == len(kinds) and {flow.NAME for flow in FLOWS} == {
        kind.model_fields["flow"].default for kind in kinds
    }


#: chat_data indexed by hand: by anything but the language or a chat id (the application's mapping).
_BY_HAND = re.compile(r"chat_data\s*(?:\[|\.get\(|\.pop\(|\.setdefault\()\s*(?!\"lang\"|LANG\b|chat_id\b|chat\b)")


def test_no_module_but_the_state_reaches_into_chat_data_by_a_flows_key():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("handlers", "bot", "services", "jobs")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path != ROOT / "handlers" / "state.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _BY_HAND.search(line)
    ]
    assert offenders == []
