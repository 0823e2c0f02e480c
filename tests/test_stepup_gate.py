"""The step-up gate (issue 17): nothing that decrypts a tip's content, an identity, payee details or
evidence, nor an export or an approval, runs for a staff member without an authenticator session.

The first test walks every handler of the built Application (conversations included): each is gated
(`__needs_code__`) or named below with the reason it needs no code, so a handler added later fails
here until it is one or the other. The second drives every gated entry without a session and counts
decryptions (none). The rest: the code resumes the asked action (no second press), a used code, a
code from a wrong step, the lock-out (the admins told), the session's length (the controlled clock),
/cancel and other buttons, and a staff member not set up walked to it first. Codes are computed
with pyotp on the bot's controlled clock."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

import pyotp
import pytest
from telegram.ext import BaseHandler, ConversationHandler

import core.crypto
from core.roles import Role
from handlers.forms.form import FORMS
from handlers.office.access import staff_only
from handlers.office.stepup import GATED
from handlers.state import STATE, CheckMark, StaffForm, StepUp
from storage.keyring import save_ring
from tests.conftest import move_clock, services_of
from tests.liaisons import press
from tests.office import ADMIN, AUDITOR, EMERGENCY, FIRE, INTAKE, PASSPHRASE, REWARD, STAFF, add_staff, with_keys
from tests.reporter import DESCRIPTION, file_tip

REPORTER = 8600000001
ASKED = "输入验证器上的 6 位数字"
PROMPT = f"🔐 {ASKED}\n含动态码的消息读取后即被删除。发送 /cancel 可取消。"
PASSPHRASE_PROMPT = "🔑 输入您的口令\n含口令的消息读取后即被删除。发送 /cancel 可取消。"
SET_PASSPHRASE_FIRST = (
    "这一步需要您的口令，而您还没有设置：请先用 /passphrase 设置口令，"
    "再由管理员（在 /staff 中）授予您所在角色的密钥，然后再试。"
)
#: A moment in the middle of a 30-second step, so a code's step is never a matter of timing.
NOW = datetime.fromtimestamp(1_796_000_000 + 15).astimezone()
SECRET_SHOWN = re.compile(r"[A-Z2-7]{4}(?: [A-Z2-7]{1,4})+")

#: Staff handlers (staff_only) that show nothing decrypted, and why.
CONTENT_FREE = {
    "handlers.office.inbox.inbox": "the inbox lists numbers, statuses and dates (plaintext columns)",
    "handlers.office.inbox.inbox_button": "the inbox's filters and pages: the same list",
    "handlers.office.staff_admin.staff_panel": "staff names and roles, no tip",
    "handlers.office.stats.stats": "counts and a chart from plaintext columns (storage.ledger)",
    "handlers.office.rewards.rewards_command": "the reward lists: tip numbers by reward state",
    "handlers.office.totp.totp_command": "setting up the authenticator itself",
    "handlers.office.passphrase.passphrase_command": "setting one's passphrase: it shows nothing, opens nothing",
    "handlers.office.passphrase.forgot_button": "setting a new passphrase: the keys go, nothing is opened",
    "handlers.office.passphrase.lock_command": "forgetting one's unlocked keys: nothing shown",
    "handlers.liaison.units.units_command": "the units and their liaisons, no tip",
    "handlers.liaison.units.units_button": "the units' pages and liaison invites, no tip",
    "handlers.liaison.monthly.lock_button": "locking a month's figures: nothing shown",
}


#: Gated handlers that no handler of the Application names, and who runs them.
NOT_REGISTERED = {"handlers.office.inbox.card_from_link": "menu.start, for /start tip_… (an alert's link)"}
#: Handlers that are not staff_only but reach the office's side: what keeps their content behind the gate.
#: (Every other handler is a reporter's, a liaison's, or everyone's: /start, /help, the groups.)
REACHING_STAFF = {
    "handlers.menu.start": "/start tip_… runs inbox.card_from_link (gated)",
    "handlers.office.entries.on_entry": "runs the office commands' own handlers: office:monthly, office:quarter gated",
    "handlers.office.staff_admin.join": "/join with an invite code: the new member has no session yet, sees no tip",
    "handlers.office.totp.on_code": "the codes of setting up an authenticator",
    "handlers.office.stepup.on_code": "the code asked by the gate itself",
    "handlers.office.passphrase.on_entry": "the passphrases typed for /passphrase: nothing is opened",
    "handlers.office.access.private_chats_only": "stops staff panels outside private chats",
    "handlers.forms.engine.start_form": "the office's forms ask the code through their gate (handlers.office.gates: "
    "CodeCheck) before the first question and before confirming; FORMS_WITHOUT_CODE names the others",
}
#: Forms whose gate asks no authenticator code, and why (every other form's gate has `code`).
FORMS_WITHOUT_CODE = {
    "quarter": "a liaison's quarter summary: liaisons have no authenticator, and it shows no tip",
    "liaison": "a liaison's registration: the same",
}


def _callbacks(handlers: list[BaseHandler]) -> list:
    found = []
    for handler in handlers:
        if isinstance(handler, ConversationHandler):
            found += _callbacks([*handler.entry_points, *(h for s in handler.states.values() for h in s),
                                 *handler.fallbacks])  # fmt: skip
        else:
            found.append(handler.callback)
    return found


def _name(callback) -> str:
    inner = getattr(callback, "__wrapped__", callback)
    return f"{inner.__module__}.{inner.__qualname__}"


_STAFF_ONLY = staff_only()(lambda update, context, member: None).__code__


async def test_every_staff_handler_asks_for_the_code_or_shows_no_content(start_bot):
    async with start_bot() as sim:
        callbacks = _callbacks([h for group in sim.app.handlers.values() for h in group])
    staff = {_name(c): c for c in callbacks if getattr(c, "__code__", None) is _STAFF_ONLY}
    unmarked = sorted(n for n, c in staff.items() if not getattr(c, "__needs_code__", False) and n not in CONTENT_FREE)
    assert unmarked == [], "gate it (@needs_code inside @staff_only) or add it to CONTENT_FREE with a reason"
    assert sorted(n for n in CONTENT_FREE if n not in staff) == []  # the list names no handler that is gone
    assert {n for n in REACHING_STAFF if n not in map(_name, callbacks)} == set()
    # a handler of the office's modules that is not staff_only is named above, with what keeps it gated
    office = {_name(c) for c in callbacks if _name(c).startswith("handlers.office.") and _name(c) not in staff}
    assert office - set(REACHING_STAFF) == set(), "make it staff_only (and gate it), or say why in REACHING_STAFF"
    assert {a for a, f in FORMS.items() if f.gate.code is None} == set(FORMS_WITHOUT_CODE)
    gated = {n for n, c in staff.items() if getattr(c, "__needs_code__", False)}
    assert set(GATED) - gated == set(NOT_REGISTERED) and gated & set(CONTENT_FREE) == set()
    for name in ("inbox.case_button", "inbox.card_from_link", "approvals.decide", "rewards.reward_button",
                 "rewards.admin_decision", "monthly.monthly_command", "quarter_view.quarter_command",
                 "staff_admin.staff_button", "totp_reset.decide"):  # fmt: skip
        assert any(n.endswith(name) for n in GATED), name


# -- helpers -------------------------------------------------------------------------------------


@pytest.fixture
def ring_only(settings, ring):
    """The authenticator's gate on its own: an install whose tips are sealed under the key ring, so no
    passphrase follows the code (the tests below and tests/test_passphrase.py walk it with both)."""
    ring.recovery_public = None
    save_ring(ring, settings.keyring_path)


def _freeze(sim, monkeypatch, at: datetime = NOW) -> None:
    services = services_of(sim)
    monkeypatch.setattr(services, "clock", lambda: at.astimezone(services.tz))


def _code(secret: str, at: datetime, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(at + timedelta(seconds=30 * steps))


async def _enrolled_without_session(sim, user_id: int) -> str:
    """Set up (again) through the use case a minute before NOW, its session ended: the secret."""
    svc = services_of(sim).stepup
    earlier = NOW - timedelta(minutes=1)
    await svc.reset_by_operator(user_id, earlier)  # add_staff signed them in: they start afresh
    enrolment = await svc.begin_enrolment(user_id, STAFF.get(user_id, ("x",))[0], earlier)
    first, second = _code(enrolment.secret, earlier, -1), _code(enrolment.secret, earlier)
    assert await svc.confirm_enrolment(user_id, first, second, earlier)
    await svc.end_session(user_id)
    return enrolment.secret


def _count_decryptions(monkeypatch) -> list[bytes]:
    """Every opening of a tip's content, dialogue, files, identity, a request's reason or payee details."""
    opened: list[bytes] = []
    real = core.crypto.open_sealed
    content = (b"tipline|tips|", b"tipline|tip_messages|", b"tipline|tip_files|", b"tipline|case_requests|",
               b"tipline|rewards|")  # fmt: skip

    def counting(dek: bytes, blob: bytes, aad: bytes) -> bytes:
        if aad.startswith(content):
            opened.append(aad)
        return real(dek, blob, aad)

    monkeypatch.setattr(core.crypto, "open_sealed", counting)
    return opened


def _state(sim, user_id: int):
    return sim.app.chat_data[user_id].get(STATE)


async def _tap_card(user, number: str):
    """The card's button as the person sees it: on /inbox the first time, then on the card itself."""
    try:
        return await user.tap(f"case:open:{number}")
    except LookupError:
        await user.send("/inbox")
        return await user.tap(f"case:open:{number}")


