"""`python -m bot …`: run the bot, chat with it in a terminal, manage the key ring."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from bot import backup_cli, export, keys_cli, migrate_cli, network, poster_cli, startup, trial, units_cli
from bot.config import Settings
from bot.console import PERSONAS
from bot.logs import configure_logging
from bot.recovery import NO_TERMINAL, RECOVERY_WORDS, words_may_show
from bot.startup import StartupError
from core import keys
from core.audit import GENESIS, NOTED_MIN
from core.crypto import PURPOSES, KeyRing
from core.office import OfficeConfig
from core.roles import Role
from services.audit import AuditTrail
from services.stepup import StepUpService
from storage.audit import AuditLog
from storage.db import Database
from storage.keyring import save_ring
from storage.staff import StaffRepository
from storage.totp import TotpRecords
from storage.vault import Vault

log = logging.getLogger("tipline")


# -- run ---------------------------------------------------------------------------------------

#: Telegram (or the proxy) did not answer at start-up: perhaps only for now (the network comes up after
#: the bot, a proxy restarts), so this is not 2, a configuration error; systemd starts the bot again.
EXIT_TRY_LATER = 75  # EX_TEMPFAIL of sysexits.h


def cmd_run(args: argparse.Namespace) -> int:
    from bot.app import build_application

    settings = startup.load_settings()
    configure_logging(settings.log_level)
    token = startup.require_token(settings)
    startup.check_data_dir(settings)
    trial.refuse_trial_data(settings)
    ring = startup.load_keyring(settings)
    office = startup.load_office_config(settings)
    asyncio.run(_preflight(settings, ring, office))
    try:
        asyncio.run(_check_bot_api(settings, token))
    except network.BotApiUnreachable as exc:
        print(f"tipline: {exc}", file=sys.stderr)
        return EXIT_TRY_LATER
    app = build_application(settings, office, ring, token=token)
    via = f" through the proxy {network.proxy_host(settings)}" if settings.proxy else ""
    log.info("starting long polling against %s%s", network.server(settings), via)
    app.run_polling()
    return 0


async def _preflight(settings: Settings, ring: KeyRing, office: OfficeConfig | None = None) -> None:
    """Open and migrate the database once, so a bad one stops start-up with a sentence, not a traceback;
    for the bot (`office` given), then say how many staff have not set up their authenticator, if they must."""

    async def check(db: Database) -> str | None:
        return await startup.enrolment_warning(db, ring, office) if office is not None else None

    warning = await startup.on_database(settings, ring, check)
    if warning:
        startup.warn(warning)


async def _check_bot_api(settings: Settings, token: str) -> None:
    """The token's shape, then one getMe: a refused token, a wrong server path or no connection is a sentence."""
    await network.get_me(settings, token)


# -- console -----------------------------------------------------------------------------------


def cmd_console(args: argparse.Namespace) -> int:
    if args.temp:
        with tempfile.TemporaryDirectory(prefix="tipline-console-") as tmp:
            settings = startup.load_settings(data_dir=Path(tmp) / "data", keyring=Path(tmp) / "keyring.json")
            save_ring(KeyRing.generate(), settings.keyring_path)
            return _console(settings, args.persona, temp=True)
    return _console(trial.trial_settings(startup.load_settings()), args.persona, temp=False)


def _console(settings: Settings, persona: str, *, temp: bool) -> int:
    """In a data dir of the console's own: throwaway (`temp`), or a trial kept for the next session."""
    from bot.console import run_console

    configure_logging("WARNING")
    startup.check_data_dir(settings)
    ring = startup.load_keyring(settings)
    office = startup.load_office_config(settings)
    asyncio.run(_preflight(settings, ring))
    asyncio.run(run_console(settings, office, ring, persona, temp=temp))
    return 0


# -- keys --------------------------------------------------------------------------------------


