"""The reward ledger's rows: read, and written in the caller's transaction (the use cases, with their
checks and audit, are services/rewards.py; the states and their moves core/rewards.py). A state is
written by compare-and-set: `set_state` changes the row only if it is still in the state and amount
it was read in."""

from __future__ import annotations

import secrets
from datetime import date

import aiosqlite

from core import crypto, taxonomy
from core.keys import RingKey, SealingKey
from core.rewards import ClaimMethod, Reward, RewardState, may_move
from storage.db import Database
from storage.keys import REWARDS
from storage.tips import TipRepository
from storage.vault import Vault

_COLUMNS = (
    "r.id, t.number, r.state, r.rule_set, r.suggested_fen, r.amount_fen, r.explanation, r.refusal, r.decided_on,"
    " r.approved_on, r.notified_on, r.claim_due, r.claim_method, r.claimed_on, r.claim_code_used_on IS NOT NULL,"
    " r.paid_on, r.paid_fen, r.paid_method, r.paid_ref"
)
_NAMES = (
    "id", "number", "state", "rule_set", "suggested_fen", "amount_fen", "explanation", "refusal", "decided_on",
    "approved_on", "notified_on", "claim_due", "claim_method", "claimed_on", "code_checked", "paid_on", "paid_fen",
    "paid_method", "paid_ref",
)  # fmt: skip
CODE_DIGITS = 8


def _reward(row: aiosqlite.Row) -> Reward:
    return Reward.model_validate(dict(zip(_NAMES, row, strict=True)))