def _deleted(sim, user_id: int, message_id: int) -> bool:
    return (user_id, message_id) in sim.api.deleted


async def _office_with_a_tip(sim, monkeypatch, *without_session: int):
    """The office's staff (and the reward officer); those named set up but without a session; a tip."""
    services = services_of(sim)
    await add_staff(sim)
    async with services.db.transaction() as conn:
        await services.staff.add(conn, REWARD, "奖励专员", Role.REWARD, "", "2026-11-23")
    receipt = await file_tip(sim.user(REPORTER), identity=("张三", "13800138000"))
    _freeze(sim, monkeypatch)
    return receipt.number, {uid: await _enrolled_without_session(sim, uid) for uid in without_session}


# -- every gated entry, without a session ----------------------------------------------------------


async def test_no_gated_entry_decrypts_or_exports_without_a_session(start_bot, monkeypatch):
    async with start_bot() as sim:
        number, _secrets = await _office_with_a_tip(sim, monkeypatch, ADMIN, REWARD, EMERGENCY)
        entries = [  # (who, a command or a press: every press here is forged, the gate comes first)
            (EMERGENCY, f"case:open:{number}"), (EMERGENCY, f"case:files:{number}"),
            (EMERGENCY, f"case:ok:identity:{number}"), (EMERGENCY, f"/start tip_{number}"),
            (REWARD, f"rw:open:{number}"), (REWARD, f"rw:ok:payee:{number}"),
            (ADMIN, f"rwa:ok:yes:{number}:1:1200000"), (ADMIN, "req:ok:yes:1"),
            (ADMIN, "/monthly"), (ADMIN, "/quarter"), (ADMIN, "office:monthly"), (ADMIN, "office:quarter"),
            (ADMIN, "staff:invite"), (ADMIN, "otp:ok:yes:1"),  # a stolen admin account invites no one
            (ADMIN, "/exposure"), (ADMIN, "xp:ok:yes:1"), (ADMIN, "xpm:ok:2026-10"),  # nor publishes in its name
            (ADMIN, "xpl:10"),
        ]  # fmt: skip
        opened = _count_decryptions(monkeypatch)
        asked_before: set[str] = set()
        for who, entry in entries:
            user = sim.user(who)
            mark = len(sim.api.calls)
            replies = await (user.send(entry) if entry.startswith("/") else press(user, entry))
            calls = sim.api.calls[mark:]
            assert [r.text for r in replies if r.kind == "text"] == [PROMPT], entry
            assert not [c for c in calls if c.method in ("sendDocument", "sendPhoto")], entry
            assert not [c for c in calls if c.params.get("protect_content")], entry
            assert opened == [], entry
            asked_before.add(_state(sim, who).handler)
        assert asked_before == set(GATED)  # every gated handler has its entry above
        assert [e.action for e in await services_of(sim).audit.entries(tip=number)] == []


