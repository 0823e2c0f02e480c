import os
import stat

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import crypto
from core.crypto import DecryptionError, KeyRing, KeyRingError, UnknownKeyError
from storage.db import Database
from storage.keyring import load_ring, save_ring
from storage.vault import Vault

RING = KeyRing.generate()


def _sealed_record(ring: KeyRing, text: bytes, record: str) -> tuple[crypto.WrappedKey, bytes]:
    dek, wrapped = crypto.new_data_key(ring, crypto.CONTENT)
    return wrapped, crypto.seal(dek, text, crypto.field_aad("tips", record, "body"))


def _open(ring: KeyRing, wrapped: crypto.WrappedKey, blob: bytes, record: str, field: str = "body") -> bytes:
    dek = crypto.unwrap_key(ring, crypto.CONTENT, wrapped)
    return crypto.open_sealed(dek, blob, crypto.field_aad("tips", record, field))


def test_round_trip():
    wrapped, blob = _sealed_record(RING, "煤气罐堆放在楼道里".encode(), "JB2026-000001")
    assert "煤气罐".encode() not in blob
    assert _open(RING, wrapped, blob, "JB2026-000001").decode() == "煤气罐堆放在楼道里"


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=4096), st.text(min_size=1, max_size=40))
def test_round_trip_any_bytes(payload, record):
    wrapped, blob = _sealed_record(RING, payload, record)
    assert _open(RING, wrapped, blob, record) == payload


def test_each_seal_is_different():
    dek, _ = crypto.new_data_key(RING, crypto.CONTENT)
    aad = crypto.field_aad("tips", 1, "body")
    assert crypto.seal(dek, b"same", aad) != crypto.seal(dek, b"same", aad)


@pytest.mark.parametrize("position", [0, 5, 20, -1])
def test_a_flipped_byte_is_refused(position):
    wrapped, blob = _sealed_record(RING, b"the boiler has no safety valve", "r1")
    tampered = bytearray(blob)
    tampered[position] ^= 0x01
    with pytest.raises(DecryptionError):
        _open(RING, wrapped, bytes(tampered), "r1")


def test_a_flipped_byte_in_the_wrapped_key_is_refused():
    wrapped, blob = _sealed_record(RING, b"x" * 20, "r1")
    bad = crypto.WrappedKey(wrapped.kek_id, wrapped.wrapped[:-1] + bytes([wrapped.wrapped[-1] ^ 1]))
    with pytest.raises(DecryptionError, match="integrity"):
        _open(RING, bad, blob, "r1")


def test_a_ciphertext_moved_to_another_record_or_field_is_refused():
    dek, _ = crypto.new_data_key(RING, crypto.CONTENT)
    blob = crypto.seal(dek, b"enterprise name", crypto.field_aad("tips", "JB2026-000001", "enterprise"))
    with pytest.raises(DecryptionError):
        crypto.open_sealed(dek, blob, crypto.field_aad("tips", "JB2026-000002", "enterprise"))
    with pytest.raises(DecryptionError):
        crypto.open_sealed(dek, blob, crypto.field_aad("tips", "JB2026-000001", "address"))


def test_swapping_whole_records_is_refused():
    w1, _ = _sealed_record(RING, b"first", "r1")
    w2, b2 = _sealed_record(RING, b"second", "r2")
    with pytest.raises(DecryptionError):
        _open(RING, w1, b2, "r1")  # r2's ciphertext under r1's key
    with pytest.raises(DecryptionError):
        _open(RING, w2, b2, "r1")  # r2's whole record presented as r1


def test_a_wrong_key_ring_is_refused():
    wrapped, blob = _sealed_record(RING, b"secret", "r1")
    with pytest.raises(UnknownKeyError, match="not in the key ring"):
        _open(KeyRing.generate(), wrapped, blob, "r1")


def test_a_key_of_another_purpose_cannot_unwrap():
    dek, wrapped = crypto.new_data_key(RING, crypto.IDENTITY)
    with pytest.raises(DecryptionError, match="identity"):
        crypto.unwrap_key(RING, crypto.CONTENT, wrapped)
    assert crypto.unwrap_key(RING, crypto.IDENTITY, wrapped) == dek


