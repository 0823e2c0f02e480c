"""`python -m bot console` can be driven from a script on stdin."""

import io
import os
import re
import sqlite3
import subprocess
import sys
import time

from bot.console import console_application, run_console
from handlers.notify import notify_reporter
from handlers.outbox import drain
from tests.conftest import ROOT
from tests.reporter import file_tip

REPORTER = 8800000001


def _console(tmp_path, script: str, *args: str, temp: bool = True, **env_vars: str) -> subprocess.CompletedProcess:
    """`python -m bot console`, throwaway (`--temp`) or on a data dir given in env_vars, typed from a script."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIPLINE_")}
    env.update(PYTHONPATH=str(ROOT), **env_vars)
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", *(["--temp"] if temp else []), *args],
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


def test_a_console_on_a_new_data_dir_makes_a_trial_of_its_own_and_every_session_answers_at_once(tmp_path):
    data = tmp_path / "data"
    first = _console(tmp_path, "/start\n#4\n:quit\n", temp=False, TIPLINE_DATA_DIR=str(data))
    assert first.returncode == 0, first.stderr
    assert "Trial data dir" in first.stdout and "No scheduled job runs" in first.stdout
    assert (data / "console-trial.txt").exists() and (data / "trial-keyring.json").exists()
    again = _console(tmp_path, "/start\n#4\n:quit\n", temp=False, TIPLINE_DATA_DIR=str(data))
    assert again.returncode == 0, again.stderr
    assert "您好，这里是" in again.stdout and "使用说明" in again.stdout  # the first inputs are answered
    with sqlite3.connect(data / "tipline.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM processed_updates").fetchone() == (0,)
    run = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TIPLINE_DATA_DIR": str(data),
             "TIPLINE_KEYRING": str(data / "trial-keyring.json"), "TIPLINE_BOT_TOKEN": "123456:" + "A" * 35},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 2 and "trial data made by `python -m bot console`" in run.stderr


async def test_the_console_refuses_the_offices_data_dir(start_bot, settings, tmp_path):
    async with start_bot() as sim:
        await file_tip(sim.user(REPORTER))
    before = (settings.data_dir / "tipline.sqlite3").read_bytes()
    env = {"TIPLINE_DATA_DIR": str(settings.data_dir), "TIPLINE_KEYRING": str(settings.keyring_path)}
    result = _console(tmp_path, "/start\n", temp=False, **env)
    assert result.returncode == 2 and "holds the office's database" in result.stderr and "--temp" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (settings.data_dir / "console-trial.txt").exists()
    assert (settings.data_dir / "tipline.sqlite3").read_bytes() == before


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


async def _persona(settings, office, ring, persona: str, *lines, temp: bool = True) -> str:
    out = io.StringIO()
    await run_console(settings, office, ring, persona, stdin=_Typist(out, *lines), out=out, temp=temp)
    return out.getvalue()


async def test_the_staff_persona_is_the_offices_admin(settings, ring, office):
    out = await _persona(settings, office, ring, "staff", "/inbox", "/staff", "/rewards")
    assert "you are the office's admin and reward officer" in out
    assert "收件箱：共 0 件" in out
    assert "• Staff" in out and "管理员（负责人）、奖励兑现人员" in out and "➕ 邀请工作人员" in out
    assert "奖励台账" in out
    assert "仅限" not in out and "仅供" not in out
    again = await _persona(settings, office, ring, "staff", "/staff", temp=False)  # the trial's next session
    assert again.count("• Staff") == 1 and "管理员（负责人）、奖励兑现人员" in again


async def test_the_liaison_persona_is_a_units_liaison_and_gets_a_code_to_try(settings, ring, office):
    def register(shown: str) -> str:
        return re.search(r"send: (/register [A-Z0-9]{4}-[A-Z0-9]{4})\n", shown)[1]

    out = await _persona(settings, office, ring, "liaison", "/start", "#3", register)
    assert "You are the registered liaison of 东平社区" in out
    assert "bot> 🏘 东平社区" in out and "报送 · 逐项填写" in out
    registering = out.split("/register")[-1]
    assert "西山村" in registering and "无效" not in registering
