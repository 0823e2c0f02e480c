"""Driving the reporter's conversations step by step, as a person tapping and typing would."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.simulator import Reply, SimUser

DESCRIPTION = "化工厂储罐区没有防火堤，工人每天在罐旁抽烟，已经漏过两次气。"
SITE = "西山村红星化工厂，西山路 18 号"


@dataclass
class Receipt:
    number: str
    code: str


async def open_report(user: SimUser) -> list[Reply]:
    await user.send("/start")
    return await user.tap("menu:report")


async def to_step(user: SimUser, step: str, *, kind: str = "hazard", industry: str = "hazchem") -> list[Reply]:
    """From the menu to the question of `step` (a step name of handlers.report.flow)."""
    order = ["intro", "who", "kind", "industry", "village", "site", "description", "evidence", "identity", "push",
             "summary"]  # fmt: skip
    replies = await open_report(user)
    actions = {
        "intro": lambda: user.tap("tip:intro:start"),
        "who": lambda: user.tap("tip:who:public"),
        "kind": lambda: user.tap(f"tip:kind:{kind}"),
        "industry": lambda: user.tap(f"tip:industry:{industry}"),
        "village": lambda: user.tap("tip:village:xishan"),
        "site": lambda: user.send(SITE),
        "description": lambda: user.send(DESCRIPTION),
        "evidence": lambda: user.tap("tip:evidence:done"),
        "identity": lambda: user.tap("tip:identity:anonymous"),
        "push": lambda: user.tap("tip:push:no"),
    }
    for name in order[: order.index(step)]:
        replies = await actions[name]()
    return replies


def receipt_from(replies: list[Reply]) -> Receipt:
    text = replies[-1].text
    number = re.search(r"JB\d{4}-\d{6}", text)[0]
    code = re.search(r"(\d{4} \d{4} \d{4} \d{4})", text)[1].replace(" ", "")
    return Receipt(number, code)


async def file_tip(
    user: SimUser,
    *,
    photos: tuple[bytes, ...] = (),
    push: bool = False,
    industry: str = "hazchem",
    identity: tuple[str, str] | None = None,
) -> Receipt:
    """A whole tip (a major hazard in 西山村) with these photos; anonymous unless (name, phone) given."""
    await to_step(user, "evidence", industry=industry)
    for photo in photos:
        await user.send_photo(photo)
    await user.tap("tip:evidence:done")
    if identity is None:
        await user.tap("tip:identity:anonymous")
    else:
        await user.tap("tip:identity:named")
        for answer in identity:
            await user.send(answer)
    await user.tap("tip:push:yes" if push else "tip:push:no")
    return receipt_from(await user.tap("tip:summary:submit"))


async def check(user: SimUser, receipt: Receipt, code: str | None = None) -> list[Reply]:
    await user.send("/start")
    await user.tap("menu:check")
    await user.send(receipt.number)
    return await user.send(code or receipt.code)


async def file_concealed(user: SimUser, dead: str = "2") -> Receipt:
    """A whole anonymous tip of a concealed accident in which `dead` people died."""
    await to_step(user, "kind", kind="concealed")
    await user.tap("tip:kind:concealed")
    await user.send("11月3日晚上")
    await user.send(dead)
    await user.tap("tip:acc_injured:unknown")
    await user.tap("tip:industry:mining")
    await user.tap("tip:village:none")
    await user.send("废弃矿井，西山北坡")
    await user.send(DESCRIPTION)
    await user.tap("tip:evidence:done")
    await user.tap("tip:identity:anonymous")
    await user.tap("tip:push:no")
    return receipt_from(await user.tap("tip:summary:submit"))
