"""Staff panels, codes, name lists and figures are shown in private chats only. In a group every command
the bot answers gets one line ("请在与机器人的私聊中使用此功能。") and nothing else, every button press
(a forged one too) an alert to the presser alone, and /chatid answers privately. The test walks the
handlers of the built Application, so a command or button added later is fired here too."""

from __future__ import annotations

import re
from datetime import timedelta
from re import _parser as sre  # the regex parser, to make a press that each button pattern matches

import pytest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler

from core.roles import Role
from storage.staff import Invite, InviteError
from tests.conftest import ROOT, services_of
from tests.liaisons import CONTACT, add_unit, code_for, register_directly
from tests.office import ADMIN, STAFF, add_staff
from tests.reporter import file_tip

LINE = "请在与机器人的私聊中使用此功能。"
CANCELLED = "这个邀请码已在群里发出，因此已作废。请重新索取一个新的邀请码，并在与机器人的私聊中发送。"
REPORTER, NEWCOMER = 8400000301, 8400000302
GROUP_ID = -1001000000777
CODE = re.compile(r"[A-Z0-9]{4}-[A-Z0-9]{4}")
#: Presses with data a handler would act on (an invite, a unit's code, a lock); every other pattern gets
#: a press made from the pattern itself.
PRESSES = ("staff:invite", "staff:role:admin", "staff:dep:emergency", "staff:remove_yes:8400000002",
           "units:page:0", "units:invite:1", "mon:lock:2026-11", "mon:ok:lock:2026-11", "office:staff",
           "office:units", "office:stats", "office:inbox", "office:rewards", "office:monthly", "office:quarter",
           "menu:liaison", "menu:check", "menu:report", "menu:help", "lang:en", "form:unit:new",
           "no-such-button")  # fmt: skip


def _handlers(handlers) -> list[BaseHandler]:
    found = []
    for handler in handlers:
        if isinstance(handler, ConversationHandler):
            found += _handlers([*handler.entry_points, *(h for s in handler.states.values() for h in s),
                                *handler.fallbacks])  # fmt: skip
        else:
            found.append(handler)
    return found


def registered(sim) -> list[BaseHandler]:
    return _handlers(h for group in sim.app.handlers.values() for h in group)


def _emit(items) -> str:
    """The shortest text of a parsed regex (first branch, first character of a set, one repeat)."""
    out = []
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(av))
        elif name == "SUBPATTERN":
            out.append(_emit(av[-1]))
        elif name == "BRANCH":
            out.append(_emit(av[1][0]))
        elif name in ("MAX_REPEAT", "MIN_REPEAT"):
            out.append(_emit(av[2]) * max(av[0], 1))
        elif name == "IN":
            kind, value = av[0]
            out.append({"LITERAL": chr(value) if str(kind) == "LITERAL" else "", "RANGE": chr(value[0])
                        if str(kind) == "RANGE" else ""}.get(str(kind), "1"))  # fmt: skip
        elif name != "AT":
            out.append("1")
    return "".join(out)


def presses(sim) -> list[str]:
    """PRESSES, and one press for each button pattern none of them matches."""
    data = list(PRESSES)
    for handler in registered(sim):
        pattern = handler.pattern if isinstance(handler, CallbackQueryHandler) else None
        if isinstance(pattern, re.Pattern) and not any(pattern.match(d) for d in data):
            made = _emit(sre.parse(pattern.pattern))
            assert pattern.match(made), f"add a press for {pattern.pattern}"
            data.append(made)
    return data


async def _office(sim):
    """The admin holds every role and is a unit's liaison; a tip is in; two codes are out."""
    services = services_of(sim)
    await add_staff(sim)
    async with services.db.transaction() as conn:
        for role in (Role.INTAKE, Role.REWARD, Role.AUDITOR):
            await services.staff.add(conn, ADMIN, "主任", role, "", "2026-11-23")
    unit = await add_unit(sim)
    await register_directly(sim, unit, user_id=ADMIN)
    receipt = await file_tip(sim.user(REPORTER))
    return unit, receipt.number


def secrets(number: str) -> list[str]:
    """What must never show in a group: names, phones, the unit, the tip."""
    return [number, "东平村", CONTACT.phone, CONTACT.head_phone, *(name for name, _, _ in STAFF.values())]


def _said_in_group(sim, mark: int) -> list[str]:
    return [r.text for r in sim.replies_in(GROUP_ID, mark)]


def _files_sent(sim, mark: int) -> list[str]:
    return [c.method for c in sim.api.calls[mark:] if c.method in ("sendDocument", "sendPhoto", "sendMediaGroup")]


async def _admin_invite(sim) -> str:
    services = services_of(sim)
    at = services.clock()
    async with services.db.transaction() as conn:
        return await services.staff.add_invite(conn, Invite("staff", Role.ADMIN, ""), ADMIN, at + timedelta(hours=72))


async def _invites(sim) -> int:
    db = services_of(sim).db
    async with db.committed() as conn, conn.execute("SELECT COUNT(*) FROM invites") as cursor:
        return (await cursor.fetchone())[0]