# -- the code ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("ring_only")
async def test_the_code_opens_the_card_asked_for_without_a_second_press(start_bot, monkeypatch):
    async with start_bot() as sim:
        number, secrets = await _office_with_a_tip(sim, monkeypatch, EMERGENCY)
        officer = sim.user(EMERGENCY)
        await officer.send("/inbox")
        [asked] = await officer.tap(f"case:open:{number}")
        assert ASKED in asked.text and DESCRIPTION not in asked.text
        replies = await officer.send(_code(secrets[EMERGENCY], NOW))
        assert _deleted(sim, EMERGENCY, officer.last_update["message"]["message_id"])
        [card] = [r for r in replies if number in r.text]
        assert DESCRIPTION in card.text
        assert [e.action for e in await services_of(sim).audit.entries(tip=number)] == ["tip.view"]
        assert not isinstance(_state(sim, EMERGENCY), StepUp)
        [again] = await officer.tap(f"case:open:{number}")  # the session is open: at once
        assert DESCRIPTION in again.text


@pytest.mark.usefixtures("ring_only")
async def test_a_deep_link_to_a_card_resumes_after_the_code(start_bot, monkeypatch):
    async with start_bot() as sim:
        number, secrets = await _office_with_a_tip(sim, monkeypatch, EMERGENCY)
        officer = sim.user(EMERGENCY)
        [asked] = await officer.send(f"/start tip_{number}")
        assert ASKED in asked.text
        replies = await officer.send(_code(secrets[EMERGENCY], NOW))
        assert any(DESCRIPTION in r.text for r in replies)