def cmd_keys_init(args: argparse.Namespace) -> int:
    settings = startup.load_settings()
    path = settings.keyring_path
    if path.exists():
        if args.if_missing:
            return 0
        raise StartupError(
            f"TIPLINE_KEYRING: {path} already exists; a new key ring would make the data under the old one "
            "unreadable, so use `python -m bot keys rotate` instead."
        )
    startup.check_data_dir(settings)
    if startup.database_path(settings).exists():
        raise StartupError(
            f"TIPLINE_KEYRING: {path} does not exist but {startup.database_path(settings)} does; point "
            "TIPLINE_KEYRING at the key ring that database was made with."
        )
    ring = KeyRing.generate()
    recovery = keys.new_private() if words_may_show(args) else None
    if recovery is not None:
        ring.recovery_public = keys.public_bytes(recovery)
    try:
        save_ring(ring, path)
    except OSError as exc:
        raise StartupError(
            f"TIPLINE_KEYRING: {path} cannot be written ({exc.strerror}); choose another path."
        ) from None
    print(f"Created the key ring {path} (mode 0600) with keys for: {', '.join((*PURPOSES, 'lookup'))}.")
    print("Keep a copy of it apart from the data directory: without it nothing in the database can be read.")
    if recovery is None:
        print(NO_TERMINAL)
    else:
        print(RECOVERY_WORDS.format(words=keys.recovery_words(keys.private_bytes(recovery))))
    return 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    settings = startup.load_settings()
    ring = startup.load_keyring(settings)
    new_ids = ring.rotate(args.purpose or PURPOSES)
    save_ring(ring, settings.keyring_path)  # first the ring, so a crash below leaves everything readable

    async def rewrap(db: Database) -> int:
        changed = await Vault(ring).rewrap_all(db)
        at = datetime.now(settings.tz)  # audited: which keys are new (ids, never key material) and how many moved
        detail = f"{','.join(new_ids)};rewrapped={changed}"
        await AuditTrail(db, AuditLog(db, Vault(ring))).note(actor=None, action="keys.rotate", at=at, detail=detail)
        return changed

    changed = asyncio.run(startup.on_database(settings, ring, rewrap))
    print(f"New primary keys: {', '.join(new_ids)}. Re-wrapped {changed} data keys; payloads untouched.")
    return 0


def cmd_keys_status(args: argparse.Namespace) -> int:
    settings = startup.load_settings()
    ring = startup.load_keyring(settings)
    office = startup.load_office_config(settings)

    async def status(db: Database) -> tuple[dict[str, int], list[str]]:
        return await Vault.usage(db), await keys_cli.people_keys(db, ring, office)

    usage, people = asyncio.run(startup.on_database(settings, ring, status))
    primaries = {ring.primary(p).id for p in (*PURPOSES, "lookup")}
    for kek_id in ring.key_ids:
        kek = ring.get(kek_id)
        mark = "primary" if kek_id in primaries else "old"
        print(f"{kek_id:32} {kek.purpose:9} {mark:8} created {kek.created}  wraps {usage.get(kek_id, 0)} data keys")
    print("\n".join(["", "Keys held by people:", *people]))
    return 0


# -- staff and audit --------------------------------------------------------------------------


def cmd_staff_add(args: argparse.Namespace) -> int:
    settings = startup.load_settings()
    ring = startup.load_keyring(settings)
    office = startup.load_office_config(settings)
    role = Role(args.role)
    if role == Role.DEPARTMENT and args.department not in {d.code for d in office.departments}:
        known = ", ".join(d.code for d in office.departments)
        raise StartupError(f"--department: a department officer needs one of the departments: {known}.")

    async def add(db: Database) -> str:
        now = datetime.now(settings.tz)
        staff = StaffRepository(db, Vault(ring))
        async with db.transaction() as conn:
            await staff.add(conn, args.user_id, args.name or None, role, args.department or "", str(now.date()))
            await AuditLog(db, Vault(ring)).append(
                conn,
                actor=None,
                action="staff.add",
                at=now,
                detail=f"{args.user_id}:{role.value}:{args.department or ''}",
            )
        member = await staff.get(args.user_id)
        return member.name if member else str(args.name)

    name = asyncio.run(startup.on_database(settings, ring, add))
    print(f"{name} ({args.user_id}) is now {role.value}{' of ' + args.department if args.department else ''}.")
    return 0


