"""曝光: a closed tip drafted into a post by an intake officer, approved by an admin, published in the
office's channel, counted, withdrawn; the monthly statistics post; and what goes wrong (a channel the
bot may not post to, a draft whose tip changed, the drafter approving their own draft, forged presses).
No word of the reporter's tip or dialogue reaches the channel; the reporter is told nothing."""

from __future__ import annotations

import asyncio
from datetime import date

from core.casework import Verification
from core.exposure import CaseFacts, ExposureState
from core.roles import Role
from core.tips import Status
from tests.conftest import services_of
from tests.exposure import (
    CANARIES,
    CHANNEL,
    CHANNEL_CHAT,
    DECISION,
    ENTERPRISE,
    SECOND_ADMIN,
    approve,
    channel_posts,
    closed_tip,
    datas,
    draft,
    exposures,
    last_message,
    pushed,
    with_channel,
)
from tests.office import ADMIN, EMERGENCY, INTAKE, REPORTER, STRANGER, add_staff, open_card, signed_in, work_to
from tests.reporter import DESCRIPTION, SITE, file_tip


async def test_a_closed_tip_is_drafted_approved_published_counted_and_withdrawn(start_bot, office):
    async with start_bot(config=with_channel(office)) as sim:
        sim.api.register_chat(CHANNEL_CHAT)
        number = await closed_tip(sim)
        reporter_before = len(sim.api.sent_to(REPORTER))
        [done] = await draft(sim, number)
        assert "已送管理员审批" in done.text
        admin = sim.user(ADMIN)
        [push] = [r for r in sim.replies_in(ADMIN) if any(d.startswith("xp:yes") for d in datas(r))]
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
        assert not any(d.startswith("form:expose") for d in datas(card))  # one post of a tip at a time

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
        replies = await approve(sim)
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
        replies = await approve(sim)
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
        assert not any(d.startswith("xp:yes") for r in sim.replies_in(ADMIN) for d in datas(r))  # not asked
        [exposure] = await exposures(sim)
        [refused] = await admin.press(last_message(sim, ADMIN), f"xp:ok:yes:{exposure.id}")  # forged
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
        assert not any(d.startswith("form:expose") for d in datas(card))
        [refused] = await officer.press(last_message(sim, INTAKE), f"form:expose:{receipt.number}")  # forged
        assert "不能" in refused.text and not await exposures(sim)


async def test_without_a_channel_nothing_is_offered(start_bot, office):
    async with start_bot() as sim:
        number = await closed_tip(sim)
        _, card = await open_card(sim, INTAKE, number)
        assert not any(d.startswith("form:expose") for d in datas(card))
        [answer] = await sim.user(ADMIN).send("/exposure")
        assert "channel_id" in answer.text


def test_case_facts_are_the_verification_facets():
    result = Verification(outcome="partly", problems=("storage",), measures=("fine",), fine_fen=100)
    facts = CaseFacts.of("hazchem", result, date(2026, 10, 1))
    assert facts.model_dump() == {"industry": "hazchem", "problems": ("storage",), "measures": ("fine",),
                                  "fine_fen": 100, "verified_on": date(2026, 10, 1)}  # fmt: skip


async def test_a_stranger_and_a_department_officer_get_no_exposure(start_bot, office):
    async with start_bot(config=with_channel(office)) as sim:
        number = await closed_tip(sim)
        [refused] = await sim.user(EMERGENCY).send("/exposure")
        assert "管理员" in refused.text
        stranger = sim.user(STRANGER)
        await stranger.send("/start")
        await stranger.press(last_message(sim, STRANGER), f"form:expose:{number}")
        await stranger.press(last_message(sim, STRANGER), "xpm:2026-10")
        await stranger.press(last_message(sim, STRANGER), "xpm:ok:2026-10")
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


