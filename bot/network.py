"""How Tipline reaches the Bot API: the one place that builds the HTTP requests and network Bots.

Every connection to Telegram (the Application's calls, its getUpdates, the CLI's getMe) goes to
TIPLINE_API_BASE_URL, through TIPLINE_PROXY when it is set. The token's shape is checked before
any call, and Telegram's answers to getMe become one sentence naming the setting to fix.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from telegram import Bot, User
from telegram.error import InvalidToken, NetworkError
from telegram.request import HTTPXRequest

from bot.config import Settings
from bot.startup import StartupError

#: What @BotFather hands out: the bot's number, a colon, then (today) 35 URL-safe characters.
TOKEN_SHAPE = re.compile(r"\d+:[A-Za-z0-9_-]{30,}")

#: python-telegram-bot's own pool sizes: many concurrent calls, one long poll at a time.
CALL_POOL, UPDATES_POOL = 256, 1


class BotApiUnreachable(StartupError):
    """The Bot API (or the proxy in front of it) did not answer at all."""


def request(settings: Settings, *, get_updates: bool = False) -> HTTPXRequest:
    """The HTTP client of Bot API calls (or of getUpdates), through TIPLINE_PROXY if it is set."""
    return HTTPXRequest(connection_pool_size=UPDATES_POOL if get_updates else CALL_POOL, proxy=settings.proxy)


def bot(settings: Settings, token: str) -> Bot:
    """A Bot for one-off calls outside the Application (start-up checks, the poster's username)."""
    return Bot(
        token,
        base_url=settings.api_base_url,
        base_file_url=settings.api_file_url,
        request=request(settings),
        get_updates_request=request(settings, get_updates=True),
    )


def server(settings: Settings) -> str:
    """The Bot API server's address without the /bot path (never the token, which follows it)."""
    return settings.api_base_url.removesuffix("/bot")


def proxy_host(settings: Settings) -> str:
    """The proxy as host:port, without a user name or password, for messages and logs."""
    if not settings.proxy:
        return ""
    parts = urlsplit(settings.proxy)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


def check_token_shape(token: str) -> None:
    if not TOKEN_SHAPE.fullmatch(token):
        raise StartupError(
            "TIPLINE_BOT_TOKEN does not look like a token from @BotFather (digits, a colon, then about 35 "
            "letters, digits, - or _); copy the whole token again from @BotFather (/mybots)."
        )


async def get_me(settings: Settings, token: str) -> User:
    """One getMe; a malformed or refused token, a wrong server path or no connection is a sentence."""
    check_token_shape(token)
    api = bot(settings, token)
    try:
        try:
            await api.initialize()  # one getMe
            return api.bot
        finally:
            await api.shutdown()
    except InvalidToken as exc:
        raise _refused(settings, exc) from None
    except NetworkError as exc:
        raise _unreachable(settings, exc) from None


def _refused(settings: Settings, exc: InvalidToken) -> StartupError:
    # PTB raises InvalidToken for 401 and 404 alike, and wraps it twice (initialize, _post) with messages of
    # its own; the innermost holds the server's answer. Telegram answers 401 to a well-shaped token it does
    # not know; a 404 to a well-shaped token means the URL is wrong (no /bot at its end, another server).
    if any("Not Found" in m or "(404)" in m for m in _messages(exc)):
        return StartupError(
            f"TIPLINE_API_BASE_URL: the server at {settings.api_base_url} answered 404 Not Found: check that "
            "TIPLINE_API_BASE_URL ends in /bot (https://api.telegram.org/bot, or your own server's address + /bot)."
        )
    return StartupError(
        f"TIPLINE_BOT_TOKEN: the Bot API at {server(settings)} refused this token; "
        "copy it again from @BotFather (/mybots)."
    )


def _messages(exc: BaseException | None) -> list[str]:
    messages = []
    while exc is not None:
        messages.append(str(exc))
        exc = exc.__cause__
    return messages


def _unreachable(settings: Settings, exc: NetworkError) -> StartupError:
    name = type(exc).__name__
    if settings.proxy and any("407" in m for m in _messages(exc)):  # a setting to fix: not worth another try
        return StartupError(
            f"TIPLINE_PROXY: the proxy {proxy_host(settings)} asks for a user name and password (407); put them "
            "in TIPLINE_PROXY as http://USER:PASSWORD@HOST:PORT, or check the ones there."
        )
    if settings.proxy:
        return BotApiUnreachable(
            f"TIPLINE_API_BASE_URL: the Bot API at {server(settings)} cannot be reached through the proxy "
            f"{proxy_host(settings)} ({name}); check that the proxy of TIPLINE_PROXY runs and lets this server out."
        )
    return BotApiUnreachable(
        f"TIPLINE_API_BASE_URL: the Bot API at {server(settings)} cannot be reached ({name}); check the network, "
        "set TIPLINE_PROXY if Telegram is reached through a proxy, or check the address of your own Bot API server."
    )