def cmd_staff_list(args: argparse.Namespace) -> int:
    settings = startup.load_settings()
    ring = startup.load_keyring(settings)
    members = asyncio.run(startup.on_database(settings, ring, lambda db: StaffRepository(db, Vault(ring)).all()))
    for member in members:
        roles = ", ".join(sorted(r.value for r in member.roles))
        departments = f" [{', '.join(sorted(member.departments))}]" if member.departments else ""
        print(f"{member.user_id:>14}  {member.name}  {roles}{departments}")
    if not members:
        print("No staff yet: add the first admin with `python -m bot staff add TELEGRAM_USER_ID --role admin`.")
    return 0


def cmd_staff_totp_reset(args: argparse.Namespace) -> int:
    """Forget a staff member's authenticator, for an office with no admin left who can sign in."""
    settings = startup.load_settings()
    ring = startup.load_keyring(settings)

    async def reset(db: Database) -> tuple[str, bool] | None:
        vault = Vault(ring)
        staff = StaffRepository(db, vault)
        member = await staff.get(args.user_id)
        if member is None:
            return None
        stepup = StepUpService(db, staff, AuditLog(db, vault), TotpRecords(db, vault))
        return member.name, await stepup.reset_by_operator(args.user_id, datetime.now(settings.tz))

    result = asyncio.run(startup.on_database(settings, ring, reset))
    if result is None:
        raise StartupError(f"{args.user_id} is not an active staff member; `python -m bot staff list` lists them.")
    name, removed = result
    if not removed:
        print(f"{name} ({args.user_id}) has no authenticator set up: nothing to reset. They set one up by sending "
              "/totp to the bot in a private chat.")  # fmt: skip
        return 0
    print(f"The authenticator of {name} ({args.user_id}) is reset (audited). They set it up again by sending /totp "
          "to the bot in a private chat, or the first action that needs a code walks them to it.")  # fmt: skip
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    noted = _noted_head(args.head)
    settings = startup.load_settings()
    ring = startup.load_keyring(settings)
    report = asyncio.run(startup.on_database(settings, ring, lambda db: AuditLog(db, Vault(ring)).verify(noted)))
    if report.broken_at is not None:
        print(f"The audit log is BROKEN at entry {report.broken_at}: that entry or one before it was edited, "
              "inserted or deleted.")  # fmt: skip
        return 1
    if noted is not None and report.noted_at is None:
        print(f"The noted head {noted} is NOT in the audit log: the log was rewritten (its hashes recomputed) "
              "or cut back since that hash was noted, or the hash was mistyped.")  # fmt: skip
        return 1
    print(f"The audit log holds {report.entries} entries and its chain is intact. Newest hash: {report.head}")
    if noted is not None:
        print(_noted_sentence(report.noted_at, report.entries))
    else:
        print("Note the newest hash, and check against it later with --head HASH: a log rewritten since no longer "
              "holds it.")  # fmt: skip
    return 0


def _noted_sentence(at: int, entries: int) -> str:
    after = entries - at
    if not after:
        return f"The noted head is the newest entry, {at}: nothing was changed or removed since it was noted."
    later = "the entry after it follows" if after == 1 else f"the {after} entries after it follow"
    before = "it is as it was" if at == 1 else f"entries 1 to {at} are as they were"
    return f"The noted head is entry {at}: {before} when it was noted, and {later} from it."


