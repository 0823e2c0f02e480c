"""Staff set up their authenticator (/totp: a protected QR code, two consecutive codes, each code's
message and then the QR message deleted), an admin resets one (an admin's reset needs a second
admin), a forged reset press changes nothing, and the console's staff persona can print its code.
Codes are computed with pyotp on the bot's controlled clock."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pyotp
import pytest

import bot.services
from bot.console import run_console
from bot.personas import PERSONAS
from core.roles import Role
from services.stepup import Need, TotpError
from tests.conftest import services_of
from tests.liaisons import press
from tests.office import PASSPHRASE, with_keys
from tests.reporter import DESCRIPTION, file_tip

ADMIN, ADMIN2, CLERK, OFFICER, REPORTER = 8500000001, 8500000002, 8500000003, 8500000004, 8500000009
#: A moment in the middle of a 30-second step, so a code's step is never a matter of timing.
NOW = datetime.fromtimestamp(1_796_000_000 + 15).astimezone()
SECRET_SHOWN = re.compile(r"[A-Z2-7]{4}(?: [A-Z2-7]{1,4})+")


def _freeze(sim, monkeypatch, at: datetime = NOW) -> None:
    services = services_of(sim)
    monkeypatch.setattr(services, "clock", lambda: at.astimezone(services.tz))


async def _staff(sim, *people: tuple[int, str, Role]) -> None:
    services = services_of(sim)
    async with services.db.transaction() as conn:
        for user_id, name, role in people:
            await services.staff.add(conn, user_id, name, role, "", "2026-11-23")


def _code(secret: str, at: datetime, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(at + timedelta(seconds=30 * steps))


async def _set_up_directly(sim, user_id: int) -> None:
    """Set up an authenticator through the use case (as a person would have, earlier), and a passphrase
    with the keys of their roles, unlocked."""
    svc = services_of(sim).stepup
    enrolment = await svc.begin_enrolment(user_id, "x", NOW)
    assert await svc.confirm_enrolment(user_id, _code(enrolment.secret, NOW, -1), _code(enrolment.secret, NOW), NOW)
    await with_keys(sim, user_id)


async def _begin(sim, user_id: int):
    """/totp: the QR message (a photo, protected) and the secret its caption shows for typing."""
    user = sim.user(user_id)
    [qr] = await user.send("/totp")
    [call] = [c for c in sim.api.calls_of("sendPhoto") if c.result["message_id"] == qr.message_id]
    assert qr.kind == "photo" and call.params["protect_content"] is True
    assert call.files and next(iter(call.files.values())).startswith(b"\x89PNG")
    secret = SECRET_SHOWN.search(qr.text)[0].replace(" ", "")
    return user, qr, secret


def _deleted(sim, user, message_id: int) -> bool:
    return (user.id, message_id) in sim.api.deleted


async def test_a_staff_member_sets_up_the_authenticator_with_two_consecutive_codes(start_bot, monkeypatch):
    async with start_bot() as sim:
        _freeze(sim, monkeypatch)
        await _staff(sim, (CLERK, "受理员小李", Role.INTAKE))
        user, qr, secret = await _begin(sim, CLERK)
        assert "验证器" in qr.text and "受理员小李" in qr.text
        [asked] = await user.send(_code(secret, NOW, -1))
        first_message = user.last_update["message"]["message_id"]
        assert _deleted(sim, user, first_message) and "下一个动态码" in asked.text
        assert not _deleted(sim, user, qr.message_id)
        [done] = await user.send(_code(secret, NOW))
        assert _deleted(sim, user, user.last_update["message"]["message_id"])
        assert _deleted(sim, user, qr.message_id)  # the QR code is gone from the chat
        assert "验证器已绑定" in done.text and "15 分钟" in done.text
        assert await services_of(sim).stepup.need(CLERK, NOW) == Need.NONE  # a session is open
        [again] = await user.send("/totp")
        assert again.kind == "text" and "您已绑定验证器" in again.text and "/staff" in again.text
        assert len(sim.api.calls_of("sendPhoto")) == 1  # no second secret
        [after] = await user.send("hello")  # the set-up is over: text is text again
        assert "没有看懂" in after.text


async def test_the_authenticator_button_of_start_begins_the_set_up(start_bot, monkeypatch):
    async with start_bot() as sim:
        _freeze(sim, monkeypatch)
        await _staff(sim, (CLERK, "受理员小李", Role.INTAKE))
        user = sim.user(CLERK)
        await user.send("/start")
        [qr] = await user.tap("🔐 验证器")
        assert qr.kind == "photo" and "受理员小李" in qr.text
        secret = SECRET_SHOWN.search(qr.text)[0].replace(" ", "")
        await user.send(_code(secret, NOW, -1))
        replies = await user.send(_code(secret, NOW))
        assert any("验证器已绑定" in r.text for r in replies)


async def test_opening_a_card_before_setting_up_walks_there_and_the_card_then_shows(start_bot, monkeypatch):
    async with start_bot() as sim:
        receipt = await file_tip(sim.user(REPORTER))
        _freeze(sim, monkeypatch)
        await _staff(sim, (CLERK, "受理员小李", Role.INTAKE))
        await with_keys(sim, CLERK, unlocked=False)  # a passphrase set, the keys granted
        user = sim.user(CLERK)
        await user.send("/inbox")
        replies = await user.tap(f"case:open:{receipt.number}")
        [qr] = [r for r in replies if r.kind == "photo"]
        assert receipt.number not in "".join(r.text for r in replies)  # nothing decrypted yet
        secret = SECRET_SHOWN.search(qr.text)[0].replace(" ", "")
        await user.send(_code(secret, NOW, -1))
        replies = await user.send(_code(secret, NOW))
        assert any("验证器已绑定" in r.text for r in replies)
        assert any("输入您的口令" in r.text for r in replies) and "/passphrase" not in replies[0].text
        replies = await user.send(PASSPHRASE)
        assert any(receipt.number in r.text and DESCRIPTION[:10] in r.text for r in replies)  # no second press
        assert _deleted(sim, user, qr.message_id)


async def test_a_wrong_code_is_explained_and_deleted_and_the_set_up_goes_on(start_bot, monkeypatch):
    async with start_bot() as sim:
        _freeze(sim, monkeypatch)
        await _staff(sim, (CLERK, "受理员小李", Role.INTAKE))
        user, qr, secret = await _begin(sim, CLERK)
        [not_digits] = await user.send("我的验证码是多少")
        assert _deleted(sim, user, user.last_update["message"]["message_id"])
        assert "6 位数字" in not_digits.text and "/cancel" in not_digits.text
        await user.send(_code(secret, NOW, -1))
        [wrong] = await user.send(_code(secret, NOW, 5))  # not the next step's code
        assert _deleted(sim, user, user.last_update["message"]["message_id"])
        assert "不是前后相连" in wrong.text and "自动" in wrong.text  # wait for the next code; the phone's clock
        assert await services_of(sim).stepup.need(CLERK, NOW) == Need.ENROL
        await user.send(_code(secret, NOW, -1))
        [done] = await user.send(_code(secret, NOW))
        assert "验证器已绑定" in done.text and _deleted(sim, user, qr.message_id)


async def test_a_set_up_begun_before_a_restart_of_the_bot_goes_on_after_it(start_bot, monkeypatch):
    async with start_bot() as sim:
        _freeze(sim, monkeypatch)
        await _staff(sim, (CLERK, "受理员小李", Role.INTAKE))
        _user, qr, secret = await _begin(sim, CLERK)
        await sim.user(CLERK).send(_code(secret, NOW, -1))
    async with start_bot() as sim:
        _freeze(sim, monkeypatch)
        [done] = await sim.user(CLERK).send(_code(secret, NOW))
        assert "验证器已绑定" in done.text and (CLERK, qr.message_id) in sim.api.deleted


async def test_cancel_leaves_the_set_up_and_deletes_the_qr_code(start_bot, monkeypatch):
    async with start_bot() as sim:
        _freeze(sim, monkeypatch)
        await _staff(sim, (CLERK, "受理员小李", Role.INTAKE))
        user, qr, _secret = await _begin(sim, CLERK)
        [cancelled] = await user.send("/cancel")
        assert "已取消绑定验证器" in cancelled.text and _deleted(sim, user, qr.message_id)
        assert await services_of(sim).stepup.need(CLERK, NOW) == Need.ENROL
        [stray] = await user.send("123456")
        assert "没有看懂" in stray.text


async def test_strangers_get_no_secret(start_bot):
    async with start_bot() as sim:
        [refused] = await sim.user(8500000099).send("/totp")
        assert "仅限" in refused.text or "仅供" in refused.text
        assert sim.api.calls_of("sendPhoto") == []


async def test_an_admin_resets_a_colleagues_authenticator_and_the_colleague_is_told(start_bot, monkeypatch):
    async with start_bot() as sim:
        _freeze(sim, monkeypatch)
        await _staff(sim, (ADMIN, "主任", Role.ADMIN), (OFFICER, "老周", Role.INTAKE), (CLERK, "小李", Role.INTAKE))
        await _set_up_directly(sim, OFFICER)
        await _set_up_directly(sim, ADMIN)  # the reset buttons ask the admin's own code
        admin = sim.user(ADMIN)
        [panel] = await admin.send("/staff")
        assert "🔐 重置老周的验证器" in panel.labels
        assert "🔐 重置小李的验证器" not in panel.labels  # nothing to reset
        assert not any("主任" in label and "验证器" in label for label in panel.labels)  # never one's own
        [question] = await admin.tap("🔐 重置老周的验证器")
        assert "确定重置老周的验证器吗" in question.text
        replies = await admin.tap(f"staff:totp_yes:{OFFICER}")
        assert any("已重置：老周须用 /totp 重新绑定验证器" in r.text for r in replies)
        told = [c.params["text"] for c in sim.api.sent_to(OFFICER) if c.method == "sendMessage"]
        assert any("管理员已重置您的验证器" in t and "/totp" in t for t in told)
        assert await services_of(sim).stepup.need(OFFICER, NOW) == Need.ENROL
        _user, _qr, _secret = await _begin(sim, OFFICER)  # they set it up again


async def test_resetting_an_admin_needs_a_second_admins_approval(start_bot, monkeypatch):
    async with start_bot() as sim:
        _freeze(sim, monkeypatch)
        await _staff(sim, (ADMIN, "主任", Role.ADMIN), (ADMIN2, "副主任", Role.ADMIN))
        await _set_up_directly(sim, ADMIN2)
        await _set_up_directly(sim, ADMIN)
        admin, other = sim.user(ADMIN), sim.user(ADMIN2)
        await admin.send("/staff")
        await admin.tap("🔐 重置副主任的验证器")
        [pending] = await admin.tap(f"staff:totp_yes:{ADMIN2}")
        assert "副主任是管理员" in pending.text and "另一位管理员批准" in pending.text
        assert await services_of(sim).stepup.need(ADMIN2, NOW) == Need.NONE  # nothing reset yet
        request, data = other.find_button("批准")
        assert "主任申请重置管理员副主任的验证器" in request["text"]
        [own] = await press(admin, data.replace("otp:", "otp:ok:"))  # the requester deciding it (forged)
        assert "这是您自己提出的重置申请" in own.text
        [confirm] = await other.tap(data)
        assert "确定批准重置副主任的验证器吗" in confirm.text
        replies = await other.tap(data.replace("otp:", "otp:ok:"))
        assert any("已批准：副主任的验证器已重置" in r.text for r in replies)
        told_requester = [c.params["text"] for c in sim.api.sent_to(ADMIN) if c.method == "sendMessage"]
        assert any("申请已批准" in t for t in told_requester)
        assert await services_of(sim).stepup.need(ADMIN2, NOW) == Need.ENROL
        [twice] = await other.tap(data.replace("otp:", "otp:ok:"))  # reset now: walked to the set-up first
        assert "请先绑定" in twice.text and twice.kind == "photo"
        with pytest.raises(TotpError, match="decided"):
            await services_of(sim).stepup.decide_reset(int(data.rsplit(":", 1)[1]), ADMIN2, True, NOW)


async def test_a_refused_reset_of_an_admin_changes_nothing(start_bot, monkeypatch):
    async with start_bot() as sim:
        _freeze(sim, monkeypatch)
        await _staff(sim, (ADMIN, "主任", Role.ADMIN), (ADMIN2, "副主任", Role.ADMIN))
        await _set_up_directly(sim, ADMIN2)
        await _set_up_directly(sim, ADMIN)
        admin, other = sim.user(ADMIN), sim.user(ADMIN2)
        await admin.send("/staff")
        await admin.tap("🔐 重置副主任的验证器")
        await admin.tap(f"staff:totp_yes:{ADMIN2}")
        _request, data = other.find_button("不批准")
        await other.tap(data)
        replies = await other.tap(data.replace("otp:", "otp:ok:"))
        assert any("已不批准：副主任的验证器保持不变" in r.text for r in replies)
        told_requester = [c.params["text"] for c in sim.api.sent_to(ADMIN) if c.method == "sendMessage"]
        assert any("申请未获批准" in t for t in told_requester)
        assert await services_of(sim).stepup.need(ADMIN2, NOW) == Need.NONE


async def test_with_three_admins_the_one_reset_cannot_approve_it_and_a_third_decides(start_bot, monkeypatch):
    third = 8500000005
    async with start_bot() as sim:
        _freeze(sim, monkeypatch)
        await _staff(sim, (ADMIN, "主任", Role.ADMIN), (ADMIN2, "副主任", Role.ADMIN), (third, "老王", Role.ADMIN))
        for user_id in (ADMIN, ADMIN2, third):
            await _set_up_directly(sim, user_id)
        admin, target, other = sim.user(ADMIN), sim.user(ADMIN2), sim.user(third)
        await admin.send("/staff")
        await admin.tap("🔐 重置副主任的验证器")
        await admin.tap(f"staff:totp_yes:{ADMIN2}")
        with pytest.raises(LookupError):
            target.find_button("批准")  # not asked: whoever holds their account must not approve it
        _request, data = other.find_button("批准")
        [own] = await press(target, data.replace("otp:", "otp:ok:"))  # forged by the one to be reset
        assert "这是您本人的验证器" in own.text
        assert await services_of(sim).stepup.need(ADMIN2, NOW) == Need.NONE
        await other.tap(data)
        await other.tap(data.replace("otp:", "otp:ok:"))
        assert await services_of(sim).stepup.need(ADMIN2, NOW) == Need.ENROL


async def test_the_operators_reset_closes_a_pending_request(start_bot, monkeypatch):
    async with start_bot() as sim:
        _freeze(sim, monkeypatch)
        await _staff(sim, (ADMIN, "主任", Role.ADMIN), (ADMIN2, "副主任", Role.ADMIN))
        for user_id in (ADMIN, ADMIN2):
            await _set_up_directly(sim, user_id)
        stepup = services_of(sim).stepup
        pending = await stepup.reset(ADMIN2, ADMIN, NOW)
        assert not pending.done
        assert await stepup.reset_by_operator(ADMIN2, NOW)
        await _set_up_directly(sim, ADMIN2)  # set up again since
        with pytest.raises(TotpError):  # approving the old request would wipe it
            await stepup.decide_reset(pending.request_id, ADMIN2, True, NOW)
        assert await stepup.need(ADMIN2, NOW) == Need.NONE


@pytest.mark.parametrize(
    ("who", "data"),
    [
        (OFFICER, f"staff:totp_yes:{CLERK}"),  # not an admin
        (ADMIN, f"staff:totp_yes:{ADMIN}"),  # one's own
        (ADMIN, "staff:totp_yes:someone"),  # not a user id
        (ADMIN, "otp:ok:yes:999"),  # no such request
        (OFFICER, "otp:ok:yes:1"),  # not an admin
    ],
)
async def test_a_forged_reset_press_changes_nothing(start_bot, monkeypatch, who, data):
    async with start_bot() as sim:
        _freeze(sim, monkeypatch)
        await _staff(sim, (ADMIN, "主任", Role.ADMIN), (OFFICER, "老周", Role.INTAKE), (CLERK, "小李", Role.INTAKE))
        for user_id in (ADMIN, CLERK):
            await _set_up_directly(sim, user_id)
        await press(sim.user(who), data)
        stepup = services_of(sim).stepup
        assert await stepup.need(ADMIN, NOW) == Need.NONE and await stepup.need(CLERK, NOW) == Need.NONE
        assert not any(c.method == "sendMessage" for c in sim.api.sent_to(CLERK))


class _Frozen(datetime):
    @classmethod
    def now(cls, tz=None):
        return NOW.astimezone(tz)


async def test_the_consoles_staff_persona_has_an_authenticator_and_prints_its_code(
    settings, ring, office, start_bot, monkeypatch
):
    monkeypatch.setattr(bot.services, "datetime", _Frozen)  # the console's clock, held still
    out = io.StringIO()
    script = io.StringIO(":totp\n/totp\n:help\n")
    await run_console(settings, office, ring, "staff", stdin=script, out=out)
    shown = out.getvalue()
    assert ":totp" in shown and "type :totp" in shown
    code = re.search(r"your authenticator shows (\d{6})", shown)[1]
    assert "您已绑定验证器" in shown
    async with start_bot() as sim:
        assert await services_of(sim).stepup.current_code(PERSONAS["staff"].user_id, NOW) == code
    reporter = io.StringIO()
    await run_console(settings, office, ring, "reporter", stdin=io.StringIO(":totp\n"), out=reporter)
    assert "you have no authenticator" in reporter.getvalue()
