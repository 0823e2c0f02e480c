"""Charts as PNG bytes, with Chinese labels drawn in a real CJK font (never empty boxes).

matplotlib draws them (the standard, kept well, no display needed with the Agg backend). No CJK font
ships on PyPI: Debian's fonts-wqy-microhei or fonts-noto-cjk gives one; scripts/_venv.sh installs
it when missing. Without one, `CjkFontMissing` says what to install rather than draw boxes.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

#: Families with the CJK Unified Ideographs, most preferred first.
CJK_FAMILIES = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "AR PL UMing CN",
    "SimHei",
    "Microsoft YaHei",
)


class CjkFontMissing(RuntimeError):
    """No font that draws Chinese is installed."""


#: File names of those fonts as Debian and others install them, for a font cache built before them
#: (bot.fonts). Compared in lower case without "-" or "_".
CJK_FILES = ("wqymicrohei", "wqyzenhei", "notosanscjk", "notosanssc", "sourcehansans", "uming", "simhei", "msyh")


def installed_family() -> str | None:
    """The most preferred CJK family matplotlib's font cache knows, if any."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in installed), None)


@cache
def cjk_family() -> str:
    """The CJK family to draw with. A font installed after matplotlib built its cache is added by
    bot.fonts.find_cjk_fonts at start-up (core reads no files)."""
    family = installed_family()
    if family is None:
        raise CjkFontMissing(
            "No Chinese font is installed, so charts cannot show their labels. "
            "Install one (apt-get install fonts-wqy-microhei, or fonts-noto-cjk) and start again: "
            "Tipline finds it by itself."
        )
    return family


@dataclass(frozen=True)
class Panel:
    """One bar chart: a title and (label, value) pairs; a value None is no bar, labelled "—"."""

    title: str
    bars: Sequence[tuple[str, float | None]]
    horizontal: bool = False
    #: A target drawn as a dashed line across (the rates' 100%); the bars are then labelled as percents.
    target: float | None = None


def bar_panels(title: str, panels: Sequence[Panel], *, footer: str = "") -> bytes:
    """Panels of bar charts stacked in one PNG, every glyph in the CJK font."""
    family = cjk_family()
    figure = Figure(figsize=(9, 3.2 * len(panels) + 1), dpi=110, layout="constrained")
    figure.suptitle(title, fontfamily=family, fontsize=15)
    axes = figure.subplots(len(panels), 1, squeeze=False)[:, 0]
    for ax, panel in zip(axes, panels, strict=True):
        labels = [label for label, _ in panel.bars]
        values = [0 if value is None else value for _, value in panel.bars]
        positions = range(len(values))
        bars = ax.barh(positions, values, color="#c0392b") if panel.horizontal else ax.bar(positions, values)
        unit = "%" if panel.target is not None else ""
        ax.bar_label(bars, [("—" if v is None else f"{v:g}{unit}") for _, v in panel.bars], fontsize=8)
        if panel.target is not None:
            line, limits = (ax.axvline, ax.set_xlim) if panel.horizontal else (ax.axhline, ax.set_ylim)
            line(panel.target, color="#27ae60", linestyle="--", linewidth=1)
            limits(0, max([panel.target, *values]) * 1.15)
        ax.set_title(panel.title, fontfamily=family, fontsize=12, loc="left")
        tick = ax.set_yticks if panel.horizontal else ax.set_xticks
        tick(list(positions), labels, fontfamily=family, fontsize=9)
        if panel.horizontal:
            ax.invert_yaxis()
        elif len(labels) > 6:
            ax.tick_params(axis="x", labelrotation=45)
        (ax.xaxis if panel.horizontal else ax.yaxis).set_major_locator(MaxNLocator(integer=True))
        ax.spines[["top", "right"]].set_visible(False)
    if footer:
        figure.supxlabel(footer, fontfamily=family, fontsize=9)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # A glyph the font lacks must fail loudly, not become an empty box.
        warnings.filterwarnings("error", message=".*Glyph .* missing from font.*")
        figure.savefig(buffer, format="png")
    return buffer.getvalue()