def test_purposes_have_separate_keys():
    ids = {RING.primary(p).id for p in (*crypto.PURPOSES, crypto.LOOKUP)}
    keys = {RING.primary(p).key for p in (*crypto.PURPOSES, crypto.LOOKUP)}
    assert len(ids) == len(keys) == 6


def test_lookup_hash_is_keyed():
    assert RING.lookup_hash("chat", 42) == RING.lookup_hash("chat", 42)
    assert RING.lookup_hash("chat", 42) != KeyRing.generate().lookup_hash("chat", 42)
    assert RING.lookup_hash("chat", 42) != RING.lookup_hash("other", 42)


def test_key_ring_file_is_private_and_round_trips(tmp_path):
    path = tmp_path / "ring" / "keyring.json"
    save_ring(RING, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    loaded = load_ring(path)
    wrapped, blob = _sealed_record(RING, b"payload", "r")
    assert _open(loaded, wrapped, blob, "r") == b"payload"


@pytest.mark.parametrize(
    "content, message",
    [
        ("not json", "malformed"),
        ('{"format": "something-else"}', "not a Tipline key ring"),
        ('{"format": "tipline-keyring", "version": 9}', "version"),
        ('{"format": "tipline-keyring", "version": 1, "primary": {}, "keys": []}', "no primary key"),
    ],
)
def test_a_bad_key_ring_file_says_what_is_wrong(tmp_path, content, message):
    path = tmp_path / "keyring.json"
    path.write_text(content)
    with pytest.raises(KeyRingError, match=message):
        load_ring(path)


async def test_rotation_rewraps_data_keys_and_keeps_everything_readable(tmp_path):
    ring = KeyRing.generate()
    db = await Database.open(tmp_path / "db.sqlite3")
    vault = Vault(ring)
    records = []
    async with db.transaction() as conn:
        for i in range(5):
            dek_id, dek = await vault.new_key(conn, crypto.CONTENT)
            records.append((dek_id, crypto.seal(dek, f"tip {i}".encode(), crypto.field_aad("t", i, "body"))))
    old_primary = ring.primary(crypto.CONTENT).id

    ring.rotate()
    assert ring.primary(crypto.CONTENT).id != old_primary
    # Between the new ring and the re-wrap, the old data keys still open (old KEK kept).
    for i, (dek_id, blob) in enumerate(records):
        dek = await vault.key(db.conn, dek_id, crypto.CONTENT)
        assert crypto.open_sealed(dek, blob, crypto.field_aad("t", i, "body")) == f"tip {i}".encode()

    assert await vault.rewrap_all(db) == 5
    assert await Vault.usage(db) == {ring.primary(crypto.CONTENT).id: 5}
    for i, (dek_id, blob) in enumerate(records):
        dek = await vault.key(db.conn, dek_id, crypto.CONTENT)
        assert crypto.open_sealed(dek, blob, crypto.field_aad("t", i, "body")) == f"tip {i}".encode()
    assert await vault.rewrap_all(db) == 0
    await db.close()


async def test_a_shredded_data_key_destroys_its_record(tmp_path):
    db = await Database.open(tmp_path / "db.sqlite3")
    vault = Vault(RING)
    async with db.transaction() as conn:
        dek_id, _ = await vault.new_key(conn, crypto.CONTENT)
    async with db.transaction() as conn:
        await vault.shred(conn, dek_id)
    with pytest.raises(DecryptionError, match="destroyed"):
        await vault.key(db.conn, dek_id, crypto.CONTENT)
    await db.close()


async def test_the_vault_picks_up_a_ring_rotated_by_another_process(tmp_path):
    path = tmp_path / "keyring.json"
    ring = KeyRing.generate()
    save_ring(ring, path)
    db = await Database.open(tmp_path / "db.sqlite3")
    running = Vault(load_ring(path), reload=lambda: load_ring(path))
    async with db.transaction() as conn:
        dek_id, dek = await running.new_key(conn, crypto.SESSION)
    # `python -m bot keys rotate` in another process:
    ring.rotate()
    save_ring(ring, path)
    await Vault(ring).rewrap_all(db)
    assert await running.key(db.conn, dek_id, crypto.SESSION) == dek
    await db.close()
