"""core/totp.py: the authenticator's codes, checked against pyotp (the reference the apps agree with)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest

from core import totp

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
AT = datetime(2026, 12, 1, 10, 0, 15, tzinfo=UTC)  # 15 s into its step


def code(when: datetime) -> str:
    return pyotp.TOTP(SECRET).at(when)


def test_the_code_is_the_one_an_authenticator_app_shows():
    assert totp.code_at(SECRET, totp.step_of(AT)) == code(AT)
    assert totp.matching_step(SECRET, code(AT), AT) == totp.step_of(AT)


@pytest.mark.parametrize("steps", [-1, 1])
def test_one_step_of_clock_drift_either_way_is_accepted_with_its_own_step(steps):
    drifted = AT + timedelta(seconds=30 * steps)
    assert totp.matching_step(SECRET, code(drifted), AT) == totp.step_of(AT) + steps


@pytest.mark.parametrize("steps", [-2, 2, -10])
def test_two_steps_or_more_away_is_refused(steps):
    assert totp.matching_step(SECRET, code(AT + timedelta(seconds=30 * steps)), AT) is None


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "12 34 5x", "123456789012", "١٢٣٤٥٦"])
def test_a_malformed_code_is_refused(typed):
    assert totp.matching_step(SECRET, typed, AT) is None


def test_a_code_typed_with_a_space_or_full_width_digits_is_read():
    typed = code(AT)
    spaced = f"{typed[:3]} {typed[3:]}"
    wide = "".join(chr(ord(c) + 0xFEE0) for c in typed)
    assert totp.matching_step(SECRET, spaced, AT) == totp.matching_step(SECRET, wide, AT) == totp.step_of(AT)


def test_a_malformed_code_costs_the_same_three_comparisons(monkeypatch):
    calls = []
    real = totp.hmac.compare_digest
    monkeypatch.setattr(totp.hmac, "compare_digest", lambda a, b: calls.append(1) or real(a, b))
    totp.matching_step(SECRET, "not a code", AT)
    malformed = len(calls)
    calls.clear()
    totp.matching_step(SECRET, code(AT - timedelta(seconds=30)), AT)  # matches the first step: still all three
    assert malformed == len(calls) == 3


def test_two_consecutive_codes_give_the_step_of_the_second():
    now = totp.step_of(AT)
    assert totp.consecutive(SECRET, code(AT - timedelta(seconds=30)), code(AT), AT) == now
    assert totp.consecutive(SECRET, code(AT), code(AT + timedelta(seconds=30)), AT) == now + 1


def test_codes_not_consecutive_or_too_old_are_refused():
    before, after = AT - timedelta(seconds=30), AT + timedelta(seconds=30)
    assert totp.consecutive(SECRET, code(AT), code(AT), AT) is None  # the same code twice
    assert totp.consecutive(SECRET, code(AT), code(before), AT) is None  # the wrong order
    assert totp.consecutive(SECRET, code(before - timedelta(seconds=30)), code(after), AT) is None  # a step skipped
    old = AT - timedelta(minutes=5)
    assert totp.consecutive(SECRET, code(old - timedelta(seconds=30)), code(old), AT) is None
    assert totp.consecutive(SECRET, "12345", code(AT), AT) is None


def test_the_provisioning_uri_carries_the_secret_account_and_issuer():
    uri = totp.provisioning_uri(SECRET, "王科长", "东平镇安全生产举报平台")
    parsed = urlparse(uri)
    query = parse_qs(parsed.query)
    assert (parsed.scheme, parsed.netloc) == ("otpauth", "totp")
    assert query["secret"] == [SECRET] and query["issuer"] == ["东平镇安全生产举报平台"]
    assert pyotp.parse_uri(uri).name == "王科长"
    assert pyotp.parse_uri(uri).now() == pyotp.TOTP(SECRET).now()


def test_new_secrets_are_random_base32_an_app_takes():
    first, second = totp.new_secret(), totp.new_secret()
    assert first != second and len(first) >= 32
    assert totp.code_at(first, 1) == pyotp.TOTP(first).at(30)
    assert totp.format_secret("ABCDEFGHIJ") == "ABCD EFGH IJ"


def test_the_lock_out_waits_5_minutes_after_5_wrong_codes_then_doubles_to_a_day():
    policy = totp.TOTP_ATTEMPTS
    assert [policy.wait_after(n) for n in range(1, 5)] == [None] * 4
    assert policy.wait_after(5) == timedelta(minutes=5)
    assert policy.wait_after(6) == timedelta(minutes=10)
    assert policy.wait_after(30) == timedelta(hours=24)
