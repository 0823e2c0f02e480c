"""Interface texts through gettext: English msgids in the code, zh-CN (the default) in a .po catalogue.

The catalogue is read with Babel at start-up, so translators edit the standard .po format and no
compiled .mo file is kept in the repository. Domain vocabulary (industries, kinds, departments,
villages) is data with its own zh/en names: see core.taxonomy and the office's TOML file.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "tipline"
LOCALES_DIR = Path(__file__).with_name("locales")
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
_CATALOGUES = {"zh": "zh_CN"}

Translate = Callable[[str], str]


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
    return "：" if lang == "zh" else ": "


def translator(lang: str) -> Translate:
    return translations(lang if lang in LANGUAGES else DEFAULT_LANGUAGE).gettext
