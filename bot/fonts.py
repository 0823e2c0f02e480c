"""A CJK font installed after matplotlib built its font cache: found on the system and added, so
charts and posters draw Chinese (core.charts reads no files; the composition root does this once,
before anything is drawn)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from matplotlib import font_manager

from core.charts import CJK_FILES, installed_family


def find_cjk_fonts() -> None:
    """When matplotlib's cache knows no CJK family, add the CJK font files on the system's font
    folders; a file FreeType cannot read is skipped. Without any, core.charts.cjk_family says what
    to install."""
    if installed_family() is not None:
        return
    for name in font_manager.findSystemFonts():
        path = Path(name)
        if not path.name.lower().replace("-", "").replace("_", "").startswith(CJK_FILES):
            continue
        with contextlib.suppress(Exception):  # a file FreeType cannot read is not ours to fix
            font_manager.fontManager.addfont(str(path))
