"""The services handlers use: database, key ring, repositories. One instance per Application."""

from __future__ import annotations

import asyncio
from datetime import datetime

from bot.config import Settings
from bot.startup import open_database
from bot.workers import Workers
from core.crypto import KeyRing
from core.office import OfficeConfig
from core.receipts import PEPPER_LABEL
from services.audit import AuditTrail
from services.casework import CaseService
from services.exposure import ExposureService
from services.figures import FiguresService
from services.keys import KeyService
from services.notices import NoticeService
from services.people import PeopleService
from services.receipts import ReceiptService
from services.reports import ReportService
from services.requests import RequestService
from services.rewards import RewardService
from services.stepup import StepUpService
from storage.audit import AuditLog
from storage.casework import CaseRecords
from storage.db import Database
from storage.drafts import DraftFiles
from storage.expiring import ExpiringMessages
from storage.exposures import ExposureRecords
from storage.figures import Submissions
from storage.keyring import load_ring
from storage.keys import KeyStore
from storage.ledger import Ledger
from storage.liaisons import Units
from storage.limits import Limits
from storage.outbox import Outbox
from storage.reminders import SentReminders
from storage.requests import RequestRecords
from storage.rewards import RewardRecords
from storage.staff import StaffRepository
from storage.state import StateRepository
from storage.tips import TipRepository
from storage.totp import TotpRecords
from storage.updates import ProcessedUpdates
from storage.vault import Vault


class Services:
    """Started once, before the persistence loads (post_init, or the persistence's first call).

    The repositories exist from `start()` on.
    """

    state: StateRepository
    drafts: DraftFiles
    tips: TipRepository
    limits: Limits
    updates: ProcessedUpdates
    staff: StaffRepository
    audit: AuditLog
    trail: AuditTrail
    reports: ReportService
    cases: CaseRecords
    casework: CaseService
    requests: RequestService
    reminders: SentReminders
    outbox: Outbox
    ledger: Ledger
    rewards: RewardService
    units: Units
    people: PeopleService
    submissions: Submissions
    figures: FiguresService
    notices: NoticeService
    expiring: ExpiringMessages
    stepup: StepUpService
    receipts: ReceiptService
    exposure: ExposureService
    keys: KeyService

    def __init__(self, settings: Settings, office: OfficeConfig, ring: KeyRing):
        self.settings = settings
        self.office = office
        self.language = settings.language
        self.tz = settings.tz
        #: Now, in the office's time zone. Tests replace it to move the clock.
        self.clock = lambda: datetime.now(self.tz)
        self.vault = Vault(ring, reload=lambda: load_ring(settings.keyring_path))
        #: Receipt hashes, peppered by a key the ring keeps for good (core.receipts), made ahead of Submit.
        self.receipts = ReceiptService(ring.derived_key(PEPPER_LABEL))
        self._db: Database | None = None
        self._lock = asyncio.Lock()
        #: The worker processes (bot.workers), made by bot.app at start-up and shut down at stop.
        self.workers: Workers | None = None

    async def start(self) -> None:
        async with self._lock:
            if self._db is not None:
                return
            db = await open_database(self.settings, self.vault.ring)
            self.state = StateRepository(db, self.vault)
            self.drafts = DraftFiles(db, self.vault)
            keystore = KeyStore(db)
            self.tips = TipRepository(db, self.vault, self.drafts, keystore)
            self.limits = Limits(db, self.vault)
            self.updates = ProcessedUpdates(db)
            self.staff = StaffRepository(db, self.vault)
            self.audit = AuditLog(db, self.vault)
            self.cases = CaseRecords(db, self.tips, self.office)
            self.casework = CaseService(db, self.tips, self.audit, self.cases, self.office, self.staff)
            self.requests = RequestService(db, self.tips, self.audit, self.cases, RequestRecords(db, self.tips))
            self.reminders = SentReminders(db)
            self.outbox = Outbox(db, self.vault)
            self.trail = AuditTrail(db, self.audit)
            self.keys = KeyService(db, keystore, self.audit, self.office, self.staff)
            self.reports = ReportService(db, self.tips, self.outbox, self.limits, self.office, self.keys)
            self.ledger = Ledger(db)
            self.rewards = RewardService(
                db, self.tips, self.audit, self.cases, RewardRecords(db, self.vault, self.tips)
            )
            self.units = Units(db)
            self.people = PeopleService(db, self.staff, self.units, self.audit)
            self.submissions = Submissions(db)
            self.figures = FiguresService(db, self.submissions, self.units, self.audit, self.office.figures)
            self.notices = NoticeService(db, self.outbox, self.reminders)
            self.expiring = ExpiringMessages(db)
            self.exposure = ExposureService(db, self.tips, self.audit, ExposureRecords(db, self.tips), self.office)
            security = self.office.security
            self.stepup = StepUpService(
                db, self.staff, self.audit, TotpRecords(db, self.vault),
                required=security.require_totp, session_minutes=security.session_minutes, issuer=self.office.name,
            )  # fmt: skip
            await self.keys.ensure_groups(self.vault.ring.recovery_public, self.clock())
            self._db = db

    async def stop(self) -> None:
        await self.receipts.settled()  # no thread left to report to a closed loop
        async with self._lock:
            if self._db is not None:
                await self._db.close()
                self._db = None

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("services are not started")
        return self._db
