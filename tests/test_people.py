"""Staff and liaison invites as use cases (services.people): /join's redeem, add and audit are one
unit of work, so a failure after the redeem leaves the code unused; the invites' validity is
defined once, in core."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest

from core.roles import INVITE_HOURS, Role
from storage.staff import Invite, InviteError
from tests.conftest import services_of
from tests.liaisons import CONTACT, LIAISON, add_unit
from tests.office import ADMIN, add_staff

NEWCOMER = 8400000077
ROOT = Path(__file__).resolve().parents[1]


async def _actions(services) -> list[str]:
    rows = await services.db.fetchall("SELECT action FROM audit_log ORDER BY id")
    return [row[0] for row in rows if row[0].startswith(("staff.", "liaison.", "invite."))]


async def test_join_is_one_unit_of_work_and_a_failure_leaves_the_code_unused(start_bot, monkeypatch):
    async with start_bot() as sim:
        await add_staff(sim)
        services, at = services_of(sim), services_of(sim).clock()
        code = await services.people.invite_staff(Invite("staff", Role.INTAKE, ""), ADMIN, at)
        append = services.audit.append

        async def failing(conn, *args, **kwargs):
            if kwargs.get("action") == "staff.join":
                raise RuntimeError("disk full")
            return await append(conn, *args, **kwargs)

        monkeypatch.setattr(services.audit, "append", failing)
        with pytest.raises(RuntimeError):
            await services.people.join(code, NEWCOMER, "新同事", at)
        assert await services.staff.get(NEWCOMER) is None
        monkeypatch.setattr(services.audit, "append", append)
        invite = await services.people.join(code, NEWCOMER, "新同事", at)  # the code was not used up
        assert invite.role == Role.INTAKE and Role.INTAKE in (await services.staff.get(NEWCOMER)).roles
        with pytest.raises(InviteError, match="used"):
            await services.people.join(code, NEWCOMER + 1, "别人", at)
        assert (await _actions(services))[-2:] == ["staff.invite", "staff.join"]


async def test_a_liaison_code_registers_once_and_a_staff_code_registers_no_liaison(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        services, at = services_of(sim), services_of(sim).clock()
        unit = await add_unit(sim)
        staff_code = await services.people.invite_staff(Invite("staff", Role.INTAKE, ""), ADMIN, at)
        with pytest.raises(InviteError, match="unknown"):
            await services.people.register_liaison(staff_code, LIAISON, "zh", CONTACT, at)
        code = await services.people.invite_liaison(unit, ADMIN, at)
        assert await services.people.register_liaison(code, LIAISON, "zh", CONTACT, at) is None
        assert (await services.units.liaison(unit.id)).user_id == LIAISON
        with pytest.raises(InviteError, match="used"):
            await services.people.register_liaison(code, LIAISON + 1, "zh", CONTACT, at)
        assert (await _actions(services))[-2:] == ["liaison.invite", "liaison.register"]


def test_invite_hours_are_defined_once_in_core():
    defined = []
    for package in ("bot", "handlers", "services", "storage", "core", "bench"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                targets = node.targets if isinstance(node, ast.Assign) else []
                names = [t.id for t in targets if isinstance(t, ast.Name)]
                if any((name.endswith("_HOURS") and "INVITE" in name) or name == "CODE_HOURS" for name in names):
                    defined.append(str(path.relative_to(ROOT)))
    assert defined == ["core/roles.py"] and INVITE_HOURS == 72


async def test_a_code_revoked_and_a_member_deactivated_are_audited_use_cases(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        services, at = services_of(sim), services_of(sim).clock()
        code = await services.people.invite_staff(Invite("staff", Role.INTAKE, ""), ADMIN, at)
        assert await services.people.revoke(code, at) is True
        assert await services.people.revoke(code, at) is False  # once
        with pytest.raises(InviteError, match="expired"):
            await services.people.join(code, NEWCOMER, "新同事", at + timedelta(seconds=1))
        other = await services.people.invite_staff(Invite("staff", Role.INTAKE, ""), ADMIN, at)
        await services.people.join(other, NEWCOMER, "新同事", at)
        await services.people.deactivate(NEWCOMER, ADMIN, at)
        assert await services.staff.get(NEWCOMER) is None or not (await services.staff.get(NEWCOMER)).roles
        assert (await _actions(services))[-4:] == ["invite.revoke", "staff.invite", "staff.join", "staff.deactivate"]
