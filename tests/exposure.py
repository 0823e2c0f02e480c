"""曝光 in tests: an office with a channel, a closed tip with the reporter's own words in its tip and
dialogue (canaries), drafting its post, approving it, and reading what the channel shows."""

from __future__ import annotations

from datetime import timedelta

from core.casework import Verification
from core.exposure import ExposureState
from core.tips import Status
from tests.conftest import services_of
from tests.office import ADMIN, INTAKE, REPORTER, add_staff, open_card, work_to
from tests.reporter import file_tip

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
    """The officer drafts a penalty post from the tip's card; the replies to confirming."""
    officer, _card = await open_card(sim, officer_id, number)
    [intro] = await officer.tap(f"form:expose:{number}")
    assert "不使用举报内容" in intro.text  # the form says why no word of the tip is used
    await officer.tap("fv:0:penalty")
    await officer.send(ENTERPRISE)
    await officer.send(DECISION)
    [summary] = await officer.send("2026-11-20")
    assert ENTERPRISE in summary.text and DECISION in summary.text and "罚款金额：¥25,000" in summary.text
    assert "2026年11月20日" in summary.text
    return await officer.tap("fv:confirm")


async def approve(sim, admin_id: int = ADMIN) -> list:
    """The admin reads the newest draft pushed to them and approves it; the replies to confirming."""
    admin = sim.user(admin_id)
    await admin.tap(pushed(sim, admin_id, "xp:yes"))
    return await admin.tap(pushed(sim, admin_id, "xp:ok:yes"))


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


def datas(reply) -> list[str]:
    return [data for row in reply.buttons for _label, data in row]


def last_message(sim, chat_id: int) -> dict:
    return sim.api.messages[max(k for k in sim.api.messages if k[0] == chat_id)]


async def exposures(sim):
    return await services_of(sim).exposure.listed(*ExposureState)
