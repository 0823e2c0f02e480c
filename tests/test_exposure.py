"""曝光: a closed tip drafted into a post by an intake officer, approved by an admin, published in the
office's channel, counted, withdrawn; the monthly statistics post; and what goes wrong (a channel the
bot may not post to, a draft whose tip changed, the drafter approving their own draft, forged presses).
No word of the reporter's tip or dialogue reaches the channel; the reporter is told nothing."""

from __future__ import annotations

import asyncio
import io
from datetime import date, timedelta

from openpyxl import load_workbook

from bot import cli
from core.casework import Verification
from core.exposure import CaseFacts, ExposureState, MonthFacts, month_facts, month_post
from core.roles import Role
from core.stats import TipRecord
from core.tips import Status
from tests.conftest import services_of
from tests.office import ADMIN, EMERGENCY, INTAKE, REPORTER, STRANGER, add_staff, open_card, signed_in, work_to
from tests.reporter import DESCRIPTION, SITE, file_tip

CHANNEL = -1001234567890
CHANNEL_CHAT = {"id": CHANNEL, "type": "channel", "title": "东平镇安全生产曝光台", "username": "dongping_safety"}
SECOND_ADMIN = 8400000009
ENTERPRISE = "东平红星化工有限公司"
DECISION = "东应急罚〔2026〕12号"
#: Words of the reporter's own, in the tip and in the dialogue: none may reach the channel.
CANARIES = ("储罐区", "防火堤", "抽烟", "西山路", "老板娘", "夜班")


def with_channel(office, channel=CHANNEL):
    return office.model_copy(update={"exposure": office.exposure.model_copy(update={"channel_id": channel})})


async def closed_tip(sim) -> str:
    """A tip filed, the reporter asked a question and answering it (canary words), verified true with a
    fine, replied to and closed after the objection window."""
    services = services_of(sim)
    await add_staff(sim)
    receipt = await file_tip(sim.user(REPORTER), push=True)
    number = receipt.number
    await work_to(sim, number, Status.ACCEPTED)
    await services.casework.ask(number, ADMIN, "老板娘是否安排夜班？", services.clock())
    async with services.db.transaction() as conn:  # the reporter's answer, as the check flow stores it
        answer = "是的，老板娘每天安排夜班，在储罐区旁抽烟。"
        await services.tips.add_message(conn, number, "reporter", "answer", answer, services.clock().date())
    verified = Verification(outcome="true", problems=("facilities", "worksite"), measures=("rectify", "fine"),
                            fine_fen=2_500_000)  # fmt: skip
    await services.casework.verify(number, ADMIN, verified, services.clock())
    await work_to(sim, number, Status.REPLIED)
    await services.casework.close_expired(services.clock() + timedelta(days=11))
    assert (await services.tips.facets(number)).status == Status.CLOSED
    return number


async def draft(sim, number: str, officer_id: int = INTAKE) -> list:
    officer, _card = await open_card(sim, officer_id, number)
    [intro] = await officer.tap(f"form:expose:{number}")
    assert "不使用举报内容" in intro.text  # the form says why no word of the tip is used
    await officer.tap("fv:0:penalty")
    await officer.send(ENTERPRISE)
    [summary] = await officer.send(DECISION)
    assert ENTERPRISE in summary.text and DECISION in summary.text and "罚款金额：¥25,000" in summary.text
    return await officer.tap("fv:confirm")


def channel_posts(sim) -> list[str]:
    """The texts the channel shows now (a refused send left nothing there)."""
    return [m["text"] for (chat, _id), m in sorted(sim.api.messages.items()) if chat == CHANNEL]


def pushed(sim, user_id: int, data: str) -> str:
    """The callback data of the newest button in the user's chat whose data starts with `data`."""
    for reply in reversed(sim.replies_in(user_id)):
        for row in reply.buttons:
            for _label, button in row:
                if button.startswith(data):
                    return button
    raise LookupError(data)


async def exposures(sim):
    return await services_of(sim).exposure.listed(*ExposureState)


