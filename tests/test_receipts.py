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
