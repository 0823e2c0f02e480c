"""core.keys: sealing to a public key, private keys under a passphrase or a code, the recovery words,
and the key that opens a record only for whoever holds it now."""

from __future__ import annotations

import pytest

from core import crypto, keys


def test_a_blob_sealed_to_a_public_key_opens_only_with_its_private_key_and_aad():
    key = keys.new_private()
    blob = keys.seal_to(keys.public_bytes(key), "储罐区没有防火堤".encode(), b"tips|1|content")
    assert "储罐区".encode() not in blob
    assert keys.open_from(key, blob, b"tips|1|content").decode() == "储罐区没有防火堤"
    with pytest.raises(crypto.DecryptionError):
        keys.open_from(keys.new_private(), blob, b"tips|1|content")  # another key
    with pytest.raises(crypto.DecryptionError):
        keys.open_from(key, blob, b"tips|2|content")  # moved to another record
    with pytest.raises(crypto.DecryptionError):
        keys.open_from(key, blob[:-1] + bytes([blob[-1] ^ 1]), b"tips|1|content")  # altered
    with pytest.raises(crypto.DecryptionError):
        keys.open_from(key, b"\x02short", b"tips|1|content")


def test_a_private_key_under_a_passphrase_opens_only_with_it():
    raw = keys.private_bytes(keys.new_private())
    wrapped = keys.wrap_private(raw, "Ｔａｎｋ farm 2026 ", "passphrase", b"member|7")
    assert keys.unwrap_private(wrapped, "Tank farm 2026", b"member|7") == raw  # full-width, spaces: as typed
    with pytest.raises(crypto.DecryptionError):
        keys.unwrap_private(wrapped, "tank farm 2026", b"member|7")
    with pytest.raises(crypto.DecryptionError):
        keys.unwrap_private(wrapped, "Tank farm 2026", b"member|8")
    with pytest.raises(crypto.DecryptionError):
        keys.unwrap_private(b"\x01\x0f" + b"x" * 10, "Tank farm 2026", b"member|7")


def test_passphrase_rules():
    assert keys.passphrase_problem("short") == "short"
    assert keys.passphrase_problem("x" * 201) == "long"
    assert keys.passphrase_problem("储罐区防火堤每天检查") is None


def test_the_recovery_words_give_back_the_key_and_a_mistyped_word_is_caught():
    key = keys.new_private()
    words = keys.recovery_words(keys.private_bytes(key))
    assert len(words.split()) == 24
    again = keys.recovery_key("  " + words.upper().replace(" ", "   ") + "\n")
    assert keys.public_bytes(again) == keys.public_bytes(key)
    typo = words.split()
    typo[3] = typo[3] + "x"  # not a word of the list
    with pytest.raises(ValueError):
        keys.recovery_key(" ".join(typo))
    with pytest.raises(ValueError):
        keys.recovery_key(" ".join(words.split()[:23]))
    # Another word of the list in its place: the checksum (8 bits for 24 words) catches it. A fixed key,
    # as one in 256 such swaps happens to pass the checksum (which is why the count of words is checked too).
    fixed = keys.recovery_words(bytes(range(32))).split()
    fixed[3] = "zoo"
    with pytest.raises(ValueError):
        keys.recovery_key(" ".join(fixed))


def test_a_people_key_seals_for_anyone_and_opens_only_with_its_private_half():
    pair = keys.new_private()
    writer = keys.PeopleKey(keys.public_bytes(pair))
    blob = writer.seal(b"answer", b"aad")
    with pytest.raises(keys.Locked):
        writer.open(blob, b"aad")
    assert keys.PeopleKey(keys.public_bytes(pair), pair).open(blob, b"aad") == b"answer"
    ring = keys.RingKey(b"k" * 32)
    assert ring.open(ring.seal(b"old", b"aad"), b"aad") == b"old"


def test_the_acting_keys_hold_within_the_block_only():
    group = keys.new_private()
    assert keys.acting() is keys.NOBODY
    with keys.acting_as(keys.KeyChain(groups={3: group})):
        assert keys.groups_of(keys.acting(), [1, 3]) == [3]
        with keys.acting_as(keys.KeyChain(records={9: group})):
            assert set(keys.acting().groups) == {3} and set(keys.acting().records) == {9}
        assert not keys.acting().records
    assert keys.acting() is keys.NOBODY