@pytest.mark.usefixtures("ring_only")
async def test_a_used_code_and_a_code_of_a_wrong_step_are_refused(start_bot, monkeypatch):
    async with start_bot() as sim:
        number, secrets = await _office_with_a_tip(sim, monkeypatch, EMERGENCY)
        officer = sim.user(EMERGENCY)
        secret = secrets[EMERGENCY]
        await _tap_card(officer, number)
        await officer.send(_code(secret, NOW))
        await services_of(sim).stepup.end_session(EMERGENCY)
        opened = _count_decryptions(monkeypatch)
        [asked] = await _tap_card(officer, number)
        assert ASKED in asked.text
        [used] = await officer.send(_code(secret, NOW))  # the same code again, in its own window
        assert "已经用过" in used.text and _deleted(sim, EMERGENCY, officer.last_update["message"]["message_id"])
        [wrong] = await officer.send(_code(secret, NOW, -2))  # a minute old: outside the drift
        assert "动态码不对" in wrong.text
        [wrong] = await officer.send(_code(secret, NOW, 2))
        assert "动态码不对" in wrong.text
        assert opened == [] and isinstance(_state(sim, EMERGENCY), StepUp)  # tries go on
        replies = await officer.send(_code(secret, NOW, 1))  # the next step: within the drift
        assert any(DESCRIPTION in r.text for r in replies)


@pytest.mark.usefixtures("ring_only")
async def test_too_many_wrong_codes_lock_the_person_out_and_the_admins_are_told(start_bot, monkeypatch):
    async with start_bot() as sim:
        number, secrets = await _office_with_a_tip(sim, monkeypatch, EMERGENCY)
        officer = sim.user(EMERGENCY)
        await _tap_card(officer, number)
        wrong = f"{(int(_code(secrets[EMERGENCY], NOW)) + 1) % 1_000_000:06d}"
        answers = [(await officer.send(wrong))[0].text for _ in range(5)]
        assert all("动态码不对" in a for a in answers[:-1])
        assert "错误次数过多" in answers[-1] and "之后再试" in answers[-1]
        told = [c.params["text"] for c in sim.api.calls_of("sendMessage") if c.params["chat_id"] == ADMIN]
        assert len(told) == 1 and STAFF[EMERGENCY][0] in told[0] and "锁定" in told[0]
        assert wrong not in told[0] and secrets[EMERGENCY] not in told[0]
        assert not any(c.params["chat_id"] in (INTAKE, FIRE, AUDITOR) for c in sim.api.calls_of("sendMessage")
                       if "锁定" in c.params["text"])  # fmt: skip
        [locked] = await _tap_card(officer, number)  # said at once: no code is asked while locked
        assert "错误次数过多" in locked.text and ASKED not in locked.text
        assert not isinstance(_state(sim, EMERGENCY), StepUp)
        [text] = await officer.send(_code(secrets[EMERGENCY], NOW, 1))  # not taken as a code
        assert DESCRIPTION not in text.text
        assert [e.action for e in await services_of(sim).audit.entries(tip=number)] == []
        move_clock(sim, monkeypatch, timedelta(minutes=6))  # the first wait (5 minutes) is over
        [asked] = await _tap_card(officer, number)
        assert ASKED in asked.text
        replies = await officer.send(_code(secrets[EMERGENCY], NOW + timedelta(minutes=6)))
        assert any(DESCRIPTION in r.text for r in replies)


