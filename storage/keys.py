"""Keys held by people (migration 0015; core.keys): key groups and who holds them, staff members' own
keys, the office's recovery key, and record keys of purpose 'people' whose private half is stored only
sealed to groups (or under the reporter's receipt code). Reads here; writes inside the caller's unit of
work. Opening a record key uses the acting person's key chain (core.keys.acting): nothing here ever
holds a private key beyond the call that needed it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import aiosqlite

from core import keys
from core.keys import KeyChain, PeopleKey
from core.roles import Role, StaffMember
from storage.db import Database

OFFICE = "office"
REWARDS = "rewards"
#: The holder id of the office's recovery key in key_grants (staff are known by their user id, > 0).
RECOVERY = 0
PEOPLE = "people"  # data_keys.purpose (and kek_id) of a record key pair


def department_group(code: str) -> str:
    return f"dept:{code}"


def groups_of(member: StaffMember, departments: list[str]) -> set[str]:
    """The key groups a staff member's roles hold: an admin every group; intake officers and auditors
    the office's (every tip); reward officers the rewards' (payee details); a department's officers
    their departments'."""
    names: set[str] = set()
    if member.has(Role.ADMIN):
        return {OFFICE, REWARDS, *(department_group(d) for d in departments)}
    if member.has(Role.INTAKE, Role.AUDITOR):
        names.add(OFFICE)
    if member.has(Role.REWARD):
        names.add(REWARDS)
    if Role.DEPARTMENT in member.roles:
        names |= {department_group(d) for d in member.departments}
    return names


@dataclass(frozen=True)
class Group:
    id: int
    name: str
    public: bytes


@dataclass(frozen=True)
class MemberKey:
    user_id: int
    public: bytes
    wrapped: bytes


def _grant_aad(group_id: int, holder: int) -> bytes:
    return f"tipline|key_grants|{group_id}|{holder}".encode()


def _wrap_aad(dek_id: int, holder: str) -> bytes:
    return f"tipline|key_wraps|{dek_id}|{holder}".encode()


def member_aad(user_id: int) -> bytes:
    return f"tipline|member_keys|{user_id}".encode()


def receipt_aad(public: bytes) -> bytes:
    """A receipt copy is bound to the record key it opens (its public key): moved to another tip, it fails."""
    return b"tipline|key_wraps|receipt|" + public.hex().encode()


