"""The documentation stays true where a machine can check it: every command the office's guide
(docs/操作手册.md) and docs/DOMAIN.md name is one the bot answers, every relative link of README.md
and docs/*.md leads to a file, and no tracked file sends a reader to a document outside the
repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest
from telegram.ext import BaseHandler, CommandHandler, ConversationHandler

from bot.app import OFFLINE_TOKEN, build_application
from bot.config import Settings
from bot.fakeapi import InMemoryBotApi
from core.crypto import KeyRing
from core.office import OfficeConfig
from storage.keyring import load_ring

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
GUIDE = DOCS / "操作手册.md"
DOMAIN = DOCS / ("DOMAIN" + ".md")  # spelled apart: this file is checked too

#: "/inbox", "/monthly 2026-10", "（/stats）"; not "docs/DOMAIN.md", "t.me/bot" or "村 / 社区".
_COMMAND = re.compile(r"(?<![\w/.:])/([a-z][a-z_]*)\b")
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
#: A path ending in the domain document's name, with whatever path is written before it.
_DOMAIN_REF = re.compile(r"([\w./-]*)DOMAIN\.md")
#: Places outside the repository that the docs once pointed to (written so this file does not match).
_OUTSIDE = ("../" + "shared/", "/work/" + "shared")


def commands_named(path: Path) -> set[str]:
    return set(_COMMAND.findall(path.read_text(encoding="utf-8")))


def _walk(handler: BaseHandler) -> set[str]:
    if isinstance(handler, CommandHandler):
        return set(handler.commands)
    if isinstance(handler, ConversationHandler):
        inner = [*handler.entry_points, *handler.fallbacks]
        inner += [h for state in handler.states.values() for h in state]
        return set().union(*(_walk(h) for h in inner))
    return set()


def registered_commands(settings: Settings, ring: KeyRing, office: OfficeConfig) -> set[str]:
    """Every command some handler of the production Application answers, in any group or state."""
    app = build_application(
        settings, office, load_ring(settings.keyring_path), token=OFFLINE_TOKEN, request=InMemoryBotApi()
    )
    return set().union(*(_walk(h) for group in app.handlers.values() for h in group))


def test_the_guide_names_the_commands_staff_use() -> None:
    named = commands_named(GUIDE)
    assert {"inbox", "staff", "stats", "rewards", "units", "monthly", "quarter", "totp", "join", "chatid"} <= named
    assert {"help", "about", "language", "cancel", "start", "register"} <= named


@pytest.mark.parametrize("doc", [GUIDE, DOMAIN], ids=lambda p: p.name)
def test_every_command_a_document_names_is_registered(doc: Path, settings, ring, office) -> None:
    registered = registered_commands(settings, ring, office)
    assert {"start", "inbox"} <= registered  # the walk reaches the handlers at all
    missing = sorted(commands_named(doc) - registered)
    assert missing == [], f"{doc.name} names commands the bot does not answer: {missing}"


def _markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def test_every_relative_link_leads_to_a_file() -> None:
    broken = []
    for doc in _markdown_files():
        for target in _LINK.findall(doc.read_text(encoding="utf-8")):
            if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                continue  # a web address, or a heading of the same file
            path = unquote(target.split("#", 1)[0])
            if not (doc.parent / path).exists():
                broken.append(f"{doc.relative_to(ROOT)} → {target}")
    assert broken == []


def _tracked_texts() -> list[tuple[Path, str]]:
    names = subprocess.run(
        ["git", "-c", "core.quotePath=false", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, text=True
    ).stdout.split("\0")
    texts = []
    for name in filter(None, names):
        path = ROOT / name
        try:
            texts.append((path, path.read_text(encoding="utf-8")))
        except (FileNotFoundError, IsADirectoryError, UnicodeDecodeError):
            continue  # deleted in the work tree, or not text
    return texts


def test_no_tracked_file_points_outside_the_repository() -> None:
    found = []
    for path, text in _tracked_texts():
        where = path.relative_to(ROOT)
        found += [f"{where}: {outside}" for outside in _OUTSIDE if outside in text]
        for prefix in _DOMAIN_REF.findall(text):
            written = prefix + DOMAIN.name
            if DOMAIN not in ((path.parent / written).resolve(), (ROOT / written).resolve()):
                found.append(f"{where}: {written}")
    assert found == [], (
        "references to a domain document other than docs/DOMAIN.md, or to a folder outside the repository"
    )
