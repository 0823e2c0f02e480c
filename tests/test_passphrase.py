"""A staff member's passphrase (issue 20): after the code, the gate asks it when their keys are not unlocked
(after a restart, /lock, a new session), deletes the message holding it, and the action goes on; wrong
ones count towards the lock-out; /passphrase sets, changes or replaces a forgotten one; an admin grants
the keys of a new member's role in /staff, and deactivating a member revokes them. What is typed never
reaches a log, the chat's state or the database."""

from __future__ import annotations

import logging

import pytest

from core import keys, totp
from core.keys import Locked
from core.roles import Role
from handlers.office.passphrase import ENTRIES
from handlers.state import StepUp
from tests.conftest import every_byte_under, services_of
from tests.liaisons import press
from tests.media import photo_with_exif
from tests.office import ADMIN, EMERGENCY, FIRE, PASSPHRASE, REPORTER, SIGNED_IN_FOR, STAFF, add_staff
from tests.reporter import DESCRIPTION, file_tip
from tests.test_stepup_gate import (
    NOW,
    PASSPHRASE_PROMPT,
    PROMPT,
    SECRET_SHOWN,
    SET_PASSPHRASE_FIRST,
    _code,
    _deleted,
    _enrolled_without_session,
    _freeze,
    _state,
    _tap_card,
)

#: A new passphrase typed in these tests: looked for in the logs and the data dir.
NEW = "西山村储罐区的巡查口令 7391"
NEWBIE = 8400000011


async def _office_with_a_tip(sim, monkeypatch, industry: str = "hazchem") -> tuple[str, str]:
    """The office's staff; the emergency officer set up again without a session, their keys not unlocked
    (as after a restart); a tip. The tip's number and the officer's authenticator secret."""
    await add_staff(sim)
    number = (await file_tip(sim.user(REPORTER), industry=industry)).number
    _freeze(sim, monkeypatch)
    secret = await _enrolled_without_session(sim, EMERGENCY)
    services_of(sim).keys.lock(EMERGENCY)
    return number, secret


async def _actions(sim) -> list[str]:
    return [e.action for e in await services_of(sim).audit.entries()]


def _told(sim, chat_id: int) -> list[str]:
    return [c.params["text"] for c in sim.api.sent_to(chat_id) if c.method == "sendMessage"]


# -- the gate ------------------------------------------------------------------------------------


async def test_after_a_restart_a_card_asks_the_code_then_the_passphrase_and_opens(
    start_bot, monkeypatch, caplog, settings
):
    async with start_bot() as sim:
        number, secret = await _office_with_a_tip(sim, monkeypatch)
    with caplog.at_level(logging.DEBUG):
        async with start_bot() as sim:  # the keys unlocked before are gone with the process
            _freeze(sim, monkeypatch)
            officer = sim.user(EMERGENCY)
            [asked] = await _tap_card(officer, number)
            assert asked.text == PROMPT
            [asked] = await officer.send(_code(secret, NOW))
            assert asked.text == PASSPHRASE_PROMPT and DESCRIPTION not in asked.text
            assert isinstance(_state(sim, EMERGENCY), StepUp)
            replies = await officer.send(PASSPHRASE)
            assert _deleted(sim, EMERGENCY, officer.last_update["message"]["message_id"])
            assert any(DESCRIPTION in r.text for r in replies)  # no second press
            assert not isinstance(_state(sim, EMERGENCY), StepUp)
            assert "keys.unlock" in await _actions(sim)
            assert PASSPHRASE not in repr(dict(sim.app.chat_data[EMERGENCY]))
            [again] = await _tap_card(officer, number)  # unlocked for the session: at once
            assert DESCRIPTION in again.text
    assert "passphrase accepted" in caplog.text  # the log was read
    assert PASSPHRASE not in caplog.text
    assert not any(PASSPHRASE in str(r.args) for r in caplog.records)
    stored = every_byte_under(settings.data_dir)
    assert b"SQLite format 3" in stored and PASSPHRASE.encode() not in stored