async def test_a_closed_tip_is_drafted_approved_published_counted_and_withdrawn(start_bot, office):
    async with start_bot(config=with_channel(office)) as sim:
        sim.api.register_chat(CHANNEL_CHAT)
        number = await closed_tip(sim)
        reporter_before = len(sim.api.sent_to(REPORTER))
        [done] = await draft(sim, number)
        assert "已送管理员审批" in done.text
        admin = sim.user(ADMIN)
        [push] = [r for r in sim.replies_in(ADMIN) if any(d.startswith("xp:yes") for d in _datas(r))]
        assert ENTERPRISE not in push.text  # sealed at rest: shown only on a press, behind the code
        [shown] = await admin.tap(pushed(sim, ADMIN, "xp:yes"))
        assert ENTERPRISE in shown.text and sim.api.messages[(ADMIN, shown.message_id)]["has_protected_content"]
        await admin.tap(pushed(sim, ADMIN, "xp:ok:yes"))
        [post] = channel_posts(sim)
        assert ENTERPRISE in post and DECISION in post and "设施设备类" in post and "¥25,000" in post
        assert not any(word in post for word in CANARIES) and DESCRIPTION not in post and SITE not in post
        assert len(sim.api.sent_to(REPORTER)) == reporter_before  # the reporter is told nothing

        services = services_of(sim)
        today = services.clock().date()
        [published] = await exposures(sim)
        assert published.link == f"https://t.me/dongping_safety/{published.message_id}"
        assert await services.exposure.exposed_by_month(today.year) == {f"{today:%Y-%m}": 1}
        [record] = [r for r in await services.ledger.records(date(today.year, 1, 1), today) if r.number == number]
        assert record.exposed_on == today
        _officer, card = await open_card(sim, INTAKE, number)
        assert not any(d.startswith("form:expose") for d in _datas(card))  # one post of a tip at a time

        # withdrawn: deleted from the channel, no longer counted
        await admin.tap(pushed(sim, ADMIN, "xp:del"))
        [gone] = await admin.tap(pushed(sim, ADMIN, "xp:ok:del"))
        assert "已撤回" in gone.text
        assert (CHANNEL, published.message_id) in sim.api.deleted
        assert await services.exposure.exposed_by_month(today.year) == {}
        actions = [e.action for e in await services.audit.entries()]
        assert [a for a in actions if a.startswith("exposure.")] == [
            "exposure.draft", "exposure.approve", "exposure.publish", "exposure.withdraw"]  # fmt: skip


async def test_a_channel_that_refuses_keeps_the_post_approved_and_uncounted(start_bot, office):
    async with start_bot(config=with_channel(office)) as sim:
        sim.api.refuse_chat(CHANNEL, "Forbidden: bot is not a member of the channel chat")
        number = await closed_tip(sim)
        await draft(sim, number)
        admin = sim.user(ADMIN)
        await admin.tap(pushed(sim, ADMIN, "xp:yes"))
        replies = await admin.tap(pushed(sim, ADMIN, "xp:ok:yes"))
        assert any("管理员" in r.text and str(CHANNEL) in r.text for r in replies)  # named: make it an admin there
        services = services_of(sim)
        [exposure] = await exposures(sim)
        assert exposure.state == "approved" and exposure.message_id is None
        assert await services.exposure.exposed_by_month(services.clock().year) == {}
        sim.api.accept_chat(CHANNEL)
        await admin.tap(pushed(sim, ADMIN, "xp:pub"))
        assert len(channel_posts(sim)) == 1
        assert await services.exposure.exposed_by_month(services.clock().year) != {}


async def test_a_wrong_channel_id_is_named(start_bot, office):
    async with start_bot(config=with_channel(office)) as sim:
        sim.api.refuse_chat(CHANNEL, "Bad Request: chat not found", status=400)
        number = await closed_tip(sim)
        await draft(sim, number)
        admin = sim.user(ADMIN)
        await admin.tap(pushed(sim, ADMIN, "xp:yes"))
        replies = await admin.tap(pushed(sim, ADMIN, "xp:ok:yes"))
        assert any("channel_id" in r.text for r in replies)
        assert channel_posts(sim) == []


