import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import receipts
from core.receipts import ScryptParams

FAST = ScryptParams(log2_n=10)  # the real parameters are slow on purpose; these tests check logic


def test_codes_are_sixteen_random_digits():
    codes = {receipts.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 16 and c.isdigit() for c in codes)


def test_the_stored_hash_verifies_the_right_code_only():
    code = receipts.new_code()
    stored = receipts.hash_code(code)  # default, slow parameters
    assert code not in stored
    assert stored.startswith("scrypt$15$8$1$")
    assert receipts.verify_code(code, stored)
    wrong = f"{(int(code) + 1) % 10**16:016d}"
    assert not receipts.verify_code(wrong, stored)


def test_two_hashes_of_one_code_differ_by_salt():
    code = receipts.new_code()
    assert receipts.hash_code(code, FAST) != receipts.hash_code(code, FAST)


def test_a_code_typed_with_spaces_dashes_or_full_width_digits_verifies():
    code = "1234567890123456"
    stored = receipts.hash_code(code, FAST)
    for typed in ("1234 5678 9012 3456", "1234-5678-9012-3456", "１２３４５６７８９０１２３４５６"):
        assert receipts.verify_code(typed, stored), typed


@pytest.mark.parametrize("typed", ["", "123", "12345678901234567", "1234 5678 9012 345x", "一二三四"])
def test_malformed_codes_are_refused(typed):
    assert receipts.normalize_code(typed) is None
    assert not receipts.verify_code(typed, receipts.hash_code("1234567890123456", FAST))


@pytest.mark.parametrize("stored", ["", "bcrypt$x", "scrypt$15$8$1$!!$!!", "scrypt$a$b$c$d$e"])
def test_a_corrupt_stored_hash_never_verifies(stored):
    assert not receipts.verify_code("1234567890123456", stored)


@given(st.integers(min_value=0, max_value=10**16 - 1))
def test_format_and_normalize_round_trip(n):
    code = f"{n:016d}"
    assert receipts.normalize_code(receipts.format_code(code)) == code


PEPPER = bytes(range(32))


def test_a_peppered_hash_verifies_only_with_its_pepper():
    code = receipts.new_code()
    stored = receipts.hash_code(code, FAST, pepper=PEPPER)
    assert stored.startswith(f"{receipts.PEPPERED}$10$8$1$")
    assert receipts.verify_code(code, stored, pepper=PEPPER)
    assert not receipts.verify_code(code, stored)  # the database alone: nothing verifies
    assert not receipts.verify_code(code, stored, pepper=bytes(32))
    assert not receipts.verify_code(f"{(int(code) + 1) % 10**16:016d}", stored, pepper=PEPPER)


def test_an_unpeppered_hash_of_before_still_verifies_beside_a_pepper():
    code = receipts.new_code()
    old = receipts.hash_code(code, FAST)
    assert old.startswith(f"{receipts.UNPEPPERED}$")
    assert receipts.verify_code(code, old, pepper=PEPPER)
    assert not receipts.verify_code("0" * 16 if code != "0" * 16 else "1" * 16, old, pepper=PEPPER)


def _counting(monkeypatch) -> list[int]:
    calls: list[int] = []
    derive = receipts._derive
    monkeypatch.setattr(receipts, "_derive", lambda *a: calls.append(1) or derive(*a))
    return calls


@pytest.mark.parametrize("typed", ["1234567890123456", "12", "一二三四", ""])
@pytest.mark.parametrize("pepper", [PEPPER, None])
def test_every_verification_costs_one_derivation_even_against_the_dummy(monkeypatch, typed, pepper):
    dummy = receipts.dummy_hash(FAST)
    assert dummy.startswith(f"{receipts.PEPPERED}$10$8$1$")  # the scheme real hashes have: the same cost
    calls = _counting(monkeypatch)
    assert not receipts.verify_code(typed, dummy, pepper=pepper)
    assert len(calls) == 1


def test_the_pepper_survives_a_rotation_of_the_key_ring():
    """Derived from the lookup key, which the ring keeps for good: rotating every purpose that
    rotates, or saving and reading the ring back, leaves old receipts verifying."""
    from core.crypto import LOOKUP, KeyRing, KeyRingError

    ring = KeyRing.generate()
    code = receipts.new_code()
    stored = receipts.hash_code(code, FAST, pepper=ring.derived_key(receipts.PEPPER_LABEL))
    ring.rotate()
    again = KeyRing.from_json(ring.to_json())
    assert receipts.verify_code(code, stored, pepper=again.derived_key(receipts.PEPPER_LABEL))
    with pytest.raises(KeyRingError):
        ring.rotate([LOOKUP])
    assert ring.derived_key(receipts.PEPPER_LABEL) != ring.derived_key("audit")  # a key of its own
