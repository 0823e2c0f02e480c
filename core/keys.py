"""Keys held by people, not by the server (docs/ARCHITECTURE.md, "Keys held by people").

A tip is sealed to a key pair of its own: anyone (the bot filing it, a reporter answering, an officer
replying) can add to it with the public key, and only the holder of the private key reads it. That
private key is stored only sealed to key groups (the office as a whole, the tip's department) and to
a key derived from the reporter's receipt code; each group's private key only sealed to the members
who hold it, each member's private key only under a key derived from their passphrase. The server
holds public keys and sealed blobs: with no one signed in, it can add but not read.

Primitives are `cryptography`'s (X25519, HKDF-SHA256, AES-256-GCM, scrypt); no curve code here.

- `seal_to(public, plaintext, aad)`: an ephemeral X25519 key agrees a secret with the recipient's
  public key; HKDF over it, bound to both public keys, gives an AES-256-GCM key (as HPKE's base mode
  does, in one small function). Output: version ‖ ephemeral public key ‖ nonce ‖ ciphertext and tag.
- `wrap_private` / `unwrap_private`: a private key under a passphrase (scrypt, `PASSPHRASE_PARAMS`,
  about 0.3 s on the server: one guess costs as much), or any 32-byte secret under a derived key.
- The office's recovery key is 32 random bytes shown once as 24 words (BIP-39, the `mnemonic`
  library: a checksum catches a mistyped word), the private key itself.

A wrong key, a moved or altered blob: DecryptionError, as core.crypto raises. Malformed input costs
the same as a real try where a secret is derived (the scrypt runs before the blob is parsed further).
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from mnemonic import Mnemonic

from core import crypto
from core.crypto import DecryptionError

KEY_BYTES = 32
_NONCE = 12
_TAG = 16
SEALED_TO = b"\x02"  # a blob sealed to a public key (core.crypto.seal's are b"\x01")
_WRAPPED = b"\x01"  # a private key under a passphrase or derived key
_INFO = b"tipline|seal-to|v1"
#: A passphrase this short is refused: the scrypt cost guards a long one, not "1234".
PASSPHRASE_MIN = 10
PASSPHRASE_MAX = 200


@dataclass(frozen=True)
class KdfParams:
    log2_n: int
    r: int = 8
    p: int = 1


#: About 0.3 s and 64 MiB on the server (bench/keys.py measures it): the passphrase's guess cost.
PASSPHRASE_PARAMS = KdfParams(log2_n=16)
#: The receipt code's copy of a tip key: the code has 53 bits, scrypt makes each guess cost.
RECEIPT_PARAMS = KdfParams(log2_n=15)
#: Tests lower these (tests/conftest.py): the suite would otherwise spend minutes deriving keys.
_PARAMS: dict[str, KdfParams] = {"passphrase": PASSPHRASE_PARAMS, "receipt": RECEIPT_PARAMS}


class Locked(DecryptionError):
    """The key that opens this is not held by whoever acts now (no session, or not their group's)."""


# -- key pairs and sealing to a public key --------------------------------------------------------


def new_private() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def public_bytes(key: X25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def private_bytes(key: X25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def private_from(raw: bytes) -> X25519PrivateKey:
    if len(raw) != KEY_BYTES:
        raise DecryptionError("a private key is 32 bytes")
    return X25519PrivateKey.from_private_bytes(raw)


def _agreed(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(hashes.SHA256(), KEY_BYTES, salt=ephemeral + recipient, info=_INFO).derive(shared)


def seal_to(public: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Seal for the holder of `public`'s private key; needs no secret."""
    ephemeral = X25519PrivateKey.generate()
    eph_public = public_bytes(ephemeral)
    key = _agreed(ephemeral.exchange(X25519PublicKey.from_public_bytes(public)), eph_public, public)
    nonce = secrets.token_bytes(_NONCE)
    return SEALED_TO + eph_public + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_from(private: X25519PrivateKey, blob: bytes, aad: bytes) -> bytes:
    """What `seal_to` sealed for this private key; DecryptionError if it was not, or was altered."""
    head = 1 + KEY_BYTES + _NONCE
    if len(blob) < head + _TAG or blob[:1] != SEALED_TO:
        raise DecryptionError("not a blob sealed to a public key, or truncated")
    eph_public, nonce, body = blob[1 : 1 + KEY_BYTES], blob[1 + KEY_BYTES : head], memoryview(blob)[head:]
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(bytes(eph_public)))
        return AESGCM(_agreed(shared, bytes(eph_public), public_bytes(private))).decrypt(bytes(nonce), body, aad)
    except (InvalidTag, ValueError):
        raise DecryptionError("the blob did not open with this key: another key, altered or moved") from None


# -- secrets under a passphrase or a code ----------------------------------------------------------


def normalize_passphrase(text: str) -> str:
    """What is derived from: NFKC (full-width letters and digits as typed on a phone), outer spaces gone."""
    return unicodedata.normalize("NFKC", text).strip()


def passphrase_problem(text: str) -> str | None:
    """ "short", "long" or None: whether a passphrase may be set."""
    length = len(normalize_passphrase(text))
    return "short" if length < PASSPHRASE_MIN else "long" if length > PASSPHRASE_MAX else None


def _derive(secret: str, salt: bytes, params: KdfParams) -> bytes:
    return Scrypt(salt=salt, length=KEY_BYTES, n=2**params.log2_n, r=params.r, p=params.p).derive(secret.encode())


def wrap_private(raw: bytes, secret: str, use: str, aad: bytes) -> bytes:
    """32 secret bytes under a key derived from `secret` (a passphrase, a receipt code) by scrypt with
    `use`'s parameters: version ‖ log2 n ‖ salt ‖ nonce ‖ ciphertext and tag."""
    params = _PARAMS[use]
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(_NONCE)
    key = _derive(normalize_passphrase(secret), salt, params)
    return _WRAPPED + bytes([params.log2_n]) + salt + nonce + AESGCM(key).encrypt(nonce, raw, aad)


def unwrap_private(blob: bytes, secret: str, aad: bytes) -> bytes:
    """The 32 bytes; DecryptionError for a wrong secret (after the full derivation) or a bad blob."""
    log2_n = blob[1] if len(blob) > 1 and 10 <= blob[1] <= 20 else 15  # a bad blob still costs a derivation
    salt = bytes(blob[2:18]).ljust(16, b"\0")
    key = _derive(normalize_passphrase(secret), salt, KdfParams(log2_n=log2_n))
    if len(blob) != 2 + 16 + _NONCE + KEY_BYTES + _TAG or blob[:1] != _WRAPPED:
        raise DecryptionError("not a wrapped key")
    try:
        return AESGCM(key).decrypt(bytes(blob[18 : 18 + _NONCE]), bytes(blob[18 + _NONCE :]), aad)
    except InvalidTag:
        raise DecryptionError("wrong passphrase or code, or an altered key") from None


# -- the office's recovery key as words ------------------------------------------------------------

_WORDS = Mnemonic("english")


def recovery_words(raw: bytes) -> str:
    """The recovery private key as 24 English words (BIP-39), to write down once and keep in a safe."""
    return _WORDS.to_mnemonic(raw)


def recovery_key(words: str) -> X25519PrivateKey:
    """The recovery key from its words (any spacing or case); ValueError for a word not in the list or
    a wrong checksum (a mistyped or missing word)."""
    text = " ".join(words.lower().split())
    if not _WORDS.check(text):
        raise ValueError("these are not the 24 recovery words (a word is mistyped, missing or out of order)")
    return private_from(bytes(_WORDS.to_entropy(text)))


# -- what a key opens: one interface for the old symmetric keys and the new ones ---------------------


class SealingKey(Protocol):
    """A record's key as storage uses it: `seal` new fields, `open` stored ones."""

    def seal(self, plaintext: bytes, aad: bytes) -> bytes: ...

    def open(self, blob: bytes, aad: bytes) -> bytes: ...


@dataclass(frozen=True)
class RingKey:
    """A data key wrapped by the server's key ring (core.crypto): the server seals and opens."""

    dek: bytes

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        return crypto.seal(self.dek, plaintext, aad)

    def open(self, blob: bytes, aad: bytes) -> bytes:
        return crypto.open_sealed(self.dek, blob, aad)


@dataclass(frozen=True)
class PeopleKey:
    """A record's key pair whose private half only people hold: anyone seals; `private` is set only
    when the acting person's key chain opened it, else `open` raises Locked."""

    public: bytes
    private: X25519PrivateKey | None = None

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        return seal_to(self.public, plaintext, aad)

    def open(self, blob: bytes, aad: bytes) -> bytes:
        if self.private is None:
            raise Locked("no key that opens this record is held by whoever acts now")
        return open_from(self.private, blob, aad)


# -- who acts: the keys they hold, for the update being handled -----------------------------------


@dataclass(frozen=True)
class KeyChain:
    """The private keys the acting person holds now: key groups' (a staff member's unlocked session,
    by group id), their own (by user id: what an approved disclosure is sealed to), and records' (a
    reporter's tip, opened with the receipt code, by data key id)."""

    groups: Mapping[int, X25519PrivateKey] = field(default_factory=dict)
    records: Mapping[int, X25519PrivateKey] = field(default_factory=dict)
    own: Mapping[int, X25519PrivateKey] = field(default_factory=dict)

    def merged(self, other: KeyChain) -> KeyChain:
        return KeyChain({**self.groups, **other.groups}, {**self.records, **other.records}, {**self.own, **other.own})


NOBODY = KeyChain()
_ACTING: ContextVar[KeyChain] = ContextVar("tipline_acting_keys", default=NOBODY)


def acting() -> KeyChain:
    """The keys of whoever the current task acts for (NOBODY outside a gated handler: jobs, the loop)."""
    return _ACTING.get()


@contextmanager
def acting_as(chain: KeyChain):
    """Within the block (this task and the threads it starts), `acting()` is `chain`, merged into what
    held already (a handler calling another keeps the keys)."""
    token = _ACTING.set(_ACTING.get().merged(chain))
    try:
        yield chain
    finally:
        _ACTING.reset(token)


def set_acting(chain: KeyChain) -> None:
    """For the rest of this task (one update's handlers), `acting()` is `chain`: set by the handler that
    runs first for each update (handlers.acting), so a key never outlives the update it was set for."""
    _ACTING.set(chain)


def groups_of(chain: KeyChain, ids: Iterable[int]) -> list[int]:
    """The group ids among `ids` whose private key `chain` holds."""
    return [i for i in ids if i in chain.groups]
