"""Who you are in `python -m bot console`: a reporter, the office's admin, or a unit's liaison.

In a throwaway data dir (`--temp`) the persona is made real: the staff persona is the office's
admin, the liaison persona is registered as a unit's liaison. In a real data dir nobody is given a
role: the personas' ids are real Telegram ids, and a role there is the office's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.config import Settings
from bot.services import Services
from core.liaisons import Contact
from core.roles import Role


@dataclass(frozen=True)
class Persona:
    user_id: int
    name: str
    description: str


PERSONAS = {
    "reporter": Persona(10_001, "Reporter", "a citizen or employee filing a tip"),
    "staff": Persona(20_001, "Staff", "a member of the office's staff"),
    "liaison": Persona(30_001, "Liaison", "a village or department liaison"),
}

#: The liaison persona's row of the contact table (made up).
SAMPLE_CONTACT = Contact(
    head="张书记", head_title="村支书", head_phone="13800000001", name="李会计", title="会计", phone="13800000002"
)
#: Hours a liaison code printed by the console stays valid, as one from /units.
CODE_HOURS = 72


async def make_real(services: Services, persona: str, user_id: int) -> str:
    """Give the persona its role in a throwaway data dir; one line saying what it is."""
    if persona == "staff":
        now = services.clock()
        async with services.db.transaction() as conn:
            for role in (Role.ADMIN, Role.REWARD):
                await services.staff.add(conn, user_id, PERSONAS[persona].name, role, "", now.date().isoformat())
                detail = f"{user_id}:{role.value}:"
                await services.audit.append(conn, actor=None, action="staff.add", at=now, detail=detail)
        return (
            "In this throwaway data dir you are the office's admin and reward officer: /inbox, /staff, /units, "
            "/stats, /rewards, /monthly and /quarter work at once."
        )
    if persona == "liaison":
        return await _liaison(services, user_id)
    return "In this throwaway data dir: what you file is gone after :quit."


async def _liaison(services: Services, user_id: int) -> str:
    """The liaison of the office's first village, and a code for the second one, to try /register."""
    names = list(dict.fromkeys(v.name for v in services.office.villages if 2 <= len(v.name) <= 40))[:2]
    names += [name for name in ("东平村", "西山村") if name not in names][: 2 - len(names)]
    units = services.units
    now = services.clock()
    mine, other = [await units.add(name, "village", None, now) for name in names]
    expires = now + timedelta(hours=CODE_HOURS)
    await units.register(await units.invite(mine, None, now, expires), user_id, "zh", SAMPLE_CONTACT, now)
    code = await units.invite(other, None, now, expires)
    return (
        f"In this throwaway data dir you are the registered liaison of {mine.name}: /start, then 我是联络员 "
        f"(I am a liaison) to send its monthly figures; to register for {other.name} as a new liaison does, send: "
        f"/register {code}"
    )


def kept_in(settings: Settings, persona: str) -> str:
    """One line for a console on a real data dir: what is kept, and how the persona gets a role there."""
    user_id = PERSONAS[persona].user_id
    line = (
        f"Data dir {settings.data_dir.resolve()}: what you do is kept in its database; the console runs no scheduled "
        "job and sends nothing the outbox holds."
    )
    if persona == "staff":
        line += f" User {user_id} has a role here only if given one: python -m bot staff add {user_id} --role admin"
    elif persona == "liaison":
        line += f" User {user_id} is a liaison here once registered: python -m bot units invite UNIT_ID gives a code"
    return line
