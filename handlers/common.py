"""What handlers share: the services they may use (AppServices), whether a chat is private. The
context itself (services, language, translator, clock) is handlers.context; keyboards and callback
data are handlers.callbacks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from telegram import Update

from core.office import OfficeConfig
from services.audit import AuditTrail
from services.casework import CaseService
from services.figures import FiguresService
from services.notices import NoticeService
from services.people import PeopleService
from services.receipts import ReceiptService
from services.reports import ReportService
from services.requests import RequestService
from services.rewards import RewardService
from services.stepup import StepUpService
from storage.audit import AuditLog
from storage.db import Database
from storage.drafts import DraftFiles
from storage.figures import Submissions
from storage.ledger import Ledger
from storage.liaisons import Units
from storage.limits import Limits
from storage.outbox import Outbox
from storage.reminders import SentReminders
from storage.staff import StaffRepository
from storage.tips import TipRepository
from storage.updates import ProcessedUpdates


class AppServices(Protocol):
    """What handlers use of bot.services.Services (handlers never import bot/: it is above them)."""

    office: OfficeConfig
    language: str
    tz: ZoneInfo
    drafts: DraftFiles
    tips: TipRepository
    limits: Limits
    updates: ProcessedUpdates
    staff: StaffRepository
    audit: AuditLog
    trail: AuditTrail
    reports: ReportService
    casework: CaseService
    requests: RequestService
    people: PeopleService
    reminders: SentReminders
    outbox: Outbox
    ledger: Ledger
    rewards: RewardService
    units: Units
    submissions: Submissions
    figures: FiguresService
    notices: NoticeService
    stepup: StepUpService
    receipts: ReceiptService
    clock: Callable[[], datetime]

    @property
    def db(self) -> Database: ...


def is_private(update: Update) -> bool:
    """Whether the update comes from a private chat. Handlers do not ask: `access.private_chats_only`
    runs ahead of them all and lets nothing else through, the one way to keep them private; only the
    commands it lets through from groups (groups.chatid) ask, to answer each kind of chat."""
    return update.effective_chat is not None and update.effective_chat.type == "private"
