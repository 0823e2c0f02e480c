"""Receipt codes: the reporter's secret proof that a tip is theirs.

16 random digits from `secrets`, shown once. Only a salted scrypt hash is stored; it is slow on
purpose (tens of milliseconds a try) and compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass

DIGITS = 16


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


def _derive(code: str, salt: bytes, params: ScryptParams) -> bytes:
    return hashlib.scrypt(
        code.encode("ascii"),
        salt=salt,
        n=2**params.log2_n,
        r=params.r,
        p=params.p,
        maxmem=params.maxmem,
        dklen=32,
    )


def hash_code(code: str, params: ScryptParams = DEFAULT_PARAMS) -> str:
    salt = secrets.token_bytes(16)
    digest = _derive(code, salt, params)
    b64 = base64.b64encode
    return f"scrypt${params.log2_n}${params.r}${params.p}${b64(salt).decode()}${b64(digest).decode()}"


def verify_code(code: str, stored: str) -> bool:
    """True when `code` matches the stored hash; compared in constant time."""
    try:
        scheme, log2_n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        params = ScryptParams(int(log2_n), int(r), int(p))
        salt = base64.b64decode(salt_b64, validate=True)
        expected = base64.b64decode(digest_b64, validate=True)
    except ValueError:
        return False
    normalized = normalize_code(code)
    # A malformed code still costs a full derivation, so timing says nothing about the input.
    candidate = _derive(normalized or "0" * DIGITS, salt, params)
    return hmac.compare_digest(candidate, expected) and normalized is not None