async def test_the_drafter_cannot_approve_while_another_admin_can(start_bot, office):
    async with start_bot(config=with_channel(office)) as sim:
        sim.api.register_chat(CHANNEL_CHAT)
        number = await closed_tip(sim)
        services = services_of(sim)
        async with services.db.transaction() as conn:
            await services.staff.add(conn, SECOND_ADMIN, "副主任", Role.ADMIN, "", "2026-11-23")
        await signed_in(sim, SECOND_ADMIN)
        await draft(sim, number, officer_id=ADMIN)
        admin = sim.user(ADMIN)
        assert not any(d.startswith("xp:yes") for r in sim.replies_in(ADMIN) for d in _datas(r))  # not asked
        [exposure] = await exposures(sim)
        [refused] = await admin.press(_last_message(sim, ADMIN), f"xp:ok:yes:{exposure.id}")  # forged
        assert "另一位管理员" in refused.text and channel_posts(sim) == []
        second = sim.user(SECOND_ADMIN)
        await second.tap(f"xp:yes:{exposure.id}")
        await second.tap(f"xp:ok:yes:{exposure.id}")
        assert len(channel_posts(sim)) == 1


async def test_a_draft_whose_verification_changed_is_void_at_approval(start_bot, office):
    async with start_bot(config=with_channel(office)) as sim:
        sim.api.register_chat(CHANNEL_CHAT)
        number = await closed_tip(sim)
        await draft(sim, number)
        services = services_of(sim)
        async with services.db.transaction() as conn:  # what a correction after closing would leave
            await conn.execute("UPDATE verifications SET fine_fen = 100000, measures = 'fine'")
        admin = sim.user(ADMIN)
        await admin.tap(pushed(sim, ADMIN, "xp:yes"))
        [void] = await admin.tap(pushed(sim, ADMIN, "xp:ok:yes"))
        assert "作废" in void.text and channel_posts(sim) == []
        [exposure] = await exposures(sim)
        assert exposure.state == ExposureState.REFUSED
        assert "exposure.void" in [e.action for e in await services.audit.entries()]


async def test_only_closed_substantiated_tips_offer_a_draft_and_a_forged_form_is_refused(start_bot, office):
    async with start_bot(config=with_channel(office)) as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER))
        await work_to(sim, receipt.number, Status.REPLIED)
        officer, card = await open_card(sim, INTAKE, receipt.number)
        assert not any(d.startswith("form:expose") for d in _datas(card))
        [refused] = await officer.press(_last_message(sim, INTAKE), f"form:expose:{receipt.number}")  # forged
        assert "不能" in refused.text and not await exposures(sim)


async def test_without_a_channel_nothing_is_offered(start_bot, office):
    async with start_bot() as sim:
        number = await closed_tip(sim)
        _, card = await open_card(sim, INTAKE, number)
        assert not any(d.startswith("form:expose") for d in _datas(card))
        [answer] = await sim.user(ADMIN).send("/exposure")
        assert "channel_id" in answer.text


def test_the_monthly_post_counts_folds_small_numbers_and_names_no_tip():
    def record(number: str, kind: str, industry: str, accepted: bool, verified: bool) -> TipRecord:
        return TipRecord(
            number=number, received_on=date(2026, 10, 5), kind=kind, industry=industry, village="xishan",
            department="emergency", status=Status.CLOSED, involves_death=False, due_on=None, merged_into=None,
            accepted_on=date(2026, 10, 6) if accepted else None,
            verification=Verification(outcome="true") if verified else None,
        )  # fmt: skip

    records = [record(f"JB2026-00000{i}", "hazard", "hazchem", True, i < 3) for i in range(4)]
    records.append(record("JB2026-000009", "illegal", "fireworks", True, False))
    records.append(record("JB2026-000010", "hazard", "hazchem", False, False))
    facts = month_facts("2026-10", records, [(date(2026, 10, 20), 120_000), (date(2026, 9, 1), 5)])
    assert facts == MonthFacts(period="2026-10", received=6, by_kind={"hazard": 5, "other": 1},
                               by_industry={"hazchem": 5, "other": 1}, accepted=5, verified=3, paid=1,
                               paid_fen=120_000)  # fmt: skip
    post = month_post(facts, "东平镇安委办", "zh")
    assert "重大事故隐患 5" in post and "烟花爆竹" not in post and "其他 1" in post  # one fireworks tip folded
    assert "3/5 = 60.0%" in post and "¥1,200" in post and "JB2026" not in post


