"""`python -m bot keys recover` and the people's keys in `keys status` (docs/ARCHITECTURE.md, "Keys held by
people"): the office's recovery words give an admin every key group; the status says which groups exist,
who holds them, and who has no passphrase or lacks the keys of their roles."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from bot import startup
from bot.export import _on_services
from bot.services import Services
from bot.startup import StartupError
from core.crypto import KeyRing
from core.office import OfficeConfig
from core.roles import Role, StaffMember
from services.keys import KeysError, KeyService
from storage.audit import AuditLog
from storage.db import Database
from storage.keys import RECOVERY, KeyStore
from storage.staff import StaffRepository
from storage.vault import Vault

#: Asked when the words are typed at a terminal (not shown); from a pipe they are read whole.
PROMPT = "The office's 24 recovery words, on one line (not shown as you type): "

_REFUSED = {
    "words": "{detail}; check the words against the paper and try again (nothing was changed)",
    "no_passphrase": "{who} has not set a passphrase yet: they send /passphrase to the bot in a private chat first",
}


def _read_words() -> str:
    """The recovery words: asked without echo at a terminal, else the whole of stdin (a pipe, a test)."""
    if sys.stdin.isatty():
        return getpass.getpass(PROMPT)
    return sys.stdin.read()


def cmd_keys_recover(args: argparse.Namespace) -> int:
    """Give an active admin who has set a passphrase every key group, from the office's recovery words."""
    settings = startup.load_settings()
    ring = startup.load_keyring(settings)
    office = startup.load_office_config(settings)
    words = _read_words()

    async def recover(svc: Services) -> tuple[str, list[str]]:
        if not await svc.keys.active():
            raise StartupError(
                "this install has no recovery key (its key ring was made before keys held by people): tips are "
                "sealed under the key ring, and there are no office keys to recover; `python -m bot keys migrate`, "
                "with the bot stopped, seals them to people."
            )
        member = await svc.staff.get(args.user_id)
        if member is None or not member.has(Role.ADMIN):
            raise StartupError(
                f"{args.user_id} is not an active admin; `python -m bot staff list` lists the staff, and "
                f"`python -m bot staff add {args.user_id} --role admin` makes one."
            )
        who = f"{member.name} ({args.user_id})"
        try:
            return who, await svc.keys.recover(words, args.user_id, svc.clock())
        except KeysError as exc:
            raise StartupError(_REFUSED[exc.reason].format(detail=exc.detail, who=who)) from None

    who, granted = asyncio.run(_on_services(Services(settings, office, ring), recover))
    print(f"{who} now holds the office's keys: {', '.join(granted)} (audited).")
    print(
        "If they are signed in to the bot now, they send /lock there: their next action asks their code and "
        "passphrase and opens with these keys. They grant colleagues their keys in /staff."
    )
    return 0


async def people_keys(db: Database, ring: KeyRing, office: OfficeConfig) -> list[str]:
    """`keys status`'s lines on the keys held by people: the recovery key, each key group and how many hold
    it, and the active staff who have no passphrase or lack groups of their roles. Reads only."""
    vault = Vault(ring)
    keys = KeyService(db, KeyStore(db), AuditLog(db, vault), office)
    store = keys.store
    recorded = await store.recovery_public()
    if recorded is None:
        if ring.recovery_public is None:
            return ["No recovery key: this install (its key ring made before keys held by people) seals tips "
                    "under the key ring, which opens them; `python -m bot keys migrate`, with the bot stopped, "
                    "seals them to people."]  # fmt: skip
        return ["The recovery key is in the key ring; the office's key groups are made when the bot next starts."]
    lines = ["The recovery key is set (its words are kept on paper, not on this server)."]
    if ring.recovery_public is not None and ring.recovery_public != recorded:
        lines.append("WARNING: the key ring's recovery key is not the one this database's groups are sealed to.")
    staff = await StaffRepository(db, vault).all()
    held = {m.user_id: await store.held(m.user_id) for m in staff}
    recovery = await store.held(RECOVERY)
    for name in sorted(await store.groups()):
        holders = sum(name in names for names in held.values())
        also = " and the recovery key" if name in recovery else ""
        lines.append(f"  group {name:24} held by {holders} of the active staff{also}")
    lines += await _staff_lacking(keys, staff)
    return lines


async def _staff_lacking(keys: KeyService, staff: list[StaffMember]) -> list[str]:
    """Who has no passphrase, and who has one but lacks groups their roles hold."""
    members = await keys.store.members()
    without = [f"{m.name} ({m.user_id})" for m in staff if m.user_id not in members]
    lacking = [
        f"{m.name} ({m.user_id}): {', '.join(sorted(missing))}"
        for m in staff
        if m.user_id in members and (missing := await keys.missing(m))
    ]
    if not without and not lacking:
        return ["Every active staff member has a passphrase and the keys of their roles."]
    lines = [f"No passphrase yet (they send /passphrase to the bot): {', '.join(without)}"] if without else []
    return lines + [f"Lacks keys of their roles (an admin grants them in /staff): {line}" for line in lacking]


def add_recover(keys_sub: argparse._SubParsersAction) -> None:
    recover = keys_sub.add_parser(
        "recover", help="give an admin (with a passphrase set) the office's keys, from the 24 recovery words"
    )
    recover.add_argument("user_id", type=int, metavar="TELEGRAM_USER_ID")
    recover.set_defaults(func=cmd_keys_recover)


def add_rotate_group(keys_sub: argparse._SubParsersAction) -> None:
    rotate = keys_sub.add_parser(
        "rotate-group",
        help="a new key for a key group (after a member left): new tips are sealed to it; the old one is retired",
    )
    rotate.add_argument("group", help="office, rewards, or dept:CODE (`keys status` lists them)")
    rotate.set_defaults(func=cmd_keys_rotate_group)


def cmd_keys_rotate_group(args: argparse.Namespace) -> int:
    settings = startup.load_settings()
    ring = startup.load_keyring(settings)
    office = startup.load_office_config(settings)

    async def rotate(svc: Services) -> int:
        return await svc.keys.rotate_group(args.group, svc.clock())

    try:
        holders = asyncio.run(_on_services(Services(settings, office, ring), rotate))
    except KeysError as exc:
        raise StartupError(f"keys rotate-group: there is no key group {exc.detail!r}; see `keys status`") from None
    print(f"New key for {args.group}: sealed to its {holders} holders (the recovery key among them); the old one "
          "is retired and still opens what was sealed to it. Those signed in open the new one at their next "
          "unlock.")  # fmt: skip
    return 0