@pytest.mark.usefixtures("ring_only")
async def test_a_form_asks_the_code_before_its_first_question_and_nothing_reaches_the_reporter_before(
    start_bot, monkeypatch
):
    async with start_bot() as sim:
        number, secrets = await _office_with_a_tip(sim, monkeypatch, EMERGENCY)
        officer = sim.user(EMERGENCY)
        [asked] = await press(officer, f"form:ask:{number}")  # a stolen session, no code: forged or not
        assert asked.text == PROMPT
        [word] = await officer.send("请把你的手机号发给 @attacker")  # not the code, and not the question
        assert "6 位数字" in word.text
        assert _deleted(sim, EMERGENCY, officer.last_update["message"]["message_id"])
        replies = await officer.send(_code(secrets[EMERGENCY], NOW))
        [question] = [r for r in replies if r.kind == "text"]
        assert "请把你的手机号" not in question.text and ASKED not in question.text  # the form's first question
        await officer.send("请补充事发车间的位置")
        move_clock(sim, monkeypatch, timedelta(minutes=16))  # the session ended while filling it in
        [again] = await officer.tap("fv:confirm")
        assert again.text == PROMPT
        assert [e.action for e in await services_of(sim).audit.entries(tip=number)] == []  # nothing sent yet
        await officer.send(_code(secrets[EMERGENCY], NOW + timedelta(minutes=16)))
        [(action, detail)] = [(e.action, e.detail) for e in await services_of(sim).audit.entries(tip=number)]
        assert action == "tip.ask" and "@attacker" not in (detail or "")


async def test_a_form_is_not_opened_while_locked_out_or_before_setting_up(start_bot, monkeypatch):
    async with start_bot() as sim:
        number, secrets = await _office_with_a_tip(sim, monkeypatch, EMERGENCY)
        officer = sim.user(EMERGENCY)
        await press(officer, f"form:ask:{number}")
        wrong = f"{(int(_code(secrets[EMERGENCY], NOW)) + 1) % 1_000_000:06d}"
        answers = [(await officer.send(wrong))[0].text for _ in range(5)]
        assert "错误次数过多" in answers[-1]
        [after] = await officer.send("hello")  # the form ended with the lock-out
        assert "6 位数字" not in after.text
        [locked] = await press(officer, f"form:ask:{number}")
        assert "错误次数过多" in locked.text
        await services_of(sim).stepup.reset_by_operator(EMERGENCY, NOW)
        [set_up] = await press(officer, f"form:ask:{number}")
        assert "/totp" in set_up.text


@pytest.mark.usefixtures("ring_only")
async def test_words_sent_while_a_code_is_asked_are_not_wrong_codes_and_go_stale(start_bot, monkeypatch):
    async with start_bot() as sim:
        number, secrets = await _office_with_a_tip(sim, monkeypatch, EMERGENCY)
        officer = sim.user(EMERGENCY)
        await _tap_card(officer, number)
        for word in ("好的", "稍等", "我去拿手机", "ok", "在哪里输入", "好的"):
            [answer] = await officer.send(word)
            assert "6 位数字" in answer.text and "错误次数过多" not in answer.text
        assert "totp.fail" not in [e.action for e in await services_of(sim).audit.entries()]
        assert not [c for c in sim.api.calls_of("sendMessage") if c.params["chat_id"] == ADMIN]  # nobody alarmed
        move_clock(sim, monkeypatch, timedelta(minutes=11))  # the code was asked long ago
        [text] = await officer.send("你好")
        assert "6 位数字" not in text.text and not isinstance(_state(sim, EMERGENCY), StepUp)
        [asked] = await _tap_card(officer, number)  # asked afresh, and the code still opens it
        assert ASKED in asked.text
        replies = await officer.send(_code(secrets[EMERGENCY], NOW + timedelta(minutes=11)))
        assert any(DESCRIPTION in r.text for r in replies)


