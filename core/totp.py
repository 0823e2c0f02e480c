"""Staff authenticator codes: time-based one-time codes (TOTP, RFC 6238) from pyotp.

A staff member's authenticator app and the bot share a random base32 secret. A code is 6 digits and
changes every 30 seconds (one "step"); one step of clock drift either way is accepted. A code is
compared against the three steps around now, always all three and in constant time, and a code
that is not 6 digits costs the same, so timing says nothing about the input. Which step a code
matched is returned so the caller can refuse it a second time (no replay within its window).

Pure: services.stepup keeps the secret (sealed), the last step used and the failures, and asks this.
"""

from __future__ import annotations

import hmac
import unicodedata
from datetime import datetime, timedelta

import pyotp

from core.attempts import AttemptPolicy

DIGITS = 6
STEP_SECONDS = 30
DRIFT_STEPS = 1

#: Wrong codes: 5 free an hour, then 5 minutes doubling up to a day. Six digits are guessable in a
#: way a 16-digit receipt code is not, hence a longer first wait than the receipt codes' minute.
TOTP_ATTEMPTS = AttemptPolicy(
    free_failures=5,
    window=timedelta(hours=1),
    first_wait=timedelta(minutes=5),
    longest_wait=timedelta(hours=24),
)

_PLACEHOLDER = "0" * DIGITS


def new_secret() -> str:
    """A fresh random secret (160 bits, base32), as authenticator apps take it."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The `otpauth://totp/…` URI an authenticator app reads from a QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=account, issuer_name=issuer)


def format_secret(secret: str) -> str:
    """'ABCDEFGH…' -> 'ABCD EFGH …', for typing the secret by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def step_of(at: datetime) -> int:
    """The 30-second step `at` falls in (Unix time // 30); `at` must carry its time zone."""
    return int(at.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    """The code for one step."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def normalize(code: str) -> str | None:
    """The 6 digits a person typed (spaces and full-width digits allowed); else None."""
    digits = []
    for ch in str(code):
        if ch.isspace() or ch in "-－":
            continue
        folded = unicodedata.normalize("NFKC", ch)
        if len(folded) != 1 or not ("0" <= folded <= "9"):
            return None
        digits.append(folded)
    text = "".join(digits)
    return text if len(text) == DIGITS else None


def matching_step(secret: str, code: str, at: datetime) -> int | None:
    """The step (now-1, now or now+1) whose code this is, or None.

    All three steps are always computed and compared (hmac.compare_digest); a malformed code is
    compared as a placeholder and refused, so it costs the same as a real try."""
    typed = normalize(code)
    candidate = (typed or _PLACEHOLDER).encode()
    now = step_of(at)
    found = None
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if hmac.compare_digest(candidate, code_at(secret, step).encode()) and found is None:
            found = step
    return found if typed is not None else None


def consecutive(secret: str, first: str, second: str, at: datetime) -> int | None:
    """The step of `second` when `first` and `second` are the codes of two consecutive steps, the
    second within the drift of `at` (enrolment: proves the app and the clock agree); else None."""
    one, two = normalize(first), normalize(second)
    now = step_of(at)
    found = None
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        first_ok = hmac.compare_digest((one or _PLACEHOLDER).encode(), code_at(secret, step - 1).encode())
        second_ok = hmac.compare_digest((two or _PLACEHOLDER).encode(), code_at(secret, step).encode())
        if first_ok and second_ok and found is None:
            found = step
    return found if one is not None and two is not None else None