def _noted_head(text: str | None) -> str | None:
    if text is None:
        return None
    noted = text.strip().lower()
    if not NOTED_MIN <= len(noted) <= len(GENESIS) or any(c not in "0123456789abcdef" for c in noted):
        raise StartupError(
            f"--head: a head hash is the {len(GENESIS)} hex digits the daily message or `audit verify` gave "
            f"(or at least its first {NOTED_MIN}), such as {GENESIS[:NOTED_MIN]}…"
        )
    return noted


# -- parser ------------------------------------------------------------------------------------


def _add_run_and_console(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="start the bot (long polling); the default")
    run.set_defaults(func=cmd_run)
    console = sub.add_parser("console", help="chat with the bot in this terminal, no Telegram needed")
    console.add_argument(
        "--persona", choices=sorted(PERSONAS), default="reporter", help="who you are in the chat (default: reporter)"
    )
    console.add_argument(
        "--temp", action="store_true", help="use a throwaway data dir and key ring instead of the configured ones"
    )
    console.set_defaults(func=cmd_console)


def _add_keys(sub: argparse._SubParsersAction) -> None:
    keys = sub.add_parser("keys", help="create, rotate and inspect the key ring; recover the office's keys")
    keys_sub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    init = keys_sub.add_parser("init", help="create the key ring (refuses to overwrite one)")
    init.add_argument("--if-missing", action="store_true", help="do nothing if the key ring exists")
    init.add_argument(
        "--show-words", action="store_true", help="print the recovery words even when the output is not a terminal"
    )
    init.set_defaults(func=cmd_keys_init)
    rotate = keys_sub.add_parser("rotate", help="add new primary keys and re-wrap every data key")
    rotate.add_argument(
        "--purpose", action="append", choices=PURPOSES, help="rotate only this purpose (repeatable; default: all)"
    )
    rotate.set_defaults(func=cmd_keys_rotate)
    status = keys_sub.add_parser(
        "status", help="list the keys, how many data keys each wraps, the key groups and who holds them"
    )
    status.set_defaults(func=cmd_keys_status)
    keys_cli.add_recover(keys_sub)
    keys_cli.add_rotate_group(keys_sub)
    migrate_cli.add_migrate(keys_sub)


def _add_staff(sub: argparse._SubParsersAction) -> None:
    staff = sub.add_parser("staff", help="add and list the office's staff")
    staff_sub = staff.add_subparsers(dest="staff_command", metavar="ACTION", required=True)
    add = staff_sub.add_parser("add", help="give a Telegram user a role (the first admin is made this way)")
    add.add_argument("user_id", type=int, metavar="TELEGRAM_USER_ID")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--department", help="the department's code, for --role department")
    add.add_argument("--name", help="how the person is shown to colleagues")
    add.set_defaults(func=cmd_staff_add)
    listing = staff_sub.add_parser("list", help="list active staff and their roles")
    listing.set_defaults(func=cmd_staff_list)
    totp_reset = staff_sub.add_parser(
        "totp-reset", help="reset a staff member's authenticator (they set it up again with /totp)"
    )
    totp_reset.add_argument("user_id", type=int, metavar="TELEGRAM_USER_ID")
    totp_reset.set_defaults(func=cmd_staff_totp_reset)


def _add_audit(sub: argparse._SubParsersAction) -> None:
    audit = sub.add_parser("audit", help="check the audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = audit_sub.add_parser("verify", help="report the first broken link of the audit chain")
    verify.add_argument(
        "--head", metavar="HASH", help="a head hash noted earlier (the auditors' daily message): is it still there?"
    )
    verify.set_defaults(func=cmd_audit_verify)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Tipline: anonymous work-safety tips for a township or county office, as a Telegram bot. "
        "Settings come from the environment or .env (see .env.example).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in (_add_run_and_console, _add_keys, _add_staff, _add_audit):
        add(sub)
    for module in (export, units_cli, poster_cli, backup_cli):
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func = getattr(args, "func", cmd_run)
    try:
        return func(args)
    except StartupError as exc:
        print(f"tipline: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
