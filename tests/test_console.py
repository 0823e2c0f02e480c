"""`python -m bot console` can be driven from a script on stdin."""

import io
import os
import re
import sqlite3
import subprocess
import sys
import time

from bot.console import console_application, run_console
from core.crypto import KeyRing
from handlers.notify import notify_reporter
from handlers.outbox import drain
from tests.conftest import ROOT
from tests.reporter import file_tip

REPORTER = 8800000001


def _console(tmp_path, script: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIPLINE_")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", "--temp", *args],
        input=script,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_whole_start_exchange_from_stdin(tmp_path):
    result = _console(tmp_path, "/start\n#4\n#5\n#2\n/cancel\n:quit\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "you are reporter" in out
    assert "您好，这里是" in out and "[1] 📝 我要举报" in out
    assert "使用说明" in out  # #4: help
    assert "请选择语言" in out and "[2] English" in out  # #5: language
    assert "Language set to English." in out  # #2: English
    assert "There is nothing to cancel" in out
    assert out.rstrip().endswith("bye")
    assert "Traceback" not in result.stderr


def test_personas_and_bad_input(tmp_path):
    result = _console(tmp_path, "#9\n:sticker\n:photo /no/such/file\n", "--persona", "liaison")
    assert result.returncode == 0, result.stderr
    assert "you are liaison" in result.stdout
    assert "there is no button 9" in result.stdout
    assert "没有看懂" in result.stdout
    assert "console:" in result.stdout and "No such file" in result.stdout


def test_console_without_a_key_ring_says_how_to_make_one(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIPLINE_")}
    env.update(PYTHONPATH=str(ROOT), TIPLINE_DATA_DIR=str(tmp_path / "data"))
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input="",
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "python -m bot keys init" in result.stderr


def _session(tmp_path, script: str, *args: str) -> subprocess.CompletedProcess:
    """A console on a real data dir (no --temp), as a trial user runs it day after day."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIPLINE_")}
    env.update(PYTHONPATH=str(ROOT), TIPLINE_DATA_DIR=str(tmp_path / "data"))
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", *args],
        input=script,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_session_on_a_real_data_dir_answers_its_first_inputs(tmp_path):
    KeyRing.generate().save(tmp_path / "data" / "keyring.json")
    first = _session(tmp_path, "/start\n#4\n:quit\n")
    assert first.returncode == 0, first.stderr
    assert "Data dir" in first.stdout and "runs no scheduled job" in first.stdout
    again = _session(tmp_path, "/start\n#4\n:quit\n")
    assert again.returncode == 0, again.stderr
    assert "您好，这里是" in again.stdout and "使用说明" in again.stdout
    with sqlite3.connect(tmp_path / "data" / "tipline.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM processed_updates").fetchone() == (0,)


async def test_the_console_runs_no_job_and_leaves_what_waits_in_the_outbox(start_bot, settings, ring, office):
    async with start_bot() as sim:
        sim.app.job_queue.scheduler.pause()
        receipt = await file_tip(sim.user(REPORTER), push=True)
        sim.api.fail_next("sendMessage", network=True)
        await notify_reporter(sim.app, receipt.number)  # Telegram unreachable: the notice waits
    app, _ = console_application(settings, office, ring)
    assert app.job_queue.jobs() == ()
    out = io.StringIO()
    await run_console(settings, office, ring, "reporter", stdin=io.StringIO("/start\n"), out=out)
    assert "您好，这里是" in out.getvalue()
    with sqlite3.connect(settings.data_dir / "tipline.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").fetchone() == (1,)
    async with start_bot() as sim:
        assert await drain(sim.app, now=time.time() + 60) == 1  # the real bot sends it, after its back-off
        [notice] = [c for c in sim.api.calls_of("sendMessage") if c.params["chat_id"] == REPORTER]
        assert receipt.number in notice.params["text"]


class _Typist:
    """Types lines into the console; a callable line is typed from what the console showed so far."""

    def __init__(self, out: io.StringIO, *lines):
        self.out, self.lines = out, list(lines)

    def readline(self) -> str:
        if not self.lines:
            return ""
        line = self.lines.pop(0)
        return (line(self.out.getvalue()) if callable(line) else line) + "\n"


async def _persona(settings, office, ring, persona: str, *lines) -> str:
    out = io.StringIO()
    await run_console(settings, office, ring, persona, stdin=_Typist(out, *lines), out=out, temp=True)
    return out.getvalue()


async def test_the_staff_persona_is_the_offices_admin(settings, ring, office):
    out = await _persona(settings, office, ring, "staff", "/inbox", "/staff", "/rewards")
    assert "you are the office's admin and reward officer" in out
    assert "收件箱：共 0 件" in out
    assert "• Staff" in out and "管理员（负责人）、奖励兑现人员" in out and "➕ 邀请工作人员" in out
    assert "奖励台账" in out
    assert "仅限" not in out and "仅供" not in out


async def test_the_liaison_persona_is_a_units_liaison_and_gets_a_code_to_try(settings, ring, office):
    def register(shown: str) -> str:
        return re.search(r"send: (/register [A-Z0-9]{4}-[A-Z0-9]{4})\n", shown)[1]

    out = await _persona(settings, office, ring, "liaison", "/start", "#3", register)
    assert "you are the registered liaison of 东平社区" in out
    assert "bot> 🏘 东平社区" in out and "报送 · 逐项填写" in out
    registering = out.split("/register")[-1]
    assert "西山村" in registering and "无效" not in registering