def test_case_facts_are_the_verification_facets():
    result = Verification(outcome="partly", problems=("storage",), measures=("fine",), fine_fen=100)
    facts = CaseFacts.of("hazchem", result, date(2026, 10, 1))
    assert facts.model_dump() == {"industry": "hazchem", "problems": ("storage",), "measures": ("fine",),
                                  "fine_fen": 100, "verified_on": date(2026, 10, 1)}  # fmt: skip


def _datas(reply) -> list[str]:
    return [data for row in reply.buttons for _label, data in row]


def _last_message(sim, chat_id: int) -> dict:
    return sim.api.messages[max(k for k in sim.api.messages if k[0] == chat_id)]


async def test_the_monthly_statistics_post_is_drafted_approved_and_published(start_bot, office):
    async with start_bot(config=with_channel(office)) as sim:
        sim.api.register_chat(CHANNEL_CHAT)
        await add_staff(sim)
        services = services_of(sim)
        numbers = [(await file_tip(sim.user(REPORTER + 100 * i))).number for i in range(1, 4)]
        intake = sim.user(INTAKE)
        period = f"{services.clock():%Y-%m}"
        [listing] = await intake.send(f"/exposure {period}")
        assert "暂无曝光信息" in listing.text
        [preview] = await intake.tap(f"xpm:{period}")
        assert "收到举报 3 件" in preview.text and "重大事故隐患 3" in preview.text
        [done] = await intake.tap(f"xpm:ok:{period}")
        assert "已送管理员审批" in done.text
        [again] = await intake.tap(f"xpm:ok:{period}")  # pressed twice: one draft
        assert "已在审批中或已发布" in again.text
        admin = sim.user(ADMIN)
        await admin.tap(pushed(sim, ADMIN, "xp:yes"))
        await admin.tap(pushed(sim, ADMIN, "xp:ok:yes"))
        [post] = channel_posts(sim)
        assert "收到举报 3 件" in post and not any(number in post for number in numbers)
        assert await services.exposure.exposed_by_month(services.clock().year) == {}  # not an enterprise
        [redelivered] = await admin.redeliver() or [None]  # the same update again: nothing new
        assert redelivered is None and len(channel_posts(sim)) == 1
        message = _last_message(sim, ADMIN)
        [refused] = await admin.press(message, pushed(sim, ADMIN, "xp:ok:yes"))  # an old confirm pressed again
        assert "已审批、已发布或已撤回" in refused.text and len(channel_posts(sim)) == 1


async def test_an_old_post_that_cannot_be_deleted_is_replaced_by_a_withdrawal_notice(start_bot, office):
    async with start_bot(config=with_channel(office)) as sim:
        sim.api.register_chat(CHANNEL_CHAT)
        number = await closed_tip(sim)
        await draft(sim, number)
        admin = sim.user(ADMIN)
        await admin.tap(pushed(sim, ADMIN, "xp:yes"))
        await admin.tap(pushed(sim, ADMIN, "xp:ok:yes"))
        await admin.tap(pushed(sim, ADMIN, "xp:del"))
        [kept] = await admin.tap(pushed(sim, ADMIN, "xp:keep"))
        assert "仍保持发布" in kept.text and len(channel_posts(sim)) == 1
        await admin.tap(pushed(sim, ADMIN, "xp:del"))
        sim.api.fail_next("deleteMessage", status=400, description="Bad Request: message can't be deleted")
        [gone] = await admin.tap(pushed(sim, ADMIN, "xp:ok:del"))
        assert "已将其内容改为" in gone.text
        assert channel_posts(sim) == ["本条信息已由发布单位撤回。"] and ENTERPRISE not in str(channel_posts(sim))
        [exposure] = await exposures(sim)
        assert exposure.state == ExposureState.WITHDRAWN


