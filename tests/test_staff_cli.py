"""`python -m bot staff add|list`: roles given from the server's command line."""

from __future__ import annotations

from bot import cli


def test_a_second_role_keeps_the_persons_name(env, capsys):
    assert cli.main(["staff", "add", "900001", "--role", "admin", "--name", "刘主任"]) == 0
    assert cli.main(["staff", "add", "900001", "--role", "intake"]) == 0
    assert "刘主任 (900001) is now intake." in capsys.readouterr().out
    assert cli.main(["staff", "list"]) == 0
    assert capsys.readouterr().out.split() == ["900001", "刘主任", "admin,", "intake"]


def test_a_newcomer_without_a_name_and_a_new_name(env, capsys):
    assert cli.main(["staff", "add", "900002", "--role", "auditor"]) == 0
    assert "staff 900002 (900002) is now auditor." in capsys.readouterr().out
    assert cli.main(["staff", "add", "900002", "--role", "reward", "--name", "王会计"]) == 0
    cli.main(["staff", "list"])
    assert "王会计  auditor, reward" in capsys.readouterr().out
