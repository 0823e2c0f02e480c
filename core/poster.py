"""A printable A4 poster (PDF and PNG): the office's name, a large QR code of the deep link, three lines
on how it works, the promise of anonymity in plain words, the reward rule in one sentence (from the
configured rule set), and the 12350 hotline as the alternative.

segno draws the QR matrix (pure Python, well kept, error correction H so a smudged print still
scans); matplotlib lays out the page, the same library and CJK font as the charts (core.charts), and
writes both files: the PDF embeds the font (TrueType, Type 42), so no reader shows empty boxes.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
import segno
from matplotlib import rc_context
from matplotlib.figure import Figure

from core.charts import cjk_family
from core.rewards import RuleSet
from core.taxonomy import Term

A4_INCHES = (8.27, 11.69)
PNG_DPI = 150


@dataclass(frozen=True)
class PosterText:
    title: str
    subtitle: str
    steps: tuple[str, str, str]
    anonymity: str
    reward: str
    hotline: str
    link: str
    #: The industry a poster's link preselects, named under the title ("建筑施工领域专用"); None: any.
    scope: str | None = None


def reward_sentence(rules: RuleSet, lang: str) -> str:
    """The rule set in one sentence: the share of the fine with its floor and ceiling."""
    percent = f"{rules.percent_of_fine.normalize():f}"
    sentence = Term(
        "reward",
        "经查证属实的，按行政处罚金额的 {percent}% 给予奖励，最低 {low:,} 元，最高 {high:,} 元。",
        "A tip found true earns {percent}% of the fine imposed, at least ¥{low:,} and at most ¥{high:,}.",
    )
    return sentence.label(lang).format(percent=percent, low=rules.fine_min_yuan, high=rules.fine_max_yuan)


def qr_matrix(link: str) -> np.ndarray:
    """The QR code as a 0/1 array with its quiet zone, 1 = dark."""
    code = segno.make(link, error="h", micro=False)
    return np.array([list(row) for row in code.matrix_iter(scale=1, border=4)], dtype=np.uint8)


def layout(text: PosterText) -> Figure:
    """The page: every line of `text` placed on A4."""
    family = cjk_family()
    figure = Figure(figsize=A4_INCHES)
    put = figure.text
    put(0.5, 0.94 if text.scope else 0.93, text.title, ha="center", va="center", fontsize=30, fontfamily=family,
        wrap=True)  # fmt: skip
    if text.scope:
        put(0.5, 0.897, text.scope, ha="center", va="center", fontsize=18, fontfamily=family, fontweight="bold",
            color="#1a5276", wrap=True)  # fmt: skip
    put(0.5, 0.862 if text.scope else 0.875, text.subtitle, ha="center", va="center", fontsize=16,
        fontfamily=family, wrap=True)  # fmt: skip
    qr = figure.add_axes((0.22, 0.43, 0.56, 0.56 * A4_INCHES[0] / A4_INCHES[1]))
    qr.imshow(1 - qr_matrix(text.link), cmap="gray", interpolation="nearest", vmin=0, vmax=1)
    qr.set_axis_off()
    put(0.5, 0.415, text.link, ha="center", va="center", fontsize=11, fontfamily=family)
    for index, step in enumerate(text.steps):
        put(0.12, 0.36 - index * 0.04, f"{index + 1}. {step}", ha="left", va="center", fontsize=15,
            fontfamily=family, wrap=True)  # fmt: skip
    put(0.5, 0.20, text.anonymity, ha="center", va="center", fontsize=15, fontfamily=family,
        wrap=True, color="#1a5276")  # fmt: skip
    put(0.5, 0.13, text.reward, ha="center", va="center", fontsize=12, fontfamily=family, wrap=True)
    put(0.5, 0.06, text.hotline, ha="center", va="center", fontsize=14, fontfamily=family, wrap=True,
        color="#c0392b")  # fmt: skip
    return figure


def render(text: PosterText) -> tuple[bytes, bytes]:
    """(PDF, PNG) of the poster. Raises core.charts.CjkFontMissing without a Chinese font."""
    figure = layout(text)
    pdf, png = io.BytesIO(), io.BytesIO()
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*Glyph .* missing from font.*")
        with rc_context({"pdf.fonttype": 42}):
            figure.savefig(pdf, format="pdf")
        figure.savefig(png, format="png", dpi=PNG_DPI)
    return pdf.getvalue(), png.getvalue()