async def test_a_stranger_and_a_department_officer_get_no_exposure(start_bot, office):
    async with start_bot(config=with_channel(office)) as sim:
        number = await closed_tip(sim)
        [refused] = await sim.user(EMERGENCY).send("/exposure")
        assert "管理员" in refused.text
        stranger = sim.user(STRANGER)
        await stranger.send("/start")
        await stranger.press(_last_message(sim, STRANGER), f"form:expose:{number}")
        await stranger.press(_last_message(sim, STRANGER), "xpm:2026-10")
        await stranger.press(_last_message(sim, STRANGER), "xpm:ok:2026-10")
        assert stranger.callback_answers().count("此功能仅限办理单位工作人员使用。") == 3 and not await exposures(sim)


async def test_the_bot_made_an_administrator_of_a_channel_tells_the_admins_its_id(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        intake = sim.user(INTAKE)
        await sim.bot_membership(CHANNEL_CHAT, intake, "left", "administrator")  # no right to post yet
        [told] = [r for r in sim.replies_in(ADMIN) if str(CHANNEL) in r.text]
        assert "[exposure]" in told.text and "channel_id" in told.text and "发布和删除消息" in told.text
        await sim.bot_membership(CHANNEL_CHAT, intake, "administrator", "administrator",
                                 rights=("can_post_messages", "can_delete_messages"))  # fmt: skip
        told = [r for r in sim.replies_in(ADMIN) if str(CHANNEL) in r.text][-1]
        assert "channel_id" in told.text and "发布和删除消息" not in told.text
        stranger = sim.user(STRANGER)
        other = {**CHANNEL_CHAT, "id": CHANNEL - 1}
        await sim.bot_membership(other, stranger, "left", "administrator", rights=("can_post_messages",))
        assert [c.params["chat_id"] for c in sim.api.calls_of("leaveChat")] == [CHANNEL - 1]
        assert not [r for r in sim.replies_in(ADMIN) if str(CHANNEL - 1) in r.text]


async def test_a_published_post_counts_in_the_months_table_and_rates(start_bot, office, settings, monkeypatch):
    async with start_bot(config=with_channel(office)) as sim:
        sim.api.register_chat(CHANNEL_CHAT)
        number = await closed_tip(sim)
        await draft(sim, number)
        admin = sim.user(ADMIN)
        await admin.tap(pushed(sim, ADMIN, "xp:yes"))
        await admin.tap(pushed(sim, ADMIN, "xp:ok:yes"))
        period = f"{services_of(sim).clock():%Y-%m}"
        replies = await admin.send(f"/monthly {period}")
        rates = next(r.text for r in replies if "6 个 100%" in r.text)
        assert "（举报台账）" in rates or "举报台账" in rates
        assert "重大事故隐患企业曝光率" in rates and "1 ÷ 1 = 100.0%" in rates  # the tip's hazard, exposed
        [xlsx] = [b for c in sim.api.calls_of("sendDocument") for b in c.files.values() if b[:2] == b"PK"]
        sheet = load_workbook(io.BytesIO(xlsx)).worksheets[0]
        notes = [str(c.value) for row in sheet.iter_rows() for c in row if c.value and "本平台曝光" in str(c.value)]
        assert notes and "1 家" in notes[0]
    monkeypatch.setenv("TIPLINE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TIPLINE_KEYRING", str(settings.keyring_path))
    out = settings.data_dir.parent / "export"
    out.mkdir()
    assert await asyncio.to_thread(cli.main, ["export", "monthly", period, "--out", str(out)]) == 0
    sheet = load_workbook(next(out.glob("*.xlsx"))).worksheets[0]
    assert any("本平台曝光" in str(c.value) for row in sheet.iter_rows() for c in row if c.value)
