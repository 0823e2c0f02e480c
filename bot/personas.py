"""Who you are in `python -m bot console`: a reporter, the office's admin, or a unit's liaison.

The console runs only on a data dir of its own (throwaway with `--temp`, or a trial one: see
bot.trial), never on the office's, so the persona is made real there: the staff persona is the
office's admin, with its authenticator set up (the console's `:totp` shows its code); the liaison
persona is registered as a unit's liaison. The personas' ids are real Telegram ids, so they never get
a role in an office's database.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.services import Services
from core import totp
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


async def make_real(services: Services, persona: str, user_id: int) -> str:
    """Give the persona its role in the console's own data dir (once); one line saying what it is."""
    if persona == "staff":
        await _admin(services, user_id)
        await _authenticator(services, user_id)
        return (
            "In this data dir you are the office's admin and reward officer: /inbox, /staff, /units, "
            "/stats, /rewards, /monthly and /quarter work at once. Your authenticator is set up: when the bot "
            "asks for its 6 digits, type :totp to see them."
        )
    if persona == "liaison":
        return await _liaison(services, user_id)
    return "You are a reporter: /start, then 我要举报 (report a problem)."


async def _admin(services: Services, user_id: int) -> None:
    member = await services.staff.get(user_id)
    now = services.clock()
    async with services.db.transaction() as conn:
        for role in (Role.ADMIN, Role.REWARD):
            if member is not None and member.has(role):
                continue
            await services.staff.add(conn, user_id, PERSONAS["staff"].name, role, "", now.date().isoformat())
            await services.audit.append(conn, actor=None, action="staff.add", at=now, detail=f"{user_id}:{role.value}:")


async def _authenticator(services: Services, user_id: int) -> None:
    """Set up the persona's authenticator (once), as a person does: two consecutive codes of its secret."""
    if user_id not in await services.stepup.not_enrolled():
        return
    now = services.clock()
    enrolment = await services.stepup.begin_enrolment(user_id, PERSONAS["staff"].name, now)
    step = totp.step_of(now)
    first, second = totp.code_at(enrolment.secret, step - 1), totp.code_at(enrolment.secret, step)
    await services.stepup.confirm_enrolment(user_id, first, second, now)


async def _liaison(services: Services, user_id: int) -> str:
    """The liaison of the office's first village, and a code for the second one, to try /register."""
    units = services.units
    now = services.clock()
    mine = await units.of_user(user_id)
    if mine:
        return f"You are the registered liaison of {mine[0].unit.name}: /start, then 我是联络员 (I am a liaison)."
    names = list(dict.fromkeys(v.name for v in services.office.villages if 2 <= len(v.name) <= 40))[:2]
    names += [name for name in ("东平村", "西山村") if name not in names][: 2 - len(names)]
    people = services.people
    unit, other = [await people.add_unit(name, "village", None, now) for name in names]
    await people.register_liaison(await people.invite_liaison(unit, None, now), user_id, "zh", SAMPLE_CONTACT, now)
    code = await people.invite_liaison(other, None, now)
    return (
        f"You are the registered liaison of {unit.name}: /start, then 我是联络员 (I am a liaison) to send its "
        f"monthly figures; to register for {other.name} as a new liaison does, send: /register {code}"
    )
