"""Conversations and per-chat data survive a restart, and storage never shows who used the bot."""

import sqlite3

from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from handlers.conversation import conversation
from handlers.menu import cancel_conversation
from tests.conftest import cells_equal, every_byte_under

NAME, PLACE = range(2)
SECRET_TEXT = "化工厂夜里偷排废液"
USER_ID = 861234567


async def _ask_name(update, context):
    context.chat_data["probe"] = {}
    await update.message.reply_text("name?")
    return NAME


async def _got_name(update, context):
    context.chat_data["probe"]["name"] = update.message.text
    await update.message.reply_text("place?")
    return PLACE


async def _got_place(update, context):
    draft = context.chat_data.pop("probe")
    await update.message.reply_text(f"done: {draft['name']} @ {update.message.text}")
    return ConversationHandler.END


async def _cancel(update, context):
    context.chat_data.pop("probe", None)
    return await cancel_conversation(update, context)


def probe_conversation():
    return conversation(
        "probe",
        [CommandHandler("probe", _ask_name)],
        {
            NAME: [MessageHandler(filters.TEXT & ~filters.COMMAND, _got_name)],
            PLACE: [MessageHandler(filters.TEXT & ~filters.COMMAND, _got_place)],
        },
        cancel=_cancel,
    )


async def test_a_conversation_resumes_after_a_restart(start_bot):
    async with start_bot([probe_conversation()]) as sim:
        user = sim.user(USER_ID)
        await user.send("/probe")
        [reply] = await user.send(SECRET_TEXT)
        assert reply.text == "place?"
    async with start_bot([probe_conversation()]) as sim:
        [reply] = await sim.user(USER_ID).send("东平社区")
    assert reply.text == f"done: {SECRET_TEXT} @ 东平社区"


async def test_the_language_survives_a_restart(start_bot):
    async with start_bot() as sim:
        user = sim.user(USER_ID)
        await user.send("/language")
        await user.tap("English")
    async with start_bot() as sim:
        [reply] = await sim.user(USER_ID).send("/start")
    assert reply.text.startswith("Welcome")


async def test_cancel_leaves_the_conversation_and_discards_the_draft(start_bot, settings):
    async with start_bot([probe_conversation()]) as sim:
        user = sim.user(USER_ID)
        await user.send("/probe")
        await user.send(SECRET_TEXT)
        [reply] = await user.send("/cancel")
        assert "已取消" in reply.text and len(reply.labels) == 5
        [after] = await user.send("东平社区")
        assert "没有看懂" in after.text  # no longer inside the conversation
    async with start_bot([probe_conversation()]) as sim:
        [reply] = await sim.user(USER_ID).send("东平社区")
    assert "没有看懂" in reply.text
    with sqlite3.connect(settings.data_dir / "tipline.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM conversation_state").fetchone()[0] == 0


async def test_cancel_works_at_every_step(start_bot):
    async with start_bot([probe_conversation()]) as sim:
        user = sim.user(USER_ID)
        for steps in ([], ["x"]):
            await user.send("/probe")
            for text in steps:
                await user.send(text)
            [reply] = await user.send("/cancel")
            assert "已取消" in reply.text


async def test_storage_holds_no_chat_id_name_or_draft_in_the_clear(start_bot, settings):
    async with start_bot([probe_conversation()]) as sim:
        user = sim.user(USER_ID, "李四", username="lisi_whistle")
        await user.send("/language")
        await user.tap("English")
        await user.send("/probe")
        await user.send(SECRET_TEXT)
        # While the draft is open and the bot runs: database, WAL and shared memory.
        raw = every_byte_under(settings.data_dir, skip=[settings.keyring_path])
        for secret in (str(USER_ID), SECRET_TEXT, "李四", "lisi_whistle"):
            assert secret.encode() not in raw, secret
        assert USER_ID.to_bytes(4, "big") not in raw and USER_ID.to_bytes(4, "little") not in raw
        assert cells_equal(settings.data_dir / "tipline.sqlite3", USER_ID) == []
        assert cells_equal(settings.data_dir / "tipline.sqlite3", str(USER_ID)) == []


async def test_every_step_is_written_through_before_the_next_update(start_bot):
    """A crash between two updates loses nothing: a second process reads the step just taken."""
    async with start_bot([probe_conversation()]) as first:
        user = first.user(USER_ID)
        await user.send("/probe")
        await user.send(SECRET_TEXT)
        # `first` never shuts down cleanly before `second` starts: as after a SIGKILL.
        async with start_bot([probe_conversation()]) as second:
            [reply] = await second.user(USER_ID).send("东平社区")
    assert reply.text == f"done: {SECRET_TEXT} @ 东平社区"
