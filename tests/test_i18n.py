"""zh-CN is complete: every text of the code has a Chinese translation with the same placeholders."""

import re
from string import Formatter

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from handlers.i18n import LANGUAGES, catalogue_path, translator
from tests.conftest import ROOT

SOURCE_DIRS = ("bot", "jobs", "handlers", "core", "storage")


def _code_messages() -> dict[str, str | tuple[str, str]]:
    """Each text of the code by its msgid: a string, or (singular, plural) from `_.ngettext`."""
    found = {}
    for directory in SOURCE_DIRS:
        for _, _, message, _, _ in extract_from_dir(ROOT / directory, method_map=[("**.py", "python")]):
            found[message if isinstance(message, str) else message[0]] = message
    return found


def _catalogue():
    with open(catalogue_path("zh"), "rb") as fh:
        return read_po(fh)


def _key(message) -> str:
    """A catalogue entry's msgid: the singular of a plural entry."""
    return message.id[0] if isinstance(message.id, tuple) else message.id


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name is not None}


MESSAGES = _code_messages()
CODE = set(MESSAGES)
PLURALS = sorted(m for m, text in MESSAGES.items() if isinstance(text, tuple))


def test_texts_are_found_in_the_code():
    assert len(CODE) >= 15


@pytest.mark.parametrize("msgid", sorted(CODE))
def test_every_text_has_a_chinese_translation(msgid):
    message = _catalogue().get(msgid)
    assert message is not None, f"missing in zh_CN: {msgid!r}"
    assert message.string and not message.fuzzy, f"untranslated or fuzzy: {msgid!r}"
    if isinstance(MESSAGES[msgid], tuple):
        return  # checked below, with its plural
    assert isinstance(message.string, str), f"a plural entry for a text without a count: {msgid!r}"
    assert _fields(message.string) == _fields(msgid)
    assert translator("zh")(msgid) == message.string


def test_texts_with_a_count_are_found():
    assert len(PLURALS) >= 10


@pytest.mark.parametrize("msgid", PLURALS)
def test_every_text_with_a_count_has_its_plural_and_one_chinese_form(msgid):
    singular, plural = MESSAGES[msgid]
    message = _catalogue().get(msgid)
    assert message is not None, f"missing in zh_CN: {msgid!r}"
    assert message.id == (singular, plural), f"msgid_plural differs from the code's: {msgid!r}"
    assert isinstance(message.string, tuple) and len(message.string) == 1, "zh has one form: msgstr[0] only"
    assert message.string[0] and not message.fuzzy
    assert _fields(singular) <= _fields(plural) == _fields(message.string[0])
    for n in (0, 1, 2, 7):
        assert translator("zh").ngettext(singular, plural, n) == message.string[0]
    assert translator("en").ngettext(singular, plural, 1) == singular
    assert translator("en").ngettext(singular, plural, 2) == plural


def test_the_catalogue_has_no_stale_entries():
    stale = [m.id for m in _catalogue() if m.id and _key(m) not in CODE]
    assert stale == []


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def test_chinese_texts_are_chinese():
    for message in _catalogue():
        if message.id and re.search(r"[A-Za-z]{4,}", _key(message)) and _key(message).strip():
            assert re.search(r"[\u4e00-\u9fff]", _strings(message)[0]), message.id


def test_both_languages_are_offered():
    assert LANGUAGES == ("zh", "en")
    assert translator("en")("Choose your language:") == "Choose your language:"
    assert translator("fr")("Choose your language:") == "请选择语言："  # unknown → the default, zh


def test_texts_are_written_so_that_extraction_finds_them():
    """`tr(context)("…")` works but hides the text from extraction: write `_ = tr(context)` and `_("…")`."""
    hidden = [
        f"{path.relative_to(ROOT)}:{number}"
        for directory in SOURCE_DIRS
        for path in (ROOT / directory).rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\b(tr|translator)\([^()]*\)\(", line)
    ]
    assert hidden == []
