"""Tips: one transaction per submission; plaintext facets, sealed content, identity and contact."""

from __future__ import annotations

import json
import secrets
from datetime import date

import aiosqlite

from core import crypto
from core.keys import RingKey, SealingKey
from core.tips import (
    FINISHED,
    Identity,
    NewTip,
    Status,
    TipContent,
    TipEvent,
    TipFacets,
    TipMessage,
    format_tip_number,
)
from storage.db import Database
from storage.dialogue import AAD_VERSION, message_aad, open_message
from storage.drafts import DraftFiles, EvidenceFile
from storage.keys import OFFICE, PEOPLE, Group, KeyStore
from storage.vault import Vault

_FACETS = (
    "number, kind, industry, village, department, involves_death, status, received_on, accept_due,"
    " has_identity, wants_push, due_on, merged_into"
)


def _facets(row: aiosqlite.Row) -> TipFacets:
    names = [n.strip() for n in _FACETS.split(",")]
    return TipFacets.model_validate(dict(zip(names, row, strict=True)))


#: A tip sealed to people's keys (storage.keys): the groups its content is sealed to, and the key pair
#: made ahead with its copy under the receipt code (services.keys.KeyService.receipt_copy).
Sealing = tuple[list[Group], tuple[object, bytes] | None]


class TipRepository:
    def __init__(self, db: Database, vault: Vault, drafts: DraftFiles, keystore: KeyStore | None = None):
        self.db = db
        self.vault = vault
        self.drafts = drafts
        self.keystore = keystore or KeyStore(db)

    # -- submission ----------------------------------------------------------------------------

    async def submit(
        self,
        conn: aiosqlite.Connection,
        tip: NewTip,
        *,
        department: str,
        received_on: date,
        accept_due: date,
        receipt_hash: str,
        draft_token: str,
        contact_chat_id: int | None,
        sealing: Sealing | None = None,
    ) -> str:
        """Write the tip, its first event, its files (moved from the draft) and receipt hash, in the
        caller's transaction (services.reports.ReportService.submit, with the receipt); returns its number.
        With `sealing` (the office's key groups exist), content, files and dialogue are sealed to a key
        pair of the tip's whose private half only the groups (and the receipt code) open, and a name and
        phone to one only the office's group opens; else under the ring, as before those keys."""
        year = received_on.year
        async with conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM tips WHERE year = ?", (year,)) as cur:
            seq = int((await cur.fetchone())[0])
        number = format_tip_number(year, seq)
        if sealing is None:
            dek_id, dek = await self.vault.new_key(conn, crypto.CONTENT)
            key: SealingKey = RingKey(dek)
            identity = await self._seal_new(conn, crypto.IDENTITY, number, "identity", tip.identity)
        else:
            groups, receipt = sealing
            dek_id, key = await self.keystore.new_record_key(conn, groups, received_on, receipt)
            office = [g for g in groups if g.name == OFFICE]
            identity = await self._seal_to(conn, office, received_on, number, tip.identity)
        contact = await self._seal_new(
            conn, crypto.CONTACT, number, "contact", contact_chat_id if tip.wants_push else None
        )
        cur = await conn.execute(
            "INSERT INTO tips (number, year, seq, kind, industry, village, department, involves_death, status,"
            " received_on, accept_due, has_identity, wants_push, dek_id, content, identity_dek_id, identity,"
            " contact_dek_id, contact, receipt_hash, draft_hash, due_on)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                number,
                year,
                seq,
                tip.kind,
                tip.industry,
                tip.village,
                department,
                int(tip.involves_death),
                Status.RECEIVED.value,
                received_on.isoformat(),
                accept_due.isoformat(),
                int(tip.identity is not None),
                int(tip.wants_push),
                dek_id,
                key.seal(tip.content.model_dump_json().encode(), crypto.field_aad("tips", number, "content")),
                *identity,
                *contact,
                receipt_hash,
                self.drafts.draft_hash(draft_token),
                accept_due.isoformat(),
            ),
        )
        tip_id = int(cur.lastrowid)
        await self._event(conn, tip_id, Status.RECEIVED, received_on)
        for file in await self.drafts.take(conn, draft_token):
            await self._store_file(conn, tip_id, number, key, file, received_on)
        return number

    async def _seal_to(
        self, conn: aiosqlite.Connection, groups: list[Group], on: date, number: str, value: object
    ) -> tuple[int | None, bytes | None]:
        """A name and phone sealed to a record key of their own that only `groups` open."""
        if value is None:
            return None, None
        dek_id, key = await self.keystore.new_record_key(conn, groups, on)
        return dek_id, key.seal(value.model_dump_json().encode(), crypto.field_aad("tips", number, "identity"))

    async def record_key(self, dek_id: int, purpose: str) -> SealingKey:
        """A record's key as the acting person holds it: a ring key (the server opens it), or a people key
        (opened only if the acting key chain holds a copy: core.keys.acting)."""
        row = await self.db.fetchone("SELECT purpose, kek_id, wrapped FROM data_keys WHERE id = ?", (dek_id,))
        if row is None:
            raise crypto.DecryptionError(f"data key {dek_id} does not exist (the record was destroyed)")
        if row[0] == PEOPLE:
            return await self.keystore.record_key(dek_id, bytes(row[2]))
        return RingKey(self.vault.unwrap(crypto.WrappedKey(row[1], row[2]), purpose))

    async def _seal_new(
        self, conn: aiosqlite.Connection, purpose: str, number: str, field: str, value: object
    ) -> tuple[int | None, bytes | None]:
        if value is None:
            return None, None
        dek_id, dek = await self.vault.new_key(conn, purpose)
        payload = value.model_dump_json() if hasattr(value, "model_dump_json") else json.dumps(value)
        return dek_id, crypto.seal(dek, payload.encode(), crypto.field_aad("tips", number, field))

    async def number_for_draft(self, draft_token: str) -> str | None:
        """The tip a draft already became, if it did (a submission repeated after a crash)."""
        row = await self.db.fetchone(
            "SELECT number FROM tips WHERE draft_hash = ?", (self.drafts.draft_hash(draft_token),)
        )
        return row[0] if row else None

    # -- reading -------------------------------------------------------------------------------

    async def facets(self, number: str) -> TipFacets | None:
        row = await self.db.fetchone(f"SELECT {_FACETS} FROM tips WHERE number = ?", (number,))  # noqa: S608
        return _facets(row) if row else None

    async def page(
        self,
        *,
        departments: frozenset[str] | None,
        status: str | None,
        due_before: date | None,
        offset: int,
        limit: int,
    ) -> tuple[list[TipFacets], int]:
        """Tips newest first, filtered; `departments` None means all. Returns (page, total)."""
        where, params = ["1 = 1"], []
        if departments is not None:
            where.append(f"department IN ({','.join('?' * len(departments)) or 'NULL'})")
            params += sorted(departments)
        if status is not None:
            where.append("status = ?")
            params.append(status)
        if due_before is not None:
            where.append("due_on IS NOT NULL AND due_on < ?")
            params.append(due_before.isoformat())
        condition = " AND ".join(where)
        total = (await self.db.fetchone(f"SELECT COUNT(*) FROM tips WHERE {condition}", params))[0]  # noqa: S608
        rows = await self.db.fetchall(
            f"SELECT {_FACETS} FROM tips WHERE {condition} ORDER BY id DESC LIMIT ? OFFSET ?",  # noqa: S608
            [*params, limit, offset],
        )
        return [_facets(row) for row in rows], int(total)

    async def due_by(self, statuses: tuple[Status, ...], last_day: date) -> list[TipFacets]:
        """Tips in these statuses with a deadline on or before `last_day` (overdue ones too), soonest first."""
        marks = ",".join("?" * len(statuses))
        rows = await self.db.fetchall(
            f"SELECT {_FACETS} FROM tips WHERE status IN ({marks}) AND due_on <= ? ORDER BY due_on, id",  # noqa: S608
            [*(s.value for s in statuses), last_day.isoformat()],
        )
        return [_facets(r) for r in rows]

    async def past_due(self, status: Status, before: date) -> list[str]:
        """Numbers of the tips in `status` whose deadline passed before `before`, oldest first."""
        rows = await self.db.fetchall(
            "SELECT number FROM tips WHERE status = ? AND due_on < ? ORDER BY id", (status.value, before.isoformat())
        )
        return [number for (number,) in rows]

    async def receipt_hash(self, number: str) -> str | None:
        row = await self.db.fetchone("SELECT receipt_hash FROM tips WHERE number = ?", (number,))
        return row[0] if row else None

    async def tip_key(self, number: str) -> tuple[int, SealingKey]:
        """The tip's row id and content key: what its messages, files and case records are sealed with.
        Sealing needs no one's keys; opening a tip sealed to people needs the acting person's (else
        core.keys.Locked)."""
        row = await self.db.fetchone("SELECT id, dek_id FROM tips WHERE number = ?", (number,))
        if row is None:
            raise KeyError(number)
        return int(row[0]), await self.record_key(int(row[1]), crypto.CONTENT)

    async def _open_field(self, number: str, field: str, purpose: str, key_column: str) -> bytes | None:
        """A sealed column of the tip, opened with its own data key; None where nothing is stored."""
        query = f"SELECT {key_column}, {field} FROM tips WHERE number = ?"  # noqa: S608 - names from the callers below
        row = await self.db.fetchone(query, (number,))
        if row is None:
            raise KeyError(number)
        if row[0] is None:
            return None
        key = await self.record_key(int(row[0]), purpose)
        return key.open(row[1], crypto.field_aad("tips", number, field))

    async def content(self, number: str) -> TipContent:
        return TipContent.model_validate_json(await self._open_field(number, "content", crypto.CONTENT, "dek_id"))

    async def identity(self, number: str) -> Identity | None:
        """The name and phone a reporter chose to leave, or None."""
        sealed = await self._open_field(number, "identity", crypto.IDENTITY, "identity_dek_id")
        return None if sealed is None else Identity.model_validate_json(sealed)

    async def contact(self, number: str) -> int | None:
        """The chat to push notices to, if the reporter asked for them and the tip is open."""
        sealed = await self._open_field(number, "contact", crypto.CONTACT, "contact_dek_id")
        return None if sealed is None else int(json.loads(sealed))

    async def merged_from(self, number: str) -> list[str]:
        """The later tips merged into this one, oldest first."""
        rows = await self.db.fetchall("SELECT number FROM tips WHERE merged_into = ? ORDER BY id", (number,))
        return [r[0] for r in rows]

    async def events(self, number: str) -> list[TipEvent]:
        rows = await self.db.fetchall(
            "SELECT e.on_date, e.status FROM tip_events e JOIN tips t ON t.id = e.tip_id"
            " WHERE t.number = ? ORDER BY e.id",
            (number,),
        )
        return [TipEvent(on=r[0], status=r[1]) for r in rows]

    async def messages(self, number: str) -> list[TipMessage]:
        tip_id, key = await self.tip_key(number)
        rows = await self.db.fetchall(
            "SELECT uid, on_date, sender, kind, aad_version, body FROM tip_messages WHERE tip_id = ? ORDER BY id",
            (tip_id,),
        )
        # Sender, kind and date are bound into each body's associated data: a relabelled row raises.
        return [
            TipMessage(on=on, sender=sender, kind=kind, text=open_message(key, number, uid, sender, kind, on, v, body))
            for uid, on, sender, kind, v, body in rows
        ]

    async def labels(self, number: str) -> list[TipMessage]:
        """The dialogue's plaintext labels (date, sender, kind), its texts left empty: whether a question
        waits for its answer is known without anyone's key."""
        rows = await self.db.fetchall(
            "SELECT m.on_date, m.sender, m.kind FROM tip_messages m JOIN tips t ON t.id = m.tip_id"
            " WHERE t.number = ? ORDER BY m.id",
            (number,),
        )
        return [TipMessage(on=on, sender=sender, kind=kind, text="") for on, sender, kind in rows]

    async def file_count(self, number: str) -> int:
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM tip_files f JOIN tips t ON t.id = f.tip_id WHERE t.number = ?", (number,)
        )
        return int(row[0])

    async def forget_drafts(self, received_before: date) -> None:
        """Drop the draft hashes of older tips: they serve only a resubmission right after a crash."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE tips SET draft_hash = NULL WHERE draft_hash IS NOT NULL AND received_on < ?",
                (received_before.isoformat(),),
            )

    async def files(self, number: str) -> list[EvidenceFile]:
        tip_id, key = await self.tip_key(number)
        rows = await self.db.fetchall(
            "SELECT uid, kind, meta, data FROM tip_files WHERE tip_id = ? ORDER BY id", (tip_id,)
        )
        return [
            EvidenceFile.from_meta(
                kind,
                key.open(meta, crypto.field_aad("tip_files", f"{number}/{uid}", "meta")),
                key.open(data, crypto.field_aad("tip_files", f"{number}/{uid}", "data")),
            )
            for uid, kind, meta, data in rows
        ]

    # -- changes -------------------------------------------------------------------------------

    async def add_message(
        self, conn: aiosqlite.Connection, number: str, sender: str, kind: str, text: str, on: date
    ) -> None:
        """One entry of the dialogue, sealed under the tip's key, inside the caller's transaction."""
        tip_id, key = await self.tip_key(number)
        uid = secrets.token_hex(8)
        body = key.seal(text.encode(), message_aad(number, uid, sender, kind, on.isoformat()))
        await conn.execute(
            "INSERT INTO tip_messages (tip_id, uid, on_date, sender, kind, aad_version, body)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (tip_id, uid, on.isoformat(), sender, kind, AAD_VERSION, body),
        )

    async def add_file(self, conn: aiosqlite.Connection, number: str, file: EvidenceFile, on: date) -> None:
        """One more evidence file, sealed under the tip's key, in the caller's transaction."""
        tip_id, key = await self.tip_key(number)
        await self._store_file(conn, tip_id, number, key, file, on)

    async def change_status(
        self,
        conn: aiosqlite.Connection,
        number: str,
        status: Status,
        on: date,
        *,
        due_on: date | None = ...,
        expect: Status | None = None,
    ) -> bool:
        """Record a new status (and next deadline, if given) inside the caller's transaction; a finished
        tip has no deadline and forgets its push contact (shredding its key). With `expect`, a
        compare-and-set: only a tip still in that status changes; False (nothing written) otherwise."""
        async with conn.execute("SELECT id, contact_dek_id FROM tips WHERE number = ?", (number,)) as cur:
            row = await cur.fetchone()
        if row is None:
            raise KeyError(number)
        sql, params = "UPDATE tips SET status = ? WHERE id = ?", (status.value, row[0])
        if expect is not None:
            sql, params = sql + " AND status = ?", (*params, expect.value)
        async with conn.execute(sql, params) as cur:
            if cur.rowcount == 0:
                return False
        await self._event(conn, row[0], status, on)
        if status in FINISHED:
            due_on = None
        if due_on is not ...:
            await conn.execute(
                "UPDATE tips SET due_on = ? WHERE id = ?", (due_on.isoformat() if due_on else None, row[0])
            )
        if status in FINISHED and row[1] is not None:
            await conn.execute("UPDATE tips SET contact_dek_id = NULL, contact = NULL WHERE id = ?", (row[0],))
            await self.vault.shred(conn, row[1])
        return True

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    async def _event(conn: aiosqlite.Connection, tip_id: int, status: Status, on: date) -> None:
        await conn.execute(
            "INSERT INTO tip_events (tip_id, on_date, status) VALUES (?, ?, ?)", (tip_id, on.isoformat(), status.value)
        )

    @staticmethod
    async def _store_file(
        conn: aiosqlite.Connection, tip_id: int, number: str, key: SealingKey, file: EvidenceFile, on: date
    ) -> None:
        uid = secrets.token_hex(8)
        await conn.execute(
            "INSERT INTO tip_files (tip_id, uid, on_date, kind, size, meta, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                tip_id,
                uid,
                on.isoformat(),
                file.kind,
                len(file.data),
                key.seal(file.meta, crypto.field_aad("tip_files", f"{number}/{uid}", "meta")),
                key.seal(file.data, crypto.field_aad("tip_files", f"{number}/{uid}", "data")),
            ),
        )
