"""`python -m bot units add|list|invite`: setting up units from the server, and the code it prints works."""

from __future__ import annotations

import asyncio

import pytest

from bot import cli
from tests.conftest import services_of
from tests.liaisons import LIAISON, code_in


@pytest.fixture
def env(settings, ring, monkeypatch):
    monkeypatch.setenv("TIPLINE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TIPLINE_KEYRING", str(settings.keyring_path))


async def test_add_list_and_invite_from_the_command_line(env, start_bot, capsys):
    async with start_bot():
        pass  # the database exists
    assert await asyncio.to_thread(cli.main, ["units", "add", "东平村"]) == 0
    assert await asyncio.to_thread(cli.main, ["units", "add", "镇安监办", "--kind", "department"]) == 0
    assert await asyncio.to_thread(cli.main, ["units", "add", "东平村"]) == 2
    assert "exists already" in capsys.readouterr().err
    assert await asyncio.to_thread(cli.main, ["units", "invite", "9"]) == 2
    assert await asyncio.to_thread(cli.main, ["units", "invite", "1"]) == 0
    code = code_in(capsys.readouterr().out)
    async with start_bot() as sim:
        user = sim.user(LIAISON)
        [asked] = await user.send(f"/register {code}")
        assert "东平村" in asked.text
        entries = [e for e in await services_of(sim).audit.entries() if e.action in ("unit.add", "liaison.invite")]
        assert [e.actor for e in entries] == [None, None, None]
    assert await asyncio.to_thread(cli.main, ["units", "list"]) == 0
    listing = capsys.readouterr().out
    assert "1  东平村  [village]  no liaison yet" in listing and "镇安监办  [department]" in listing