async def test_a_wrong_passphrase_is_said_and_asked_again_and_too_many_lock_the_person_out(start_bot, monkeypatch):
    async with start_bot() as sim:
        number, secret = await _office_with_a_tip(sim, monkeypatch)
        officer = sim.user(EMERGENCY)
        await _tap_card(officer, number)
        await officer.send(_code(secret, NOW))
        [wrong] = await officer.send("这不是我的口令，但是够长")
        assert "口令不对" in wrong.text and _deleted(sim, EMERGENCY, officer.last_update["message"]["message_id"])
        [short] = await officer.send("好的")  # shorter than any passphrase: answered, not counted
        assert "至少 10 个字符" in short.text
        assert [e.detail for e in await services_of(sim).audit.entries() if e.action == "totp.fail"] == [
            "passphrase;failures=1"
        ]
        answers = [(await officer.send(f"还是不对的口令第{n}次")).pop().text for n in range(4)]
        assert all("口令不对" in a for a in answers[:-1]) and "口令错误次数过多" in answers[-1]
        [told] = [t for t in _told(sim, ADMIN) if "口令" in t]
        assert STAFF[EMERGENCY][0] in told and "锁定" in told and "还是不对" not in told
        [locked] = await _tap_card(officer, number)  # the session ended with the lock-out: nothing is asked
        assert "错误次数过多" in locked.text and DESCRIPTION not in locked.text


async def test_a_sticker_or_a_photo_where_the_passphrase_is_asked_is_deleted_and_it_is_asked_again(
    start_bot, monkeypatch
):
    async with start_bot() as sim:
        number, secret = await _office_with_a_tip(sim, monkeypatch)
        officer = sim.user(EMERGENCY)
        await _tap_card(officer, number)
        await officer.send(_code(secret, NOW))
        [sticker] = await officer.send_sticker()
        assert "以文字发送您的口令" in sticker.text
        [photo] = await officer.send_photo(photo_with_exif(), caption=PASSPHRASE)  # the caption may hold it
        assert "以文字发送您的口令" in photo.text
        assert _deleted(sim, EMERGENCY, officer.last_update["message"]["message_id"])
        assert isinstance(_state(sim, EMERGENCY), StepUp) and "totp.fail" not in await _actions(sim)
        replies = await officer.send(PASSPHRASE)
        assert any(DESCRIPTION in r.text for r in replies)


async def test_a_form_asks_the_passphrase_after_the_code_before_its_first_question(start_bot, monkeypatch):
    async with start_bot() as sim:
        number, secret = await _office_with_a_tip(sim, monkeypatch)
        officer = sim.user(EMERGENCY)
        [asked] = await press(officer, f"form:ask:{number}")
        assert asked.text == PROMPT
        [asked] = await officer.send(_code(secret, NOW))
        assert asked.text == PASSPHRASE_PROMPT
        [wrong] = await officer.send("请补充事发车间的具体位置")  # taken as a passphrase, not as the question
        assert "口令不对" in wrong.text
        replies = await officer.send(PASSPHRASE)
        assert _deleted(sim, EMERGENCY, officer.last_update["message"]["message_id"])
        [question] = [r for r in replies if r.kind == "text"]
        assert "口令" not in question.text and "6 位数字" not in question.text  # the form's first question


async def test_lock_forgets_the_keys_and_the_next_card_asks_the_code_and_the_passphrase_again(start_bot, monkeypatch):
    async with start_bot() as sim:
        number, secret = await _office_with_a_tip(sim, monkeypatch)
        officer = sim.user(EMERGENCY)
        await _tap_card(officer, number)
        await officer.send(_code(secret, NOW))
        replies = await officer.send(PASSPHRASE)
        assert any(DESCRIPTION in r.text for r in replies)
        [locked] = await officer.send("/lock")
        assert "已上锁" in locked.text
        assert services_of(sim).keys.chain(EMERGENCY, services_of(sim).clock()) is None
        [asked] = await _tap_card(officer, number)
        assert asked.text == PROMPT
        [asked] = await officer.send(_code(secret, NOW, 1))
        assert asked.text == PASSPHRASE_PROMPT
        replies = await officer.send(PASSPHRASE)
        assert any(DESCRIPTION in r.text for r in replies)


async def test_a_member_without_a_passphrase_is_told_to_set_one_and_the_action_ends(start_bot, monkeypatch):
    async with start_bot() as sim:
        await add_staff(sim)
        number = (await file_tip(sim.user(REPORTER))).number
        await _new_member(sim, Role.INTAKE, "")
        [told] = await _tap_card(sim.user(NEWBIE), number)
        assert told.text == SET_PASSPHRASE_FIRST and _state(sim, NEWBIE) is None


# -- /passphrase ---------------------------------------------------------------------------------


