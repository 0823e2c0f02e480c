"""A stolen server reads nothing (issue 20): a copy of the data dir and the key ring, taken while no staff
session is open, gives up no tip content, identity, message or file with every key the server holds;
a staff member's passphrase opens exactly the tips their role may see; the reporter still reads their
tip with its receipt code; what runs unattended needs no one's keys."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from core import crypto, keys
from core.keys import KeyChain, acting_as
from core.receipts import format_code
from core.tips import Status
from services.keys import KeysError
from storage.db import Database
from storage.drafts import DraftFiles
from storage.keyring import load_ring
from storage.tips import TipRepository
from storage.vault import Vault
from tests.conftest import every_byte_under, services_of
from tests.office import (
    ADMIN,
    EMERGENCY,
    FIRE,
    INTAKE,
    PASSPHRASE,
    REPORTER,
    add_staff,
    work_to,
)
from tests.reporter import DESCRIPTION, check, receipt_from, to_step

NAME, PHONE = "张三丰", "13912345678"
FILE_WORDS = "红星化工假账本第七页"
QUESTION, ANSWER = "夜班几点换岗？", "凌晨两点换岗，老板娘亲自锁门"
#: What the reporter and the office wrote: none of it may come out of a stolen copy.
CANARIES = (DESCRIPTION[:8], NAME, PHONE, FILE_WORDS, QUESTION, ANSWER)


async def _tip_with_everything(sim, user_id: int, industry: str = "hazchem"):
    """A tip with a name and phone, a document, and a question answered."""
    user = sim.user(user_id)
    await to_step(user, "evidence", industry=industry)
    await user.send_document(f"%PDF-1.4 {FILE_WORDS}".encode(), "账本.pdf")
    await user.tap("tip:evidence:done")
    await user.tap("tip:identity:named")
    for answer in (NAME, PHONE):
        await user.send(answer)
    await user.tap("tip:push:no")
    receipt = receipt_from(await user.tap("tip:summary:submit"))
    services = services_of(sim)
    await work_to(sim, receipt.number, Status.ACCEPTED)
    await services.casework.ask(receipt.number, ADMIN, QUESTION, services.clock())
    await services.reports.write(receipt.number, ANSWER, services.clock().date())
    return receipt


def _steal(settings: Settings, into: Path) -> Settings:
    """A copy of the data dir and the key ring, as a thief with a disk image holds them."""
    shutil.copytree(settings.data_dir, into / "data")
    shutil.copy(settings.keyring_path, into / "keyring.json")
    return Settings(_env_file=None, data_dir=into / "data", keyring=into / "keyring.json")


async def test_a_stolen_copy_with_its_key_ring_opens_nothing_and_a_passphrase_opens_what_the_role_may(
    start_bot, settings, tmp_path
):
    async with start_bot() as sim:
        await add_staff(sim)
        fire = await _tip_with_everything(sim, REPORTER, industry="fire")  # 消防: the fire officer's
        chem = await _tip_with_everything(sim, REPORTER + 100)  # 危险化学品: the emergency station's
        services = services_of(sim)
        for user_id in (ADMIN, INTAKE, EMERGENCY, FIRE):
            services.keys.lock(user_id)  # no session open when the copy is taken
    keys.set_acting(keys.NOBODY)  # the thief holds no one's keys
    stolen = _steal(settings, tmp_path / "thief")
    everything = every_byte_under(stolen.data_dir)
    assert not [c for c in CANARIES if c.encode() in everything]

    ring = load_ring(stolen.keyring_path)
    db = await Database.open(stolen.data_dir / "tipline.sqlite3")
    try:
        vault = Vault(ring)
        tips = TipRepository(db, vault, DraftFiles(db, vault))
        # Every data key the ring unwraps, tried on every sealed blob of the tips: none opens.
        ring_keys = [
            vault.unwrap(crypto.WrappedKey(kek, wrapped), purpose)
            for _id, purpose, kek, wrapped in await db.fetchall(
                "SELECT id, purpose, kek_id, wrapped FROM data_keys WHERE purpose != 'people'"
            )
        ]
        blobs = [row[0] for row in await db.fetchall("SELECT content FROM tips UNION ALL SELECT identity FROM tips"
                                                     " WHERE identity IS NOT NULL UNION ALL SELECT body FROM"
                                                     " tip_messages UNION ALL SELECT data FROM tip_files")]  # fmt: skip
        assert len(blobs) == 2 * (1 + 1 + 2 + 1)
        assert all(bytes(blob[:1]) == keys.SEALED_TO for blob in blobs)  # sealed to a public key, not a ring key
        for dek in ring_keys:
            for blob in blobs:
                with pytest.raises(crypto.DecryptionError):
                    crypto.open_sealed(dek, bytes(blob), b"")
        for number in (fire.number, chem.number):
            for read in (tips.content, tips.identity, tips.messages, tips.files):
                with pytest.raises(keys.Locked):
                    await read(number)

        # The fire officer's passphrase opens the fire tip, not the other, and no identity.
        store = tips.keystore
        for user_id, readable, identity in ((FIRE, {fire.number}, False), (EMERGENCY, {chem.number}, False),
                                            (INTAKE, {fire.number, chem.number}, True)):  # fmt: skip
            chain = await _unlock(store, user_id)
            with acting_as(chain):
                for number in (fire.number, chem.number):
                    if number in readable:
                        assert DESCRIPTION in (await tips.content(number)).description
                        assert [m.text for m in await tips.messages(number)] == [QUESTION, ANSWER]
                        assert FILE_WORDS.encode() in (await tips.files(number))[0].data
                    else:
                        with pytest.raises(keys.Locked):
                            await tips.content(number)
                    if identity and number in readable:
                        assert (await tips.identity(number)).name == NAME
                    else:
                        with pytest.raises(keys.Locked):
                            await tips.identity(number)
        with pytest.raises(keys.DecryptionError):
            await _unlock(store, FIRE, "a guessed passphrase")
    finally:
        await db.close()


async def _unlock(store, user_id: int, passphrase: str = PASSPHRASE) -> KeyChain:
    member = await store.member(user_id)
    from storage.keys import member_aad

    private = keys.private_from(keys.unwrap_private(member.wrapped, passphrase, member_aad(user_id)))
    return KeyChain(groups=store.open_grants(await store.grants(user_id), user_id, private), own={user_id: private})


async def test_the_reporter_reads_the_offices_question_with_the_receipt_code_alone(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await _tip_with_everything(sim, REPORTER)
        services_of(sim).keys.lock(ADMIN)
        as_printed = format_code(receipt.code).replace(" ", " - ", 1)  # typed as the receipt shows it, roughly
        [view] = await check(sim.user(REPORTER), receipt, as_printed)
        assert QUESTION in view.text and ANSWER in view.text and DESCRIPTION[:8] not in view.text


async def test_unattended_jobs_run_with_no_one_signed_in(start_bot, monkeypatch):
    from jobs.audit_head import send_audit_head
    from jobs.deadlines import run_deadlines
    from jobs.housekeeping import housekeeping

    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await _tip_with_everything(sim, REPORTER)
        services = services_of(sim)
        for user_id in (ADMIN, INTAKE, EMERGENCY, FIRE):
            services.keys.lock(user_id)
        keys.set_acting(keys.NOBODY)
        moved = services.clock() + timedelta(days=70)  # the verification is overdue
        monkeypatch.setattr(services, "clock", lambda: moved)
        assert await run_deadlines(sim.app) >= 1
        await housekeeping(sim.app)
        assert await send_audit_head(sim.app) >= 1
        [record] = await services.ledger.records(moved.date() - timedelta(days=100), moved.date())
        assert record.number == receipt.number and record.kind == "hazard"


async def test_a_group_key_rotated_after_a_member_left_keeps_their_copy_out_of_new_tips(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        services = services_of(sim)
        store, now = services.keys.store, services.clock()
        old_tip = await _tip_with_everything(sim, REPORTER, industry="fire")
        kept = (await _unlock(store, FIRE)).groups  # what a departing officer could have kept from memory
        await services.people.deactivate(FIRE, ADMIN, now)
        assert await services.keys.rotate_group("dept:fire", now) >= 2  # the admin and the recovery key
        new_tip = await _tip_with_everything(sim, REPORTER + 100, industry="fire")
        keys.set_acting(keys.NOBODY)
        with acting_as(KeyChain(groups=kept)):
            assert DESCRIPTION in (await services.tips.content(old_tip.number)).description  # sealed before
            with pytest.raises(keys.Locked):
                await services.tips.content(new_tip.number)  # the kept copy opens nothing new
        admin = await services.keys.unlock(ADMIN, PASSPHRASE, now + timedelta(hours=1), now)
        with acting_as(admin):
            for number in (old_tip.number, new_tip.number):  # the admin holds the old key and the new
                assert DESCRIPTION in (await services.tips.content(number)).description


async def test_wrong_passphrases_are_braked_even_without_an_authenticator(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        services = services_of(sim)
        now = services.clock()
        for _ in range(5):
            assert await services.keys.unlock(FIRE, "not the passphrase at all", now, now) is None
        with pytest.raises(KeysError, match="too_many"):
            await services.keys.unlock(FIRE, PASSPHRASE, now, now)  # even the right one waits
        later = now + timedelta(minutes=16)
        assert await services.keys.unlock(FIRE, PASSPHRASE, later + timedelta(hours=1), later) is not None
