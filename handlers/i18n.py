"""Interface texts through gettext: English msgids in the code, zh-CN (the default) in a .po catalogue.

The catalogue is read with Babel at start-up, so translators edit the standard .po format and no
compiled .mo file is kept in the repository. Domain vocabulary (industries, kinds, departments,
villages) is data with its own zh/en names: see core.taxonomy and the office's TOML file.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Protocol

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from core import taxonomy

DOMAIN = "tipline"
LOCALES_DIR = Path(__file__).with_name("locales")
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
_CATALOGUES = {"zh": "zh_CN"}


class Translate(Protocol):
    """`_("text")` translates a text; `_.ngettext("1 file", "{count} files", n)` one with a count.

    English has two forms (1 report, 2 reports); Chinese one (the catalogue's Plural-Forms says
    nplurals=1), so a zh entry has msgid, msgid_plural and a single msgstr[0].
    """

    def __call__(self, message: str, /) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int, /) -> str: ...


class _Translator:
    __slots__ = ("_catalogue",)

    def __init__(self, catalogue: gettext.NullTranslations) -> None:
        self._catalogue = catalogue

    def __call__(self, message: str, /) -> str:
        return self._catalogue.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int, /) -> str:
        return self._catalogue.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a text for translation where it is defined; translate it where it is shown."""
    return message


def catalogue_path(lang: str) -> Path:
    return LOCALES_DIR / _CATALOGUES[lang] / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    if lang not in _CATALOGUES:
        return gettext.NullTranslations()  # English: the msgids are the texts
    with open(catalogue_path(lang), "rb") as fh:
        catalog = read_po(fh, locale=_CATALOGUES[lang])
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def colon(lang: str) -> str:
    """Between a label and its value: full-width in Chinese."""
    return taxonomy.COLON.label(lang)


@cache
def translator(lang: str) -> Translate:
    return _Translator(translations(lang if lang in LANGUAGES else DEFAULT_LANGUAGE))


def join(items: Iterable[str], lang: str) -> str:
    """A list in running text: 甲、乙、丙 in Chinese, "a, b, c" in English."""
    return taxonomy.LIST_SEPARATOR.label(lang).join(items)


def aside(text: str, lang: str) -> str:
    """A short note after a name: （…） in Chinese, " (…)" in English."""
    return taxonomy.ASIDE.label(lang).format(text)


def sentences(parts: Iterable[str], lang: str) -> str:
    """Sentences (or a label ending in a colon and its value) one after another: run on in Chinese,
    a space between in English."""
    return taxonomy.SENTENCE_BREAK.label(lang).join(parts)
