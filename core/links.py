"""Deep links (t.me/<bot>?start=…) for posters and leaflets: what they open, and nothing more.

`report` opens the tip conversation; `report_<industry>` preselects an industry (a poster at a
building site or a gas station); `report_<industry>_<village>` a village too (`any` for no
industry). `check` opens "check a report"; `liaison` the liaison's page. A link never carries
anything about a person: the same poster prints the same link for everyone who scans it.
Telegram allows 64 characters of A-Z, a-z, 0-9, _ and -.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.taxonomy import INDUSTRY_BY_CODE

_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
ANY = "any"


@dataclass(frozen=True)
class Link:
    action: str  # "report", "check", "liaison"
    industry: str | None = None
    village: str | None = None

    @property
    def preset(self) -> dict[str, str]:
        return {k: v for k, v in (("industry", self.industry), ("village", self.village)) if v}


def parse(payload: str, villages: frozenset[str] = frozenset()) -> Link | None:
    """The link's meaning; None for anything else. An unknown industry or village is dropped, not
    refused: a poster printed before the office changed its villages still opens the conversation."""
    if not _PAYLOAD.match(payload):
        return None
    if payload in ("check", "liaison", "report"):
        return Link(payload)
    if not payload.startswith("report_"):
        return None
    industry, _sep, village = payload.removeprefix("report_").partition("_")
    return Link(
        "report",
        industry if industry in INDUSTRY_BY_CODE else None,
        village if village in villages else None,
    )


def payload(action: str, industry: str | None = None, village: str | None = None) -> str:
    """The start parameter for a link; ValueError if it would not be one Telegram accepts."""
    if action != "report" or not (industry or village):
        text = action
    else:
        text = f"report_{industry or ANY}" + (f"_{village}" if village else "")
    if not _PAYLOAD.match(text) or (industry and industry not in INDUSTRY_BY_CODE):
        raise ValueError(f"not a link Telegram accepts: {text!r}")
    return text


def url(bot_username: str, start: str) -> str:
    return f"https://t.me/{bot_username}?start={start}"
