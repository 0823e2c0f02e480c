"""Start-up errors said as a person would: no pydantic wording, every problem of the TOML file at once."""

from __future__ import annotations

import pytest

from bot import cli
from bot.config import load_office
from core.crypto import KeyRing
from core.office import OfficeConfigError
from storage.keyring import save_ring

PYDANTIC_WORDS = ("Value error", "Extra inputs", "String should", "Input should", "Field required", "^[", "pydantic")


@pytest.fixture
def env(monkeypatch, tmp_path):
    ring_path = tmp_path / "secrets" / "keyring.json"
    save_ring(KeyRing.generate(), ring_path)
    monkeypatch.setenv("TIPLINE_BOT_TOKEN", "123456:abcdef")
    monkeypatch.setenv("TIPLINE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TIPLINE_KEYRING", str(ring_path))


def _fails(capsys) -> list[str]:
    assert cli.main(["run"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for words in PYDANTIC_WORDS:
        assert words not in err, err
    return err.splitlines()


BROKEN = """\
fooo = 1
[[departments]]
code = "emergency"
name = "应急站"
[[departments]]
code = "Fire Dept"
name = "消防"
colour = "red"
[deadlines]
verify_days = -5
reply_days = "ten"
[reminders]
time = "8:30"
[limits]
draft_days = 1000
[figures]
template = "zz"
"""


def test_every_problem_of_the_toml_file_at_once_one_line_each(env, monkeypatch, tmp_path, capsys):
    config = tmp_path / "office.toml"
    config.write_text(BROKEN, encoding="utf-8")
    monkeypatch.setenv("TIPLINE_CONFIG", str(config))
    heading, *lines = _fails(capsys)
    assert heading.startswith(f"tipline: TIPLINE_CONFIG: {config} has 8 problems;")
    assert "config/office.example.toml" in heading
    assert lines == [
        "  - departments[2].code: use 1 to 24 lower-case letters, digits, _ or -",
        "  - departments[2]: unknown key 'colour' (check its spelling)",
        "  - deadlines.verify_days: must be 1 or more",
        "  - deadlines.reply_days: must be a whole number, such as 5 (without quotes)",
        "  - reminders.time: use a time of day as HH:MM, such as 08:30",
        "  - limits.draft_days: must be 60 or less",
        "  - figures: unknown template 'zz'; choose one of a, b",
        "  - unknown key 'fooo' (check its spelling)",
    ]


def test_one_problem_is_one_line(env, monkeypatch, tmp_path, capsys):
    config = tmp_path / "office.toml"
    config.write_text('[[villages]]\ncode = "西山"\nname = "西山村"\n', encoding="utf-8")
    monkeypatch.setenv("TIPLINE_CONFIG", str(config))
    assert _fails(capsys) == [
        f"tipline: TIPLINE_CONFIG: {config}: villages[1].code: use 1 to 24 lower-case letters, digits, _ or -; "
        "correct the file (config/office.example.toml explains every setting)."
    ]


@pytest.mark.parametrize(
    "toml, said",
    [
        ('name = "东平镇\n', 'line 1, column 12: a text in quotes is not closed on its line (a " is missing)'),
        ('name = "东平镇"\n[[departments]\ncode = "a"\n', "line 2, column 14: expected ']]' at the end of"),
        ("[limits]\ndraft_days = \n", "line 2, column 14: invalid value"),
    ],
)
def test_a_toml_syntax_error_says_the_line_and_column(tmp_path, toml, said):
    config = tmp_path / "office.toml"
    config.write_text(toml, encoding="utf-8")
    with pytest.raises(OfficeConfigError) as raised:
        load_office(config)
    assert str(raised.value).startswith(f"{config} is not valid TOML: {said}")


@pytest.mark.parametrize(
    "name, value, line",
    [
        ("TIPLINE_LANGUAGE", "fr", "TIPLINE_LANGUAGE: must be zh or en."),
        ("TIPLINE_LOG_LEVEL", "loud", "TIPLINE_LOG_LEVEL: must be DEBUG, INFO, WARNING or ERROR."),
        ("TIPLINE_TIMEZONE", "Mars/Olympus", "TIPLINE_TIMEZONE: unknown time zone 'Mars/Olympus'; use an IANA name"),
        ("TIPLINE_API_FILE_URL", "files", "TIPLINE_API_FILE_URL: must start with http:// or https://; use the full"),
    ],
)
def test_a_bad_setting_in_plain_words(env, monkeypatch, capsys, name, value, line):
    monkeypatch.setenv(name, value)
    [said] = _fails(capsys)
    assert said.startswith(f"tipline: {line}")


def test_every_bad_setting_one_line_each(env, monkeypatch, capsys):
    monkeypatch.setenv("TIPLINE_LANGUAGE", "fr")
    monkeypatch.setenv("TIPLINE_LOG_LEVEL", "loud")
    assert _fails(capsys) == [
        "tipline: TIPLINE_LANGUAGE: must be zh or en.",
        "TIPLINE_LOG_LEVEL: must be DEBUG, INFO, WARNING or ERROR.",
    ]
