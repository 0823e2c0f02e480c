"""The in-memory Bot API behaves as Telegram does where the bot depends on it."""

import pytest
from telegram import Bot
from telegram.error import BadRequest, NetworkError, RetryAfter

from bot.fakeapi import DOWNLOAD_LIMIT, InMemoryBotApi


@pytest.fixture
async def bot_and_api():
    api = InMemoryBotApi()
    bot = Bot("123:abc", request=api, get_updates_request=api)
    async with bot:
        yield bot, api


async def test_it_records_every_call(bot_and_api):
    bot, api = bot_and_api
    message = await bot.send_message(42, "你好")
    assert message.message_id == 1 and message.chat.id == 42
    assert api.calls_of("sendMessage")[0].params == {"chat_id": 42, "text": "你好"}
    edited = await bot.edit_message_text("再见", chat_id=42, message_id=message.message_id)
    assert edited.text == "再见"
    assert (await bot.send_message(42, "second")).message_id == 2


async def test_429_with_retry_after(bot_and_api):
    bot, api = bot_and_api
    api.fail_next("sendMessage", retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(42, "x")
    retry_after = info.value.retry_after  # an int now, a timedelta from PTB 23 on
    assert getattr(retry_after, "total_seconds", lambda: retry_after)() == 7
    assert (await bot.send_message(42, "x")).text == "x"  # only the next call failed


async def test_server_errors_and_dropped_connections(bot_and_api):
    bot, api = bot_and_api
    api.fail_next("sendMessage", status=502)
    with pytest.raises(NetworkError):
        await bot.send_message(42, "x")
    api.fail_next("sendMessage", network=True)
    with pytest.raises(NetworkError, match="dropped"):
        await bot.send_message(42, "x")


async def test_files_round_trip_through_get_file(bot_and_api):
    bot, api = bot_and_api
    info = api.store_file(b"\x89PNG fake image bytes")
    file = await bot.get_file(info["file_id"])
    assert bytes(await file.download_as_bytearray()) == b"\x89PNG fake image bytes"


async def test_files_over_20_mb_cannot_be_downloaded(bot_and_api):
    bot, api = bot_and_api
    info = api.store_file(b"\0" * (DOWNLOAD_LIMIT + 1))
    with pytest.raises(BadRequest, match="too big"):
        await bot.get_file(info["file_id"])


async def test_uploads_are_kept(bot_and_api):
    bot, api = bot_and_api
    await bot.send_document(42, b"%PDF-1.4 report", filename="report.pdf")
    assert api.calls_of("sendDocument")[0].files
    assert b"%PDF-1.4 report" in next(iter(api.calls_of("sendDocument")[0].files.values()))


async def test_a_method_it_does_not_know_is_an_error_not_a_silent_success(bot_and_api):
    bot, _ = bot_and_api
    with pytest.raises(BadRequest, match="has no"):
        await bot.send_dice(42)


async def test_empty_and_too_long_messages_are_refused_as_telegram_does(bot_and_api):
    bot, _ = bot_and_api
    with pytest.raises(BadRequest):
        await bot.send_message(42, " ")
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(42, "x" * 4097)


async def test_the_application_retries_after_flood_control(start_bot):
    async with start_bot() as sim:
        sim.api.fail_next("sendMessage", retry_after=1)
        [reply] = await sim.user(601).send("/start")
    assert reply.labels  # the menu arrived after the retry
    assert len(sim.api.calls_of("sendMessage")) == 2
