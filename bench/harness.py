"""What the benchmarks share: the real Application on a throw-away data dir, the bare echo bot and the
echo bot with Tipline's persistence, one way of delivering and timing updates for all (through the
Application's update processor, as its polling loop does), reporters whose scripts run at once, a
full tip filed step by step, a phone-sized photo, staff signed in, resident memory, percentiles and
a stopwatch for stages."""

from __future__ import annotations

import asyncio
import functools
import gc
import inspect
import io
import logging
import re
import resource
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from PIL import Image
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

import handlers
from bench.report import Figure
from bot.app import OFFLINE_TOKEN, build_application, running
from bot.config import Settings, load_office
from bot.fakeapi import InMemoryBotApi
from bot.simulator import HandlerRaised, Simulation, SimUser
from core import keys, totp
from core.crypto import KeyRing
from core.office import OfficeConfig
from core.roles import Role
from handlers.files import settle
from storage.keyring import load_ring, save_ring

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = ROOT / "config" / "office.example.toml"
SITE = "西山村红星化工厂，西山路 18 号"
DESCRIPTION = "化工厂储罐区没有防火堤，工人每天在罐旁抽烟，已经漏过两次气。夜班时储罐阀门常年滴漏，没有人检查。"
#: Industries the simulated reporters pick in turn: they route to four different departments.
INDUSTRIES = ("hazchem", "fire", "construction", "gas", "transport", "crowded")
#: Updates one full tip takes (see file_tip).
UPDATES_PER_TIP = 14


#: APScheduler warns on stderr when a job's run is missed while the benchmark keeps the loop busy.
logging.getLogger("apscheduler").setLevel(logging.ERROR)


def say(*parts: object) -> None:
    """Progress, to stderr: stdout belongs to the runner."""
    print("  ·", *parts, file=sys.stderr, flush=True)


# -- the two bots ----------------------------------------------------------------------------------


