"""Once a reporter's conversation has ended, nothing under the data dir ties their chat to their tip,
even read with the key ring: every data key unwrapped, every sealed field decrypted under every key,
every keyed hash of the chat id recomputed under every key of the ring."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from core import crypto
from core.crypto import KeyRing, WrappedKey
from jobs.housekeeping import housekeeping
from storage.state import StateRepository
from tests.conftest import ROOT, every_byte_under, move_clock, row_counts
from tests.media import photo_with_exif
from tests.reporter import DESCRIPTION, check, file_tip, to_step

CHAT = 7_300_000_015
OTHER = 7_300_000_016
TO_OFFICE = "储罐阀门今天又漏了"
#: Every domain the code hashes values under (lookup_hash("domain", …)), found in the source, and
#: those an older Tipline hashed the chat under (the day's tips, wrong codes).
DOMAINS = sorted(
    {
        domain
        for path in ROOT.glob("[bchs]*/**/*.py")
        if ".venv" not in path.parts
        for domain in re.findall(r"lookup_hash\(\s*\"([a-z-]+)\"", path.read_text(encoding="utf-8"))
    }
    | {"tips-per-day", "receipt-attempts"}
)


def _values(chat_id: int) -> set[str]:
    """Every value a keyed hash could be taken of for this chat: the id, the conversation keys, the
    id with a day around today."""
    today = date.today()
    days = [(today + timedelta(days=d)).isoformat() for d in range(-3, 4)]
    pair = json.dumps([chat_id, chat_id], separators=(",", ":"))
    return {str(chat_id), f"reporter|{pair}", *(f"{chat_id}|{day}" for day in days)}


def _keyed_hashes(ring: KeyRing, chat_id: int) -> set[bytes]:
    keys = [ring.get(kek_id).key for kek_id in ring.key_ids] + [ring.derived_key("audit")]
    return {
        hmac.new(key, domain.encode() + b"\x00" + value.encode(), hashlib.sha256).digest()
        for key in keys
        for domain in DOMAINS
        for value in _values(chat_id)
    }


def _unsealed(blob: bytes, keys: list[bytes]) -> list[bytes]:
    """The blob decrypted under every key as AES-GCM's counter mode, tag and associated data unchecked:
    whatever the record or field it was bound to, its plaintext is among these."""
    if len(blob) < 29 or blob[:1] != b"\x01":
        return []
    nonce, body = blob[1:13], blob[13:-16]
    return [Cipher(algorithms.AES(k), modes.CTR(nonce + b"\x00\x00\x00\x02")).decryptor().update(body) for k in keys]


def _search(db_path: Path, ring: KeyRing, chat_id: int) -> tuple[list[str], list[str], set[str]]:
    """(cells holding the chat id, in the clear or decrypted; cells holding a keyed hash of it; every
    plaintext decrypted, for the test to see that decryption works)."""
    needles = (str(chat_id).encode(), chat_id.to_bytes(8, "big"), chat_id.to_bytes(6, "big"))
    hashes = _keyed_hashes(ring, chat_id)
    held, hashed, opened = [], [], set()
    with sqlite3.connect(db_path) as conn:
        keys = [
            crypto.unwrap_key(ring, purpose, WrappedKey(kek_id, wrapped))
            for purpose, kek_id, wrapped in conn.execute(
                "SELECT purpose, kek_id, wrapped FROM data_keys WHERE purpose != 'people'"  # the ring's, not people's
            )
        ]
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            for row in conn.execute(f"SELECT * FROM {table}"):  # noqa: S608 - names from the schema
                for column, cell in zip(columns, row, strict=True):
                    where = f"{table}.{column}"
                    if cell == chat_id or (isinstance(cell, str) and str(chat_id) in cell):
                        held.append(where)
                    if not isinstance(cell, bytes):
                        continue
                    if cell in hashes:
                        hashed.append(where)
                    for plain in [cell, *_unsealed(cell, keys)]:
                        if any(needle in plain for needle in needles):
                            held.append(where)
                        opened.add(plain.decode("utf-8", "ignore"))
    return held, hashed, opened


async def test_with_the_key_ring_nothing_ties_the_chat_to_its_tip(start_bot, settings, ring, monkeypatch):
    async with start_bot() as sim:
        user = sim.user(CHAT, "王五", username="wangwu_whistle")
        await user.send("/language")
        await user.tap("English")
        receipt = await file_tip(user, photos=(photo_with_exif(),))
        await check(user, receipt, f"{(int(receipt.code) + 1) % 10**16:016d}")  # a wrong code first
        await check(user, receipt)
        await user.tap("check:write")
        await user.send(TO_OFFICE)
        await user.tap("check:refresh")
        await user.tap("check:exit")  # checked and left
        await check(user, receipt)  # checked again, and left open: it times out
        other = sim.user(OTHER)
        await to_step(other, "description")  # another chat's live draft stays, and does not matter
        move_clock(sim, monkeypatch, timedelta(days=1))
        await housekeeping(sim.app)
        assert sim.app.bot_data["check_sessions"] == {}  # even in memory, the timed-out check is gone
        db_path = settings.data_dir / "tipline.sqlite3"
        held, hashed, opened = _search(db_path, ring, CHAT)
    # The ring opens what it holds (the chat's language…), and not the tip: sealed to the office's people.
    assert opened and not any(DESCRIPTION in text or TO_OFFICE in text for text in opened)
    assert held == []
    # The one row found by the chat's keyed hash: the language it chose, and nothing else.
    assert hashed == ["chat_language.chat_hash"]
    with sqlite3.connect(db_path) as conn:
        assert [r[1:] for r in conn.execute("SELECT * FROM chat_language")] == [("en",)]
        [(statuses,)] = conn.execute("SELECT COUNT(*) FROM outbox WHERE status = 'sent'").fetchall()
        assert statuses >= 1
        for created, next_at in conn.execute("SELECT created_at, next_at FROM outbox WHERE status <> 'pending'"):
            assert created % 86400 == 0 and next_at % 86400 == 0  # the day, not the instant
    # The other chat's draft is the only live row.
    assert row_counts(settings, "chat_state", "conversation_state", "limit_counters") == {
        "chat_state": 1,
        "conversation_state": 1,
        "limit_counters": 0,
    }
    raw = every_byte_under(settings.data_dir, skip=[settings.keyring_path])
    for needle in (str(CHAT).encode(), CHAT.to_bytes(8, "big"), CHAT.to_bytes(6, "big"), receipt.code.encode()):
        assert needle not in raw


async def test_checking_leaves_no_conversation_at_rest(start_bot, settings):
    async with start_bot() as sim:
        user = sim.user(CHAT)
        receipt = await file_tip(user)
        assert row_counts(settings, "chat_state", "conversation_state") == {"chat_state": 0, "conversation_state": 0}
        [view] = await check(user, receipt)
        assert receipt.number in view.text
        await user.tap("check:write")  # in the middle of writing to the office
        assert row_counts(settings, "chat_state", "conversation_state") == {"chat_state": 0, "conversation_state": 0}
    async with start_bot() as sim:  # after a restart the check starts again from the menu
        replies = await sim.user(CHAT).send(TO_OFFICE)
        assert TO_OFFICE not in str(await sim.app.bot_data["services"].tips.messages(receipt.number))
        assert any("查询举报" in label for label in replies[-1].labels)


async def test_start_up_loads_no_chat_and_memory_keeps_the_live_ones_only(start_bot, settings):
    async with start_bot() as sim:
        for n in range(3):
            await file_tip(sim.user(CHAT + 10 + n))
        await sim.user(CHAT + 20).send("/start")
        await to_step(sim.user(OTHER), "site")
        assert set(sim.app.chat_data) == {OTHER}  # the chats seen and done left memory
    assert row_counts(settings, "chat_state") == {"chat_state": 1}
    async with start_bot() as sim:
        assert set(sim.app.chat_data) == set()  # loaded when seen, not at start-up
        [site] = await sim.user(OTHER).send("西山村红星化工厂")
        assert "第 5 步" in site.text  # the draft was loaded on its update, intact
        await sim.user(CHAT + 20).send("/help")
        assert set(sim.app.chat_data) == {OTHER}


async def test_rows_an_older_tipline_left_are_cleaned_when_seen_or_at_housekeeping(start_bot, settings, ring):
    """Before: a row per chat ever seen, {"flow": "report"} after a tip, the language inside it."""
    from storage.db import Database
    from storage.vault import Vault

    settings.data_dir.mkdir(mode=0o700, parents=True)
    db = await Database.open(settings.data_dir / "tipline.sqlite3")
    repo = StateRepository(db, Vault(ring))
    chat_hash = repo._chat_hash(CHAT)
    async with db.transaction() as conn:
        for chat_id, data in ((CHAT, {"flow": "report", "lang": "en"}), (OTHER, {"flow": "check"})):
            dek_id, dek = await repo.vault.new_key(conn, crypto.SESSION)
            row_hash = repo._chat_hash(chat_id)
            await conn.execute(
                "INSERT INTO chat_state (chat_hash, dek_id, chat_id, data, updated_on) VALUES (?, ?, ?, ?, ?)",
                (
                    row_hash,
                    dek_id,
                    repo._seal(dek, "chat_state", row_hash, "chat_id", chat_id),
                    repo._seal(dek, "chat_state", row_hash, "data", data),
                    "2026-11-01",
                ),
            )
    await db.close()
    async with start_bot() as sim:
        assert dict(sim.app.chat_data) == {}
        [reply] = await sim.user(CHAT).send("/start")
        assert reply.text.startswith("Welcome")  # the language it chose is kept
        assert row_counts(settings, "chat_state") == {"chat_state": 1}  # OTHER, not seen since
        await housekeeping(sim.app)
    assert row_counts(settings, "chat_state", "chat_language", "data_keys") == {
        "chat_state": 0,
        "chat_language": 1,
        "data_keys": 0,
    }
    with sqlite3.connect(settings.data_dir / "tipline.sqlite3") as conn:
        assert conn.execute("SELECT chat_hash FROM chat_language").fetchone()[0] == chat_hash


async def test_logs_of_reporters_actions_name_no_tip(start_bot, caplog):
    caplog.set_level(logging.INFO, logger="tipline")
    async with start_bot() as sim:
        user = sim.user(CHAT)
        receipt = await file_tip(user, photos=(photo_with_exif(),))
        await check(user, receipt)
        await user.tap("check:write")
        await user.send(TO_OFFICE)
        await user.send_photo(photo_with_exif())
        await user.tap("check:refresh")
        await user.tap("check:withdraw")
        await user.tap(f"check:withdraw_yes:{receipt.number}")
    # every log of ours while only the reporter acted: alerts to the office and the outbox included
    ours = [r for r in caplog.records if r.name.startswith("tipline") and r.levelno >= logging.INFO]
    assert any("submitted" in r.getMessage() for r in ours) and any("alerts sent" in r.getMessage() for r in ours)
    digits = receipt.number.split("-")[1]
    assert [r.getMessage() for r in ours if digits in r.getMessage() or receipt.number in r.getMessage()] == []


async def test_the_days_counts_are_in_memory_only_under_a_key_of_the_day(start_bot, office, settings, monkeypatch):
    strict = office.model_copy(update={"limits": office.limits.model_copy(update={"tips_per_day": 1})})
    async with start_bot(config=strict) as sim:
        user = sim.user(CHAT)
        await file_tip(user)
        await user.send("/start")
        [refused] = await user.tap("menu:report")
        assert "今天已提交 1 份举报" in refused.text
        assert row_counts(settings, "limit_counters") == {"limit_counters": 0}  # nothing at rest
        daily = sim.app.bot_data["services"].limits.daily
        todays_key = daily._key
        move_clock(sim, monkeypatch, timedelta(days=1))
        await user.send("/start")
        [intro] = await user.tap("menu:report")
        assert "开始之前" in intro.text
        assert daily._key != todays_key and len(daily._counts) == 0  # yesterday's key and counts are gone


def _pdf(size: int) -> bytes:
    return b"%PDF-1.4\n" + b"0" * (size - 9)


async def test_what_one_chat_may_send_in_a_day_is_capped_in_bytes(start_bot, office, monkeypatch):
    capped = office.model_copy(update={"limits": office.limits.model_copy(update={"bytes_per_day": 2**20})})
    async with start_bot(config=capped) as sim:
        user = sim.user(CHAT)
        await to_step(user, "evidence")
        [first] = await user.send_document(_pdf(600_000), "a.pdf")
        assert "已收到第 1 个文件" in first.text
        [refused] = await user.send_document(_pdf(600_000), "b.pdf")
        assert "超过 1 MB" in refused.text and "已填写的其他内容都会保留" in refused.text
        assert user.find_button("tip:evidence:done")  # still at the evidence step
        receipt = await file_tip(sim.user(OTHER))  # another chat is not capped by this one
        await check(sim.user(OTHER), receipt)
        await sim.user(OTHER).tap("check:write")
        [added] = await sim.user(OTHER).send_document(_pdf(600_000), "c.pdf")
        assert "已加入您的举报" in added.text
        [again] = await sim.user(OTHER).send_document(_pdf(600_000), "d.pdf")  # adding to a tip counts too
        assert "超过 1 MB" in again.text
        move_clock(sim, monkeypatch, timedelta(days=1))  # a new day
        [next_day] = await user.send_document(_pdf(600_000), "b.pdf")
        assert "已收到第 2 个文件" in next_day.text


async def test_a_notice_is_in_the_language_the_reporter_chose_after_a_restart(start_bot):
    from handlers.notify import notify_reporter

    async with start_bot() as sim:
        user = sim.user(CHAT)
        await user.send("/language")
        await user.tap("English")
        receipt = await file_tip(user, push=True)
    async with start_bot() as sim:  # the chat is not loaded at start-up: its language is looked up
        await notify_reporter(sim.app, receipt.number)
        notice = sim.replies_in(CHAT)[-1]
    assert notice.text.startswith("There is news about your report")


async def test_about_says_what_is_kept_about_the_chat(start_bot):
    async with start_bot() as sim:
        user = sim.user(CHAT)
        [zh] = await user.send("/about")
        await user.send("/language")
        await user.tap("lang:en")
        [en] = await user.send("/about")
    assert "提交、取消或退出查询后，所存数据中没有任何内容能把您的聊天与某份举报联系起来" in zh.text
    assert "您选择的非默认语言（不记日期" in zh.text and "只在内存中计数" in zh.text
    assert "nothing stored links your chat to a report" in en.text
    assert "a language you chose other than the bot's own, without a date" in en.text
    assert "counted in memory only" in en.text
    # what is counted is numbers, not what the reporter sent; and how long a report itself is kept
    assert "当天提交的举报份数和发送文件的大小" in zh.text and "您当天发送的内容" not in zh.text
    assert "作为办理单位的案卷保存" in zh.text and "回执已发送的记录保存 30 天" in zh.text
    assert "kept as the office's case record" in en.text and "kept 30 days, dated by the day only" in en.text


async def test_no_flow_marker_at_rest_and_cancel_still_knows_the_flow_after_a_restart(start_bot, settings, ring):
    from storage.db import Database
    from storage.vault import Vault
    from tests.office import EMERGENCY, add_staff, open_card

    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(CHAT))
        await to_step(sim.user(OTHER), "site")
        officer, _card = await open_card(sim, EMERGENCY, receipt.number)
        await officer.tap(f"form:ask:{receipt.number}")
    db = await Database.open(settings.data_dir / "tipline.sqlite3")
    try:
        stored = await StateRepository(db, Vault(ring)).load_chat_data()
    finally:
        await db.close()
    assert set(stored) == {OTHER, EMERGENCY}
    assert all("flow" not in data for data in stored.values())  # no marker beside the state
    assert stored[OTHER]["state"]["flow"] == "report" and stored[EMERGENCY]["state"]["flow"] == "form"
    async with start_bot() as sim:
        [left] = await sim.user(EMERGENCY).send("/cancel")
        assert left.text == "已取消，没有发送任何内容。"
        [dropped] = await sim.user(OTHER).send("/cancel")
        assert dropped.text.startswith("已取消，您刚才填写的内容已删除")


async def test_only_a_language_other_than_the_offices_is_kept(start_bot, settings):
    async with start_bot() as sim:
        user = sim.user(CHAT)
        await user.send("/language")
        await user.tap("lang:zh")  # the office's own language: nothing to keep
        assert row_counts(settings, "chat_language") == {"chat_language": 0}
        await user.send("/language")
        await user.tap("lang:en")
        assert row_counts(settings, "chat_language") == {"chat_language": 1}
        await user.send("/language")
        await user.tap("lang:zh")  # back to the office's: the row goes
        assert row_counts(settings, "chat_language") == {"chat_language": 0}
    async with start_bot() as sim:
        [reply] = await sim.user(CHAT).send("/start")
    assert not reply.text.startswith("Welcome")
