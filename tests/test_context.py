"""Every handler and job reaches the services, the chat's language and the clock one way: through
handlers.context (the Context class registered with the Application, or app_services for jobs)."""

from __future__ import annotations

import re
from pathlib import Path

from telegram.ext import CallbackContext, MessageHandler, filters

from handlers.context import Context, language_of
from tests.conftest import services_of

ROOT = Path(__file__).resolve().parent.parent
OLD_HELPERS = re.compile(r"(?<![\w.])(tr|services|chat_language|today|now)\(context\)")


def _sources():
    for package in ("bot", "handlers", "jobs"):
        yield from sorted((ROOT / package).rglob("*.py"))


def test_the_services_are_read_from_bot_data_in_one_place_only():
    readers = [
        str(path.relative_to(ROOT)) for path in _sources() if 'bot_data["services"]' in path.read_text(encoding="utf-8")
    ]
    assert sorted(readers) == ["bot/app.py", "handlers/context.py"]  # app.py puts them there


def test_no_callback_computes_language_or_translator_by_hand():
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in _sources()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OLD_HELPERS.search(line)
    ]
    assert offenders == []


def test_a_chosen_language_wins_and_anything_else_falls_back_to_the_office():
    assert language_of("en", "zh") == "en"
    assert language_of("fr", "zh") == "zh"
    assert language_of(None, "en") == "en"


async def test_handlers_receive_the_tipline_context(start_bot):
    seen: list[Context] = []

    async def probe(update, context):
        seen.append(context)

    async with start_bot([MessageHandler(filters.ALL, probe)]) as sim:
        app_context = sim.app.context_types.context
        await sim.user(1).send("hello")
        assert seen, "the probe handler ran"
        context = seen[0]
        assert type(context) is app_context is Context and isinstance(context, CallbackContext)
        assert context.services is services_of(sim)
        assert context.lang == context.services.language
        assert context.today == context.services.clock().date()
        context.chat_data["lang"] = "en"
        assert context.tr("Cancel") == "Cancel" and context.lang == "en"
