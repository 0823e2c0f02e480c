"""The reward ledger's use cases: the officer's decision, the admin's approval above the threshold
(four eyes), the notice, the reporter's claim, the claim code, the payment, lapsing after the claim
window and reopening. Each check-then-write is one unit of work: the reward is re-read inside, the
move checked against core.rewards' TRANSITIONS and written by compare-and-set; every move is
audited with the amounts, so an amount never changes silently."""

from __future__ import annotations

import hmac
import unicodedata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.office import OfficeConfig
from core.rewards import AccidentFacts, ClaimMethod, Refusal, Reward, RewardState, Suggestion, may_move, suggest
from storage.audit import AuditLog
from storage.casework import CaseError, CaseRecords
from storage.db import Database, UnitOfWork
from storage.rewards import RewardRecords
from storage.tips import TipRepository


@dataclass(eq=False)
class RewardService:
    db: Database
    tips: TipRepository
    audit: AuditLog
    cases: CaseRecords
    records: RewardRecords

    def __post_init__(self) -> None:
        self.office: OfficeConfig = self.cases.office
        # reads the handlers and exports use as they are
        records = self.records
        self.get, self.in_states, self.touching = records.get, records.in_states, records.touching
        self.to_decide, self.decided_by = records.to_decide, records.decided_by

    @asynccontextmanager
    async def _work(self) -> AsyncIterator[UnitOfWork]:
        async with self.db.unit_of_work(records=self.records, audit=self.audit) as uow:
            yield uow

    async def suggestion(self, number: str, accident: AccidentFacts | None) -> Suggestion:
        facets = await self.tips.facets(number)
        if facets is None:
            raise CaseError(number)
        verification = await self.cases.verification(number)
        return suggest(
            facets.kind, verification, self.office.rewards.rules, merged_into=facets.merged_into, accident=accident
        )

    async def decidable(self, number: str) -> bool:
        """A verification is recorded and no reward stands (none yet, or one the admin refused)."""
        if await self.cases.verification(number) is None:
            return False
        reward = await self.records.get(number)
        return reward is None or (reward.state == RewardState.REFUSED and reward.refusal == Refusal.ADMIN)

    # -- the reward officer's rules, asked by the buttons and again by the use cases in their unit --

    @staticmethod
    def checkable(reward: Reward | None) -> bool:
        """A claim to collect in person whose code was not checked yet."""
        return _claimed(reward, ClaimMethod.IN_PERSON) and not reward.code_checked

    @staticmethod
    def payable(reward: Reward | None) -> bool:
        """A claim to pay: to the payee, or in person once the claim code was checked."""
        return _claimed(reward, ClaimMethod.PAYEE) or (_claimed(reward, ClaimMethod.IN_PERSON) and reward.code_checked)

    @staticmethod
    def reopenable(reward: Reward | None) -> bool:
        """A lapsed reward (not claimed within its window)."""
        return reward is not None and reward.state == RewardState.LAPSED

    @staticmethod
    def payee_viewable(reward: Reward | None) -> bool:
        """A claim to the payee, not paid yet (the details are destroyed once paid)."""
        return _claimed(reward, ClaimMethod.PAYEE)

    @property
    def _threshold(self) -> int:
        return self.office.rewards.admin_approval_above_yuan * 100

    async def _move(self, uow: UnitOfWork, reward: Reward, state: RewardState, actor: int | None, at: datetime,
                    detail: str = "") -> None:  # fmt: skip
        """Compare-and-set one move of core.rewards.TRANSITIONS, audited; CaseError("stale") otherwise."""
        if not may_move(reward.state, state) or not await uow.records.set_state(reward, state):
            raise CaseError("stale")  # another decision came first: this one is refused whole
        detail = f"{reward.state}->{state};amount_fen={reward.amount_fen}" + (f";{detail}" if detail else "")
        await uow.audit.append(actor=actor, action=f"reward.{state}", at=at, tip=reward.number, detail=detail)

    async def _notify(self, uow: UnitOfWork, number: str, actor: int, at: datetime) -> None:
        """Approved → notified: the claim window opens today."""
        due = at.date() + timedelta(days=self.office.deadlines.reward_claim_days)
        if not await uow.records.set_notified(number, at.date(), due):
            raise CaseError("stale")
        await uow.audit.append(actor=actor, action="reward.notify", at=at, tip=number, detail=f"claim_due={due}")

    # -- the office's decisions ----------------------------------------------------------------

    async def decide(self, number: str, officer: int, at: datetime, *, choice: str,
                     accident: AccidentFacts | None = None, amount_fen: int | None = None,
                     reason: str | None = None) -> Reward:  # fmt: skip
        """choice: "take" the suggestion, "change" the amount (with a reason), or "known" (the matter
        was already known to the regulator: not eligible). Above the threshold, the admin approves."""
        suggestion = await self.suggestion(number, accident)
        refusal = {"known": Refusal.KNOWN, "take": suggestion.reason}.get(choice)
        if choice == "change" and (not suggestion.eligible or amount_fen is None or amount_fen <= 0 or not reason):
            raise CaseError("change")
        if choice not in ("take", "change", "known"):
            raise CaseError(choice)
        amount = 0 if refusal else (suggestion.amount_fen if choice == "take" else amount_fen)
        state = RewardState.PROPOSED if amount > self._threshold else RewardState.APPROVED
        state = RewardState.REFUSED if refusal else state
        fields = (state, self.office.rewards.rules.name, suggestion.amount_fen, amount, suggestion.explanation,
                  refusal, at.date().isoformat(), officer)  # fmt: skip
        async with self._work() as uow:
            if not await self.decidable(number):  # re-read inside: a decision made meanwhile refuses this one
                raise CaseError("decide")
            previous = await uow.records.get(number)
            if previous is None:
                reward_id = await uow.records.add(number, fields)
            elif may_move(previous.state, state) and await uow.records.set_decision(previous, fields):
                reward_id = previous.id
            else:
                raise CaseError("decide")
            if choice == "change":
                await uow.records.add_note(number, reward_id, "change", reason, at.date())
            detail = f"state={state};suggested_fen={suggestion.amount_fen};amount_fen={amount};refusal={refusal}"
            if previous is not None:
                detail += f";before={previous.amount_fen}/{previous.state}"
            await uow.audit.append(actor=officer, action="reward.decide", at=at, tip=number, detail=detail)
            if state == RewardState.APPROVED:
                await self._notify(uow, number, officer, at)
        return await self.records.get(number)

    async def approvable(self, number: str, admin: int, *, reward_id: int, amount_fen: int) -> Reward:
        """The very proposal the admin was shown (its id and amount), if they may decide on it: CaseError
        "approve" if it was decided or changed meanwhile, "self" if they proposed it (four eyes)."""
        reward = await self.records.get(number)
        unchanged = reward is not None and (reward.id, reward.amount_fen) == (reward_id, amount_fen)
        if reward is None or reward.state != RewardState.PROPOSED or not unchanged:
            raise CaseError("approve")
        if await self.records.decided_by(reward.id) == admin:
            raise CaseError("self")
        return reward

    async def approve(
        self, number: str, admin: int, at: datetime, approve: bool, *, reward_id: int, amount_fen: int
    ) -> Reward:
        """The admin's decision on an amount above the threshold: on the very proposal they were shown
        (its id and amount), never on a later one. Nobody decides on a reward they proposed."""
        async with self._work() as uow:  # checked again inside: the reads share the unit's connection
            reward = await self.approvable(number, admin, reward_id=reward_id, amount_fen=amount_fen)
            if approve:
                await uow.records.set_approved(reward.id, at.date(), admin)
                await self._move(uow, reward, RewardState.APPROVED, admin, at)
                await self._notify(uow, number, admin, at)
            else:
                await uow.records.set_refusal(reward.id, Refusal.ADMIN)
                await self._move(uow, reward, RewardState.REFUSED, admin, at)
        return await self.records.get(number)

    # -- the reporter's claim ------------------------------------------------------------------

    async def claim(
        self, number: str, at: datetime, *, supervisory: bool, method: str | None = None, payee: str | None = None
    ) -> str | None:
        """The reporter claims. A declared supervisory duty refuses the reward; otherwise payee details
        (sealed) or collection in person, for which a one-time claim code is returned (shown once)."""
        if not supervisory and (method not in tuple(ClaimMethod) or (method == ClaimMethod.PAYEE and not payee)):
            reward = await self.records.get(number)
            raise CaseError("claim" if reward is None or not reward.claimable(at.date()) else "method")
        async with self._work() as uow:
            reward = await uow.records.get(number)
            if reward is None or not reward.claimable(at.date()):
                raise CaseError("claim")
            if supervisory:
                await uow.records.set_refusal(reward.id, Refusal.SUPERVISORY)
                await self._move(uow, reward, RewardState.REFUSED, None, at)
                return None
            code = await uow.records.set_claim(reward, method, payee, at.date())
            await self._move(uow, reward, RewardState.CLAIMED, None, at, f"method={method}")
        return code

    # -- the reward officer --------------------------------------------------------------------

    async def check_code(self, number: str, officer: int, code: str, at: datetime) -> bool:
        """The code the person collecting shows: right once; used, it is refused from then on."""
        async with self._work() as uow:
            row = await uow.records.code_row(number)
            if not self.checkable(await uow.records.get(number)) or row is None or row[2] is not None:
                raise CaseError("code")
            digits = "".join(ch for ch in unicodedata.normalize("NFKC", code) if ch in "0123456789")
            right = hmac.compare_digest(row[1], self.records.code_hash(number, digits))
            if right:
                await uow.records.use_code(row[0], at.date())
            action = "reward.code_ok" if right else "reward.code_wrong"
            await uow.audit.append(actor=officer, action=action, at=at, tip=number)
        return right

    async def payee(self, number: str, officer: int, at: datetime) -> str:
        """The payee details, for a reward officer; the view is audited first."""
        async with self._work() as uow:
            details = await uow.records.payee(number)
            if not self.payee_viewable(await uow.records.get(number)) or details is None:
                raise CaseError("payee")
            await uow.audit.append(actor=officer, action="reward.payee_view", at=at, tip=number)
        return details

    async def pay(self, number: str, officer: int, at: datetime, *, amount_fen: int, paid_on: date, method: str,
                  reference: str) -> Reward:  # fmt: skip
        """Record the payment. In person, the claim code must have been checked first. Payee details
        are destroyed once paid: they served their purpose."""
        async with self._work() as uow:
            reward = await uow.records.get(number)
            if not self.payable(reward) or amount_fen <= 0:
                raise CaseError("code" if self.checkable(reward) else "pay")
            await uow.records.set_paid(reward.id, amount_fen, paid_on, method, reference)
            detail = f"paid_fen={amount_fen};method={method};paid_on={paid_on}"
            await self._move(uow, reward, RewardState.PAID, officer, at, detail)
        return await self.records.get(number)

    async def lapse_expired(self, at: datetime) -> list[str]:
        """The daily run: notified rewards not claimed within the window lapse (each its own unit)."""
        lapsed = []
        for reward in await self.records.in_states(RewardState.NOTIFIED):
            if reward.claim_due < at.date():
                async with self._work() as uow:
                    current = await uow.records.get(reward.number)
                    if current is None or current.state != RewardState.NOTIFIED:
                        continue  # claimed meanwhile
                    await self._move(uow, current, RewardState.LAPSED, None, at, f"claim_due={current.claim_due}")
                lapsed.append(reward.number)
        return lapsed

    async def reopen(self, number: str, officer: int, at: datetime, reason: str) -> Reward:
        """A lapsed reward is notified again, with a new claim window, for a reason on the record."""
        async with self._work() as uow:
            reward = await uow.records.get(number)
            if not self.reopenable(reward) or not reason:
                raise CaseError("reopen")
            await uow.records.add_note(number, reward.id, "reopen", reason, at.date())
            await self._move(uow, reward, RewardState.APPROVED, officer, at, "reopened")
            await self._notify(uow, number, officer, at)
        return await self.records.get(number)


def _claimed(reward: Reward | None, method: ClaimMethod) -> bool:
    return reward is not None and reward.state == RewardState.CLAIMED and reward.claim_method == method