async def test_every_command_in_a_group_says_one_line_and_uses_no_code(start_bot):
    async with start_bot() as sim:
        unit, number = await _office(sim)
        liaison_code, staff_code = await code_for(sim, unit), await _admin_invite(sim)
        commands = {c for h in registered(sim) if isinstance(h, CommandHandler) for c in h.commands}
        office = {"staff", "stats", "units", "rewards", "monthly", "quarter", "inbox", "totp"}
        assert office | {"join", "register"} <= commands
        args = {"join": staff_code, "register": liaison_code, "start": f"tip_{number}", "stats": "2026"}
        group, admin = sim.group(GROUP_ID), sim.user(ADMIN)
        invites = await _invites(sim)
        for command in sorted(commands):
            for text in (f"/{command} {args.get(command, '')}".strip(), f"/{command}@tipline_bot"):
                mark = len(sim.api.calls)
                said = await group.send(admin, text)
                private = [r.text for r in sim.replies_in(ADMIN, mark)]
                if command == "chatid":
                    assert said == [] and len(private) == 1 and str(GROUP_ID) in private[0]
                    continue
                line = CANCELLED if command in ("join", "register") and " " in text else LINE
                assert [(r.text, r.buttons) for r in said] == [(line, [])], text
                assert private == [] and _files_sent(sim, mark) == [], text
        assert await _invites(sim) == invites
        # the codes sent in the group are known to it: cancelled (audited), never used
        [refused] = await sim.user(NEWCOMER).send(f"/join {staff_code}")
        assert "欢迎" not in refused.text and await services_of(sim).staff.get(NEWCOMER) is None
        with pytest.raises(InviteError):
            await services_of(sim).people.invited_unit(liaison_code, services_of(sim).clock())
        revoked = [e for e in await services_of(sim).audit.entries() if e.action == "invite.revoke"]
        assert [e.detail for e in revoked] == ["sent in a group"] * 2


async def test_every_button_pressed_in_a_group_shows_nothing(start_bot):
    async with start_bot() as sim:
        _, number = await _office(sim)
        group, admin = sim.group(GROUP_ID), sim.user(ADMIN)
        message = {"message_id": 1, "date": 0, "chat": group.chat, "text": "x"}
        invites, start = await _invites(sim), len(sim.api.calls)
        for data in [*presses(sim), f"case:open:{number}", f"inbox:{number}"]:
            mark = len(sim.api.calls)
            assert await admin.press(message, data) == [], data  # nothing in the admin's private chat
            assert _said_in_group(sim, mark) == [] and _files_sent(sim, mark) == [], data
            answers = [c.params.get("text", "") for c in sim.api.calls[mark:] if c.method == "answerCallbackQuery"]
            assert answers == [LINE], data  # the presser alone sees the line
        assert await _invites(sim) == invites
        shown = " ".join(str(c.params) for c in sim.api.calls[start:])
        assert [s for s in secrets(number) if s in shown] == [] and not CODE.search(shown)


async def test_staff_then_invite_in_a_group_creates_no_invite_code(start_bot):
    async with start_bot() as sim:
        await _office(sim)
        group, admin = sim.group(GROUP_ID), sim.user(ADMIN)
        invites = await _invites(sim)
        mark = len(sim.api.calls)
        said = await group.send(admin, "/staff")
        assert [r.text for r in said] == [LINE] and not said[0].buttons  # no list, no invite button
        message = {"message_id": said[0].message_id, "date": 0, "chat": group.chat, "text": LINE}
        for data in ("staff:invite", "staff:role:admin"):  # the buttons /staff would have shown, forged
            await admin.press(message, data)
        assert await _invites(sim) == invites
        everything = " ".join(str(c.params) for c in sim.api.calls[mark:])
        assert not CODE.search(everything) and "主任" not in everything


async def test_group_chatter_and_other_bots_commands_get_silence(start_bot):
    async with start_bot() as sim:
        await _office(sim)
        group, admin = sim.group(GROUP_ID), sim.user(ADMIN)
        for text in ("今天开会", "/staff@some_other_bot", "/weather", "JB2026-000001"):
            assert await group.send(admin, text) == [], text
        assert await sim.user(ADMIN).send("/staff") != []  # in the private chat it works as ever


async def test_a_press_without_a_chat_is_refused_too(start_bot):
    """A press on no message of a chat (an inline message's button) is never taken for a private chat."""
    async with start_bot() as sim:
        await _office(sim)
        admin, invites, mark = sim.user(ADMIN), await _invites(sim), len(sim.api.calls)
        for data in ("staff:role:admin", "units:invite:1"):
            query = {"id": str(sim.next_update_id()), "from": admin.user, "chat_instance": "ci",
                     "inline_message_id": "inline-1", "data": data}  # fmt: skip
            await sim.deliver({"update_id": sim.next_update_id(), "callback_query": query})
        answers = [c.params.get("text", "") for c in sim.api.calls[mark:] if c.method == "answerCallbackQuery"]
        assert answers == [LINE, LINE] and await _invites(sim) == invites
        assert [c.method for c in sim.api.calls[mark:] if c.method != "answerCallbackQuery"] == []


#: The only handler modules that ask a chat's type: the gate itself, and what it lets through from groups.
ASK_THE_CHAT = {"common.py", "office/access.py", "groups.py", "errors.py"}
ASKS = re.compile(r"is_private\(|(?<!filters\.)ChatType\.PRIVATE|\.type [!=]= .private.")


def test_the_gate_is_the_one_way_no_handler_checks_the_chat_again():
    """A group never reaches a handler (the tests above), so a handler's own "in a private chat?" check,
    and the text it would say, is dead: none is kept, so none drifts from the gate's one line."""
    asking = {
        str(path.relative_to(ROOT / "handlers"))
        for path in (ROOT / "handlers").rglob("*.py")
        if ASKS.search(path.read_text(encoding="utf-8"))
    }
    assert asking <= ASK_THE_CHAT
