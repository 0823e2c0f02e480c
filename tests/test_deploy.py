"""deploy/: the systemd units (checked by systemd-analyze when it is here, and always by reading them),
the nightly backup script, and the example env file of docs/DEPLOY.md."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest

from bot import cli
from bot.config import Settings
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
UNITS = ("tipline.service", "tipline-backup.service", "tipline-backup.timer")
INSTALLED = "/opt/tipline"


def unit(name: str) -> dict[str, dict[str, list[str]]]:
    """A unit file as section -> key -> values (a key may repeat, as systemd allows)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def one(section: dict[str, list[str]], key: str) -> str:
    assert key in section, f"{key} missing"
    return section[key][-1]


# -- systemd-analyze ---------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
def test_systemd_accepts_the_units(tmp_path):
    """verify needs every ExecStart to exist: the units are checked with /opt/tipline replaced by this checkout."""
    for name in UNITS:
        text = (DEPLOY / name).read_text(encoding="utf-8").replace(INSTALLED, str(ROOT))
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(str(tmp_path / name) for name in UNITS)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    complaints = [line for line in (result.stdout + result.stderr).splitlines() if "tipline" in line]
    assert result.returncode == 0, result.stderr
    assert complaints == []  # systemd only warns about an unknown key or a bad value: no warning either


# -- the units, read -------------------------------------------------------------------------


def test_the_bot_runs_as_its_own_user_from_the_installed_venv():
    service = unit("tipline.service")["Service"]
    assert one(service, "User") == one(service, "Group") == "tipline"
    assert one(service, "WorkingDirectory") == INSTALLED
    assert one(service, "ExecStart") == f"{INSTALLED}/.venv/bin/python -m bot run"
    assert one(service, "EnvironmentFile") == "/etc/tipline/tipline.env"


def test_a_crash_restarts_the_bot_but_a_bad_setting_does_not():
    sections = unit("tipline.service")
    service = sections["Service"]
    assert one(service, "Restart") == "on-failure"
    assert 5 <= int(one(service, "RestartSec")) <= 60
    assert one(service, "RestartPreventExitStatus") == "2"  # cli.main's exit code for a StartupError
    assert cli.EXIT_TRY_LATER != 2  # Telegram not answering at start-up is tried again
    assert one(sections["Unit"], "StartLimitIntervalSec") == "0"  # never given up: the network may be down long
    assert "network-online.target" in one(sections["Unit"], "After")
    assert one(sections["Install"], "WantedBy") == "multi-user.target"


@pytest.mark.parametrize("name", ["tipline.service", "tipline-backup.service"])
def test_the_services_are_hardened(name):
    service = unit(name)["Service"]
    expected = {
        "UMask": "0077",
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "ProtectKernelTunables": "yes",
        "ProtectKernelModules": "yes",
        "ProtectKernelLogs": "yes",
        "ProtectControlGroups": "yes",
        "RestrictNamespaces": "yes",
        "RestrictSUIDSGID": "yes",
        "CapabilityBoundingSet": "",
    }
    assert {key: one(service, key) for key in expected} == expected
    families = set(one(service, "RestrictAddressFamilies").split())
    assert families <= {"AF_UNIX", "AF_INET", "AF_INET6"}
    assert "/var/lib/tipline" in one(service, "ReadWritePaths").split()


def test_the_key_ring_and_settings_stay_outside_what_the_bot_may_write():
    service = unit("tipline.service")["Service"]
    writable = one(service, "ReadWritePaths").split()
    assert writable == ["/var/lib/tipline"]  # /etc/tipline (key ring, env file) stays read-only
    env = Settings(_env_file=DEPLOY / "tipline.env.example")
    assert env.keyring_path == Path("/etc/tipline/keyring.json")
    assert not env.keyring_path.is_relative_to(env.data_dir)
    assert env.data_dir.is_relative_to("/var/lib/tipline")
    assert env.proxy is None and env.api_base_url == "https://api.telegram.org/bot"


