"""Receipt codes: the reporter's secret proof that a tip is theirs.

16 random digits from `secrets`, shown once. Only a salted scrypt hash is stored; it is slow on
purpose (about 0.1 s a try, so a stolen database cannot be searched quickly) and compared in
constant time.

The hash is peppered: scrypt runs over HMAC-SHA256(pepper, code), not over the code, and the
pepper is a key derived from the key ring, which is never in the database. A database stolen
without its key ring then cannot be guessed at all, however long one tries; with the ring it still
costs a full scrypt per guess. Stored as `scrypt-p1$log2n$r$p$salt$digest`, where `p1` names the
pepper: `KeyRing.derived_key(PEPPER_LABEL)`, HKDF from the ring's lookup key. That key is the one
the ring keeps for good: `KeyRing.rotate` refuses it (the keyed hashes of chat ids are lookups and
would break too), so rotating the other purposes' keys never changes the pepper and old receipts
keep verifying. A pepper of another origin (should the lookup key ever be replaced) would need a
new tag, `p2`, with `p1` still verified by the old key.

Hashes from before the pepper (`scrypt$…`, over the code itself) still verify. Verifying against an
unknown tip or with a malformed code costs the same derivation as a real try (`dummy_hash`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass

DIGITS = 16
#: The label of the ring's derived key that peppers receipt hashes (crypto.KeyRing.derived_key).
PEPPER_LABEL = "receipt"
#: Scheme tags: peppered with the derived key above (version 1), and the unpeppered one of before.
PEPPERED = "scrypt-p1"
UNPEPPERED = "scrypt"
_SALT_BYTES = 16
_DIGEST_BYTES = 32


@dataclass(frozen=True)
class ScryptParams:
    log2_n: int = 15
    r: int = 8
    p: int = 1

    @property
    def maxmem(self) -> int:
        return 256 * (2**self.log2_n) * self.r * self.p


DEFAULT_PARAMS = ScryptParams()


def new_code() -> str:
    return f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"


def format_code(code: str) -> str:
    """'1234567890123456' -> '1234 5678 9012 3456', easier to copy by hand."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalize_code(text: str) -> str | None:
    """The 16 digits a person typed, with spaces, dashes and full-width digits allowed; else None."""
    digits = []
    for ch in text:
        if ch.isspace() or ch in "-－‐–—_":
            continue
        folded = unicodedata.normalize("NFKC", ch)
        if len(folded) != 1 or not ("0" <= folded <= "9"):
            return None
        digits.append(folded)
    code = "".join(digits)
    return code if len(code) == DIGITS else None


def _secret(code: str, pepper: bytes | None) -> bytes:
    """What scrypt runs over: the code keyed with the pepper, or (an old hash) the code itself."""
    if pepper is None:
        return code.encode("ascii")
    return hmac.new(pepper, code.encode("ascii"), hashlib.sha256).digest()


def _derive(secret: bytes, salt: bytes, params: ScryptParams) -> bytes:
    return hashlib.scrypt(
        secret, salt=salt, n=2**params.log2_n, r=params.r, p=params.p, maxmem=params.maxmem, dklen=_DIGEST_BYTES
    )


def _encode(scheme: str, params: ScryptParams, salt: bytes, digest: bytes) -> str:
    b64 = base64.b64encode
    return f"{scheme}${params.log2_n}${params.r}${params.p}${b64(salt).decode()}${b64(digest).decode()}"


def hash_code(code: str, params: ScryptParams = DEFAULT_PARAMS, *, pepper: bytes | None = None) -> str:
    """The hash to store. The bot always passes the ring's pepper; without one, the old unpeppered
    scheme (kept for the hashes already stored, and the benchmarks' seeded rows)."""
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = _derive(_secret(code, pepper), salt, params)
    return _encode(UNPEPPERED if pepper is None else PEPPERED, params, salt, digest)


def dummy_hash(params: ScryptParams = DEFAULT_PARAMS) -> str:
    """A peppered hash that no code matches (random digest), to verify against when the tip does not
    exist: the same scheme, so the same cost, as a real one. Made without a derivation."""
    return _encode(PEPPERED, params, secrets.token_bytes(_SALT_BYTES), secrets.token_bytes(_DIGEST_BYTES))


def verify_code(code: str, stored: str, *, pepper: bytes | None = None) -> bool:
    """True when `code` matches the stored hash; compared in constant time. A peppered hash needs the
    pepper: without it (a database without its key ring) nothing verifies."""
    try:
        scheme, log2_n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme not in (PEPPERED, UNPEPPERED):
            return False
        params = ScryptParams(int(log2_n), int(r), int(p))
        salt = base64.b64decode(salt_b64, validate=True)
        expected = base64.b64decode(digest_b64, validate=True)
    except ValueError:
        return False
    normalized = normalize_code(code)
    # A malformed code (or a missing pepper) still costs a full derivation: timing says nothing.
    key = pepper if scheme == PEPPERED else None
    if scheme == PEPPERED and pepper is None:
        key = bytes(_DIGEST_BYTES)
    candidate = _derive(_secret(normalized or "0" * DIGITS, key), salt, params)
    usable = normalized is not None and (scheme == UNPEPPERED or pepper is not None)
    return hmac.compare_digest(candidate, expected) and usable
