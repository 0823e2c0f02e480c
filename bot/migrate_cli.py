"""`python -m bot keys migrate`: an install from before people's keys, converted (services.keys_migrate),
with the bot stopped. The ring gains a recovery key if it has none (its 24 words printed once); the key
groups are made at the services' start; every tip is sealed to people; then the ring's content and
identity keys are rotated, every data key still under them (drafts being written) re-wrapped, and the old
ones removed from the ring file, so that an old backup with this ring opens no tip either."""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime

from bot import startup
from bot.recovery import RECOVERY_WORDS, words_may_show
from bot.services import Services
from core import keys
from core.crypto import CONTENT, IDENTITY
from services.audit import AuditTrail
from services.keys_migrate import Migrated, Migration
from storage.audit import AuditLog
from storage.db import Database
from storage.keyring import save_ring
from storage.vault import Vault


def add_migrate(keys_sub: argparse._SubParsersAction) -> None:
    migrate = keys_sub.add_parser(
        "migrate", help="seal every tip to the office's people and destroy the ring's content and identity keys"
    )
    migrate.add_argument(
        "--show-words", action="store_true", help="print the recovery words even when the output is not a terminal"
    )
    migrate.set_defaults(func=cmd_keys_migrate)


def cmd_keys_migrate(args: argparse.Namespace) -> int:
    settings = startup.load_settings()
    ring = startup.load_keyring(settings)
    office = startup.load_office_config(settings)
    words = None
    if ring.recovery_public is None and not words_may_show(args):
        raise startup.StartupError(
            "keys migrate makes the office's recovery key and prints its 24 words once: run it at a terminal "
            "(or with --show-words), not into a log."
        )
    if ring.recovery_public is None:
        recovery = keys.new_private()
        ring.recovery_public = keys.public_bytes(recovery)
        words = keys.recovery_words(keys.private_bytes(recovery))
        save_ring(ring, settings.keyring_path)  # first the ring: the groups are sealed to this key
        print(RECOVERY_WORDS.format(words=words))
    services = Services(settings, office, ring)

    async def convert() -> Migrated:
        await services.start()  # makes the key groups, sealed to the recovery key
        try:
            return await Migration(services.db, services.vault, services.keys.store).run()
        finally:
            await services.stop()

    migrated = asyncio.run(convert())
    new_ids = ring.rotate([CONTENT, IDENTITY])
    save_ring(ring, settings.keyring_path)  # the new keys on disk before anything is wrapped by them

    old_ids = {kek_id for kek_id in ring.key_ids if ring.get(kek_id).purpose in (CONTENT, IDENTITY)} - set(new_ids)

    async def rewrap(db: Database) -> tuple[int, set[str]]:
        changed = await Vault(ring).rewrap_all(db)
        still = set(await Vault.usage(db)) & old_ids  # a data key written under an old key since: keep that key
        detail = f"tips={migrated.tips};payees={migrated.payees};new={','.join(new_ids)}"
        trail = AuditTrail(db, AuditLog(db, Vault(ring)))
        await trail.note(actor=None, action="keys.migrate", at=datetime.now(settings.tz), detail=detail)
        return changed, still

    changed, still = asyncio.run(startup.on_database(settings, ring, rewrap))
    if still:  # the bot was running: never remove a key that data still needs
        print(f"Kept the ring's keys {', '.join(sorted(still))}: data was written under them meanwhile (is the "
              "bot running?). Stop it and run `keys migrate` again.")  # fmt: skip
        return 1
    gone = ring.retire([CONTENT, IDENTITY])
    save_ring(ring, settings.keyring_path)
    print(f"Sealed {migrated.tips} tips and {migrated.payees} payee details to the office's people; re-wrapped "
          f"{changed} other data keys; removed the ring's old keys {', '.join(gone) or '(none)'}.")  # fmt: skip
    print("Tips filed before today have no copy under their receipt code (it was never stored): their reporters "
          "still see the status and deadlines, not the office's messages.")  # fmt: skip
    if words:
        print("Next: each staff member sets a passphrase (/passphrase); then `python -m bot keys recover ADMIN_ID`.")
    return 0