async def test_the_only_admin_locked_out_is_written_to_the_log_for_the_servers_holder(start_bot, monkeypatch, caplog):
    async with start_bot() as sim:
        number, secrets = await _office_with_a_tip(sim, monkeypatch, ADMIN)
        admin = sim.user(ADMIN)
        await _tap_card(admin, number)
        wrong = f"{(int(_code(secrets[ADMIN], NOW)) + 1) % 1_000_000:06d}"
        with caplog.at_level(logging.INFO, logger="tipline"):
            answers = [(await admin.send(wrong))[0].text for _ in range(5)]
        assert "错误次数过多" in answers[-1]
        [line] = [r for r in caplog.records if "no other admin" in r.getMessage()]
        assert line.levelno == logging.WARNING and str(ADMIN) in line.getMessage()
        assert not any(wrong in r.getMessage() for r in caplog.records)
        assert not [c for c in sim.api.calls_of("sendMessage") if "锁定" in c.params["text"]]


@pytest.mark.usefixtures("ring_only")
async def test_the_session_lasts_session_minutes(start_bot, monkeypatch):
    async with start_bot() as sim:
        number, secrets = await _office_with_a_tip(sim, monkeypatch, EMERGENCY)
        officer = sim.user(EMERGENCY)
        await _tap_card(officer, number)
        await officer.send(_code(secrets[EMERGENCY], NOW))
        move_clock(sim, monkeypatch, timedelta(minutes=14))
        [card] = await _tap_card(officer, number)
        assert DESCRIPTION in card.text
        move_clock(sim, monkeypatch, timedelta(minutes=2))  # 16 minutes after the code: past the 15
        [asked] = await _tap_card(officer, number)
        assert ASKED in asked.text


async def test_cancel_or_another_button_leaves_the_code_entry(start_bot, monkeypatch):
    async with start_bot() as sim:
        number, secrets = await _office_with_a_tip(sim, monkeypatch, EMERGENCY)
        officer = sim.user(EMERGENCY)
        await _tap_card(officer, number)
        [cancelled] = await officer.send("/cancel")
        assert "已取消" in cancelled.text and _state(sim, EMERGENCY) is None
        [stray] = await officer.send(_code(secrets[EMERGENCY], NOW))  # no code is asked now: text is text
        assert "没有看懂" in stray.text
        await _tap_card(officer, number)
        [inbox] = await officer.send("/inbox")  # another command leaves it and goes ahead
        assert "共 1 件" in inbox.text and _state(sim, EMERGENCY) is None


@pytest.mark.usefixtures("ring_only")
async def test_a_form_under_way_comes_back_after_the_code(start_bot, monkeypatch):
    async with start_bot() as sim:
        number, secrets = await _office_with_a_tip(sim, monkeypatch, EMERGENCY)
        officer = sim.user(EMERGENCY)
        await _tap_card(officer, number)
        await officer.send(_code(secrets[EMERGENCY], NOW))
        await officer.tap(f"form:ask:{number}")  # ask the reporter: a form, waiting for the question
        await services_of(sim).stepup.end_session(EMERGENCY)
        [asked] = await officer.tap(f"case:open:{number}")
        assert ASKED in asked.text
        move_clock(sim, monkeypatch, timedelta(minutes=1))
        await officer.send(_code(secrets[EMERGENCY], NOW, 2))
        assert isinstance(_state(sim, EMERGENCY), StaffForm)
        [confirm] = await officer.send("仓库的具体位置在哪里？")
        assert "仓库的具体位置在哪里？" in confirm.text


async def test_a_staff_member_not_set_up_is_walked_to_it_and_the_card_then_opens(start_bot, monkeypatch):
    async with start_bot() as sim:
        number, _secrets = await _office_with_a_tip(sim, monkeypatch)
        clerk = 8600000009
        services = services_of(sim)
        async with services.db.transaction() as conn:
            await services.staff.add(conn, clerk, "新来的小陈", Role.INTAKE, "", "2026-11-23")
        user = sim.user(clerk)
        [qr] = await _tap_card(user, number)
        assert qr.kind == "photo" and DESCRIPTION not in qr.text
        secret = SECRET_SHOWN.search(qr.text)[0].replace(" ", "")
        await user.send(_code(secret, NOW, -1))
        replies = await user.send(_code(secret, NOW))
        assert any("验证器已绑定" in r.text for r in replies)
        # no passphrase yet: told to set one (the card waits for it, and for an admin's grant)
        assert [r.text for r in replies if "/passphrase" in r.text] == [SET_PASSPHRASE_FIRST]
        assert not any(DESCRIPTION in r.text for r in replies) and _state(sim, clerk) is None
        await with_keys(sim, clerk, unlocked=False)  # set, and granted
        [asked] = await _tap_card(user, number)  # the session is open: only the passphrase is asked
        assert asked.text == PASSPHRASE_PROMPT
        replies = await user.send(PASSPHRASE)
        assert _deleted(sim, clerk, user.last_update["message"]["message_id"])
        assert any(DESCRIPTION in r.text for r in replies)


