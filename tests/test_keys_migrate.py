"""`python -m bot keys migrate`: an install whose tips are sealed under the ring is converted: every tip
sealed to the office's people, the ring's old content and identity keys gone, the recovery words printed;
an admin restored with them reads the tips again, the ring alone reads nothing; the reporter still
checks the tip and is told the office's messages cannot be shown."""

from __future__ import annotations

import argparse
import asyncio
import re

import pytest

from bot.migrate_cli import cmd_keys_migrate
from bot.startup import StartupError
from core import crypto, keys
from core.keys import acting_as
from storage.keyring import load_ring, save_ring
from tests.conftest import every_byte_under, services_of
from tests.office import ADMIN, PASSPHRASE, REPORTER, add_staff
from tests.reporter import check
from tests.test_people_keys import ANSWER, CANARIES, NAME, QUESTION, _tip_with_everything


async def test_keys_migrate_seals_old_tips_to_people_and_retires_the_rings_keys(
    start_bot, settings, monkeypatch, capsys
):
    ring = load_ring(settings.keyring_path)
    ring.recovery_public = None  # an install from before people's keys
    save_ring(ring, settings.keyring_path)
    async with start_bot() as sim:
        assert not await services_of(sim).keys.active()
        await add_staff(sim)
        receipt = await _tip_with_everything(sim, REPORTER)
        assert (await services_of(sim).tips.identity(receipt.number)).name == NAME  # the server reads it today
    old_content = ring.primary(crypto.CONTENT).id

    monkeypatch.setenv("TIPLINE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TIPLINE_KEYRING", str(settings.keyring_path))
    with pytest.raises(StartupError, match="terminal"):  # the words never go into a log
        cmd_keys_migrate(argparse.Namespace(show_words=False))
    assert await asyncio.to_thread(cmd_keys_migrate, argparse.Namespace(show_words=True)) == 0
    printed = capsys.readouterr().out
    words = re.search(r"\n    ((?:[a-z]+ ){23}[a-z]+)\n", printed)[1]
    assert "Sealed 1 tips" in printed
    migrated = load_ring(settings.keyring_path)
    assert old_content not in migrated.key_ids and migrated.recovery_public is not None
    assert not [c for c in CANARIES if c.encode() in every_byte_under(settings.data_dir)]

    async with start_bot() as sim:
        services = services_of(sim)
        tips = services.tips
        with pytest.raises(keys.Locked):
            await tips.content(receipt.number)  # the server's ring opens nothing now
        now = services.clock()
        await services.keys.set_passphrase(ADMIN, PASSPHRASE, now)
        granted = await services.keys.recover(words, ADMIN, now)
        assert "office" in granted and "rewards" in granted
        chain = await services.keys.unlock(ADMIN, PASSPHRASE, now.replace(year=now.year + 1), now)
        with acting_as(chain):
            assert (await tips.identity(receipt.number)).name == NAME
            assert [m.text for m in await tips.messages(receipt.number)] == [QUESTION, ANSWER]
        services.keys.lock(ADMIN)
        [view] = await check(sim.user(REPORTER), receipt)
        assert "12350" in view.text and QUESTION not in view.text  # no copy under the receipt code: said so
