"""`python -m bot console`: chat with the bot in a terminal, through the same Application and handlers.

Type a message and press Enter. `#2` presses the second button of the last message that had
buttons. `:photo PATH`, `:doc PATH`, `:loc LAT LON`, `:sticker`, `:voice` send those; `:totp` prints the
code the persona's authenticator shows now (the staff persona has one); `:quit` ends.
Works from a pipe too: `printf '/start\\n#4\\n' | python -m bot console`.
"""

from __future__ import annotations

import asyncio
import mimetypes
import sys
from datetime import date
from pathlib import Path
from typing import TextIO

from telegram.ext import Application

from bot.app import OFFLINE_TOKEN, build_application
from bot.config import Settings
from bot.fakeapi import InMemoryBotApi
from bot.personas import PERSONAS, make_real
from bot.simulator import Reply, SimUser, simulation
from core.crypto import KeyRing
from core.office import OfficeConfig
from handlers.common import AppServices
from handlers.context import app_services

HELP = (
    "Type a message and press Enter. #N presses button N of the last buttons shown.\n"
    ":photo PATH  :doc PATH  :loc LAT LON  :sticker  :voice  :totp  :help  :quit"
)


class Console:
    def __init__(self, user: SimUser, out: TextIO, services: AppServices | None = None):
        self.user = user
        self.out = out
        self.services = services
        self.buttons: list[tuple[str, str]] = []

    def show(self, replies: list[Reply]) -> None:
        for reply in replies:
            marker = "(edited) " if reply.edited else ""
            kind = f"[{reply.kind}] " if reply.kind != "text" else ""
            self.out.write(f"\nbot> {marker}{kind}{reply.text}\n")
            if reply.buttons:
                self.buttons = [b for row in reply.buttons for b in row]
                for number, (label, _) in enumerate(self.buttons, 1):
                    self.out.write(f"  [{number}] {label}\n")
        self.out.flush()

    async def handle(self, line: str) -> bool:
        """Act on one line; False when the user wants to leave."""
        line = line.rstrip("\n")
        if not line.strip():
            return True
        command, _, rest = line.partition(" ")
        if command == ":quit":
            return False
        if command == ":help":
            self.out.write(HELP + "\n")
            return True
        if command == ":totp":
            self.out.write(await self.authenticator() + "\n")
            return True
        try:
            replies = await self._act(command, rest, line)
        except (LookupError, OSError, ValueError) as exc:
            self.out.write(f"console: {exc}\n")
            return True
        self.show(replies)
        return True

    async def authenticator(self) -> str:
        """What the persona's authenticator app shows now (the staff persona's, set up by make_real)."""
        services = self.services
        code = await services.stepup.current_code(self.user.id, services.clock()) if services else None
        if code is None:
            return "console: you have no authenticator set up (the staff persona has one)"
        return f"console: your authenticator shows {code}"

    async def _act(self, command: str, rest: str, line: str) -> list[Reply]:
        user = self.user
        if command.startswith("#") and command[1:].isdigit():
            number = int(command[1:])
            if not 1 <= number <= len(self.buttons):
                raise LookupError(f"there is no button {number}")
            return await user.tap(self.buttons[number - 1][1])
        if command == ":photo":
            return await user.send_photo(await asyncio.to_thread(Path(rest).read_bytes))
        if command == ":doc":
            path = Path(rest)
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return await user.send_document(await asyncio.to_thread(path.read_bytes), path.name, mime)
        if command == ":loc":
            lat, lon = (float(x) for x in rest.split())
            return await user.send_location(lat, lon)
        if command == ":sticker":
            return await user.send_sticker()
        if command == ":voice":
            return await user.send_voice()
        return await user.send(line)


class SessionUpdates:
    """The update ids this console session has handled, in memory only.

    The console numbers its updates itself, from 1 in every session: stored in `processed_updates`
    they would make the next session skip its first inputs, and on a data dir a real bot also uses
    they would stand for ids Telegram has yet to send it. One session's ids are still handled once."""

    def __init__(self) -> None:
        self._seen: set[int] = set()

    async def seen(self, update_id: int) -> bool:
        return update_id in self._seen

    async def mark(self, update_id: int, today: date) -> None:
        self._seen.add(update_id)

    async def purge(self, before: date) -> None:
        return None


def console_application(settings: Settings, office: OfficeConfig, ring: KeyRing) -> tuple[Application, InMemoryBotApi]:
    """The production Application on the in-memory Bot API, without scheduled jobs: no reminder,
    prompt or outbox round runs from a console, so nothing a real bot left waiting in the data dir's
    outbox is "sent" to the in-memory Bot API and lost."""
    api = InMemoryBotApi()
    app = build_application(settings, office, ring, token=OFFLINE_TOKEN, request=api, scheduled_jobs=False)
    return app, api


async def run_console(
    settings: Settings,
    office: OfficeConfig,
    ring: KeyRing,
    persona: str,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
    *,
    temp: bool = False,
) -> None:
    """The data dir is the console's own (bot.trial): throwaway (`temp`) or kept for the next session."""
    app, api = console_application(settings, office, ring)
    chosen = PERSONAS[persona]
    async with simulation(app, api, raise_errors=False) as sim:
        services = app_services(app)
        services.updates = SessionUpdates()
        who = await make_real(services, persona, chosen.user_id)
        where = (
            "A throwaway data dir: what you do is gone after :quit."
            if temp
            else f"Trial data dir {settings.data_dir.resolve()}: what you do is kept for your next console session."
        )
        console = Console(sim.user(chosen.user_id, chosen.name, language_code="zh-hans"), out, services)
        out.write(f"Tipline console: you are {persona} ({chosen.description}), user id {chosen.user_id}.\n")
        out.write(f"{where} No scheduled job runs.\n{who}\n" + HELP + "\nTry /start.\n")
        out.flush()
        while True:
            line = await asyncio.to_thread(stdin.readline)
            if not line or not await console.handle(line):
                break
            for error in sim.errors:
                out.write(f"console: a handler raised {type(error).__name__} (the user saw the apology)\n")
            sim.errors.clear()
    out.write("\nbye\n")