async def test_the_asked_action_survives_a_restart_of_the_bot(start_bot, monkeypatch):
    async with start_bot() as sim:
        number, secrets = await _office_with_a_tip(sim, monkeypatch, EMERGENCY)
        [asked] = await _tap_card(sim.user(EMERGENCY), number)
        assert ASKED in asked.text
    async with start_bot() as sim:  # the unlocked keys are gone with the process: the passphrase is asked too
        _freeze(sim, monkeypatch)
        officer = sim.user(EMERGENCY)
        [asked] = await officer.send(_code(secrets[EMERGENCY], NOW))
        assert asked.text == PASSPHRASE_PROMPT and DESCRIPTION not in asked.text
        replies = await officer.send(PASSPHRASE)
        assert _deleted(sim, EMERGENCY, officer.last_update["message"]["message_id"])
        assert any(DESCRIPTION in r.text for r in replies)


@pytest.mark.usefixtures("ring_only")
async def test_an_authenticator_reset_while_a_code_is_asked_walks_to_the_set_up_then_the_card(start_bot, monkeypatch):
    async with start_bot() as sim:
        number, secrets = await _office_with_a_tip(sim, monkeypatch, EMERGENCY)
        officer = sim.user(EMERGENCY)
        await _tap_card(officer, number)
        assert (await services_of(sim).stepup.reset(EMERGENCY, ADMIN, NOW)).done  # the phone was lost
        [qr] = await officer.send(_code(secrets[EMERGENCY], NOW))  # the old authenticator's code
        assert qr.kind == "photo" and DESCRIPTION not in qr.text
        secret = SECRET_SHOWN.search(qr.text)[0].replace(" ", "")
        assert secret != secrets[EMERGENCY]
        await officer.send(_code(secret, NOW, -1))
        replies = await officer.send(_code(secret, NOW))
        assert any(DESCRIPTION in r.text for r in replies)


async def test_a_set_up_left_half_way_gives_way_to_the_one_a_card_asks_for(start_bot, monkeypatch):
    async with start_bot() as sim:
        number, _secrets = await _office_with_a_tip(sim, monkeypatch)
        clerk = 8600000009
        services = services_of(sim)
        async with services.db.transaction() as conn:
            await services.staff.add(conn, clerk, "新来的小陈", Role.INTAKE, "", "2026-11-23")
        await with_keys(sim, clerk, unlocked=False)
        user = sim.user(clerk)
        [left] = await user.send("/totp")
        [qr] = await _tap_card(user, number)
        assert qr.kind == "photo" and _deleted(sim, clerk, left.message_id)  # the first secret is no more
        secret = SECRET_SHOWN.search(qr.text)[0].replace(" ", "")
        await user.send(_code(secret, NOW, -1))
        await user.send(_code(secret, NOW))
        replies = await user.send(PASSPHRASE)
        assert any(DESCRIPTION in r.text for r in replies)


@pytest.mark.usefixtures("ring_only")
async def test_a_check_under_way_comes_back_after_the_code(start_bot, monkeypatch):
    async with start_bot() as sim:
        number, secrets = await _office_with_a_tip(sim, monkeypatch, EMERGENCY)
        officer = sim.user(EMERGENCY)
        await officer.send("/inbox")
        await officer.send("/start")
        await officer.tap("menu:check")  # checking a report of their own, as anyone may
        assert isinstance(_state(sim, EMERGENCY), CheckMark)
        await officer.tap(f"case:open:{number}")
        replies = await officer.send(_code(secrets[EMERGENCY], NOW))
        assert any(DESCRIPTION in r.text for r in replies)
        assert isinstance(_state(sim, EMERGENCY), CheckMark)
