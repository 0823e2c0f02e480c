"""Envelope encryption: per-record data keys wrapped by key-encryption keys from a key ring.

- Every record gets its own random 256-bit data key (DEK). Fields of the record are sealed with
  AES-256-GCM under that DEK; the associated data names the table, the record and the field, so a
  ciphertext moved to another row or column fails to open.
- The DEK is stored only wrapped (AES-256-GCM again) by the current key-encryption key (KEK) of
  its purpose; the KEK's id is stored beside it. KEKs live in the key ring file (read and written by
  storage/keyring.py), never in the database, so a stolen database without its key ring reveals no content.
- Purposes are kept apart: content, reporter identity, push contact, per-chat session state,
  staff members' authenticator secrets.
  A DEK wrapped for one purpose cannot be unwrapped as another.
- Rotation adds a new KEK per purpose and re-wraps DEKs; payloads are untouched and old KEKs stay
  in the ring, so nothing becomes unreadable half-way.
- Deleting a record's DEK destroys the record for good (retention).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

CONTENT = "content"
IDENTITY = "identity"
CONTACT = "contact"
SESSION = "session"
#: Staff members' authenticator secrets (services.stepup).
STAFF = "staff"
#: Purposes whose keys wrap data keys. They rotate.
PURPOSES: tuple[str, ...] = (CONTENT, IDENTITY, CONTACT, SESSION, STAFF)
#: Purposes added after the first release: a ring written before lacks them and gains a key for
#: each when it is read (KeyRing.from_json; storage.keyring.load_ring saves it back).
LATER_PURPOSES: tuple[str, ...] = (STAFF,)
#: The HMAC key behind keyed hashes of chat ids. It does not rotate: the hashes are lookup keys.
LOOKUP = "lookup"

_RING_FORMAT = "tipline-keyring"
_RING_VERSION = 1
_SEAL_VERSION = b"\x01"
_NONCE_BYTES = 12
KEY_BYTES = 32


class CryptoError(Exception):
    """Base class of every error this module raises."""


class KeyRingError(CryptoError):
    """The key ring file is missing, unreadable or malformed."""


class DecryptionError(CryptoError):
    """A ciphertext did not open: it was altered, moved, or sealed under another key."""


class UnknownKeyError(DecryptionError):
    """A wrapped key names a key-encryption key that is not in this key ring."""


@dataclass(frozen=True)
class Kek:
    id: str
    purpose: str
    key: bytes
    created: str


@dataclass(frozen=True)
class WrappedKey:
    """A data key as stored: wrapped, with the id of the key that wrapped it."""

    kek_id: str
    wrapped: bytes


class KeyRing:
    """The key-encryption keys, one primary per purpose, and the lookup HMAC key."""

    def __init__(self, keys: Iterable[Kek], primary: dict[str, str]):
        self._keys = {k.id: k for k in keys}
        self._primary = dict(primary)
        #: Purposes this ring lacked when it was read, and gained (to be saved back).
        self.added: tuple[str, ...] = ()
        #: The office's recovery key's public half (core.keys), made by `keys init`: the key groups are
        #: sealed to it when the database first opens. Its private half is only the words shown once.
        self.recovery_public: bytes | None = None
        for purpose in (*PURPOSES, LOOKUP):
            kek_id = self._primary.get(purpose)
            if kek_id is None or kek_id not in self._keys:
                raise KeyRingError(f"the key ring has no primary key for purpose {purpose!r}")
            if self._keys[kek_id].purpose != purpose:
                raise KeyRingError(f"the key ring's primary key for {purpose!r} has another purpose")

    # -- creation and rotation ---------------------------------------------------------------

    @classmethod
    def generate(cls) -> KeyRing:
        keys = [_new_kek(p) for p in (*PURPOSES, LOOKUP)]
        return cls(keys, {k.purpose: k.id for k in keys})

    def rotate(self, purposes: Iterable[str] = PURPOSES) -> list[str]:
        """Add a new primary key for each purpose; old keys stay to open what they wrapped."""
        new_ids = []
        for purpose in purposes:
            if purpose not in PURPOSES:
                raise KeyRingError(f"purpose {purpose!r} cannot be rotated")
            kek = _new_kek(purpose)
            self._keys[kek.id] = kek
            self._primary[purpose] = kek.id
            new_ids.append(kek.id)
        return new_ids

    def retire(self, purposes: Iterable[str]) -> list[str]:
        """Remove every key of these purposes that is not their primary: after `rotate` and every data key
        re-wrapped, what those keys wrapped (a backup's copies too) can no longer be opened. Their ids."""
        gone = [k.id for k in self._keys.values() if k.purpose in purposes and k.id != self._primary[k.purpose]]
        for kek_id in gone:
            del self._keys[kek_id]
        return gone

    # -- access --------------------------------------------------------------------------------

    def primary(self, purpose: str) -> Kek:
        return self._keys[self._primary[purpose]]

    def get(self, kek_id: str) -> Kek:
        try:
            return self._keys[kek_id]
        except KeyError:
            raise UnknownKeyError(
                f"key {kek_id!r} is not in the key ring: is TIPLINE_KEYRING the ring this data was made with?"
            ) from None

    def __contains__(self, kek_id: object) -> bool:
        return kek_id in self._keys

    @property
    def key_ids(self) -> list[str]:
        return sorted(self._keys)

    def lookup_hash(self, domain: str, value: str | int) -> bytes:
        """A keyed hash for looking records up by a value that must not be stored (a chat id)."""
        mac = hmac.new(self.primary(LOOKUP).key, digestmod=hashlib.sha256)
        mac.update(domain.encode() + b"\x00" + str(value).encode())
        return mac.digest()

    def derived_key(self, label: str) -> bytes:
        """A key for another use (the audit chain's HMAC), derived from the lookup key by HKDF."""
        return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=f"tipline|{label}".encode()).derive(
            self.primary(LOOKUP).key
        )

    # -- files ---------------------------------------------------------------------------------

    def to_json(self) -> str:
        extra = {"recovery_public": base64.b64encode(self.recovery_public).decode()} if self.recovery_public else {}
        return json.dumps(
            {
                "format": _RING_FORMAT,
                "version": _RING_VERSION,
                **extra,
                "primary": self._primary,
                "keys": [
                    {
                        "id": k.id,
                        "purpose": k.purpose,
                        "created": k.created,
                        "key": base64.b64encode(k.key).decode(),
                    }
                    for k in self._keys.values()
                ],
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> KeyRing:
        try:
            doc = json.loads(text)
            if doc.get("format") != _RING_FORMAT:
                raise KeyRingError("the file is not a Tipline key ring")
            if doc.get("version") != _RING_VERSION:
                raise KeyRingError(f"key ring version {doc.get('version')!r} is not supported")
            keys: list[Kek] = []
            for item in doc["keys"]:
                key = base64.b64decode(item["key"], validate=True)
                if len(key) != KEY_BYTES:
                    raise KeyRingError(f"key {item['id']!r} is not {KEY_BYTES} bytes long")
                keys.append(Kek(item["id"], item["purpose"], key, item["created"]))
            primary = dict(doc["primary"])
            missing = [p for p in LATER_PURPOSES if p not in primary]
            for purpose in missing:  # a ring older than the purpose: it gains a key of its own
                kek = _new_kek(purpose)
                keys.append(kek)
                primary[purpose] = kek.id
            ring = cls(keys, primary)
            ring.added = tuple(missing)
            if "recovery_public" in doc:
                ring.recovery_public = base64.b64decode(doc["recovery_public"], validate=True)
            return ring
        except KeyRingError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise KeyRingError(f"the key ring file is malformed ({type(exc).__name__})") from None


def _new_kek(purpose: str) -> Kek:
    now = datetime.now(UTC)
    kek_id = f"{purpose}-{now:%Y%m%d}-{secrets.token_hex(3)}"
    return Kek(kek_id, purpose, AESGCM.generate_key(bit_length=256), now.isoformat(timespec="seconds"))


# -- data keys -------------------------------------------------------------------------------


def _wrap_aad(purpose: str, kek_id: str) -> bytes:
    return f"tipline-dek|{purpose}|{kek_id}".encode()


def new_data_key(ring: KeyRing, purpose: str) -> tuple[bytes, WrappedKey]:
    dek = AESGCM.generate_key(bit_length=256)
    return dek, wrap_key(ring, purpose, dek)


def wrap_key(ring: KeyRing, purpose: str, dek: bytes) -> WrappedKey:
    kek = ring.primary(purpose)
    nonce = secrets.token_bytes(_NONCE_BYTES)
    wrapped = nonce + AESGCM(kek.key).encrypt(nonce, dek, _wrap_aad(purpose, kek.id))
    return WrappedKey(kek.id, wrapped)


def unwrap_key(ring: KeyRing, purpose: str, wrapped: WrappedKey) -> bytes:
    kek = ring.get(wrapped.kek_id)
    if kek.purpose != purpose:
        raise DecryptionError(f"a data key wrapped for {kek.purpose!r} was asked for as {purpose!r}")
    nonce, body = wrapped.wrapped[:_NONCE_BYTES], wrapped.wrapped[_NONCE_BYTES:]
    try:
        return AESGCM(kek.key).decrypt(nonce, body, _wrap_aad(purpose, kek.id))
    except InvalidTag:
        raise DecryptionError(f"a data key wrapped by {kek.id!r} failed its integrity check") from None


def rewrap_key(ring: KeyRing, purpose: str, wrapped: WrappedKey) -> WrappedKey:
    """The same data key, wrapped by the purpose's current primary key."""
    if wrapped.kek_id == ring.primary(purpose).id:
        return wrapped
    return wrap_key(ring, purpose, unwrap_key(ring, purpose, wrapped))


# -- fields ----------------------------------------------------------------------------------


def field_aad(table: str, record: str | int | bytes, field: str) -> bytes:
    """Associated data binding a ciphertext to one field of one record."""
    if isinstance(record, bytes):
        record = record.hex()
    return f"tipline|{table}|{record}|{field}".encode()


#: cryptography's encrypt_into (recent releases) writes the ciphertext straight behind the header:
#: no second copy of a 20 MB file (bench/crypto.py measures seal against the raw call).
_ENCRYPT_INTO = hasattr(AESGCM, "encrypt_into")
_HEADER = 1 + _NONCE_BYTES
_TAG_BYTES = 16


def seal(dek: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """version byte ‖ nonce ‖ AES-256-GCM ciphertext and tag (a bytearray where it saves a copy)."""
    nonce = secrets.token_bytes(_NONCE_BYTES)
    if not _ENCRYPT_INTO:
        return _SEAL_VERSION + nonce + AESGCM(dek).encrypt(nonce, plaintext, aad)
    out = bytearray(_HEADER + len(plaintext) + _TAG_BYTES)
    out[:_HEADER] = _SEAL_VERSION + nonce
    AESGCM(dek).encrypt_into(nonce, plaintext, aad, memoryview(out)[_HEADER:])
    return out


def open_sealed(dek: bytes, blob: bytes, aad: bytes) -> bytes:
    if len(blob) < _HEADER + _TAG_BYTES or blob[:1] != _SEAL_VERSION:
        raise DecryptionError("the ciphertext is truncated or of an unknown version")
    view = memoryview(blob)  # no copy of the body
    nonce, body = bytes(view[1:_HEADER]), view[_HEADER:]
    try:
        return AESGCM(dek).decrypt(nonce, body, aad)
    except InvalidTag:
        raise DecryptionError(
            "the ciphertext failed its integrity check: altered, moved to another record, or another key"
        ) from None
