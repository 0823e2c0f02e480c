"""The dialogue's associated data: what a sealed message is bound to besides its bytes.

Version 2 (every message written since migration 0011) binds the tip, the message's uid, and the
row's plaintext `sender`, `kind` and `on_date`: someone with write access to the database who
relabels a reporter's message as the office's (or changes its kind or date) makes it fail to open,
loudly, instead of showing it under the new label. Version 1 bound only the tip and the uid.

Rows sealed under version 1 are re-sealed under version 2 when the database is opened
(`reseal_old_messages`, from bot.startup.open_database): SQL cannot re-encrypt, so migration 0011
only marks them. A version-1 row is never read as such: one left over (its ciphertext did not open
under version 1 either) fails as any tampered row does, and so does a version-2 row set back to 1.
"""

from __future__ import annotations

import json
import logging

from core import crypto
from core.keys import SealingKey
from storage.db import Database
from storage.vault import Vault

log = logging.getLogger("tipline.dialogue")

#: The version written now; rows of lower versions are re-sealed on opening the database.
AAD_VERSION = 2


def message_aad(number: str, uid: str, sender: str, kind: str, on_date: str, version: int = AAD_VERSION) -> bytes:
    """The associated data of one dialogue message's body."""
    base = crypto.field_aad("tip_messages", f"{number}/{uid}", "body")
    if version == 1:
        return base
    if version != AAD_VERSION:
        raise crypto.DecryptionError(f"dialogue message sealed under unknown version {version}")
    labels = json.dumps([sender, kind, on_date], ensure_ascii=False, separators=(",", ":"))
    return base + f"|v{version}|{labels}".encode()


def open_message(
    key: SealingKey, number: str, uid: str, sender: str, kind: str, on_date: str, version: int, body: bytes
) -> str:
    """The message's text; DecryptionError if it was relabelled, moved or altered (or never re-sealed)."""
    if version != AAD_VERSION:
        raise crypto.DecryptionError(f"dialogue message {uid} of tip {number} is of version {version}, not re-sealed")
    return key.open(body, message_aad(number, uid, sender, kind, on_date, version)).decode()


async def reseal_old_messages(db: Database, vault: Vault) -> int:
    """Re-seal every version-1 message under version 2, in one transaction; returns how many.

    A row that does not open under version 1 (altered already, or its tip's key is gone) is left as
    it is and logged by id: it will fail on reading, as a tampered row does."""
    resealed = failed = 0
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT m.id, m.uid, m.sender, m.kind, m.on_date, m.body, t.number, t.dek_id FROM tip_messages m"
            " JOIN tips t ON t.id = m.tip_id JOIN data_keys d ON d.id = t.dek_id"
            " WHERE m.aad_version = 1 AND d.purpose = 'content' ORDER BY m.tip_id, m.id"  # the ring's keys only
        ) as cur:
            rows = await cur.fetchall()
        keys: dict[int, bytes] = {}
        for row_id, uid, sender, kind, on_date, body, number, dek_id in rows:
            try:
                if dek_id not in keys:
                    keys[dek_id] = await vault.key(conn, int(dek_id), crypto.CONTENT)
                text = crypto.open_sealed(keys[dek_id], body, message_aad(number, uid, sender, kind, on_date, 1))
            except crypto.DecryptionError:
                log.warning("dialogue message %d does not open under version 1: left for reading to refuse", row_id)
                failed += 1
                continue
            sealed = crypto.seal(keys[dek_id], text, message_aad(number, uid, sender, kind, on_date))
            await conn.execute(
                "UPDATE tip_messages SET body = ?, aad_version = ? WHERE id = ?", (sealed, AAD_VERSION, row_id)
            )
            resealed += 1
    if rows:
        log.info("dialogue: %d messages re-sealed with their sender, kind and date bound; %d did not open",
                 resealed, failed)  # fmt: skip
    return resealed
