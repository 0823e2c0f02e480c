"""`python -m bot poster [--industry CODE] [--village CODE] [--lang zh|en] [--out DIR] [--bot USERNAME]`:
an A4 poster (PDF and PNG) with the QR code of the deep link that opens the tip conversation."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot import network, startup
from bot.config import Settings
from bot.fonts import find_cjk_fonts
from bot.startup import StartupError
from core import links
from core.charts import CjkFontMissing
from core.office import OfficeConfig
from core.poster import PosterText, render, reward_sentence
from core.taxonomy import INDUSTRY_BY_CODE, Term
from handlers.i18n import translator


def add_parser(sub: argparse._SubParsersAction) -> None:
    poster = sub.add_parser("poster", help="a printable A4 poster (PDF and PNG) with the QR code of the bot")
    poster.add_argument("--industry", choices=sorted(INDUSTRY_BY_CODE), help="preselect this industry")
    poster.add_argument("--village", help="preselect this village (a code from the office's TOML)")
    poster.add_argument("--lang", choices=("zh", "en"), default="zh", help="the poster's language (default: zh)")
    poster.add_argument("--out", type=Path, default=Path("."), help="the folder to write into (default: here)")
    poster.add_argument("--bot", help="the bot's username (default: asked of Telegram with the token)")
    poster.set_defaults(func=cmd_poster)


def poster_text(
    office: OfficeConfig, link: str, lang: str, village: str | None, industry: str | None = None
) -> PosterText:
    _ = translator(lang)
    place = next((v.label(lang) for v in office.villages if v.code == village), None)
    scope = None
    if industry:
        term = INDUSTRY_BY_CODE[industry]
        name = Term(term.code, term.zh, term.en[0].lower() + term.en[1:]).label(lang)  # in mid-sentence
        scope = _("For reports on {industry}").format(industry=name)
    subtitle = _("Seen a safety hazard? Scan to report it.")
    return PosterText(
        title=office.label(lang),
        subtitle=f"{place} · {subtitle}" if place else subtitle,
        steps=(
            _("Scan the code with your phone's camera; it opens Telegram."),
            _("Answer a few questions; add photos if you have them."),
            _("Note the tip number and receipt code to follow your report."),
        ),
        anonymity=_("You may report anonymously: we do not learn who you are."),
        reward=reward_sentence(office.rewards.rules, lang),
        hotline=_("Rather call? The 12350 work-safety hotline."),
        link=link,
        scope=scope,
    )


def _username(settings: Settings, token: str) -> str:
    """The bot's username from one getMe, through the configured Bot API server and proxy."""
    try:
        return asyncio.run(network.get_me(settings, token)).username
    except network.BotApiUnreachable:
        via = f" through the proxy {network.proxy_host(settings)}" if settings.proxy else ""
        raise StartupError(
            f"Telegram could not be reached at {network.server(settings)}{via} to ask for the bot's username; "
            "give it with --bot USERNAME, which needs no call, or check the network and TIPLINE_PROXY."
        ) from None


def cmd_poster(args: argparse.Namespace) -> int:
    settings = startup.load_settings()
    office = startup.load_office_config(settings)
    if args.village and args.village not in {v.code for v in office.villages}:
        known = ", ".join(v.code for v in office.villages) or "none configured"
        raise StartupError(f"--village: {args.village!r} is not one of the office's villages ({known}).")
    if args.bot is None and not settings.bot_token:
        raise StartupError("give the bot's username with --bot, or set TIPLINE_BOT_TOKEN to ask Telegram for it.")
    username = args.bot or _username(settings, settings.bot_token.get_secret_value().strip())
    start = links.payload("report", args.industry, args.village)
    text = poster_text(office, links.url(username.lstrip("@"), start), args.lang, args.village, args.industry)
    find_cjk_fonts()
    try:
        pdf, png = render(text)
    except CjkFontMissing as exc:
        raise StartupError(str(exc)) from None
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"poster-{start}-{args.lang}"
    stem.with_suffix(".pdf").write_bytes(pdf)
    stem.with_suffix(".png").write_bytes(png)
    print(f"Wrote {stem}.pdf and {stem}.png: the QR code opens {text.link}")
    return 0
