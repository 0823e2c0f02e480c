"""`python -m bot console` can be driven from a script on stdin."""

import os
import subprocess
import sys

from tests.conftest import ROOT


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
