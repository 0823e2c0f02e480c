"""build_application(): the one place the Application is put together, for production, console and tests."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from telegram.ext import AIORateLimiter, Application, BaseHandler, ContextTypes, Defaults
from telegram.request import BaseRequest

import handlers
import jobs
from bot import network
from bot.config import Settings
from bot.fonts import find_cjk_fonts
from bot.persistence import EncryptedPersistence
from bot.services import Services
from bot.updates import ChatOrderedProcessor
from bot.workers import Workers
from core.crypto import KeyRing
from core.office import OfficeConfig
from handlers import files
from handlers.context import Context, app_services
from handlers.office.commands import publish_all
from handlers.profile import publish_profile

log = logging.getLogger("tipline.app")

#: A token of the right shape for the in-memory Bot API, which never checks it.
OFFLINE_TOKEN = "123456:offline-in-memory-bot-api"  # noqa: S105 - not a secret


async def _post_init(app: Application) -> None:
    await app_services(app).start()
    app_services(app).workers = Workers()  # summaries, charts and files, off the event loop
    if app_services(app).office.rewards.pickup_address is None:
        log.warning("rewards are collected by payment details only: [rewards] pickup_address is not set")
    await publish_profile(app)
    await publish_all(app)  # each staff member's own menu, as their roles are now


async def _post_shutdown(app: Application) -> None:
    services = app_services(app)
    if services.workers is not None:
        await services.workers.shutdown()
    await services.stop()


def build_application(
    settings: Settings,
    office: OfficeConfig,
    ring: KeyRing,
    *,
    token: str,
    request: BaseRequest | None = None,
    conversations: Sequence[BaseHandler] = (),
    scheduled_jobs: bool = True,
) -> Application:
    """The Application with its services, persistence and handlers; updates go through a
    `ChatOrderedProcessor` (bot.updates), whose `busy(chat_id)` (whether one of a chat's updates is
    being handled or waits) the persistence asks before it saves or evicts a chat on its own.

    `request` replaces the network (the in-memory Bot API); without it both the calls and getUpdates
    go through `bot.network` (TIPLINE_PROXY). `conversations` adds handlers ahead of the menu (tests
    use it for conversations of their own). `scheduled_jobs` False: no job at all (the console), so
    no reminder, prompt or outbox round runs against the data dir.
    """
    find_cjk_fonts()  # /stats and /monthly draw charts
    services = Services(settings, office, ring)
    processor = ChatOrderedProcessor()
    persistence = EncryptedPersistence(services)
    persistence.turn = processor.turn  # housekeeping writes a chat not in memory in the chat's turn
    builder = (
        Application.builder()
        .token(token)
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_url)
        .persistence(persistence)
        .context_types(ContextTypes(context=Context))
        .defaults(Defaults(tzinfo=settings.tz))
        .rate_limiter(AIORateLimiter(max_retries=2))
        .concurrent_updates(processor)  # different chats at once, each chat in order
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if request is None:
        builder = builder.request(network.request(settings))
        builder = builder.get_updates_request(network.request(settings, get_updates=True))
    else:
        builder = builder.request(request).get_updates_request(request)
    app = builder.build()
    # the quiet-chat sweep and housekeeping leave a chat to its update, and to its file being received
    persistence.busy = lambda chat_id: processor.busy(chat_id) or files.receiving(app, chat_id)
    app.bot_data["services"] = services
    handlers.register(app, conversations)
    if scheduled_jobs:
        jobs.schedule(app)
    return app


@asynccontextmanager
async def running(app: Application) -> AsyncIterator[Application]:
    """What run_polling does around the polling itself: initialize, post_init, start, and back."""
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        await app.start()
        try:
            yield app
        finally:
            await app.stop()
    finally:
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)
