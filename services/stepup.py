"""Staff step-up: an authenticator code (TOTP) before anything is decrypted, as use cases.

A staff member enrols once (a secret shown as a QR code, confirmed by two consecutive codes). After
that, the actions that decrypt ask `need`: with a session open (a code accepted within the office's
`[security] session_minutes`) they go ahead; otherwise a code is asked and `verify`d. A code is
accepted once (a step at or before the last one used is a replay, and counts as a wrong code); wrong
codes, and wrong passphrases once a code is in, lock the person out for growing waits
(core.totp.TOTP_ATTEMPTS). An admin resets another member's authenticator (another admin's needs a
second admin's approval); the server's holder resets any with `python -m bot staff totp-reset`. Each
check-then-write is one unit of work; every enrolment, success, failure, lock and reset is audited,
never with the code or the secret.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from core import totp
from core.roles import Role
from storage.audit import AuditLog
from storage.casework import CaseError
from storage.db import Database, UnitOfWork
from storage.staff import StaffRepository
from storage.totp import ResetRequest, ResetState, TotpRecords, TotpState


class TotpError(CaseError):
    """The step-up action does not fit: "enrolled" (enrol again only after a reset), "not begun" (no
    enrolment to confirm), "admin" (only an admin resets), "self" (not one's own: four eyes, or one's own
    authenticator), "target" (not the reset of oneself), "staff" (no such active staff member), "decided"
    (the request was decided already)."""


class Need(StrEnum):
    NONE = "none"  # a session is open, or a code is not required and the person has not enrolled
    CODE = "code"  # enrolled, no session: ask a code
    ENROL = "enrol"  # a code is required and the person has not enrolled yet
    LOCKED = "locked"  # enrolled, no session, locked out by wrong codes: no code is tried until `locked_until`


class CodeResult(StrEnum):
    OK = "ok"
    WRONG = "wrong"
    REPLAYED = "replayed"
    NOT_A_CODE = "not_a_code"  # not 6 digits ("ok", "wait"): answered, never counted as a wrong code
    LOCKED = "locked"
    NOT_ENROLLED = "not_enrolled"


@dataclass(frozen=True)
class Verdict:
    result: CodeResult
    locked_until: datetime | None = None
    just_locked: bool = False  # this wrong code locked the person out: the admins are told


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str


@dataclass(frozen=True)
class ResetOutcome:
    done: bool  # False: a request waits for a second admin
    request_id: int | None = None


@dataclass(eq=False)
class StepUpService:
    db: Database
    staff: StaffRepository
    audit: AuditLog
    records: TotpRecords
    #: `[security] require_totp`: staff who have not enrolled are walked to it by the first action needing a code.
    required: bool = True
    #: `[security] session_minutes`: how long an accepted code keeps the person signed in.
    session_minutes: int = 15
    #: The name an authenticator app shows beside the code (the office's name).
    issuer: str = "Tipline"

    @asynccontextmanager
    async def _work(self) -> AsyncIterator[UnitOfWork]:
        async with self.db.unit_of_work(staff=self.staff, audit=self.audit, records=self.records) as uow:
            yield uow

    def _until(self, now: datetime) -> datetime:
        return now + timedelta(minutes=self.session_minutes)

    # -- asking -------------------------------------------------------------------------------

    async def need(self, user_id: int, now: datetime) -> Need:
        """What the person must do before an action that decrypts."""
        state = await self.records.get(user_id)
        if state is None or not state.enrolled:
            return Need.ENROL if self.required else Need.NONE
        if state.session_until is not None and now < state.session_until:
            return Need.NONE
        if state.locked_until is not None and now < state.locked_until:
            return Need.LOCKED
        return Need.CODE

    async def locked_until(self, user_id: int, now: datetime) -> datetime | None:
        """Until when the person may try no code (wrong codes locked them out); None if they may."""
        state = await self.records.get(user_id)
        if state is None or state.locked_until is None or now >= state.locked_until:
            return None
        return state.locked_until

    async def enrolled(self, user_id: int) -> bool:
        state = await self.records.get(user_id)
        return state is not None and state.enrolled

    async def not_enrolled(self) -> list[int]:
        """Active staff members without a confirmed enrolment."""
        enrolled = await self.records.enrolled_ids()
        return [m.user_id for m in await self.staff.all() if m.user_id not in enrolled]

    async def current_code(self, user_id: int, now: datetime) -> str | None:
        """The code the person's authenticator shows now, or the next one if that was used (None if both
        were): only for the console's staff persona, which sets up and signs in within seconds."""
        state, secret = await self.records.get(user_id), await self.records.secret(user_id)
        if state is None or secret is None:
            return None
        step = totp.step_of(now)
        if state.last_step is not None and state.last_step >= step:  # used: the next one is taken (drift)
            step = state.last_step + 1
        return totp.code_at(secret, step) if step <= totp.step_of(now) + totp.DRIFT_STEPS else None

    # -- enrolment ------------------------------------------------------------------------------

    async def begin_enrolment(self, user_id: int, account_label: str, now: datetime) -> Enrolment:
        """A new secret for the person's authenticator (replacing one begun and not confirmed).
        TotpError("enrolled") if they have enrolled: an admin resets them first."""
        secret = totp.new_secret()
        async with self._work() as uow:
            state = await uow.records.get(user_id)
            if state is not None and state.enrolled:
                raise TotpError("enrolled")
            await uow.records.begin(user_id, secret)
            await uow.audit.append(actor=user_id, action="totp.enrol", at=now, detail="begun")
        return Enrolment(secret, totp.provisioning_uri(secret, account_label, self.issuer))

    async def confirm_enrolment(self, user_id: int, first: str, second: str, now: datetime) -> bool:
        """Two consecutive codes confirm the enrolment and open a session; False if they are not.
        TotpError("not begun") without an enrolment begun, ("enrolled") if confirmed already."""
        async with self._work() as uow:
            state = await uow.records.get(user_id)
            if state is None:
                raise TotpError("not begun")
            if state.enrolled:
                raise TotpError("enrolled")
            secret = await uow.records.secret(user_id)
            step = totp.consecutive(secret, first, second, now)
            if step is None:
                await uow.audit.append(actor=user_id, action="totp.fail", at=now, detail="enrolment")
                return False
            if not await uow.records.confirm(user_id, step, now, self._until(now)):
                raise TotpError("enrolled")
            await uow.audit.append(actor=user_id, action="totp.enrol", at=now, detail="confirmed")
        return True

    # -- step-up --------------------------------------------------------------------------------

    async def verify(self, user_id: int, code: str, now: datetime) -> Verdict:
        """Check a code: OK opens a session; a wrong or replayed code counts towards the lock-out, text
        that is not 6 digits does not (NOT_A_CODE); while locked out no code is tried (LOCKED, with until
        when)."""
        async with self._work() as uow:
            state = await uow.records.get(user_id)
            if state is None or not state.enrolled:
                return Verdict(CodeResult.NOT_ENROLLED)
            if state.locked_until is not None and now < state.locked_until:
                return Verdict(CodeResult.LOCKED, locked_until=state.locked_until)
            if totp.normalize(code) is None:  # a word, not a guess: nothing to count
                return Verdict(CodeResult.NOT_A_CODE)
            secret = await uow.records.secret(user_id)
            step = totp.matching_step(secret, code, now)
            if step is not None and await uow.records.accept(user_id, step, self._until(now)):
                await uow.audit.append(actor=user_id, action="totp.ok", at=now)
                return Verdict(CodeResult.OK)
            if step is not None and step == state.last_step and state.session_until and now < state.session_until:
                return Verdict(CodeResult.REPLAYED)  # the code that just signed them in, sent twice: not a guess
            result = CodeResult.WRONG if step is None else CodeResult.REPLAYED
            return await self._failed(uow, state, result, now)

    async def wrong_passphrase(self, user_id: int, now: datetime) -> Verdict:
        """A wrong passphrase (asked once the code is in: handlers.office.unlock) counts as a wrong code
        towards the lock-out; the lock-out also ends the session, so the next action asks the code, which
        waits. Nothing is counted for someone without an authenticator (an office that does not require
        one): scrypt's cost is then what slows guessing."""
        async with self._work() as uow:
            state = await uow.records.get(user_id)
            if state is None or not state.enrolled:
                return Verdict(CodeResult.WRONG)
            verdict = await self._failed(uow, state, CodeResult.WRONG, now, what="passphrase")
            if verdict.just_locked:
                await uow.records.end_session(user_id)
        return verdict

    async def session_end(self, user_id: int, now: datetime) -> datetime:
        """When the person's session ends (their unlocked keys are forgotten then too); for someone with
        no session open (no authenticator required), a session's length from now."""
        state = await self.records.get(user_id)
        if state is not None and state.session_until is not None and now < state.session_until:
            return state.session_until
        return self._until(now)

    async def _failed(
        self, uow: UnitOfWork, state: TotpState, result: CodeResult, now: datetime, what: str = ""
    ) -> Verdict:
        failures = totp.TOTP_ATTEMPTS.after_failure(state.failures, now)
        await uow.records.set_failures(state.user_id, failures)
        await uow.audit.append(
            actor=state.user_id, action="totp.fail", at=now, detail=f"{what or result.value};failures={failures.count}"
        )
        if failures.locked_until is None:
            return Verdict(result)
        await uow.audit.append(
            actor=state.user_id, action="totp.lock", at=now, detail=f"until={failures.locked_until.isoformat()}"
        )
        return Verdict(CodeResult.LOCKED, locked_until=failures.locked_until, just_locked=True)

    async def end_session(self, user_id: int) -> None:
        async with self._work() as uow:
            await uow.records.end_session(user_id)

    # -- recovery -------------------------------------------------------------------------------

    async def reset(self, target: int, admin: int, now: datetime) -> ResetOutcome:
        """An admin resets another member's authenticator: they enrol again. Another admin's, where
        two or more admins are active, waits for a second admin's approval (a request; one already
        pending for that person is returned). TotpError "admin", "self", "staff"."""
        async with self._work() as uow:
            if await self._needs_approval(uow, target, admin):
                request_id = await uow.records.pending_reset(target)
                if request_id is None:
                    request_id = await uow.records.add_reset(target, admin, now)
                    await uow.audit.append(
                        actor=admin, action="totp.reset.request", at=now, detail=f"request={request_id};user={target}"
                    )
                return ResetOutcome(done=False, request_id=request_id)
            await uow.records.remove(target)
            await self._close_pending(uow, target, now)
            await uow.audit.append(actor=admin, action="totp.reset", at=now, detail=f"user={target}")
        return ResetOutcome(done=True)

    @staticmethod
    async def _close_pending(uow: UnitOfWork, target: int, now: datetime) -> None:
        """The person was reset another way: a request still pending for them is done (approving it later
        would wipe the authenticator they set up since)."""
        request_id = await uow.records.pending_reset(target)
        if request_id is not None:
            await uow.records.set_reset_decided(request_id, ResetState.APPROVED, None, now)

    @staticmethod
    async def _needs_approval(uow: UnitOfWork, target: int, admin: int) -> bool:
        """Whether resetting `target` waits for a second admin (TotpError if `admin` may not reset them)."""
        admins = await uow.records.active_admins()
        if admin not in admins:
            raise TotpError("admin")
        if target == admin:
            raise TotpError("self")
        member = await uow.staff.get(target)
        if member is None:
            raise TotpError("staff")
        return Role.ADMIN in member.roles and len(admins) >= 2

    async def decide_reset(self, request_id: int, admin: int, approve: bool, now: datetime) -> int:
        """Approve or refuse a pending reset of an admin's authenticator; the target's user id.
        TotpError "decided" (decided already, or no such request), "self" (one's own request while
        another admin could decide), "target" (the reset of oneself, while a third admin could decide: whoever
        holds that person's Telegram account must not approve it), "admin" (only an admin decides)."""
        async with self._work() as uow:
            req = await uow.records.reset_request(request_id)
            if req is None or req.state != ResetState.PENDING:
                raise TotpError("decided")
            admins = await uow.records.active_admins()
            if admin not in admins:
                raise TotpError("admin")
            if admin == req.requested_by and admins - {admin}:
                raise TotpError("self")  # four eyes, where the office has them
            if admin == req.user_id and admins - {admin, req.requested_by}:
                raise TotpError("target")  # nor the one reset, where a third admin can decide
            state = ResetState.APPROVED if approve else ResetState.REFUSED
            if not await uow.records.set_reset_decided(request_id, state, admin, now):
                raise TotpError("decided")
            if approve:
                await uow.records.remove(req.user_id)
            detail = f"request={request_id};user={req.user_id};requester={req.requested_by}"
            action = "totp.reset" if approve else "totp.reset.refuse"
            await uow.audit.append(actor=admin, action=action, at=now, detail=detail)
        return req.user_id

    async def reset_request(self, request_id: int) -> ResetRequest | None:
        """A request to reset an admin's authenticator, pending or decided; None if there is no such."""
        return await self.records.reset_request(request_id)

    async def reset_by_operator(self, target: int, now: datetime) -> bool:
        """The CLI's reset, by whoever holds the server (no approval): whether the person had an
        authenticator (enrolled or begun) that is now forgotten. Audited either way."""
        async with self._work() as uow:
            removed = await uow.records.remove(target)
            await self._close_pending(uow, target, now)
            detail = f"user={target};by=operator" + ("" if removed else ";none")
            await uow.audit.append(actor=None, action="totp.reset", at=now, detail=detail)
        return removed
