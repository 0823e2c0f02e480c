"""Converting an install from before people's keys (`python -m bot keys migrate`, the bot stopped): every
tip sealed under the server's key ring is sealed again to people (docs/ARCHITECTURE.md, "Keys held by
people"), then the ring's content and identity keys that sealed them are destroyed.

Each tip is converted in one transaction (a crash leaves it whole, old or new; running again goes on):
a key pair of its own, its private half sealed to the office's and its department's groups; its content,
dialogue, files, the reasons of its requests, its exposure drafts and its reward notes opened with the
ring's data key and sealed to the new key; its name and phone to a key only the office's group opens,
with a copy for each person an approved disclosure named who has a key of their own; payee details to a
key only the reward officers' group opens. The ring's data keys of the tip are shredded.

A migrated tip has no copy under its receipt code: the code was never stored, so nothing can be sealed
under it. Its reporter still checks its status and deadlines; the texts the office writes to them can no
longer be shown in the bot (the view says so and gives the 12350 hotline).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

import aiosqlite

from core import crypto
from core.keys import RingKey, SealingKey
from storage.db import Database
from storage.dialogue import message_aad
from storage.keys import OFFICE, REWARDS, Group, KeyStore, department_group
from storage.vault import Vault

log = logging.getLogger("tipline.keys")


@dataclass(frozen=True)
class Migrated:
    tips: int
    payees: int


class Migration:
    def __init__(self, db: Database, vault: Vault, store: KeyStore):
        self.db, self.vault, self.store = db, vault, store

    async def pending(self) -> list[str]:
        """The tips still sealed under the ring, oldest first."""
        rows = await self.db.fetchall(
            "SELECT t.number FROM tips t JOIN data_keys d ON d.id = t.dek_id WHERE d.purpose = 'content' ORDER BY t.id"
        )
        return [number for (number,) in rows]

    async def run(self) -> Migrated:
        groups = await self.store.groups()
        if OFFICE not in groups:
            raise RuntimeError("the office's key groups do not exist: the ring has no recovery key")
        done = 0
        while numbers := await self.pending():  # again until none is left (a bot left running files more)
            for number in numbers:
                async with self.db.transaction() as conn:
                    await self._tip(conn, number, groups)
                done += 1
                if done % 500 == 0:
                    log.info("keys migrate: %d tips", done)
        payees = await self._payees(groups)
        return Migrated(done, payees)

    async def _tip(self, conn: aiosqlite.Connection, number: str, groups: dict[str, Group]) -> None:
        async with conn.execute(
            "SELECT id, department, dek_id, identity_dek_id, received_on FROM tips WHERE number = ?", (number,)
        ) as cur:
            tip_id, department, dek_id, identity_dek_id, received = await cur.fetchone()
        old: SealingKey = RingKey(await self.vault.key(conn, dek_id, crypto.CONTENT))
        to = [groups[n] for n in (OFFICE, department_group(department)) if n in groups]
        new_id, new = await self.store.new_record_key(conn, to, _day(received))
        await _reseal(conn, "tips", "content", "id = ?", (tip_id,), old, new,
                      crypto.field_aad("tips", number, "content"))  # fmt: skip
        await self._dialogue(conn, tip_id, number, old, new)
        await self._rows(conn, tip_id, number, old, new)
        await conn.execute("UPDATE tips SET dek_id = ? WHERE id = ?", (new_id, tip_id))
        await self.vault.shred(conn, dek_id)
        if identity_dek_id is not None:
            await self._identity(conn, tip_id, number, identity_dek_id, groups[OFFICE], _day(received))

    @staticmethod
    async def _dialogue(conn, tip_id: int, number: str, old: SealingKey, new: SealingKey) -> None:
        async with conn.execute(
            "SELECT id, uid, on_date, sender, kind, aad_version FROM tip_messages WHERE tip_id = ?", (tip_id,)
        ) as cur:
            rows = await cur.fetchall()
        for row_id, uid, on, sender, kind, version in rows:
            await _reseal(conn, "tip_messages", "body", "id = ?", (row_id,), old, new,
                          message_aad(number, uid, sender, kind, on, version))  # fmt: skip

    @staticmethod
    async def _rows(conn, tip_id: int, number: str, old: SealingKey, new: SealingKey) -> None:
        """Files, request reasons, exposure drafts and reward notes, each under the tip's key."""
        async with conn.execute("SELECT id, uid FROM tip_files WHERE tip_id = ?", (tip_id,)) as cur:
            for row_id, uid in await cur.fetchall():
                for column in ("meta", "data"):
                    await _reseal(conn, "tip_files", column, "id = ?", (row_id,), old, new,
                                  crypto.field_aad("tip_files", f"{number}/{uid}", column))  # fmt: skip
        async with conn.execute("SELECT id, uid FROM case_requests WHERE tip_id = ?", (tip_id,)) as cur:
            for row_id, uid in await cur.fetchall():
                await _reseal(conn, "case_requests", "reason", "id = ?", (row_id,), old, new,
                              crypto.field_aad("case_requests", f"{number}/{uid}", "reason"))  # fmt: skip
        async with conn.execute("SELECT id, uid FROM exposures WHERE tip_id = ?", (tip_id,)) as cur:
            for row_id, uid in await cur.fetchall():
                await _reseal(conn, "exposures", "typed", "id = ?", (row_id,), old, new,
                              crypto.field_aad("exposures", f"{number}/{uid}", "typed"))  # fmt: skip
        async with conn.execute(
            "SELECT n.id, n.uid FROM reward_notes n JOIN rewards r ON r.id = n.reward_id WHERE r.tip_id = ?", (tip_id,)
        ) as cur:
            for row_id, uid in await cur.fetchall():
                await _reseal(conn, "reward_notes", "reason", "id = ?", (row_id,), old, new,
                              crypto.field_aad("reward_notes", f"{number}/{uid}", "reason"))  # fmt: skip

    async def _identity(self, conn, tip_id: int, number: str, dek_id: int, office: Group, on) -> None:
        """The name and phone: to a key only the office's group opens, and a copy for each approved
        disclosure's requester who has a key of their own (a requester without one asks again)."""
        old = RingKey(await self.vault.key(conn, dek_id, crypto.IDENTITY))
        new_id, new = await self.store.new_record_key(conn, [office], on, keep=True)
        await _reseal(conn, "tips", "identity", "id = ?", (tip_id,), old, new,
                      crypto.field_aad("tips", number, "identity"))  # fmt: skip
        await conn.execute("UPDATE tips SET identity_dek_id = ? WHERE id = ?", (new_id, tip_id))
        await self.vault.shred(conn, dek_id)
        async with conn.execute(
            "SELECT DISTINCT requested_by FROM case_requests WHERE tip_id = ? AND kind = 'disclosure'"
            " AND state = 'approved'",
            (tip_id,),
        ) as cur:
            requesters = [uid for (uid,) in await cur.fetchall()]
        if not requesters:
            return
        for uid in requesters:
            member = await self.store.member(uid)
            if member is not None:
                holder = f"member:{uid}"
                await self.store.add_wrap(conn, new_id, Group(0, holder, member.public), new.private, holder)

    async def _payees(self, groups: dict[str, Group]) -> int:
        rows = await self.db.fetchall(
            "SELECT r.id, t.number, r.payee_dek_id FROM rewards r JOIN tips t ON t.id = r.tip_id"
            " JOIN data_keys d ON d.id = r.payee_dek_id WHERE d.purpose = 'identity'"
        )
        for reward_id, number, dek_id in rows:
            async with self.db.transaction() as conn:
                old = RingKey(await self.vault.key(conn, dek_id, crypto.IDENTITY))
                new_id, new = await self.store.new_record_key(conn, [groups[REWARDS]], date.today())
                await _reseal(conn, "rewards", "payee", "id = ?", (reward_id,), old, new,
                              crypto.field_aad("rewards", number, "payee"))  # fmt: skip
                await conn.execute("UPDATE rewards SET payee_dek_id = ? WHERE id = ?", (new_id, reward_id))
                await self.vault.shred(conn, dek_id)
        return len(rows)


async def _reseal(conn, table: str, column: str, where: str, params: tuple, old: SealingKey, new: SealingKey,
                  aad: bytes) -> None:  # fmt: skip
    """One sealed cell: opened with the old key, sealed with the new under the same associated data."""
    async with conn.execute(f"SELECT {column} FROM {table} WHERE {where}", params) as cur:  # noqa: S608 - names are ours
        (blob,) = await cur.fetchone()
    if blob is None:
        return
    try:
        plain = old.open(bytes(blob), aad)
    except crypto.DecryptionError:  # altered before (it failed on reading already): left, and said
        log.warning("keys migrate: %s.%s of row %s does not open; left as it is", table, column, params[0])
        return
    sealed = new.seal(plain, aad)
    await conn.execute(f"UPDATE {table} SET {column} = ? WHERE {where}", (sealed, *params))  # noqa: S608


def _day(text: str) -> date:
    return date.fromisoformat(text)
