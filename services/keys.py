"""Keys held by people, as use cases (core.keys, storage.keys): the office's key groups made at start-up,
a staff member's passphrase, unlocking their keys for a session, granting and revoking groups, the
recovery key restoring an admin, and a reporter opening their own tip with the receipt code.

Unlocked keys live in this process's memory only (`_chains`), until the person's step-up session ends,
`lock`, or a restart: never in the database, the chat state, a log or a file. Every passphrase set,
unlock (and failed one), grant, revocation and recovery is audited, never with a secret.

scrypt runs in a thread (it releases the GIL): the loop answers others while a passphrase is derived.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core import keys
from core.keys import KeyChain
from core.office import OfficeConfig
from core.receipts import normalize_code
from core.roles import StaffMember
from storage.audit import AuditLog
from storage.db import Database, UnitOfWork
from storage.keys import (
    OFFICE,
    RECOVERY,
    REWARDS,
    Group,
    KeyStore,
    department_group,
    groups_of,
    member_aad,
    receipt_aad,
)
from storage.staff import StaffRepository


class KeysError(Exception):
    """A key step that does not fit (nothing written): `reason` "no_keys" (the office's keys were never
    made: an install from before them), "no_passphrase" (the person has set none), "not_held" (the
    acting admin does not hold a group to grant), "words" (not the recovery words of this office),
    "passphrase" (too short or too long)."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason, detail)
        self.reason, self.detail = reason, detail


#: At most this many wrong passphrases in WRONG_WINDOW, then no try until the window has passed.
WRONG_MOST = 5
WRONG_WINDOW = timedelta(minutes=15)


