"""Reaching Telegram: the token's shape, the Bot API's answers, TIPLINE_PROXY, and the poster's getMe.

A tiny HTTP server on 127.0.0.1 plays the Bot API (or an HTTP proxy in front of it); nothing leaves
the machine. The CLI runs in a thread (it calls asyncio.run) while the server answers in the test's loop.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest

from bot import cli
from bot.app import build_application
from bot.config import Settings
from tests.conftest import EXAMPLE_CONFIG

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawZ"  # the shape BotFather hands out; not a real one
GET_ME = {"id": 123456789, "is_bot": True, "first_name": "Tipline", "username": "DongpingTipBot"}


@dataclass
class FakeServer:
    """Answers every request with `status` and `body`; remembers each request line."""

    status: int = 200
    body: bytes = b""
    lines: list[str] = field(default_factory=list)
    url: str = ""

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        request_line, *headers = head.decode("latin-1").split("\r\n")
        self.lines.append(request_line)
        length = next((int(h.split(":")[1]) for h in headers if h.lower().startswith("content-length:")), 0)
        await asyncio.wait_for(reader.readexactly(length), 10)
        reason = {200: "OK", 401: "Unauthorized", 404: "Not Found", 407: "Proxy Authentication Required"}[self.status]
        writer.write(
            f"HTTP/1.1 {self.status} {reason}\r\nContent-Length: {len(self.body)}\r\n"
            f"Content-Type: application/json\r\nConnection: close\r\n\r\n".encode()
            + self.body
        )
        await writer.drain()
        writer.close()

    def methods(self) -> list[str]:
        return [line.split()[1].rsplit("/", 1)[-1] for line in self.lines]


@asynccontextmanager
async def fake_server(status: int, body: object) -> AsyncIterator[FakeServer]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    fake = FakeServer(status, raw)
    server = await asyncio.start_server(fake._serve, "127.0.0.1", 0)
    fake.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with server:
        yield fake


def closed_port() -> int:
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def env(monkeypatch, settings, ring):
    monkeypatch.setenv("TIPLINE_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TIPLINE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TIPLINE_KEYRING", str(settings.keyring_path))
    monkeypatch.setenv("TIPLINE_CONFIG", str(EXAMPLE_CONFIG))


def use_server(monkeypatch, url: str) -> None:
    monkeypatch.setenv("TIPLINE_API_BASE_URL", f"{url}/bot")
    monkeypatch.setenv("TIPLINE_API_FILE_URL", f"{url}/file/bot")


async def fails_with(capsys, argv: list[str], *needles: str, code: int = 2) -> str:
    assert await asyncio.to_thread(cli.main, argv) == code
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err
    return err


# -- start-up ----------------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["123456:abcdef", "bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawZ", "AAHdqTcv"])
async def test_a_malformed_token_is_named_before_any_call(env, monkeypatch, capsys, token):
    monkeypatch.setenv("TIPLINE_BOT_TOKEN", token)
    async with fake_server(200, {"ok": True, "result": GET_ME}) as api:
        use_server(monkeypatch, api.url)
        err = await fails_with(capsys, ["run"], "TIPLINE_BOT_TOKEN", "does not look like a token", "@BotFather")
    assert api.lines == []
    assert token not in err


@pytest.mark.parametrize(
    "body",
    [
        {"ok": False, "error_code": 404, "description": "Not Found"},
        b"<html><body><h1>404 Not Found</h1></body></html>",  # a web server, not a Bot API
    ],
)
async def test_a_404_names_the_base_url_not_the_token(env, monkeypatch, capsys, body):
    async with fake_server(404, body) as api:
        monkeypatch.setenv("TIPLINE_API_BASE_URL", f"{api.url}/telegram/bot")  # a wrong path on the server
        err = await fails_with(capsys, ["run"], "TIPLINE_API_BASE_URL", "404 Not Found", "ends in /bot")
    assert f"{api.url}/telegram" in err
    assert "refused" not in err and "TIPLINE_BOT_TOKEN" not in err
    assert api.methods() == ["getMe"]


@pytest.mark.parametrize(
    ("name", "value", "ending"),
    [
        ("TIPLINE_API_BASE_URL", "http://127.0.0.1:8081/", "/bot"),  # the commonest slip: the server alone
        ("TIPLINE_API_BASE_URL", "https://api.telegram.org", "/bot"),
        ("TIPLINE_API_FILE_URL", "http://127.0.0.1:8081/bot", "/file/bot"),
    ],
)
async def test_a_bot_api_address_without_its_path_is_a_setting_to_fix(env, monkeypatch, capsys, name, value, ending):
    """Not "cannot be reached" (exit 75, restarted for ever by systemd): the address itself is wrong (exit 2)."""
    async with fake_server(200, {"ok": True, "result": GET_ME}) as api:
        monkeypatch.setenv(name, value)
        err = await fails_with(capsys, ["run"], name, f"does not end in {ending}")
    assert api.lines == [] and "cannot be reached" not in err


async def test_a_401_is_a_refused_token(env, monkeypatch, capsys):
    async with fake_server(401, {"ok": False, "error_code": 401, "description": "Unauthorized"}) as api:
        use_server(monkeypatch, api.url)
        await fails_with(capsys, ["run"], "TIPLINE_BOT_TOKEN", "refused this token", "@BotFather")


async def test_no_proxy_answering_names_the_proxy(env, monkeypatch, capsys):
    monkeypatch.setenv("TIPLINE_PROXY", f"http://tipline:s3cret@127.0.0.1:{closed_port()}")
    use_server(monkeypatch, "http://bot-api.example:8081")
    err = await fails_with(
        capsys, ["run"], "cannot be reached through the proxy 127.0.0.1:", "TIPLINE_PROXY", code=cli.EXIT_TRY_LATER
    )
    assert "the Bot API at http://bot-api.example:8081 " in err
    assert "s3cret" not in err


@pytest.mark.parametrize("base_url", [None, "http://bot-api.example:8081"])  # Telegram's https (CONNECT), plain http
async def test_a_proxy_that_wants_a_password_says_so(env, monkeypatch, capsys, base_url):
    async with fake_server(407, b"") as proxy:
        monkeypatch.setenv("TIPLINE_PROXY", proxy.url)
        if base_url:
            use_server(monkeypatch, base_url)
        err = await fails_with(capsys, ["run"], "TIPLINE_PROXY", "USER:PASSWORD@")  # 2: not tried again
    assert proxy.lines[0].startswith("CONNECT api.telegram.org:443" if base_url is None else "POST http://bot-api")
    assert TOKEN not in err


async def test_an_unreachable_bot_api_is_worth_another_try(env, monkeypatch, capsys):
    """Not exit 2, which systemd never restarts (RestartPreventExitStatus=2): the network may come back."""
    use_server(monkeypatch, f"http://127.0.0.1:{closed_port()}")
    await fails_with(capsys, ["run"], "TIPLINE_API_BASE_URL", "cannot be reached", code=75)


# -- TIPLINE_PROXY -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("socks5://127.0.0.1:1080", "httpx[socks]"),
        ("127.0.0.1:3128", "http://10.0.0.1:3128"),
        ("http://proxy:99999", "port"),
    ],
)
async def test_a_proxy_that_is_not_an_http_url_is_a_sentence(env, monkeypatch, capsys, value, needle):
    monkeypatch.setenv("TIPLINE_PROXY", value)
    await fails_with(capsys, ["run"], "TIPLINE_PROXY", needle)


def test_no_proxy_by_default(settings):
    assert settings.proxy is None
    assert Settings(_env_file=None, proxy="").proxy is None


async def test_the_applications_calls_and_get_updates_go_through_the_proxy(settings, ring, office):
    """The Application built for production sends getMe and getUpdates to the proxy, asking for Telegram."""
    async with fake_server(200, {"ok": True, "result": GET_ME}) as proxy:
        through = {"proxy": proxy.url, "api_base_url": "http://bot-api.example:8081/bot"}
        app = build_application(settings.model_copy(update=through), office, ring, token=TOKEN)
        calls, updates = app.bot.request, app.bot._request[0]
        assert calls is not updates
        assert calls._client_kwargs["proxy"] == updates._client_kwargs["proxy"] == proxy.url
        await app.bot.initialize()  # getMe, through the calls' request
        proxy.body = json.dumps({"ok": True, "result": []}).encode()
        await app.bot.get_updates(timeout=0)  # through the getUpdates request
        await app.bot.shutdown()
    assert proxy.lines == [
        f"POST http://bot-api.example:8081/bot{TOKEN}/getMe HTTP/1.1",
        f"POST http://bot-api.example:8081/bot{TOKEN}/getUpdates HTTP/1.1",
    ]


async def test_without_a_proxy_nothing_is_set(settings, ring, office):
    app = build_application(settings, office, ring, token=TOKEN)
    assert app.bot.request._client_kwargs["proxy"] is None
    assert app.bot._request[0]._client_kwargs["proxy"] is None


# -- the poster's getMe ------------------------------------------------------------------------


async def test_the_poster_asks_the_configured_server_through_the_proxy(env, monkeypatch, tmp_path):
    async with fake_server(200, {"ok": True, "result": GET_ME}) as proxy:
        monkeypatch.setenv("TIPLINE_PROXY", proxy.url)
        use_server(monkeypatch, "http://bot-api.example:8081")
        out = tmp_path / "out"
        assert await asyncio.to_thread(cli.main, ["poster", "--out", str(out)]) == 0
    assert proxy.lines == [f"POST http://bot-api.example:8081/bot{TOKEN}/getMe HTTP/1.1"]
    assert (out / "poster-report-zh.pdf").is_file()


async def test_the_poster_without_a_network_says_to_use_bot(env, monkeypatch, capsys, tmp_path):
    use_server(monkeypatch, f"http://127.0.0.1:{closed_port()}")
    await fails_with(
        capsys, ["poster", "--out", str(tmp_path)], "Telegram could not be reached", "127.0.0.1", "--bot USERNAME"
    )
    assert not list(tmp_path.glob("poster-*"))


async def test_the_poster_with_a_refused_token_says_so(env, monkeypatch, capsys, tmp_path):
    async with fake_server(401, {"ok": False, "error_code": 401, "description": "Unauthorized"}) as api:
        use_server(monkeypatch, api.url)
        await fails_with(capsys, ["poster", "--out", str(tmp_path)], "TIPLINE_BOT_TOKEN", "refused this token")
