"""`python -m bot units add|list|invite`: units and liaison codes from the server, for an office
setting up its villages and departments in one go (the admin's /units does the same in Telegram)."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime

from bot import startup
from bot.startup import StartupError
from core.liaisons import UNIT_KIND_CODES
from core.roles import INVITE_HOURS
from services.people import PeopleService
from storage.audit import AuditLog
from storage.db import Database
from storage.liaisons import UnitError, Units
from storage.staff import StaffRepository
from storage.vault import Vault

#: What is done from the server's command line has no actor in the audit log (whoever holds the server).
CLI_ACTOR = None


def add_parser(sub: argparse._SubParsersAction) -> None:
    units = sub.add_parser("units", help="add and list units (villages, departments), issue liaison codes")
    units_sub = units.add_subparsers(dest="units_command", metavar="ACTION", required=True)
    add = units_sub.add_parser("add", help="add a unit")
    add.add_argument("name", help="the unit's name as the county writes it, e.g. 东平村")
    add.add_argument("--kind", choices=sorted(UNIT_KIND_CODES), default="village")
    add.set_defaults(func=cmd_units_add)
    listing = units_sub.add_parser("list", help="the units, their liaisons and phone numbers")
    listing.set_defaults(func=cmd_units_list)
    invite = units_sub.add_parser(
        "invite", help=f"a one-time code ({INVITE_HOURS} hours) for a unit's liaison to /register"
    )
    invite.add_argument("unit_id", type=int, metavar="UNIT_ID", help="the number `units list` shows")
    invite.set_defaults(func=cmd_units_invite)


def _on_units(action: Callable[[PeopleService, datetime], Awaitable[object]]) -> object:
    """Run `action` with the units and liaison invites (PeopleService, its `units`) on the data dir."""
    settings = startup.load_settings()
    ring = startup.load_keyring(settings)

    async def run(db: Database) -> object:
        vault = Vault(ring)
        audit = AuditLog(db, vault)
        people = PeopleService(db, StaffRepository(db, vault), Units(db), audit)
        return await action(people, datetime.now(settings.tz))

    return asyncio.run(startup.on_database(settings, ring, run))


def cmd_units_add(args: argparse.Namespace) -> int:
    try:
        unit = _on_units(lambda people, at: people.add_unit(args.name, args.kind, CLI_ACTOR, at))
    except UnitError as exc:
        reasons = {"taken": "a unit of that name exists already", "name": "a name is 2 to 40 characters",
                   "kind": "unknown kind"}  # fmt: skip
        raise StartupError(f"{args.name!r} was not added: {reasons[exc.reason]}.") from None
    print(f"Added unit {unit.id}: {unit.name} ({unit.kind}).")
    return 0


def cmd_units_list(args: argparse.Namespace) -> int:
    async def listing(people: PeopleService, at: datetime) -> list[str]:
        units = people.units
        liaisons = {item.unit.id: item for item in await units.liaisons()}
        lines = []
        for unit in await units.all():
            item = liaisons.get(unit.id)
            who = "no liaison yet"
            if item is not None:
                c = item.contact
                who = f"{c.name} ({c.title}) {c.phone}; head {c.head} ({c.head_title}) {c.head_phone}"
            lines.append(f"{unit.id:>5}  {unit.name}  [{unit.kind}]  {who}")
        return lines

    lines = _on_units(listing)
    print("\n".join(lines) if lines else "No units yet: add one with `python -m bot units add NAME --kind village`.")
    return 0


def cmd_units_invite(args: argparse.Namespace) -> int:
    async def invite(people: PeopleService, at: datetime) -> tuple[str, str] | None:
        unit = await people.units.get(args.unit_id)
        if unit is None:
            return None
        return unit.name, await people.invite_liaison(unit, CLI_ACTOR, at)

    made = _on_units(invite)
    if made is None:
        raise StartupError(f"there is no unit {args.unit_id}; `python -m bot units list` shows them.")
    name, code = made
    print(f"Liaison code for {name}: {code} (once, {INVITE_HOURS} hours). The liaison sends the bot: /register {code}")
    return 0
