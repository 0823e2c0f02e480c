"""The reward ledger: decided → (approved by the admin above the threshold) → notified → claimed →
paid; or refused, or lapsed after the claim window (and reopened with a reason). Every transition
is audited with the amounts, so an amount never changes silently."""

from __future__ import annotations

import hmac
import secrets
import unicodedata
from datetime import date, datetime, timedelta

import aiosqlite

from core import crypto
from core.rewards import AccidentFacts, Reward, Suggestion, may_move, suggest
from storage.audit import AuditLog
from storage.casework import CaseError, CaseRecords
from storage.db import Database
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


async def rewards_touching(db: Database, first: date, last: date) -> list[Reward]:
    """Rewards decided or paid from `first` to `last` (both included): for statistics and exports."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM rewards r JOIN tips t ON t.id = r.tip_id"  # noqa: S608
        " WHERE r.decided_on BETWEEN ?1 AND ?2 OR r.paid_on BETWEEN ?1 AND ?2 ORDER BY t.year, t.seq",
        (first.isoformat(), last.isoformat()),
    )
    return [_reward(r) for r in rows]


class RewardLedger:
    def __init__(self, db: Database, vault: Vault, tips: TipRepository, casework: CaseRecords, audit: AuditLog):
        self.db = db
        self.vault = vault
        self.tips = tips
        self.casework = casework
        self.audit = audit
        self.office = casework.office

    # -- reading -------------------------------------------------------------------------------

    async def get(self, number: str) -> Reward | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM rewards r JOIN tips t ON t.id = r.tip_id WHERE t.number = ?",  # noqa: S608
            (number,),
        )
        return _reward(row) if row else None

    async def in_states(self, *states: str) -> list[Reward]:
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM rewards r JOIN tips t ON t.id = r.tip_id"  # noqa: S608
            f" WHERE r.state IN ({','.join('?' * len(states))}) ORDER BY t.year, t.seq",
            states,
        )
        return [_reward(r) for r in rows]

    async def touching(self, first: date, last: date) -> list[Reward]:
        return await rewards_touching(self.db, first, last)

    async def to_decide(self) -> list[str]:
        """Tips verified true or partly true that have no reward decision yet."""
        rows = await self.db.fetchall(
            "SELECT t.number FROM tips t JOIN verifications v ON v.tip_id = t.id"
            " LEFT JOIN rewards r ON r.tip_id = t.id"
            " WHERE v.outcome IN ('true', 'partly') AND r.id IS NULL ORDER BY t.year, t.seq"
        )
        return [r[0] for r in rows]

    async def suggestion(self, number: str, accident: AccidentFacts | None) -> Suggestion:
        facets = await self.tips.facets(number)
        if facets is None:
            raise CaseError(number)
        verification = await self.casework.verification(number)
        return suggest(
            facets.kind, verification, self.office.rewards.rules, merged_into=facets.merged_into, accident=accident
        )

    async def decidable(self, number: str) -> bool:
        """A verification is recorded and no reward stands (none yet, or one the admin refused)."""
        if await self.casework.verification(number) is None:
            return False
        reward = await self.get(number)
        return reward is None or (reward.state == "refused" and reward.refusal == "admin")

    # -- the office's decisions ----------------------------------------------------------------

    async def decide(
        self,
        number: str,
        officer: int,
        at: datetime,
        *,
        choice: str,
        accident: AccidentFacts | None = None,
        amount_fen: int | None = None,
        reason: str | None = None,
    ) -> Reward:
        """choice: "take" the suggestion, "change" the amount (with a reason), or "known" (the matter
        was already known to the regulator: not eligible). Above the threshold, the admin approves."""
        if not await self.decidable(number):
            raise CaseError("decide")
        suggestion = await self.suggestion(number, accident)
        refusal = {"known": "known", "take": suggestion.reason}.get(choice)
        if choice == "change" and (not suggestion.eligible or amount_fen is None or amount_fen <= 0 or not reason):
            raise CaseError("change")
        if choice not in ("take", "change", "known"):
            raise CaseError(choice)
        amount = 0 if refusal else (suggestion.amount_fen if choice == "take" else amount_fen)
        state = "refused" if refusal else "proposed" if amount > self._threshold else "approved"
        async with self.db.transaction() as conn:
            previous = await self.get(number)  # re-read inside: a decision made meanwhile refuses this one
            if (previous is not None and not may_move(previous.state, state)) or not await self.decidable(number):
                raise CaseError("decide")
            tip_id, _dek = await self.tips.tip_key(number)
            fields = (state, self.office.rewards.rules.name, suggestion.amount_fen, amount, suggestion.explanation,
                      refusal, at.date().isoformat(), officer)  # fmt: skip
            if previous is None:
                cur = await conn.execute(
                    "INSERT INTO rewards (state, rule_set, suggested_fen, amount_fen, explanation, refusal, decided_on,"
                    " decided_by, tip_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*fields, tip_id),
                )
                reward_id = int(cur.lastrowid)
            else:  # one the admin refused, decided again: the row and its notes stay
                await conn.execute(
                    "UPDATE rewards SET state = ?, rule_set = ?, suggested_fen = ?, amount_fen = ?, explanation = ?,"
                    " refusal = ?, decided_on = ?, decided_by = ? WHERE id = ? AND state = ?",
                    (*fields, previous.id, previous.state),
                )
                reward_id = previous.id
            if choice == "change":
                await self._note(conn, number, reward_id, "change", reason, at.date())
            detail = f"state={state};suggested_fen={suggestion.amount_fen};amount_fen={amount};refusal={refusal}"
            if previous is not None:
                detail += f";before={previous.amount_fen}/{previous.state}"
            await self.audit.append(conn, actor=officer, action="reward.decide", at=at, tip=number, detail=detail)
            if state == "approved":
                await self._notify(conn, number, officer, at)
        return await self.get(number)

    @property
    def _threshold(self) -> int:
        return self.office.rewards.admin_approval_above_yuan * 100

    async def approve(
        self, number: str, admin: int, at: datetime, approve: bool, *, reward_id: int, amount_fen: int
    ) -> Reward:
        """The admin's decision on an amount above the threshold: on the very proposal they were shown
        (its id and amount), never on a later one. Nobody decides on a reward they proposed."""
        reward = await self.get(number)
        if reward is None or reward.state != "proposed" or (reward.id, reward.amount_fen) != (reward_id, amount_fen):
            raise CaseError("approve")
        if await self.decided_by(reward.id) == admin:
            raise CaseError("self")
        async with self.db.transaction() as conn:
            if approve:
                await conn.execute(
                    "UPDATE rewards SET approved_on = ?, approved_by = ? WHERE id = ?",
                    (at.date().isoformat(), admin, reward.id),
                )
                await self._set_state(conn, reward, "approved", admin, at)
                await self._notify(conn, number, admin, at)
            else:
                await conn.execute("UPDATE rewards SET refusal = 'admin' WHERE id = ?", (reward.id,))
                await self._set_state(conn, reward, "refused", admin, at)
        return await self.get(number)

    async def decided_by(self, reward_id: int) -> int:
        """Who proposed the reward (the four-eyes rule: they do not approve it)."""
        row = await self.db.fetchone("SELECT decided_by FROM rewards WHERE id = ?", (reward_id,))
        return int(row[0])

    async def _notify(self, conn: aiosqlite.Connection, number: str, actor: int, at: datetime) -> None:
        """Approved → notified: the claim window opens today."""
        due = at.date() + timedelta(days=self.office.deadlines.reward_claim_days)
        await conn.execute(
            "UPDATE rewards SET state = 'notified', notified_on = ?, claim_due = ?"
            " WHERE tip_id = (SELECT id FROM tips WHERE number = ?)",
            (at.date().isoformat(), due.isoformat(), number),
        )
        await self.audit.append(conn, actor=actor, action="reward.notify", at=at, tip=number, detail=f"claim_due={due}")

    async def _set_state(self, conn: aiosqlite.Connection, reward: Reward, state: str, actor: int | None,
                         at: datetime, detail: str = "") -> None:  # fmt: skip
        """Compare-and-set: the move must be one core.rewards allows, and the row must still be in the
        state (and amount) it was read in; otherwise nothing is written and CaseError("stale")."""
        if not may_move(reward.state, state):
            raise CaseError("stale")
        cur = await conn.execute(
            "UPDATE rewards SET state = ? WHERE id = ? AND state = ? AND amount_fen = ?",
            (state, reward.id, reward.state, reward.amount_fen),
        )
        if cur.rowcount != 1:
            raise CaseError("stale")  # another decision came first: this one is refused whole
        detail = f"{reward.state}->{state};amount_fen={reward.amount_fen}" + (f";{detail}" if detail else "")
        await self.audit.append(conn, actor=actor, action=f"reward.{state}", at=at, tip=reward.number, detail=detail)

    async def _note(self, conn: aiosqlite.Connection, number: str, reward_id: int, kind: str, text: str,
                    on: date) -> None:  # fmt: skip
        _tip_id, dek = await self.tips.tip_key(number)
        uid = secrets.token_hex(8)
        sealed = crypto.seal(dek, text.encode(), crypto.field_aad("reward_notes", f"{number}/{uid}", "reason"))
        await conn.execute(
            "INSERT INTO reward_notes (reward_id, uid, on_date, kind, reason) VALUES (?, ?, ?, ?, ?)",
            (reward_id, uid, on.isoformat(), kind, sealed),
        )

    # -- the reporter's claim ------------------------------------------------------------------

    async def claim(
        self, number: str, at: datetime, *, supervisory: bool, method: str | None = None, payee: str | None = None
    ) -> str | None:
        """The reporter claims. A declared supervisory duty refuses the reward; otherwise payee details
        (sealed) or collection in person, for which a one-time claim code is returned (shown once)."""
        reward = await self.get(number)
        if reward is None or not reward.claimable(at.date()):
            raise CaseError("claim")
        if supervisory:
            async with self.db.transaction() as conn:
                await conn.execute("UPDATE rewards SET refusal = 'supervisory' WHERE id = ?", (reward.id,))
                await self._set_state(conn, reward, "refused", None, at)
            return None
        if method not in ("payee", "in_person") or (method == "payee" and not payee):
            raise CaseError("method")
        code = None
        async with self.db.transaction() as conn:
            if method == "payee":
                dek_id, dek = await self.vault.new_key(conn, crypto.IDENTITY)
                sealed = crypto.seal(dek, payee.encode(), crypto.field_aad("rewards", number, "payee"))
                await conn.execute(
                    "UPDATE rewards SET payee_dek_id = ?, payee = ? WHERE id = ?", (dek_id, sealed, reward.id)
                )
            else:
                code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
                await conn.execute(
                    "UPDATE rewards SET claim_code_hash = ? WHERE id = ?", (self._code_hash(number, code), reward.id)
                )
            await conn.execute(
                "UPDATE rewards SET claim_method = ?, claimed_on = ? WHERE id = ?",
                (method, at.date().isoformat(), reward.id),
            )
            await self._set_state(conn, reward, "claimed", None, at, f"method={method}")
        return code

    def _code_hash(self, number: str, code: str) -> bytes:
        return self.vault.ring.lookup_hash("claim-code", f"{number}:{code}")

    # -- the reward officer --------------------------------------------------------------------

    async def check_code(self, number: str, officer: int, code: str, at: datetime) -> bool:
        """The code the person collecting shows: right once; used, it is refused from then on."""
        row = await self.db.fetchone(
            "SELECT r.id, r.claim_code_hash, r.claim_code_used_on FROM rewards r JOIN tips t ON t.id = r.tip_id"
            " WHERE t.number = ? AND r.state = 'claimed' AND r.claim_method = 'in_person'",
            (number,),
        )
        if row is None or row[2] is not None:
            raise CaseError("code")
        digits = "".join(ch for ch in unicodedata.normalize("NFKC", code) if ch in "0123456789")
        right = hmac.compare_digest(row[1], self._code_hash(number, digits))
        async with self.db.transaction() as conn:
            if right:
                await conn.execute(
                    "UPDATE rewards SET claim_code_used_on = ? WHERE id = ? AND claim_code_used_on IS NULL",
                    (at.date().isoformat(), row[0]),
                )
            action = "reward.code_ok" if right else "reward.code_wrong"
            await self.audit.append(conn, actor=officer, action=action, at=at, tip=number)
        return right

    async def payee(self, number: str, officer: int, at: datetime) -> str:
        """The payee details, for a reward officer; the view is audited first."""
        row = await self.db.fetchone(
            "SELECT r.payee_dek_id, r.payee FROM rewards r JOIN tips t ON t.id = r.tip_id WHERE t.number = ?",
            (number,),
        )
        if row is None or row[0] is None:
            raise CaseError("payee")
        await self.audit.record(actor=officer, action="reward.payee_view", at=at, tip=number)
        dek = await self.vault.key(self.db.conn, int(row[0]), crypto.IDENTITY)
        return crypto.open_sealed(dek, row[1], crypto.field_aad("rewards", number, "payee")).decode()

    async def pay(self, number: str, officer: int, at: datetime, *, amount_fen: int, paid_on: date, method: str,
                  reference: str) -> Reward:  # fmt: skip
        """Record the payment. In person, the claim code must have been checked first. Payee details
        are destroyed once paid: they served their purpose."""
        reward = await self.get(number)
        if reward is None or reward.state != "claimed" or amount_fen <= 0:
            raise CaseError("pay")
        if reward.claim_method == "in_person" and not reward.code_checked:
            raise CaseError("code")
        row = await self.db.fetchone("SELECT payee_dek_id FROM rewards WHERE id = ?", (reward.id,))
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE rewards SET paid_on = ?, paid_fen = ?, paid_method = ?, paid_ref = ?,"
                " payee_dek_id = NULL, payee = NULL WHERE id = ?",
                (paid_on.isoformat(), amount_fen, method, reference, reward.id),
            )
            if row[0] is not None:
                await self.vault.shred(conn, int(row[0]))
            detail = f"paid_fen={amount_fen};method={method};paid_on={paid_on}"
            await self._set_state(conn, reward, "paid", officer, at, detail)
        return await self.get(number)

    async def lapse_expired(self, at: datetime) -> list[str]:
        """The daily run: notified rewards not claimed within the window lapse."""
        lapsed = [r for r in await self.in_states("notified") if r.claim_due < at.date()]
        for reward in lapsed:
            async with self.db.transaction() as conn:
                await self._set_state(conn, reward, "lapsed", None, at, f"claim_due={reward.claim_due}")
        return [r.number for r in lapsed]

    async def reopen(self, number: str, officer: int, at: datetime, reason: str) -> Reward:
        """A lapsed reward is notified again, with a new claim window, for a reason on the record."""
        reward = await self.get(number)
        if reward is None or reward.state != "lapsed" or not reason:
            raise CaseError("reopen")
        async with self.db.transaction() as conn:
            await self._note(conn, number, reward.id, "reopen", reason, at.date())
            await self._set_state(conn, reward, "approved", officer, at, "reopened")
            await self._notify(conn, number, officer, at)
        return await self.get(number)
