"""The set-up a new machine runs: scripts/_venv.sh, the CJK font for charts, `python -m bot` outside .venv."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from matplotlib import font_manager

from bot.fonts import find_cjk_fonts
from core import charts
from tests.conftest import ROOT

# -- scripts/_venv.sh --------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder laid out like a clone, with a pyproject.toml that pip cannot install (no index needed)."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "_venv.sh", tmp_path / "scripts" / "_venv.sh")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    return tmp_path


def _bash(project: Path, script: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "PYTHON": sys.executable, "HOME": str(project)}
    return subprocess.run(
        ["bash", "-c", f". scripts/_venv.sh; {script}"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _bare_venv(project: Path) -> None:
    """A working .venv without pip: any attempt to install in it fails, so a skipped install shows."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(project / ".venv")], check=True)


def test_a_dangling_venv_link_is_made_again(project: Path):
    (project / ".venv").symlink_to(project / "a-folder-of-another-machine")
    assert _bash(project, "_venv_usable").returncode == 1
    result = _bash(project, "ensure_venv")
    assert "Making .venv again" in result.stderr
    assert (project / ".venv").is_dir() and not (project / ".venv").is_symlink()
    assert (project / ".venv" / "bin" / "python").exists()


def test_a_venv_without_python_or_with_a_dead_interpreter_is_not_usable(project: Path):
    (project / ".venv" / "bin").mkdir(parents=True)
    assert _bash(project, "_venv_usable").returncode == 1
    (project / ".venv" / "bin" / "python").write_text("#!/bin/sh\nexit 127\n", encoding="utf-8")
    (project / ".venv" / "bin" / "python").chmod(0o755)
    assert _bash(project, "_venv_usable").returncode == 1
    shutil.rmtree(project / ".venv")
    _bare_venv(project)
    assert _bash(project, "_venv_usable").returncode == 0


def test_packages_are_installed_only_when_pyproject_changed(project: Path):
    _bare_venv(project)
    stamp = _bash(project, "_install_stamp ''").stdout.strip()
    (project / ".venv" / ".installed-base").write_text(stamp + "\n", encoding="utf-8")
    unchanged = _bash(project, "ensure_venv")
    assert unchanged.returncode == 0, unchanged.stderr
    assert "Installing" not in unchanged.stderr

    with (project / "pyproject.toml").open("a", encoding="utf-8") as fh:
        fh.write("version = '2'\n")
    changed = _bash(project, "ensure_venv")
    assert "Installing Tipline's packages" in changed.stderr
    assert changed.returncode == 2
    assert "Could not install the packages" in changed.stderr


def test_the_tests_install_serves_the_bot_too(project: Path):
    _bare_venv(project)
    stamp = _bash(project, "_install_stamp dev").stdout.strip()
    (project / ".venv" / ".installed-dev").write_text(stamp + "\n", encoding="utf-8")
    assert _bash(project, "ensure_venv").returncode == 0
    assert _bash(project, "ensure_venv dev").returncode == 0


# -- python -m bot without the packages ---------------------------------------------------------


def test_python_without_the_packages_is_told_to_use_scripts_run():
    code = (
        "import sys, runpy; "
        f"sys.path = [{str(ROOT)!r}] + [p for p in sys.path if 'site-packages' not in p]; "
        "runpy.run_module('bot', run_name='__main__')"
    )
    result = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "./scripts/run" in result.stderr and ".venv/bin/python" in result.stderr
    assert "Traceback" not in result.stderr


# -- the CJK font -------------------------------------------------------------------------------


@pytest.fixture
def fresh_family():
    charts.cjk_family.cache_clear()
    yield
    charts.cjk_family.cache_clear()


def _cache_without_cjk(monkeypatch: pytest.MonkeyPatch) -> None:
    """matplotlib's font cache as it is when it was built before the font was installed."""
    stale = [f for f in font_manager.fontManager.ttflist if f.name not in charts.CJK_FAMILIES]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", stale)


def test_a_font_installed_after_matplotlibs_cache_is_found(monkeypatch: pytest.MonkeyPatch, fresh_family):
    _cache_without_cjk(monkeypatch)
    assert charts.installed_family() is None
    find_cjk_fonts()  # at start-up
    assert charts.cjk_family() in charts.CJK_FAMILIES
    png = charts.bar_panels("举报统计", [charts.Panel("按行业", [("建筑施工", 3), ("消防", 1)])])
    assert png.startswith(b"\x89PNG")


def test_no_font_at_all_names_a_fix(monkeypatch: pytest.MonkeyPatch, fresh_family):
    _cache_without_cjk(monkeypatch)
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
    find_cjk_fonts()
    with pytest.raises(charts.CjkFontMissing, match="apt-get install fonts-wqy-microhei"):
        charts.cjk_family()


# -- scripts/run ----------------------------------------------------------------------------------


@pytest.fixture
def logged_venv(project: Path) -> Path:
    """A .venv whose python logs what it is asked to run (and answers version checks for real)."""
    shutil.copy(ROOT / "scripts" / "run", project / "scripts" / "run")
    bin_dir = project / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").write_text(
        f'#!/bin/sh\nif [ "$1" = -c ]; then exec {sys.executable} "$@"; fi\necho "$@" >> "{project}/calls"\n',
        encoding="utf-8",
    )
    (bin_dir / "python").chmod(0o755)
    stamp = _bash(project, "_install_stamp ''").stdout.strip()
    (project / ".venv" / ".installed-base").write_text(stamp + "\n", encoding="utf-8")
    (project / ".venv" / ".cjk-font-tried").touch()
    return project


def _run(project: Path, *args: str) -> list[str]:
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(project)}
    result = subprocess.run(["bash", "scripts/run", *args], cwd=project, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return (project / "calls").read_text(encoding="utf-8").splitlines()


def test_only_the_bot_itself_makes_a_key_ring(logged_venv: Path):
    assert _run(logged_venv, "console", "--temp") == ["-m bot console --temp"]
    (logged_venv / "calls").unlink()
    assert _run(logged_venv) == ["-m bot keys init --if-missing", "-m bot run"]


def test_the_font_is_tried_once_so_a_restart_never_waits_on_apt(project: Path):
    if os.geteuid() != 0:
        pytest.skip("the set-up installs the font only as root")
    fake = project / "fakebin"
    fake.mkdir()
    for name, body in (("fc-list", "exit 0"), ("apt-get", f'echo "$@" >> "{project}/apt"; exit 100')):
        (fake / name).write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
        (fake / name).chmod(0o755)
    _bare_venv(project)
    env = {"PATH": f"{fake}:/usr/bin:/bin", "HOME": str(project)}
    for _ in range(3):
        result = subprocess.run(["bash", "-c", ". scripts/_venv.sh; ensure_cjk_font"], cwd=project, env=env,
                                capture_output=True, text=True)  # fmt: skip
        assert result.returncode == 0
    calls = (project / "apt").read_text(encoding="utf-8").splitlines()
    assert calls[0].startswith("install") and len(calls) <= 3  # one attempt: install, update, install
    assert "apt-get install fonts-wqy-microhei" in result.stderr
