"""Liaisons in tests: units, codes, a registered liaison, and the clock put at a chosen moment."""

from __future__ import annotations

import re
from datetime import datetime

from core.figures import TEMPLATE_A
from core.liaisons import Contact
from tests.conftest import services_of
from tests.office import ADMIN, add_staff

LIAISON, OTHER_LIAISON = 8400000201, 8400000202
CONTACT = Contact(head="张书记", head_title="村支书", head_phone="13800000001", name="李会计", title="会计",
                  phone="13800000002")  # fmt: skip


def put_clock(sim, monkeypatch, when: datetime) -> None:
    """Set the bot's office-local now."""
    services = services_of(sim)
    moment = when.replace(tzinfo=services.tz)
    monkeypatch.setattr(services, "clock", lambda: moment)


async def add_unit(sim, name: str = "东平村", kind: str = "village"):
    services = services_of(sim)
    return await services.people.add_unit(name, kind, ADMIN, services.clock())


async def code_for(sim, unit) -> str:
    services = services_of(sim)
    at = services.clock()
    return await services.people.invite_liaison(unit, ADMIN, at)


async def register_directly(sim, unit, user_id: int = LIAISON, contact: Contact = CONTACT, lang: str = "zh") -> None:
    services = services_of(sim)
    await services.people.register_liaison(await code_for(sim, unit), user_id, lang, contact, services.clock())


async def office_with_unit(sim, name: str = "东平村"):
    await add_staff(sim)
    unit = await add_unit(sim, name)
    await register_directly(sim, unit)
    return unit


async def office_with_october(sim):
    """The office's staff and one unit whose liaison sent October 2026's figures (template A, two of them)."""
    unit = await office_with_unit(sim)
    services = services_of(sim)
    await services.figures.submit_month(
        unit.id, "2026-10", TEMPLATE_A, {"enterprises": 3, "inspected": 2}, LIAISON, services.clock(), late=False
    )
    return unit


def code_in(text: str) -> str:
    return re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}", text)[0]


async def press(user, data: str):
    """Press a button with this data whether or not the bot showed it (a stale or forged press)."""
    return await user.press({"message_id": 1, "chat": {"id": user.id, "type": "private"}, "date": 0}, data)
