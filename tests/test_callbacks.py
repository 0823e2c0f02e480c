"""Typed buttons (handlers/callbacks.py): every prefix packs and parses back, malformed data parses to
None, Telegram's 64 bytes are checked, no handler builds or splits callback data by hand, and a forged
press gets the one "no longer valid" answer and changes nothing."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core.tips import Status
from handlers import callbacks
from handlers.callbacks import (
    ApprovalButton,
    CallbackData,
    CaseButton,
    CheckButton,
    ClaimButton,
    ExposureButton,
    ExposureList,
    ExposureMonth,
    FiguresButton,
    FiguresStep,
    FormButton,
    FormStep,
    InboxButton,
    LanguageButton,
    MenuButton,
    MonthLock,
    OfficeButton,
    PassphraseButton,
    QuarterButton,
    RequestButton,
    RewardButton,
    StaffButton,
    TipButton,
    TotpResetButton,
    UnitsButton,
    WrittenDown,
    exactly,
)
from tests.conftest import ROOT, services_of
from tests.liaisons import press
from tests.office import ADMIN, INTAKE, REPORTER, add_staff, open_card
from tests.reporter import file_tip, to_step

NUMBER = "JB2026-000123"
EXPIRED = "这个按钮已失效。"
#: One button of every kind, as the bot shows them (and their data, unchanged from before the classes).
SAMPLES = {
    MenuButton(item="report"): "menu:report",
    LanguageButton(lang="en"): "lang:en",
    WrittenDown(): "gone",
    TipButton(step="cancel"): "tip:cancel",
    TipButton(step="kind", value="hazard"): "tip:kind:hazard",
    TipButton(step="summary", value="edit", group="industry"): "tip:summary:edit:industry",
    CheckButton(action="refresh"): "check:refresh",
    CheckButton(action="withdraw_yes", number=NUMBER): f"check:withdraw_yes:{NUMBER}",
    ClaimButton(choice="payee"): "claim:payee",
    OfficeButton(name="inbox"): "office:inbox",
    PassphraseButton(action="forgot"): "pass:forgot",
    InboxButton(status="-", due="overdue", department="fire", page=2): "inbox:-:overdue:fire:2",
    CaseButton(action="open", number=NUMBER): f"case:open:{NUMBER}",
    CaseButton(ok=True, action="reason", arg="duplicate", number=NUMBER): f"case:ok:reason:duplicate:{NUMBER}",
    FormButton(action="unit", subject="new"): "form:unit:new",
    FormStep(step="confirm"): "fv:confirm",
    FormStep(step="3", code="skip"): "fv:3:skip",
    FormStep(step="summary", code="back"): "fv:summary:back",
    RequestButton(ok=True, what="no", request_id=7): "req:ok:no:7",
    RewardButton(what="payee", number=NUMBER): f"rw:payee:{NUMBER}",
    ApprovalButton(what="back", number=NUMBER, reward_id=4, amount_fen=15000000): f"rwa:back:{NUMBER}:4:15000000",
    StaffButton(action="remove_yes", arg="8400000002"): "staff:remove_yes:8400000002",
    StaffButton(action="keep"): "staff:keep",
    StaffButton(action="totp_yes", arg="8400000007"): "staff:totp_yes:8400000007",
    TotpResetButton(ok=True, what="yes", request_id=3): "otp:ok:yes:3",
    UnitsButton(what="page", number=0): "units:page:0",
    FiguresButton(mode="text", unit=3, period="2026-10"): "lf:text:3:2026-10",
    FiguresStep(action="zero", index=0): "lv:zero:0",
    FiguresStep(action="blank_yes"): "lv:blank_yes",
    QuarterButton(unit=3, period="2026-Q3"): "lq:3:2026-Q3",
    MonthLock(ok=True, what="lock", period="2026-10"): "mon:ok:lock:2026-10",
    ExposureButton(ok=True, what="del", exposure_id=5): "xp:ok:del:5",
    ExposureButton(what="keep", exposure_id=5): "xp:keep:5",
    ExposureMonth(ok=True, period="2026-10"): "xpm:ok:2026-10",
    ExposureList(offset=10): "xpl:10",
}
MALFORMED = [
    (CaseButton, "case:accept:JB1"),  # not a tip number
    (CaseButton, f"case:ok:{NUMBER}"),  # no action
    (CaseButton, f"case:a:b:c:{NUMBER}"),  # one part too many
    (TipButton, "tip:"),
    (TipButton, "tip:kind:hazard:x:y"),
    (InboxButton, "inbox:-:-:-:x"),
    (InboxButton, "inbox:-:soon:-:0"),
    (InboxButton, "inbox:nonsense:-:-:0"),  # no such status
    (InboxButton, "inbox:-:-:Fire Dept:0"),  # not a department code
    (RequestButton, "req:ok:back:1"),  # going back is not confirmed
    (RequestButton, "req:yes:-1"),
    (RewardButton, f"rw:ok:open:{NUMBER}"),
    (ApprovalButton, f"rwa:yes:{NUMBER}:4"),
    (MonthLock, "mon:ok:lock:2026-13"),
    (MonthLock, "mon:ok:back:2026-10"),
    (ExposureButton, "xp:ok:pub:5"),  # publishing again is not confirmed
    (ExposureButton, "xp:ok:keep:5"),
    (ExposureList, "xpl:-1"),
    (ExposureButton, "xp:yes:five"),
    (ExposureMonth, "xpm:2026-13"),
    (CheckButton, "check:withdraw_yes"),  # names no tip
    (CheckButton, f"check:refresh:{NUMBER}"),
    (CheckButton, "check:delete"),
    (ClaimButton, "claim:cash"),
    (FiguresStep, "lv:zero:x"),
    (FiguresStep, "lv:zero:１"),  # a full-width digit
    (FiguresButton, "lf:step:three:2026-10"),
    (QuarterButton, "lq:3"),
    (StaffButton, "staff:promote:1"),
    (TotpResetButton, "otp:ok:back:1"),  # going back is not confirmed
    (TotpResetButton, "otp:yes:me"),
    (UnitsButton, "units:invite:"),
    (WrittenDown, "gone:now"),
    (MenuButton, "menu:admin"),
    (LanguageButton, "lang:fr"),
    (TipButton, "case:open:JB2026-000123"),  # another prefix
    (CaseButton, None),
    (FormButton, "form:" + "x" * 70),  # over Telegram's 64 bytes
]


def _subclasses(cls: type) -> set[type]:
    return {sub for direct in cls.__subclasses__() for sub in {direct, *_subclasses(direct)}}


def test_every_button_packs_into_its_data_and_parses_back():
    assert {type(button) for button in SAMPLES} == _subclasses(CallbackData)  # every prefix has a sample
    for button, data in SAMPLES.items():
        assert button.pack() == data
        assert type(button).parse(data) == button
        assert len(data.encode()) <= callbacks.MAX_BYTES


def test_prefixes_are_distinct_and_each_pattern_takes_its_own_data_only():
    import re

    classes = _subclasses(CallbackData)
    assert len({c.prefix for c in classes}) == len(classes)
    for button, data in SAMPLES.items():
        matching = [c for c in classes if re.match(c.pattern, data)]
        assert matching == [type(button)], data
    assert re.match(exactly(MenuButton(item="help")), "menu:help")
    assert not re.match(exactly(MenuButton(item="help")), "menu:helpme")


@pytest.mark.parametrize(("cls", "data"), MALFORMED)
def test_malformed_or_forged_data_parses_to_none(cls, data):
    assert cls.parse(data) is None


def test_pack_refuses_data_that_would_not_read_back_or_is_over_64_bytes():
    with pytest.raises(ValueError, match="64 bytes"):
        FormButton(action="reward", subject="个" * 20).pack()  # 60 bytes of subject alone
    for button in (
        CaseButton(action="open:x", number=NUMBER),  # a colon inside a field
        TipButton(step="summary", group="industry"),  # a later optional field without the one before
        FormButton(action="", subject="new"),
    ):
        with pytest.raises(ValueError):
            button.pack()
    with pytest.raises(ValueError):
        RequestButton(ok=True, what="back", request_id=1)


# -- no hand-made callback data in handlers ---------------------------------------------------------

_PREFIXES = tuple(c.prefix + ":" for c in _subclasses(CallbackData))
_PARSING = {"split", "rsplit", "partition", "removeprefix"}


def _is_data(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "data"


def _hand_made(path: Path) -> list[str]:
    """Callback data built or taken apart by hand in one file: `callback_data=` with a literal, a
    string or f-string starting with a button prefix (docstrings aside), `….data.split(…)`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
    found = []
    for node in ast.walk(tree):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.keyword) and node.arg == "callback_data":
            if isinstance(node.value, ast.JoinedStr | ast.Constant):
                found.append(f"{where} callback_data= a literal")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            if node.value.startswith(_PREFIXES):
                found.append(f"{where} {node.value!r}")
        elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
            if str(node.values[0].value).startswith(_PREFIXES):
                found.append(f"{where} f{node.values[0].value!r}…")
        elif isinstance(node, ast.Attribute) and node.attr in _PARSING and _is_data(node.value):
            found.append(f"{where} .data.{node.attr}(")
    return found


