"""The services handlers use: database, key ring, repositories. One instance per Application."""

from __future__ import annotations

import asyncio

from bot.config import Settings
from bot.startup import open_database
from core.crypto import KeyRing
from core.office import OfficeConfig
from storage.db import Database
from storage.state import StateRepository
from storage.vault import Vault


class Services:
    """Started once, before the persistence loads (post_init, or the persistence's first call)."""

    def __init__(self, settings: Settings, office: OfficeConfig, ring: KeyRing):
        self.settings = settings
        self.office = office
        self.language = settings.language
        self.tz = settings.tz
        self.vault = Vault(ring, reload=lambda: KeyRing.load(settings.keyring_path))
        self._db: Database | None = None
        self._state: StateRepository | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        async with self._lock:
            if self._db is not None:
                return
            self._db = await open_database(self.settings, self.vault.ring)
            self._state = StateRepository(self._db, self.vault)

    async def stop(self) -> None:
        async with self._lock:
            if self._db is not None:
                await self._db.close()
                self._db = self._state = None

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("services are not started")
        return self._db

    @property
    def state(self) -> StateRepository:
        if self._state is None:
            raise RuntimeError("services are not started")
        return self._state