async def _new_member(sim, role: Role, department: str) -> None:
    """A staff member with an authenticator and a session open, and no passphrase."""
    services = services_of(sim)
    now = services.clock()
    async with services.db.transaction() as conn:
        await services.staff.add(conn, NEWBIE, "消防所小李", role, department, "2026-11-23")
    async with services.db.unit_of_work(records=services.stepup.records) as uow:
        await uow.records.begin(NEWBIE, totp.new_secret())
        assert await uow.records.confirm(NEWBIE, totp.step_of(now), now, now + SIGNED_IN_FOR)


async def _type_new(sim, user) -> list[str]:
    """The new passphrase, typed twice: each message deleted. The answers."""
    answers = []
    for _time in range(2):
        answers += [r.text for r in await user.send(NEW)]
        assert _deleted(sim, user.id, user.last_update["message"]["message_id"])
    return answers


async def test_a_new_member_sets_a_passphrase_an_admin_grants_the_keys_and_only_their_departments_open(start_bot):
    async with start_bot() as sim:
        services = services_of(sim)
        await add_staff(sim)
        fire = (await file_tip(sim.user(REPORTER), industry="fire")).number
        hazchem = (await file_tip(sim.user(REPORTER + 100))).number
        await _new_member(sim, Role.DEPARTMENT, "fire")
        newbie = sim.user(NEWBIE)
        [choose] = await newbie.send("/passphrase")
        assert "至少 10 个字符" in choose.text
        [short] = await newbie.send("小李的口令")
        assert "太短了" in short.text and _deleted(sim, NEWBIE, newbie.last_update["message"]["message_id"])
        await newbie.send(NEW)
        [mismatch] = await newbie.send(NEW + "！")
        assert "不一致" in mismatch.text
        *_, done = await _type_new(sim, newbie)
        assert "口令已设置" in done and "管理员已收到通知" in done
        assert NEWBIE not in sim.app.bot_data.get(ENTRIES, {})  # what was typed is dropped
        [told] = [t for t in _told(sim, ADMIN) if "设置了新口令" in t]
        assert "消防所小李" in told and NEW not in told

        admin = sim.user(ADMIN)
        [panel] = await admin.send("/staff")
        assert "消防所小李" in panel.text and "待授予密钥" in panel.text
        assert "尚未设置口令" not in panel.text  # everyone else set theirs
        [confirm] = await admin.tap("🔑 授予密钥：消防所小李")
        assert "确定授予消防所小李以下密钥吗" in confirm.text
        replies = await admin.tap(f"staff:keys_yes:{NEWBIE}")
        assert any("已授予" in r.text for r in replies)
        assert "keys.grant" in await _actions(sim)
        assert any("管理员已授予您" in t for t in _told(sim, NEWBIE))
        [panel] = await admin.send("/staff")
        assert "待授予密钥" not in panel.text and "授予密钥" not in repr(panel.labels)

        [asked] = await _tap_card(newbie, fire)  # the session is open: the passphrase
        assert asked.text == PASSPHRASE_PROMPT
        replies = await newbie.send(NEW)
        assert any(DESCRIPTION in r.text for r in replies)
        chain = services.keys.chain(NEWBIE, services.clock())
        keys.set_acting(chain)  # their keys, as their updates act with them
        try:
            assert (await services.tips.content(fire)).description
            with pytest.raises(Locked):
                await services.tips.content(hazchem)  # another department's tip: their keys do not open it
        finally:
            keys.set_acting(keys.NOBODY)


async def test_changing_the_passphrase_needs_the_current_one_and_keeps_the_keys(start_bot, monkeypatch):
    async with start_bot() as sim:
        number, secret = await _office_with_a_tip(sim, monkeypatch)
        services = services_of(sim)
        held = await services.keys.store.held(EMERGENCY)
        officer = sim.user(EMERGENCY)
        [ask] = await officer.send("/passphrase")
        assert "要更改口令" in ask.text and "忘记口令了" in ask.labels
        [wrong] = await officer.send("这不是我现在的口令啊")
        assert "口令不对" in wrong.text and _deleted(sim, EMERGENCY, officer.last_update["message"]["message_id"])
        assert "passphrase;failures=1" in [e.detail for e in await services.audit.entries()]
        [right] = await officer.send(PASSPHRASE)
        assert "现在请发送新口令" in right.text
        *_, done = await _type_new(sim, officer)
        assert "口令已更改" in done
        assert await services.keys.store.held(EMERGENCY) == held and held
        assert not [t for t in _told(sim, ADMIN) if "设置了新口令" in t]  # nothing to grant
        await _tap_card(officer, number)
        [asked] = await officer.send(_code(secret, NOW))
        assert asked.text == PASSPHRASE_PROMPT
        [old] = await officer.send(PASSPHRASE)
        assert "口令不对" in old.text
        replies = await officer.send(NEW)
        assert any(DESCRIPTION in r.text for r in replies)