class KeyStore:
    def __init__(self, db: Database):
        self.db = db

    # -- groups, members, grants ---------------------------------------------------------------

    async def groups(self) -> dict[str, Group]:
        """The current (not retired) key groups by name; empty before the office's keys were made."""
        rows = await self.db.fetchall("SELECT id, name, public FROM key_groups WHERE retired_on IS NULL")
        return {name: Group(gid, name, bytes(public)) for gid, name, public in rows}

    async def ids_named(self, names: set[str]) -> set[int]:
        """The ids of every key of these groups, the retired ones too (they still open older records)."""
        if not names:
            return set()
        marks = ",".join("?" * len(names))
        rows = await self.db.fetchall(f"SELECT id FROM key_groups WHERE name IN ({marks})", sorted(names))  # noqa: S608
        return {int(gid) for (gid,) in rows}

    async def holders(self, group_id: int) -> list[int]:
        """Who holds the group's key (0: the recovery key)."""
        rows = await self.db.fetchall("SELECT holder FROM key_grants WHERE group_id = ?", (group_id,))
        return [int(h) for (h,) in rows]

    @staticmethod
    async def retire(conn: aiosqlite.Connection, group_id: int, on: date) -> None:
        await conn.execute("UPDATE key_groups SET retired_on = ? WHERE id = ?", (on.isoformat(), group_id))

    async def recovery_public(self) -> bytes | None:
        row = await self.db.fetchone("SELECT public FROM recovery_key WHERE id = 1")
        return None if row is None else bytes(row[0])

    async def member(self, user_id: int) -> MemberKey | None:
        row = await self.db.fetchone("SELECT public, wrapped FROM member_keys WHERE user_id = ?", (user_id,))
        return None if row is None else MemberKey(user_id, bytes(row[0]), bytes(row[1]))

    async def members(self) -> dict[int, bytes]:
        """Every staff member's public key, by user id."""
        return {uid: bytes(pub) for uid, pub in await self.db.fetchall("SELECT user_id, public FROM member_keys")}

    async def grants(self, holder: int) -> list[tuple[int, bytes]]:
        """(group id, the group's private key sealed to `holder`) for each group the holder holds."""
        rows = await self.db.fetchall("SELECT group_id, sealed FROM key_grants WHERE holder = ?", (holder,))
        return [(int(gid), bytes(sealed)) for gid, sealed in rows]

    async def held(self, holder: int) -> set[str]:
        """The names of the current groups `holder` holds."""
        rows = await self.db.fetchall(
            "SELECT g.name FROM key_grants k JOIN key_groups g ON g.id = k.group_id"
            " WHERE k.holder = ? AND g.retired_on IS NULL",
            (holder,),
        )
        return {name for (name,) in rows}

    @staticmethod
    def open_grants(grants: list[tuple[int, bytes]], holder: int, private: keys.X25519PrivateKey) -> dict:
        """The groups' private keys, opened with the holder's private key (a grant that does not open is
        left out: sealed to an older key of the holder)."""
        opened = {}
        for group_id, sealed in grants:
            try:
                opened[group_id] = keys.private_from(keys.open_from(private, sealed, _grant_aad(group_id, holder)))
            except keys.DecryptionError:
                continue
        return opened

    @staticmethod
    async def add_group(conn: aiosqlite.Connection, name: str, public: bytes, on: date) -> int:
        cur = await conn.execute(
            "INSERT INTO key_groups (name, public, created_on) VALUES (?, ?, ?)", (name, public, on.isoformat())
        )
        return int(cur.lastrowid)

    @staticmethod
    async def set_recovery(conn: aiosqlite.Connection, public: bytes, on: date) -> None:
        await conn.execute(
            "INSERT INTO recovery_key (id, public, created_on) VALUES (1, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET public = excluded.public, created_on = excluded.created_on",
            (public, on.isoformat()),
        )

    @staticmethod
    async def grant(
        conn: aiosqlite.Connection, group_id: int, group_private: keys.X25519PrivateKey, holder: int,
        holder_public: bytes, by: int | None, on: date,
    ) -> None:  # fmt: skip
        """Seal the group's private key to the holder's public key (replacing an older grant)."""
        sealed = keys.seal_to(holder_public, keys.private_bytes(group_private), _grant_aad(group_id, holder))
        await conn.execute(
            "INSERT INTO key_grants (group_id, holder, sealed, granted_by, granted_on) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (group_id, holder) DO UPDATE SET sealed = excluded.sealed,"
            " granted_by = excluded.granted_by, granted_on = excluded.granted_on",
            (group_id, holder, sealed, by, on.isoformat()),
        )

    @staticmethod
    async def revoke(conn: aiosqlite.Connection, holder: int, group_ids: list[int] | None = None) -> int:
        """Delete the holder's grants (of these groups, or all); how many."""
        if group_ids is None:
            cur = await conn.execute("DELETE FROM key_grants WHERE holder = ?", (holder,))
        else:
            marks = ",".join("?" * len(group_ids))
            cur = await conn.execute(
                f"DELETE FROM key_grants WHERE holder = ? AND group_id IN ({marks})",  # noqa: S608
                (holder, *group_ids),
            )
        return cur.rowcount

    @staticmethod
    async def set_member(conn: aiosqlite.Connection, user_id: int, public: bytes, wrapped: bytes, on: date) -> None:
        await conn.execute(
            "INSERT INTO member_keys (user_id, public, wrapped, set_on) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET public = excluded.public, wrapped = excluded.wrapped,"
            " set_on = excluded.set_on",
            (user_id, public, wrapped, on.isoformat()),
        )

    # -- record keys ---------------------------------------------------------------------------

    @staticmethod
    async def new_record_key(
        conn: aiosqlite.Connection,
        groups: list[Group],
        on: date,
        receipt: tuple[keys.X25519PrivateKey, bytes] | None = None,
        *,
        keep: bool = False,
    ) -> tuple[int, PeopleKey]:
        """A record key pair: its public key stored, its private key sealed to each group (and, given
        `receipt` = (the key pair made ahead, its copy under the receipt code), that copy). The private
        key is not kept (the returned key seals only) unless `keep`, for the caller to seal more copies."""
        private = receipt[0] if receipt else keys.new_private()
        public = keys.public_bytes(private)
        cur = await conn.execute(
            "INSERT INTO data_keys (purpose, kek_id, wrapped, created_on) VALUES (?, ?, ?, ?)",
            (PEOPLE, PEOPLE, public, on.isoformat()),
        )
        dek_id = int(cur.lastrowid)
        for group in groups:
            await KeyStore.add_wrap(conn, dek_id, group, private)
        if receipt is not None:
            await conn.execute(
                "INSERT INTO key_wraps (dek_id, holder, sealed) VALUES (?, 'receipt', ?)", (dek_id, receipt[1])
            )
        return dek_id, PeopleKey(public, private if keep else None)

    @staticmethod
    async def add_wrap(
        conn: aiosqlite.Connection, dek_id: int, group: Group, private: keys.X25519PrivateKey, holder: str = ""
    ) -> None:
        """The record's private key sealed to a group (or, `holder` "member:<id>", to a person's own key
        whose public key `group.public` carries)."""
        holder = holder or f"group:{group.id}"
        sealed = keys.seal_to(group.public, keys.private_bytes(private), _wrap_aad(dek_id, holder))
        await conn.execute(
            "INSERT INTO key_wraps (dek_id, holder, sealed) VALUES (?, ?, ?)"
            " ON CONFLICT (dek_id, holder) DO UPDATE SET sealed = excluded.sealed",
            (dek_id, holder, sealed),
        )

    @staticmethod
    async def drop_wrap(conn: aiosqlite.Connection, dek_id: int, holder: str) -> None:
        await conn.execute("DELETE FROM key_wraps WHERE dek_id = ? AND holder = ?", (dek_id, holder))

    async def record_key(self, dek_id: int, public: bytes, chain: KeyChain | None = None) -> PeopleKey:
        """The record key as the acting person holds it: with its private half if their key chain opens
        one of its copies (a group's, their own, the record itself from a receipt code), else seal-only."""
        chain = keys.acting() if chain is None else chain
        if dek_id in chain.records:
            return PeopleKey(public, chain.records[dek_id])
        if not chain.groups and not chain.own:
            return PeopleKey(public)
        rows = await self.db.fetchall("SELECT holder, sealed FROM key_wraps WHERE dek_id = ?", (dek_id,))
        for holder, sealed in rows:
            private = _holder_key(chain, holder)
            if private is None:
                continue
            try:
                raw = keys.open_from(private, bytes(sealed), _wrap_aad(dek_id, holder))
            except keys.DecryptionError:
                continue
            return PeopleKey(public, keys.private_from(raw))
        return PeopleKey(public)

    async def tip_record(self, number: str) -> tuple[int, bytes] | None:
        """The tip's record key (data key id, public key) if it is sealed to people; None otherwise."""
        row = await self.db.fetchone(
            "SELECT d.id, d.wrapped FROM tips t JOIN data_keys d ON d.id = t.dek_id"
            " WHERE t.number = ? AND d.purpose = ?",
            (number, PEOPLE),
        )
        return None if row is None else (int(row[0]), bytes(row[1]))

    async def receipt_copy(self, dek_id: int) -> bytes | None:
        row = await self.db.fetchone("SELECT sealed FROM key_wraps WHERE dek_id = ? AND holder = 'receipt'", (dek_id,))
        return None if row is None else bytes(row[0])


def _holder_key(chain: KeyChain, holder: str) -> keys.X25519PrivateKey | None:
    kind, _sep, ident = holder.partition(":")
    if kind == "group" and ident.isdigit():
        return chain.groups.get(int(ident))
    if kind == "member" and ident.isdigit():
        return chain.own.get(int(ident))
    return None