class TimedSimulation(Simulation):
    """bot.simulator.Simulation whose deliver() is timed and goes through the Application's update
    processor, as python-telegram-bot's polling loop hands it each update: Update.de_json, then
    `app.update_processor.process_update(update, app.process_update(update))`, then the chat's
    files received in the background. With the default processor (one update at a time) updates
    delivered at once wait for each other, as in production; with a concurrent one (bot.app may
    set one) they overlap as it allows. So scripts of several users may run at once (`overlapping`):
    errors are kept per update, and a user's deliver raises only its own update's.

    `times` holds one duration per update, in seconds, waiting for the processor included."""

    def __init__(self, app: Application, api: InMemoryBotApi):
        super().__init__(app, api)
        self.times: list[float] = []
        #: False: updates go straight to Application.process_update, as many at once as are delivered
        #: (for a benchmark that measures memory, not time, and wants many chats through fast).
        self.through_processor = True
        self.job_errors: list[str] = []
        self._raised: dict[int, BaseException] = {}
        app.add_error_handler(self._job_error)

    async def _collect(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """(Registered by Simulation.__init__.) The first error of each update, by its update id."""
        if isinstance(update, Update) and context.error is not None:
            self._raised.setdefault(update.update_id, context.error)

    async def _job_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Errors of background jobs (no update): not the benchmark's failure, but worth telling."""
        if update is None and context.error is not None:
            self.job_errors.append(f"{type(context.error).__name__}: {str(context.error)[:160]}")

    async def deliver(self, update: dict[str, Any]) -> None:
        start = time.perf_counter()
        parsed = Update.de_json(update, self.app.bot)
        if self.through_processor:
            await self.app.update_processor.process_update(parsed, self.app.process_update(parsed))
        else:
            await self.app.process_update(parsed)
        if parsed.effective_chat is not None:  # files received in the background (handlers.files)
            await settle(self.app, parsed.effective_chat.id)
        self.times.append(time.perf_counter() - start)
        error = self._raised.pop(parsed.update_id, None)
        if self.raise_errors and error is not None:
            raise HandlerRaised(f"a handler raised {type(error).__name__}: {error}") from error

    def forget(self) -> None:
        """Drop what the in-memory Bot API recorded (calls, messages): bookkeeping of the simulation,
        not of the bot, which would otherwise grow with every update and slow the button look-up.
        Only between scripts: a user's script finds its buttons and replies in these records."""
        self.api.calls.clear()
        self.api.messages.clear()


async def overlapping(scripts: Iterable[Awaitable[object]]) -> float:
    """Run users' scripts at once (each awaits its own replies, as a person would), and return the
    wall time until the last is done, in seconds. Their updates reach the bot as they come, so a
    concurrent update processor gets concurrent updates and the default one queues them."""
    start = time.perf_counter()
    await asyncio.gather(*scripts)
    return time.perf_counter() - start


def office() -> OfficeConfig:
    return load_office(EXAMPLE_CONFIG)


def settings_in(folder: Path, *, people: bool = False) -> Settings:
    """Settings for a data dir and key ring inside `folder`; a new key ring if there is none yet: with a
    recovery key if `people` (as `keys init` makes it now: the office's key groups are made at start-up and
    tips are sealed to people), else without (an install from before: tips sealed under the ring)."""
    settings = Settings(_env_file=None, data_dir=folder / "data", keyring=folder / "keyring.json")
    if not settings.keyring_path.exists():
        ring = KeyRing.generate()
        if people:
            ring.recovery_public = keys.public_bytes(keys.new_private())  # its words are not needed here
        save_ring(ring, settings.keyring_path)
    return settings


def without_rate_limiter(app: Application) -> None:
    """Take the AIORateLimiter out of a built Application. It holds every chat-bound call to 30 a
    second, Telegram's own flood limit, which would measure the limiter and not the bot.

    bot.app.build_application has no way to leave it out (no `rate_limiter=` parameter), so this
    sets the ExtBot's private attribute: the one place the benchmarks touch python-telegram-bot's
    internals. If build_application gains such a parameter, pass it and delete this function."""
    app.bot._rate_limiter = None


def _build(settings: Settings, api: InMemoryBotApi, *, rate_limiter: bool, scheduled_jobs: bool = True) -> Application:
    app = build_application(
        settings, office(), load_ring(settings.keyring_path), token=OFFLINE_TOKEN, request=api,
        scheduled_jobs=scheduled_jobs,
    )  # fmt: skip
    if not rate_limiter:
        without_rate_limiter(app)
    return app


@asynccontextmanager
async def tipline(
    folder: Path, *, rate_limiter: bool = False, jobs: bool = False, people: bool = False
) -> AsyncIterator[TimedSimulation]:
    """The production Application (bot.app.build_application: persistence, services, every handler,
    the update processor, the example office) on the in-memory Bot API, started as run_polling
    starts it.

    Its background jobs are paused unless `jobs`: housekeeping, the deadline run and the liaison
    prompts run 60, 90 and 120 s after start-up (and the outbox's retries every 5 s); they are not what
    the benchmarks measure, and would land at random inside a measurement.

    The AIORateLimiter is taken out unless `rate_limiter` (see without_rate_limiter).

    Tips are sealed under the key ring unless `people` (see settings_in): a folder's first ring decides.
    """
    settings = settings_in(folder, people=people)
    api = InMemoryBotApi()
    sim = TimedSimulation(_build(settings, api, rate_limiter=rate_limiter), api)
    try:
        async with running(sim.app):
            if not jobs:
                sim.app.job_queue.scheduler.pause()
            yield sim
    finally:
        for error in sim.job_errors:
            say(f"a background job of the bot raised {error}")


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text(update.message.text)


@asynccontextmanager
async def echo_bot() -> AsyncIterator[TimedSimulation]:
    """A bare python-telegram-bot Application, defaults only: one MessageHandler that replies with the
    same text, on its own in-memory Bot API (the same class as the pipeline's)."""
    api = InMemoryBotApi()
    app = Application.builder().token(OFFLINE_TOKEN).request(api).get_updates_request(api).build()
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    sim = TimedSimulation(app, api)
    async with running(app):
        yield sim


#: The handler groups of handlers.register an echo bot with Tipline's persistence keeps: the same
#: update seen twice is skipped, and after every update chat data, conversation states and the
#: update id are written through.
PERSISTENCE_GROUPS = (handlers.DEDUPE_GROUP, handlers.PERSIST_GROUP)


@asynccontextmanager
async def echo_with_persistence(folder: Path) -> AsyncIterator[TimedSimulation]:
    """An echo bot with Tipline's persistence: the production Application as bot.app builds it (its
    EncryptedPersistence on a data dir in `folder`, its services, context type and update processor),
    every handler taken out but those of PERSISTENCE_GROUPS, and one MessageHandler that replies with
    the same text. So it pays what Tipline pays per update for persistence (the chat's refresh, the
    dedupe look-up, the write-through), whatever those are as built, and nothing else. No jobs."""
    settings = settings_in(folder)
    api = InMemoryBotApi()
    app = _build(settings, api, rate_limiter=False, scheduled_jobs=False)
    for group, registered in list(app.handlers.items()):
        if group not in PERSISTENCE_GROUPS:
            for handler in list(registered):
                app.remove_handler(handler, group)
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    sim = TimedSimulation(app, api)
    async with running(app):
        yield sim


async def sign_in_staff(services: Any, members: Iterable[tuple[int, str, Role, str]]) -> None:
    """Staff members (user id, name, role, department), each with an authenticator set up and a
    session open for a day, so the step-up gate (handlers.office.stepup) lets their commands through."""
    members = list(members)
    async with services.db.transaction() as conn:
        for user_id, name, role, department in members:
            await services.staff.add(conn, user_id, name, role, department, "2026-01-01")
    now = services.clock()
    async with services.db.unit_of_work(records=services.stepup.records) as uow:
        for user_id, *_rest in members:
            await uow.records.begin(user_id, totp.new_secret())
            await uow.records.confirm(user_id, totp.step_of(now), now, now + timedelta(days=1))


# -- what the users do -----------------------------------------------------------------------------


async def file_tip(user: SimUser, photo: bytes, industry: str = "hazchem") -> str:
    """One full anonymous tip with one photo, as a person taps and types: /start, the menu's report
    button, the nine steps, the summary's submit: UPDATES_PER_TIP updates. Returns the tip number."""
    await user.send("/start")
    for data in (
        "menu:report",
        "tip:intro:start",
        "tip:who:public",
        "tip:kind:hazard",
        f"tip:industry:{industry}",
        "tip:village:xishan",
    ):
        await user.tap(data)
    await user.send(SITE)
    await user.send(DESCRIPTION)
    await user.send_photo(photo)
    for data in ("tip:evidence:done", "tip:identity:anonymous", "tip:push:no"):
        await user.tap(data)
    replies = await user.tap("tip:summary:submit")
    found = re.search(r"JB\d{4}-\d{6}", " ".join(reply.text for reply in replies))
    if found is None:
        raise RuntimeError("the tip was not submitted: no tip number in the bot's last answer")
    return found[0]


async def echo_user(user: SimUser, count: int = UPDATES_PER_TIP) -> None:
    """As many text messages as a tip takes updates, each answered by the echo bot."""
    for index in range(count):
        replies = await user.send(f"{DESCRIPTION[:20]} {index}")
        if not replies:
            raise RuntimeError("the echo bot did not answer")


@functools.cache
def phone_photo() -> bytes:
    """A 1280×960 JPEG of about 200 KB (what Telegram makes of a phone's photo) carrying GPS position,
    camera serial and owner in its EXIF, as a reporter's would: the bot must re-encode it."""
    size = (1280, 960)
    smooth = [Image.effect_noise((size[0] // 12, size[1] // 12), 60).resize(size, Image.BICUBIC) for _ in range(3)]
    gradient = Image.linear_gradient("L").resize(size)
    image = Image.merge("RGB", (Image.blend(smooth[0], gradient, 0.5), smooth[1], smooth[2]))
    image = Image.blend(image, Image.effect_noise(size, 12).convert("RGB"), 0.06)
    exif = Image.Exif()
    exif[0x010F], exif[0x013B], exif[0xA431] = "PhoneMaker", "Zhang Wei", "SN-7731-REPORTER-CAM"
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 5.5), 3: "E", 4: (121.0, 28.0, 1.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=85)
    return out.getvalue()


# -- numbers ---------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, round(q / 100 * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def latency_figures(prefix: str, times: list[float], baseline: list[float], label: str) -> list[Figure]:
    """p50 and p99 time per update, in ms, against the baseline's."""
    return [
        Figure(f"{prefix}.p{q}_update", percentile(times, q) * 1000, "ms", percentile(baseline, q) * 1000, label)
        for q in (50, 99)
    ]


def median(values: list[float]) -> float:
    return percentile(values, 50)


def rss_bytes() -> int:
    """Resident memory of this process now (VmRSS), after a full garbage collection."""
    gc.collect()
    status = Path("/proc/self/status")
    if status.exists():
        for entry in status.read_text().splitlines():
            if entry.startswith("VmRSS:"):
                return int(entry.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # the peak: a poorer stand-in


class Stopwatch:
    """Wall time spent in named functions, patched in place (sync ones may run in worker threads)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._lock = threading.Lock()
        self._undo: list[Callable[[], None]] = []

    def _add(self, stage: str, seconds: float) -> None:
        with self._lock:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds
            self.calls[stage] = self.calls.get(stage, 0) + 1

    def wrap(self, owner: object, attr: str, stage: str) -> None:
        """Time `owner.attr` as `stage`; a function the code no longer has is said, not fatal (the
        stages are a breakdown, and the bot's code moves under the benchmarks)."""
        original = getattr(owner, attr, None)
        if original is None:
            say(f"stopwatch: {getattr(owner, '__name__', owner)}.{attr} is gone: stage {stage!r} not timed")
            return
        if inspect.iscoroutinefunction(original):

            @functools.wraps(original)
            async def timed(*args: Any, **kwargs: Any) -> Any:
                start = time.perf_counter()
                try:
                    return await original(*args, **kwargs)
                finally:
                    self._add(stage, time.perf_counter() - start)
        else:

            @functools.wraps(original)
            def timed(*args: Any, **kwargs: Any) -> Any:
                start = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    self._add(stage, time.perf_counter() - start)

        setattr(owner, attr, timed)
        self._undo.append(lambda: setattr(owner, attr, original))

    def restore(self) -> None:
        while self._undo:
            self._undo.pop()()
