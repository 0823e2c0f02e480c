"""3. The monthly prompt fan-out: 1,000 liaisons prompted through an in-memory Bot API that enforces
Telegram's broadcast limit (30 messages a second; past it, 429 with retry_after, as Telegram answers).

The production path runs unchanged: the daily job's run_prompts queues one prompt per liaison in the
outbox (handlers.outbox) and drains it through python-telegram-bot's AIORateLimiter. The figure is the
achieved rate against the ideal one (N / 30 s): target ≥ 0.93 (issue 18). Every liaison must get exactly one
prompt; the 429s Telegram (the fake) answered are counted.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter, deque
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.harness import office, say, settings_in
from bench.report import Figure, Options, Target
from bot.app import OFFLINE_TOKEN, build_application, running
from bot.fakeapi import InMemoryBotApi
from core.liaisons import Contact
from jobs.prompts import run_prompts
from storage.keyring import load_ring

TITLE = "3. Monthly prompt fan-out through a Bot API enforcing 30 messages/s"
LIMIT, WINDOW = 30, 1.0
PROMPT_AT = datetime(2026, 11, 1, 9, 0)
ADMIN = 8500000001
CONTACT = Contact(head="王建国", head_title="村主任", head_phone="13800138000", name="李明", title="安全员",
                  phone="13900139000")  # fmt: skip


class RateLimitedBotApi(InMemoryBotApi):
    """The in-memory Bot API, refusing a message that would be the 31st within one second with 429."""

    def __init__(self) -> None:
        super().__init__()
        self._sent: deque[float] = deque()
        self.refused = 0

    async def do_request(self, url: str, method: str, request_data: Any = None, *args: Any, **kwargs: Any):
        if url.endswith("/sendMessage"):
            now = time.monotonic()
            while self._sent and now - self._sent[0] >= WINDOW:
                self._sent.popleft()
            if len(self._sent) >= LIMIT:
                self.refused += 1
                return self._error(429, 1)
            self._sent.append(now)
        return await super().do_request(url, method, request_data, *args, **kwargs)


async def _liaisons(services: Any, count: int) -> list[int]:
    """`count` units, each with a registered liaison (in Chinese), as the admin would set them up."""
    services.clock = lambda: PROMPT_AT.replace(tzinfo=services.tz)
    at = services.clock()
    users = []
    for index in range(count):
        unit = await services.people.add_unit(f"第{index + 1}村", "village", ADMIN, at)
        code = await services.people.invite_liaison(unit, ADMIN, at)
        user = 8600000000 + index
        await services.people.register_liaison(code, user, "zh", CONTACT, at)
        users.append(user)
    return users


async def run(opts: Options) -> list[Figure]:
    count = opts.units
    with tempfile.TemporaryDirectory(prefix="tipline-bench-fanout-") as tmp:
        settings = settings_in(Path(tmp))
        api = RateLimitedBotApi()
        app = build_application(settings, office(), load_ring(settings.keyring_path), token=OFFLINE_TOKEN, request=api)
        async with running(app):
            app.job_queue.scheduler.pause()  # the run below is the daily job's, timed on its own
            users = await _liaisons(app.bot_data["services"], count)
            say(f"{count} liaisons registered; prompting")
            api.calls.clear()
            start = time.perf_counter()
            queued = await run_prompts(app)
            seconds = time.perf_counter() - start
            pending = await app.bot_data["services"].outbox.pending()
    delivered = Counter(c.params["chat_id"] for c in api.calls_of("sendMessage") if c.result is not None)
    once = sum(delivered[user] == 1 for user in users)
    ideal = count / LIMIT
    details = [
        f"{count} prompts queued, {sum(delivered.values())} delivered in {seconds:.1f} s (ideal {ideal:.1f} s);"
        f" {api.refused} answered 429 by the fake Telegram; {pending} left in the outbox",
    ]
    return [
        Figure(
            "fanout.rate",
            count / seconds,
            "msg/s",
            baseline=LIMIT,
            baseline_label="Telegram's 30/s",
            target=Target(0.93),
            details=details,
        ),
        Figure(
            "fanout.one_prompt_each",
            once,
            "liaisons",
            baseline=count,
            baseline_label=f"of {queued} queued",
            target=Target(1.0),
        ),
    ]