def test_the_backup_runs_nightly_into_its_own_folder():
    timer = unit("tipline-backup.timer")
    assert one(timer["Timer"], "Unit") == "tipline-backup.service"
    assert one(timer["Timer"], "Persistent") == "true"
    assert one(timer["Timer"], "OnCalendar").startswith("*-*-* ")
    assert one(timer["Install"], "WantedBy") == "timers.target"
    backup = unit("tipline-backup.service")
    service = backup["Service"]
    assert one(service, "Type") == "oneshot"
    assert one(service, "User") == "tipline"
    script, folder, keep = one(service, "ExecStart").split()
    assert script == f"{INSTALLED}/deploy/tipline-backup"
    # "-": a missing folder (disk not mounted) lets the script say so instead of systemd's 226/NAMESPACE
    assert f"-{folder}" in one(service, "ReadWritePaths").split()
    assert folder.startswith(one(backup["Unit"], "RequiresMountsFor"))
    assert int(keep) >= 3
    assert one(service, "PrivateNetwork") == "yes"


# -- the backup script -------------------------------------------------------------------------


def _backup(data_dir: Path, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TIPLINE_")}
    environment["TIPLINE_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [str(DEPLOY / "tipline-backup"), str(folder), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_backup_script_keeps_the_newest_copies(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    with sqlite3.connect(data / "tipline.sqlite3") as conn:  # the smallest database backup accepts
        conn.execute("CREATE TABLE schema_version (version INTEGER)")
        conn.execute("INSERT INTO schema_version VALUES (1)")
    folder = tmp_path / "backup"
    folder.mkdir()
    old = [folder / f"tipline-2026010{day}-023000.sqlite3" for day in range(1, 6)]
    for path in old:
        path.write_bytes(b"an older copy")
    (folder / "notes.txt").write_text("not a copy: left alone")

    result = _backup(data, folder, "3")

    assert result.returncode == 0, result.stderr
    copies = sorted(p.name for p in folder.glob("tipline-*.sqlite3"))
    assert len(copies) == 3
    assert copies[:2] == [old[3].name, old[4].name]
    newest = folder / copies[2]
    assert stat.S_IMODE(newest.stat().st_mode) == 0o600
    with sqlite3.connect(newest) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchone() == (1,)
    assert (folder / "notes.txt").exists()
    assert "Removed the old copy" in result.stdout


def test_a_failed_backup_removes_nothing(tmp_path):
    folder = tmp_path / "backup"
    folder.mkdir()
    old = [folder / f"tipline-2026010{day}-023000.sqlite3" for day in range(1, 6)]
    for path in old:
        path.write_bytes(b"an older copy")
    result = _backup(tmp_path / "no-data", folder, "1")
    assert result.returncode == 2
    assert "TIPLINE_DATA_DIR" in result.stderr
    assert all(path.exists() for path in old)


def test_the_backup_script_refuses_a_bad_count(tmp_path):
    result = _backup(tmp_path / "data", tmp_path / "backup", "none")
    assert result.returncode == 2
    assert "KEEP" in result.stderr


# -- the example env file ----------------------------------------------------------------------


def test_every_setting_of_the_example_env_file_is_known():
    names = {
        line.split("=")[0].lstrip("# ").strip()
        for line in (DEPLOY / "tipline.env.example").read_text(encoding="utf-8").splitlines()
        if line.lstrip("# ").startswith("TIPLINE_") and "=" in line
    }
    assert names <= {f"TIPLINE_{name.upper()}" for name in Settings.model_fields}
    assert {"TIPLINE_BOT_TOKEN", "TIPLINE_DATA_DIR", "TIPLINE_KEYRING", "TIPLINE_CONFIG", "TIPLINE_PROXY"} <= names


def test_every_command_in_the_deploy_guide_parses():
    """Each `python -m bot …` or `./scripts/run …` line of docs/DEPLOY.md is a command the CLI knows, with
    arguments it takes."""
    parser = cli.build_parser()
    commands, in_code = [], False
    for line in (ROOT / "docs" / "DEPLOY.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif in_code and ("python -m bot " in line or "scripts/run " in line):
            marker = "python -m bot " if "python -m bot " in line else "scripts/run "
            commands.append(line.split(marker, 1)[1].split("#")[0].split())
    assert len(commands) >= 8
    for argv in commands:
        parser.parse_args(argv)  # exits 2 on an unknown command or argument
