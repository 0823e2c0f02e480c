"""A bad setting stops start-up with one sentence naming the setting and the fix, exit code 2."""

import http.server
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot import cli
from bot.config import Settings
from core.crypto import KeyRing
from storage.keyring import save_ring
from tests.conftest import ROOT


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A complete, valid environment; each test breaks one thing."""
    ring_path = tmp_path / "secrets" / "keyring.json"
    save_ring(KeyRing.generate(), ring_path)
    values = {
        "TIPLINE_BOT_TOKEN": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawZ",  # BotFather's shape, not a real one
        "TIPLINE_DATA_DIR": str(tmp_path / "data"),
        "TIPLINE_KEYRING": str(ring_path),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def _run_fails_with(capsys, *needles):
    assert cli.main(["run"]) == 2
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err
    return err


def test_defaults():
    settings = Settings(_env_file=None)
    assert settings.timezone == "Asia/Shanghai"
    assert settings.language == "zh"
    assert str(settings.data_dir) == "data"
    # The user's config folder, never the data dir (the test's XDG_CONFIG_HOME: tests/conftest.py).
    assert settings.keyring_path == Path(os.environ["XDG_CONFIG_HOME"]) / "tipline" / "keyring.json"
    assert settings.api_base_url == "https://api.telegram.org/bot"
    assert settings.api_file_url == "https://api.telegram.org/file/bot"


def test_settings_come_from_a_dotenv_file(tmp_path):
    (tmp_path / ".env").write_text("TIPLINE_LANGUAGE=en\nTIPLINE_TIMEZONE=Asia/Urumqi\n")
    settings = Settings()
    assert (settings.language, settings.timezone) == ("en", "Asia/Urumqi")


def test_missing_token(env, monkeypatch, capsys):
    monkeypatch.delenv("TIPLINE_BOT_TOKEN")
    _run_fails_with(capsys, "TIPLINE_BOT_TOKEN", "@BotFather")


def test_missing_key_ring(env, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("TIPLINE_KEYRING", str(tmp_path / "nowhere.json"))
    _run_fails_with(capsys, "TIPLINE_KEYRING", "does not exist", "python -m bot keys init")


def test_unreadable_key_ring(env, monkeypatch, tmp_path, capsys):
    # A directory where the file should be: unreadable even for root, who ignores file modes.
    (tmp_path / "ring-dir").mkdir()
    monkeypatch.setenv("TIPLINE_KEYRING", str(tmp_path / "ring-dir"))
    _run_fails_with(capsys, "TIPLINE_KEYRING", "cannot be read")


def test_malformed_key_ring(env, capsys):
    with open(env["TIPLINE_KEYRING"], "w") as fh:
        fh.write("{ not json")
    _run_fails_with(capsys, "TIPLINE_KEYRING", "malformed")


def test_key_ring_readable_by_others(env, capsys):
    os.chmod(env["TIPLINE_KEYRING"], 0o644)
    _run_fails_with(capsys, "TIPLINE_KEYRING", "chmod 600")


def test_data_dir_that_cannot_be_written(env, monkeypatch, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("TIPLINE_DATA_DIR", str(blocker / "data"))
    _run_fails_with(capsys, "TIPLINE_DATA_DIR", "cannot be written")


def test_malformed_toml(env, monkeypatch, tmp_path, capsys):
    config = tmp_path / "office.toml"
    config.write_text('name = "东平镇\n[[departments]\n')
    monkeypatch.setenv("TIPLINE_CONFIG", str(config))
    _run_fails_with(capsys, "TIPLINE_CONFIG", "not valid TOML", "line")


def test_toml_that_breaks_a_rule(env, monkeypatch, tmp_path, capsys):
    config = tmp_path / "office.toml"
    config.write_text('intake_department = "nobody"\n')
    monkeypatch.setenv("TIPLINE_CONFIG", str(config))
    _run_fails_with(capsys, "TIPLINE_CONFIG", "intake_department")


def test_missing_toml(env, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("TIPLINE_CONFIG", str(tmp_path / "none.toml"))
    _run_fails_with(capsys, "TIPLINE_CONFIG", "does not exist")


@pytest.mark.parametrize(
    "name, value, fix",
    [
        ("TIPLINE_TIMEZONE", "Mars/Olympus", "Asia/Shanghai"),
        ("TIPLINE_LANGUAGE", "fr", "zh or en"),
        ("TIPLINE_API_BASE_URL", "localhost:8081", "http"),
    ],
)
def test_bad_values(env, monkeypatch, capsys, name, value, fix):
    monkeypatch.setenv(name, value)
    _run_fails_with(capsys, name, fix)


def test_a_real_process_exits_2_without_a_traceback(tmp_path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TIPLINE_")}
    environment["TIPLINE_DATA_DIR"] = str(tmp_path / "data")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env={**environment, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "TIPLINE_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("run", "console", "keys"):
        assert command in out


def test_env_example_documents_every_setting():
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    documented = {
        line.split("=")[0].lstrip("# ").strip() for line in text.splitlines() if "TIPLINE_" in line and "=" in line
    }
    expected = {f"TIPLINE_{name.upper()}" for name in Settings.model_fields}
    assert expected <= documented


class _Refusing(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = b'{"ok": false, "error_code": 401, "description": "Unauthorized"}'
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        """Quiet: the test output is not the place for request lines."""


@pytest.fixture
def refusing_bot_api():
    """A Bot API server on loopback that refuses every token."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_token_the_bot_api_refuses(env, monkeypatch, capsys, refusing_bot_api):
    monkeypatch.setenv("TIPLINE_API_BASE_URL", f"{refusing_bot_api}/bot")
    monkeypatch.setenv("TIPLINE_API_FILE_URL", f"{refusing_bot_api}/file/bot")
    _run_fails_with(capsys, "TIPLINE_BOT_TOKEN", "refused this token", "@BotFather")


def test_a_bot_api_that_cannot_be_reached(env, monkeypatch, capsys):
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("TIPLINE_API_BASE_URL", f"http://127.0.0.1:{port}/bot")
    assert cli.main(["run"]) == cli.EXIT_TRY_LATER  # not 2: systemd starts the bot again (tests/test_network.py)
    err = capsys.readouterr().err.strip()
    assert "TIPLINE_API_BASE_URL" in err and "cannot be reached" in err and "Traceback" not in err