async def test_a_tip_that_moved_since_the_draft_voids_it_at_approval_and_at_publishing(start_bot, office):
    async with start_bot(config=with_channel(office)) as sim:
        sim.api.register_chat(CHANNEL_CHAT)
        number = await closed_tip(sim)
        services = services_of(sim)
        await draft(sim, number)
        async with services.db.transaction() as conn:  # reopened and closed again: a status event since
            await conn.execute("INSERT INTO tip_events (tip_id, on_date, status) SELECT id, on_date, 'closed'"
                               " FROM tips t JOIN (SELECT MAX(on_date) AS on_date FROM tip_events) WHERE number = ?",
                               (number,))  # fmt: skip
        [void] = await approve(sim)
        assert "作废" in void.text and channel_posts(sim) == []
        await draft(sim, number)  # drafted again, now from the tip as it is
        sim.api.refuse_chat(CHANNEL, "Forbidden: bot is not a member of the channel chat")
        await approve(sim)
        assert [e.state for e in await exposures(sim)] == [ExposureState.APPROVED, ExposureState.REFUSED]
        async with services.db.transaction() as conn:  # merged into another tip meanwhile
            await conn.execute("UPDATE tips SET merged_into = number WHERE number = ?", (number,))
        sim.api.accept_chat(CHANNEL)
        [void] = await sim.user(ADMIN).tap(pushed(sim, ADMIN, "xp:pub"))
        assert "作废" in void.text and channel_posts(sim) == []
        assert [e.state for e in await exposures(sim)] == [ExposureState.REFUSED, ExposureState.REFUSED]


async def test_two_admins_publishing_at_once_post_once(start_bot, office):
    async with start_bot(config=with_channel(office)) as sim:
        number = await closed_tip(sim)
        services = services_of(sim)
        async with services.db.transaction() as conn:
            await services.staff.add(conn, SECOND_ADMIN, "副主任", Role.ADMIN, "", "2026-11-23")
        await signed_in(sim, SECOND_ADMIN)
        sim.api.refuse_chat(CHANNEL, "Forbidden: bot is not a member of the channel chat")
        await draft(sim, number)
        await approve(sim)  # not published: approved, with Publish again
        sim.api.accept_chat(CHANNEL)
        sim.api.register_chat(CHANNEL_CHAT)
        [exposure] = await exposures(sim)
        first, second = sim.user(ADMIN), sim.user(SECOND_ADMIN)
        await second.send("/exposure")
        data = f"xp:pub:{exposure.id}"
        await asyncio.gather(
            first.press(last_message(sim, ADMIN), data), second.press(last_message(sim, SECOND_ADMIN), data)
        )
        assert len(channel_posts(sim)) == 1
        [exposure] = await exposures(sim)
        assert exposure.state == ExposureState.PUBLISHED
        told = [r.text for who in (ADMIN, SECOND_ADMIN) for r in sim.replies_in(who)]
        assert any("已审批、已发布或已撤回" in t for t in told)  # the other press is told, posts nothing


async def test_the_drafter_takes_back_a_draft_and_the_tip_may_be_drafted_again(start_bot, office):
    async with start_bot(config=with_channel(office)) as sim:
        number = await closed_tip(sim)
        await draft(sim, number)
        intake = sim.user(INTAKE)
        [listing] = await intake.send("/exposure")
        assert "待管理员审批" in listing.text and not any(d.startswith("xp:back") for d in datas(listing))
        await intake.tap(pushed(sim, INTAKE, "xp:cancel"))
        [done] = await intake.tap(pushed(sim, INTAKE, "xp:ok:cancel"))
        assert "已撤销" in done.text
        [gone] = await sim.user(ADMIN).tap(pushed(sim, ADMIN, "xp:yes"))  # the admin's old push: nothing to decide
        assert "已审批、已发布或已撤回" in gone.text and channel_posts(sim) == []
        _officer, card = await open_card(sim, INTAKE, number)
        assert any(d.startswith("form:expose") for d in datas(card))
        assert "exposure.cancel" in [e.action for e in await services_of(sim).audit.entries()]