@dataclass(eq=False)
class KeyService:
    db: Database
    store: KeyStore
    audit: AuditLog
    office: OfficeConfig
    #: Whose roles a key chain may hold (unlock opens only the groups of the person's roles now).
    staff: StaffRepository | None = None
    #: user id → (their unlocked keys, until when): memory only.
    _chains: dict[int, tuple[KeyChain, datetime]] = field(default_factory=dict)
    #: user id → the times of their latest wrong passphrases (memory): the brake for someone with no
    #: authenticator, whose wrong passphrases no lock-out counts (services.stepup counts the others').
    _wrong: dict[int, list[datetime]] = field(default_factory=dict)

    @asynccontextmanager
    async def _work(self) -> AsyncIterator[UnitOfWork]:
        async with self.db.unit_of_work(store=self.store, audit=self.audit) as uow:
            yield uow

    def _group_names(self) -> list[str]:
        return [OFFICE, REWARDS, *(department_group(d.code) for d in self.office.departments)]

    async def active(self) -> bool:
        """Whether tips are sealed to people's keys here (the office's key groups exist)."""
        return bool(await self.store.groups())

    # -- the office's keys ---------------------------------------------------------------------

    async def ensure_groups(self, recovery_public: bytes | None, at: datetime) -> list[str]:
        """At start-up: the key groups the office needs and lacks (a department added to its file), each
        sealed to the recovery key and to every admin who has set a passphrase; the ring's recovery key
        recorded the first time. Nothing without a recovery key (an install from before these keys: it
        seals with the ring until `keys migrate`). Returns the names made."""
        made: list[str] = []
        async with self._work() as uow:
            recorded = await uow.store.recovery_public()
            if recorded is None and recovery_public is None:
                return made
            if recorded is None:
                await uow.store.set_recovery(recovery_public, at.date())
                recorded = recovery_public
            existing = await uow.store.groups()
            admins = await self._admin_keys()
            for name in self._group_names():
                if name in existing:
                    continue
                private = keys.new_private()
                group_id = await uow.store.add_group(name, keys.public_bytes(private), at.date())
                for holder, public in ((RECOVERY, recorded), *admins.items()):
                    await uow.store.grant(group_id, private, holder, public, None, at.date())
                made.append(name)
            if made:
                await uow.audit.append(actor=None, action="keys.groups", at=at, detail=",".join(made))
        return made

    async def _admin_keys(self) -> dict[int, bytes]:
        """The own public key of every active admin who holds the office's group now (a new group goes to
        those trusted with the others, not to an admin whose keys were dropped and not yet granted again)."""
        members = await self.store.members()
        admins = await _admins(self.db)
        return {uid: pub for uid, pub in members.items() if uid in admins and OFFICE in await self.store.held(uid)}

    # -- a staff member's passphrase and session --------------------------------------------------

    async def has_passphrase(self, user_id: int) -> bool:
        return await self.store.member(user_id) is not None

    async def set_passphrase(self, user_id: int, passphrase: str, at: datetime, old: str | None = None) -> bool:
        """Set (or change) the person's passphrase. Changing it with the old one keeps their key and so
        their groups; set anew (forgotten), a new key is made and their groups must be granted again.
        Returns whether the groups were kept."""
        if keys.passphrase_problem(passphrase):
            raise KeysError("passphrase", keys.passphrase_problem(passphrase))
        member = await self.store.member(user_id)
        kept = False
        private = None
        if member is not None and old is not None:
            try:
                raw = await asyncio.to_thread(keys.unwrap_private, member.wrapped, old, member_aad(user_id))
                private, kept = keys.private_from(raw), True
            except keys.DecryptionError:
                private = None
        private = private or keys.new_private()
        wrapped = await asyncio.to_thread(
            keys.wrap_private, keys.private_bytes(private), passphrase, "passphrase", member_aad(user_id)
        )
        async with self._work() as uow:
            if not kept:
                await uow.store.revoke(user_id)  # grants sealed to the old key open nothing now
            await uow.store.set_member(user_id, keys.public_bytes(private), wrapped, at.date())
            await uow.audit.append(actor=user_id, action="keys.passphrase", at=at, detail="kept" if kept else "new")
        self._chains.pop(user_id, None)
        return kept

    async def unlock(self, user_id: int, passphrase: str, until: datetime, at: datetime) -> KeyChain | None:
        """The person's keys for their session (until `until`), or None for a wrong passphrase (audited)."""
        member = await self.store.member(user_id)
        if member is None:
            raise KeysError("no_passphrase")
        recent = [t for t in self._wrong.get(user_id, []) if at - t < WRONG_WINDOW]
        if len(recent) >= WRONG_MOST:
            raise KeysError("too_many", f"{min(recent) + WRONG_WINDOW:%H:%M}")
        try:
            raw = await asyncio.to_thread(keys.unwrap_private, member.wrapped, passphrase, member_aad(user_id))
        except keys.DecryptionError:
            self._wrong[user_id] = [*recent, at]
            async with self._work() as uow:
                await uow.audit.append(actor=user_id, action="keys.unlock_failed", at=at)
            return None
        self._wrong.pop(user_id, None)
        private = keys.private_from(raw)
        grants = [
            (gid, sealed) for gid, sealed in await self.store.grants(user_id) if gid in await self._allowed(user_id)
        ]
        groups = self.store.open_grants(grants, user_id, private)
        chain = KeyChain(groups=groups, own={user_id: private})
        self._chains[user_id] = (chain, until)
        async with self._work() as uow:
            await uow.audit.append(actor=user_id, action="keys.unlock", at=at, detail=f"groups={len(groups)}")
        return chain

    async def _allowed(self, user_id: int) -> set[int]:
        """The ids of the groups the person's roles hold now: a grant left from a role since taken away (or
        from before a deactivation) opens nothing."""
        if self.staff is None:  # no staff to ask (a benchmark's bare service): whatever was granted
            return {gid for gid, _sealed in await self.store.grants(user_id)}
        member = await self.staff.get(user_id)
        if member is None:
            return set()
        return await self.store.ids_named(groups_of(member, [d.code for d in self.office.departments]))

    def chain(self, user_id: int, now: datetime) -> KeyChain | None:
        """The person's unlocked keys, while their session lasts; None (and forgotten) after."""
        held = self._chains.get(user_id)
        if held is None:
            return None
        if held[1] <= now:
            del self._chains[user_id]
            return None
        return held[0]

    def sweep(self, now: datetime) -> int:
        """Forget every unlocked chain whose session has ended (housekeeping): none lingers in memory for a
        person who never came back. How many."""
        ended = [uid for uid, (_chain, until) in self._chains.items() if until <= now]
        for uid in ended:
            del self._chains[uid]
        return len(ended)

    def lock(self, user_id: int) -> bool:
        """Forget the person's unlocked keys now (/lock, a session ended, deactivation)."""
        return self._chains.pop(user_id, None) is not None

    # -- granting and revoking -------------------------------------------------------------------

    async def missing(self, member: StaffMember) -> set[str]:
        """The groups the member's roles hold and they do not yet."""
        departments = [d.code for d in self.office.departments]
        return groups_of(member, departments) - await self.store.held(member.user_id)

    async def grant(self, target: StaffMember, admin: int, chain: KeyChain, at: datetime) -> list[str]:
        """Seal to the target's own key every group their roles hold and they lack, from the acting admin's
        unlocked keys. KeysError "no_passphrase" (the target has set none), "not_held" (a group the admin
        does not hold: detail names it). Returns the names granted."""
        member = await self.store.member(target.user_id)
        if member is None:
            raise KeysError("no_passphrase")
        groups = await self.store.groups()
        names = sorted(await self.missing(target))
        lacking = [n for n in names if n not in groups or groups[n].id not in chain.groups]
        if lacking:
            raise KeysError("not_held", ",".join(lacking))
        async with self._work() as uow:
            for name in names:
                group = groups[name]
                await uow.store.grant(group.id, chain.groups[group.id], target.user_id, member.public, admin, at.date())
            if names:
                await uow.audit.append(actor=admin, action="keys.grant", at=at,
                                       detail=f"to={target.user_id};groups={','.join(names)}")  # fmt: skip
        return names

    async def revoke(self, user_id: int, actor: int | None, at: datetime, names: set[str] | None = None) -> int:
        """Delete the person's grants (of these groups, or all): deactivation, a role taken away."""
        groups = await self.store.groups()
        ids = None if names is None else [groups[n].id for n in names if n in groups]
        async with self._work() as uow:
            count = await uow.store.revoke(user_id, ids)
            if count:
                await uow.audit.append(actor=actor, action="keys.revoke", at=at,
                                       detail=f"of={user_id};grants={count}")  # fmt: skip
        self.lock(user_id)
        return count

    async def rotate_group(self, name: str, at: datetime) -> int:
        """A new key for a group (after someone who held it left, on request): the old one is retired (it
        still opens what was sealed to it, for those who hold it), the new one sealed to everyone who holds
        the old one now and to the recovery key; new tips are sealed to the new one only, so a copy of the
        old key kept by someone revoked opens nothing filed from now on. The server makes the new key and
        needs no one's session. KeysError "no_keys" for a group that does not exist. How many hold it."""
        groups = await self.store.groups()
        if name not in groups:
            raise KeysError("no_keys", name)
        old = groups[name]
        members = await self.store.members()
        holders = [h for h in await self.store.holders(old.id) if h == RECOVERY or h in members]
        recovery = await self.store.recovery_public()
        private = keys.new_private()
        async with self._work() as uow:
            await uow.store.retire(old.id, at.date())
            new_id = await uow.store.add_group(name, keys.public_bytes(private), at.date())
            for holder in holders:
                public = recovery if holder == RECOVERY else members[holder]
                await uow.store.grant(new_id, private, holder, public, None, at.date())
            await uow.audit.append(actor=None, action="keys.rotate_group", at=at,
                                   detail=f"{name};old={old.id};new={new_id};holders={len(holders)}")  # fmt: skip
        for holder in holders:
            self.lock(holder)  # their next unlock opens the new key too
        return len(holders)

    async def recover(self, words: str, user_id: int, at: datetime) -> list[str]:
        """The office's recovery words give an admin (who has set a passphrase) every group: the first
        admin of a new install, or an office whose every admin lost their passphrase."""
        try:
            recovery = keys.recovery_key(words)
        except ValueError as exc:
            raise KeysError("words", str(exc)) from None
        if keys.public_bytes(recovery) != await self.store.recovery_public():
            raise KeysError("words", "these words are of another office's recovery key")
        member = await self.store.member(user_id)
        if member is None:
            raise KeysError("no_passphrase")
        opened = self.store.open_grants(await self.store.grants(RECOVERY), RECOVERY, recovery)
        groups = {g.id: g for g in (await self.store.groups()).values()}
        async with self._work() as uow:
            for group_id, private in opened.items():
                await uow.store.grant(group_id, private, user_id, member.public, None, at.date())
            await uow.audit.append(actor=None, action="keys.recover", at=at,
                                   detail=f"to={user_id};groups={len(opened)}")  # fmt: skip
        self.lock(user_id)
        return sorted(groups[g].name for g in opened if g in groups)

    # -- what records are sealed to -----------------------------------------------------------------

    async def tip_groups(self, department: str) -> list[Group]:
        """The groups a tip of `department` is sealed to: the office's and the department's."""
        groups = await self.store.groups()
        return [groups[n] for n in (OFFICE, department_group(department)) if n in groups]

    async def group(self, name: str) -> Group | None:
        return (await self.store.groups()).get(name)

    @staticmethod
    async def receipt_copy(code: str) -> tuple[keys.X25519PrivateKey, bytes]:
        """A new tip's key pair and its copy under the reporter's receipt code (its 16 digits, however
        typed: core.receipts.normalize_code; scrypt, in a thread)."""
        private = keys.new_private()
        digits = normalize_code(code) or code
        sealed = await asyncio.to_thread(
            keys.wrap_private, keys.private_bytes(private), digits, "receipt", receipt_aad(keys.public_bytes(private))
        )
        return private, sealed

    async def receipt_chain(self, number: str, code: str) -> KeyChain | None:
        """The reporter's key chain for their tip (its record key), opened with the receipt code; None if
        the tip is sealed under the ring (nothing to open) or has no receipt copy, or the code does not
        open it."""
        record = await self.store.tip_record(number)
        if record is None:
            return None
        dek_id, public = record
        sealed = await self.store.receipt_copy(dek_id)
        if sealed is None:
            return None
        digits = normalize_code(code) or code  # as printed (1234 5678 …), with dashes, full-width: the same key
        try:
            raw = await asyncio.to_thread(keys.unwrap_private, sealed, digits, receipt_aad(public))
        except keys.DecryptionError:
            return None
        return KeyChain(records={dek_id: keys.private_from(raw)})


async def _admins(db: Database) -> set[int]:
    rows = await db.fetchall(
        "SELECT s.user_id FROM staff s JOIN staff_roles r ON r.user_id = s.user_id"
        " WHERE r.role = 'admin' AND s.active = 1"
    )
    return {uid for (uid,) in rows}