class RewardRecords:
    def __init__(self, db: Database, vault: Vault, tips: TipRepository):
        self.db = db
        self.vault = vault
        self.tips = tips

    # -- reading -------------------------------------------------------------------------------

    async def get(self, number: str) -> Reward | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM rewards r JOIN tips t ON t.id = r.tip_id WHERE t.number = ?",  # noqa: S608
            (number,),
        )
        return _reward(row) if row else None

    async def in_states(self, *states: RewardState) -> list[Reward]:
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM rewards r JOIN tips t ON t.id = r.tip_id"  # noqa: S608
            f" WHERE r.state IN ({','.join('?' * len(states))}) ORDER BY t.year, t.seq",
            states,
        )
        return [_reward(r) for r in rows]

    async def touching(self, first: date, last: date) -> list[Reward]:
        """Rewards decided or paid from `first` to `last` (both included): for /stats and the export."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM rewards r JOIN tips t ON t.id = r.tip_id"  # noqa: S608
            " WHERE r.decided_on BETWEEN ?1 AND ?2 OR r.paid_on BETWEEN ?1 AND ?2 ORDER BY t.year, t.seq",
            (first.isoformat(), last.isoformat()),
        )
        return [_reward(r) for r in rows]

    async def to_decide(self) -> list[str]:
        """Tips verified true or partly true that have no reward decision yet."""
        outcomes = sorted(taxonomy.SUBSTANTIATED)
        marks = ", ".join("?" * len(outcomes))
        rows = await self.db.fetchall(
            "SELECT t.number FROM tips t JOIN verifications v ON v.tip_id = t.id"  # noqa: S608
            f" LEFT JOIN rewards r ON r.tip_id = t.id WHERE v.outcome IN ({marks}) AND r.id IS NULL"
            " ORDER BY t.year, t.seq",
            outcomes,
        )
        return [r[0] for r in rows]

    async def decided_by(self, reward_id: int) -> int:
        """Who proposed the reward (the four-eyes rule: they do not approve it)."""
        row = await self.db.fetchone("SELECT decided_by FROM rewards WHERE id = ?", (reward_id,))
        return int(row[0])

    async def code_row(self, number: str) -> tuple[int, bytes, str | None] | None:
        """An in-person claim's (id, code hash, used on), while it waits to be paid."""
        row = await self.db.fetchone(
            "SELECT r.id, r.claim_code_hash, r.claim_code_used_on FROM rewards r JOIN tips t ON t.id = r.tip_id"
            " WHERE t.number = ? AND r.state = 'claimed' AND r.claim_method = 'in_person'",
            (number,),
        )
        return (int(row[0]), row[1], row[2]) if row else None

    def code_hash(self, number: str, code: str) -> bytes:
        return self.vault.ring.lookup_hash("claim-code", f"{number}:{code}")

    async def payee(self, number: str) -> str | None:
        """The sealed payee details, opened; None if there are none."""
        row = await self.db.fetchone(
            "SELECT r.payee_dek_id, r.payee FROM rewards r JOIN tips t ON t.id = r.tip_id WHERE t.number = ?",
            (number,),
        )
        if row is None or row[0] is None:
            return None
        key = await self.tips.record_key(int(row[0]), crypto.IDENTITY)
        return key.open(row[1], crypto.field_aad("rewards", number, "payee")).decode()

    # -- writing, in the caller's transaction ----------------------------------------------------

    async def add(self, conn: aiosqlite.Connection, number: str, fields: tuple) -> int:
        """The tip's reward, at its first decision: `fields` are (state, rule_set, suggested_fen, amount_fen,
        explanation, refusal, decided_on, decided_by); its id."""
        tip_id, _dek = await self.tips.tip_key(number)
        cur = await conn.execute(
            "INSERT INTO rewards (state, rule_set, suggested_fen, amount_fen, explanation, refusal, decided_on,"
            " decided_by, tip_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*fields, tip_id),
        )
        return int(cur.lastrowid)

    async def set_decision(self, conn: aiosqlite.Connection, previous: Reward, fields: tuple) -> bool:
        """A reward the admin refused, decided again (the row and its notes stay; `fields` as for `add`):
        compare-and-set on the state it was read in; whether it was written."""
        cur = await conn.execute(
            "UPDATE rewards SET state = ?, rule_set = ?, suggested_fen = ?, amount_fen = ?, explanation = ?,"
            " refusal = ?, decided_on = ?, decided_by = ? WHERE id = ? AND state = ?",
            (*fields, previous.id, previous.state),
        )
        return cur.rowcount == 1

    async def set_state(self, conn: aiosqlite.Connection, reward: Reward, state: RewardState) -> bool:
        """Compare-and-set: only if the row is still in the state and amount it was read in."""
        cur = await conn.execute(
            "UPDATE rewards SET state = ? WHERE id = ? AND state = ? AND amount_fen = ?",
            (state, reward.id, reward.state, reward.amount_fen),
        )
        return cur.rowcount == 1

    async def set_approved(self, conn: aiosqlite.Connection, reward_id: int, on: date, admin: int) -> None:
        await conn.execute(
            "UPDATE rewards SET approved_on = ?, approved_by = ? WHERE id = ?", (on.isoformat(), admin, reward_id)
        )

    async def set_refusal(self, conn: aiosqlite.Connection, reward_id: int, refusal: str) -> None:
        await conn.execute("UPDATE rewards SET refusal = ? WHERE id = ?", (refusal, reward_id))

    async def set_notified(self, conn: aiosqlite.Connection, number: str, on: date, due: date) -> bool:
        """Approved → notified, the claim window opening `on`: compare-and-set (only an approved reward);
        whether it was written."""
        if not may_move(RewardState.APPROVED, RewardState.NOTIFIED):  # core.rewards.TRANSITIONS says which moves
            return False
        cur = await conn.execute(
            "UPDATE rewards SET state = ?, notified_on = ?, claim_due = ?"
            " WHERE tip_id = (SELECT id FROM tips WHERE number = ?) AND state = ?",
            (RewardState.NOTIFIED.value, on.isoformat(), due.isoformat(), number, RewardState.APPROVED.value),
        )
        return cur.rowcount == 1

    async def add_note(
        self, conn: aiosqlite.Connection, number: str, reward_id: int, kind: str, text: str, on: date
    ) -> None:
        _tip_id, key = await self.tips.tip_key(number)
        uid = secrets.token_hex(8)
        sealed = key.seal(text.encode(), crypto.field_aad("reward_notes", f"{number}/{uid}", "reason"))
        await conn.execute(
            "INSERT INTO reward_notes (reward_id, uid, on_date, kind, reason) VALUES (?, ?, ?, ?, ?)",
            (reward_id, uid, on.isoformat(), kind, sealed),
        )

    async def _payee_key(self, conn: aiosqlite.Connection, on: date) -> tuple[int, SealingKey]:
        """A key of its own for payee details: sealed to the reward officers' group where the office's keys
        exist (only they and the admins open it), else under the ring."""
        rewards = (await self.tips.keystore.groups()).get(REWARDS)
        if rewards is None:
            dek_id, dek = await self.vault.new_key(conn, crypto.IDENTITY)
            return dek_id, RingKey(dek)
        return await self.tips.keystore.new_record_key(conn, [rewards], on)

    async def set_claim(
        self, conn: aiosqlite.Connection, reward: Reward, method: str, payee: str | None, on: date
    ) -> str | None:
        """The claim's details: payee details sealed under a key of their own, or (in person) a
        one-time code, returned (its hash kept)."""
        code = None
        if method == ClaimMethod.PAYEE:
            dek_id, key = await self._payee_key(conn, on)
            sealed = key.seal(payee.encode(), crypto.field_aad("rewards", reward.number, "payee"))
            await conn.execute(
                "UPDATE rewards SET payee_dek_id = ?, payee = ? WHERE id = ?", (dek_id, sealed, reward.id)
            )
        else:
            code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
            await conn.execute(
                "UPDATE rewards SET claim_code_hash = ? WHERE id = ?", (self.code_hash(reward.number, code), reward.id)
            )
        await conn.execute(
            "UPDATE rewards SET claim_method = ?, claimed_on = ? WHERE id = ?", (method, on.isoformat(), reward.id)
        )
        return code

    async def use_code(self, conn: aiosqlite.Connection, reward_id: int, on: date) -> bool:
        cur = await conn.execute(
            "UPDATE rewards SET claim_code_used_on = ? WHERE id = ? AND claim_code_used_on IS NULL",
            (on.isoformat(), reward_id),
        )
        return cur.rowcount == 1

    async def set_paid(
        self, conn: aiosqlite.Connection, reward_id: int, amount_fen: int, paid_on: date, method: str, reference: str
    ) -> None:
        """The payment; the payee details are destroyed (their key shredded)."""
        async with conn.execute("SELECT payee_dek_id FROM rewards WHERE id = ?", (reward_id,)) as cur:
            (dek_id,) = await cur.fetchone()
        await conn.execute(
            "UPDATE rewards SET paid_on = ?, paid_fen = ?, paid_method = ?, paid_ref = ?,"
            " payee_dek_id = NULL, payee = NULL WHERE id = ?",
            (paid_on.isoformat(), amount_fen, method, reference, reward_id),
        )
        if dek_id is not None:
            await self.vault.shred(conn, int(dek_id))