async def test_a_forgotten_passphrase_is_replaced_and_the_admins_must_grant_the_keys_again(start_bot):
    async with start_bot() as sim:
        services = services_of(sim)
        await add_staff(sim)
        officer = sim.user(EMERGENCY)
        await officer.send("/passphrase")
        [forgot] = await officer.tap("忘记口令了")
        assert "新口令" in forgot.text and "重新授予" in forgot.text
        *_, done = await _type_new(sim, officer)
        assert "口令已设置" in done
        assert await services.keys.store.held(EMERGENCY) == set()
        assert services.keys.chain(EMERGENCY, services.clock()) is None
        assert any(STAFF[EMERGENCY][0] in t and "设置了新口令" in t for t in _told(sim, ADMIN))
        [panel] = await sim.user(ADMIN).send("/staff")
        assert f"🔑 授予密钥：{STAFF[EMERGENCY][0]}" in panel.labels


async def test_a_forgotten_passphrase_is_replaced_only_right_after_the_authenticator_code(start_bot):
    """Whoever holds only the Telegram account cannot put in a key of their own for an admin to grant to."""
    async with start_bot() as sim:
        services = services_of(sim)
        await add_staff(sim)
        await services.stepup.end_session(FIRE)  # the session ended: the code is not in
        officer = sim.user(FIRE)
        await officer.send("/passphrase")
        [refused] = await officer.tap("忘记口令了")
        assert "验证器" in refused.text and "/inbox" in refused.text
        assert await services.keys.store.held(FIRE)  # nothing changed
        await officer.send("输入新口令的尝试 123")
        assert await services.keys.store.held(FIRE)


async def test_cancel_leaves_the_passphrase_unchanged_and_another_command_goes_ahead(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        officer = sim.user(EMERGENCY)
        await officer.send("/passphrase")
        [cancelled] = await officer.send("/cancel")
        assert "口令没有改变" in cancelled.text
        [stray] = await officer.send(PASSPHRASE)  # no passphrase asked now: text is text
        assert "口令" not in stray.text
        await officer.send("/passphrase")
        [inbox] = await officer.send("/inbox")
        assert "共" in inbox.text and EMERGENCY not in sim.app.bot_data.get(ENTRIES, {})


async def test_the_authenticators_set_up_invites_to_set_a_passphrase(start_bot, monkeypatch):
    async with start_bot() as sim:
        await add_staff(sim)
        _freeze(sim, monkeypatch)
        services = services_of(sim)
        async with services.db.transaction() as conn:
            await services.staff.add(conn, NEWBIE, "新来的小陈", Role.INTAKE, "", "2026-11-23")
        user = sim.user(NEWBIE)
        [qr] = await user.send("/totp")
        secret = SECRET_SHOWN.search(qr.text)[0].replace(" ", "")
        await user.send(_code(secret, NOW, -1))
        [done] = await user.send(_code(secret, NOW))
        assert "验证器已绑定" in done.text and "/passphrase" in done.text


# -- deactivation ------------------------------------------------------------------------------


async def test_deactivating_a_member_revokes_their_keys(start_bot):
    async with start_bot() as sim:
        services = services_of(sim)
        await add_staff(sim)
        assert await services.keys.store.held(EMERGENCY)
        admin = sim.user(ADMIN)
        await admin.send("/staff")
        await admin.tap(f"staff:remove:{EMERGENCY}")
        await admin.tap(f"staff:remove_yes:{EMERGENCY}")
        assert await services.keys.store.held(EMERGENCY) == set()
        assert services.keys.chain(EMERGENCY, services.clock()) is None
        # deleted in the deactivation's own transaction (services.people), audited as that
        [deactivated] = [e for e in await services.audit.entries() if e.action == "staff.deactivate"]
        assert deactivated.actor == ADMIN and str(EMERGENCY) in deactivated.detail