def test_no_handler_builds_or_splits_callback_data_by_hand():
    files = [p for d in ("handlers", "jobs") for p in (ROOT / d).rglob("*.py") if p != ROOT / "handlers/callbacks.py"]
    found = [hit for path in files for hit in _hand_made(path)]
    assert found == []


def test_the_stale_button_text_is_written_once():
    code = [p for d in ("handlers", "jobs", "bot", "services") for p in (ROOT / d).rglob("*.py")]
    hits = [p for p in code if "This button is no longer valid." in p.read_text(encoding="utf-8")]
    assert [p.relative_to(ROOT) for p in hits] == [Path("handlers/callbacks.py")]
    assert (ROOT / "handlers/callbacks.py").read_text(encoding="utf-8").count("This button is no longer valid.") == 1


# -- forged presses ---------------------------------------------------------------------------------


async def test_forged_office_presses_get_the_one_answer_and_change_nothing(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER))
        officer, card = await open_card(sim, INTAKE, receipt.number)
        services = services_of(sim)
        audited = len(await services.audit.entries(tip=receipt.number))
        for data in (
            f"case:accept:{receipt.number}:now:twice",
            f"case:ok:open:{receipt.number}",  # opening a card is not an action to confirm
            "case:accept:JB2026-0",
            "inbox:received:-:-:-1",
        ):
            [reply] = await press(officer, data)
            assert reply.text == EXPIRED and officer.callback_answers()[-1] == EXPIRED, data
        admin = sim.user(ADMIN)
        for data in ("req:ok:back:1", f"rwa:yes:{receipt.number}:1", "mon:lock:2026-00", "staff:remove:me"):
            [reply] = await press(admin, data)
            assert reply.text == EXPIRED and admin.callback_answers()[-1] == EXPIRED, data
        assert (await services.tips.facets(receipt.number)).status == Status.RECEIVED
        assert len(await services.audit.entries(tip=receipt.number)) == audited
        *_, again = await officer.tap(f"case:open:{receipt.number}")  # the real buttons still work
        assert again.labels == card.labels


async def test_a_forged_press_in_a_report_gets_the_one_answer_and_the_same_question(start_bot):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        [question] = await to_step(user, "kind")
        for data in ("tip:kind:hazard:extra", "tip:kind:nonsense", "tip:who:public", "tip:kind:"):
            [again] = await press(user, data)
            assert user.callback_answers()[-1] == EXPIRED, data
            assert question.text in again.text and again.labels == question.labels  # nothing was taken
        [industry] = await user.tap("tip:kind:hazard")
        assert "行业" in industry.text
