"""What a benchmark returns (Figure, Target), what it is told (Options), and how figures are printed.

Every figure is read as a ratio against a baseline measured in the same run, because the machine
is shared and noisy: absolute numbers move from run to run, ratios much less.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class Target:
    """A goal for one figure: `on` the ratio (value ÷ baseline) or the value itself, `op` '>=' or '<='."""

    threshold: float
    on: str = "ratio"
    op: str = ">="

    def met(self, figure: Figure) -> bool | None:
        subject = figure.ratio if self.on == "ratio" else figure.value
        if subject is None or math.isnan(subject):
            return None
        return subject >= self.threshold if self.op == ">=" else subject <= self.threshold

    def describe(self, unit: str) -> str:
        sign = "≥" if self.op == ">=" else "≤"
        if self.on == "ratio":
            return f"ratio {sign} {number(self.threshold)}"
        return f"{sign} {number(self.threshold)} {unit}"


@dataclass
class Figure:
    """One measured number, with the baseline it is read against and, where the issue gives one, a target.

    `ratio` is always value ÷ baseline: for a throughput higher is better, for a time (seeded ÷ empty)
    lower is. `details` are extra lines printed under the figure (a breakdown, the dominant query).
    """

    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_label: str = ""
    target: Target | None = None
    details: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "info"
        met = self.target.met(self)
        return "met" if met else "NOT MET"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figure:
        target = data.get("target")
        return cls(**{**data, "target": Target(**target) if target else None})


@dataclass
class Options:
    """What the runner tells every benchmark. `quick` is a smoke run: small sizes, few repeats."""

    quick: bool = False
    reporters: int = 500  # tip pipeline: reporters, each filing one full tip with a photo
    growth_reporters: int = 25  # growth: reporters per database (empty and seeded)
    tips: int = 100_000  # growth: tips already in the seeded database
    units: int = 1_000  # growth: units with liaisons and a year of monthly figures
    conversations: int = 10_000  # memory: open tip conversations
    repeats: int = 3  # timed repetitions of short measurements (commands, receipt checks)
    chats_seen: int = 200_000  # start-up: chats that have used the bot, against a database few have

    @classmethod
    def quick_run(cls) -> Options:
        return cls(quick=True, reporters=12, growth_reporters=4, tips=5_000, units=100, conversations=300, repeats=1,
                   chats_seen=5_000)  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Options:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


# -- printing ------------------------------------------------------------------------------------


def number(value: float | None) -> str:
    """A figure as people read it: 3 significant digits, thousands separated."""
    if value is None or math.isnan(value):
        return "—"
    magnitude = abs(value)
    if magnitude >= 10**7:
        return f"{value:.2g}"
    if magnitude >= 1000 or value == int(value):
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1 or magnitude == 0:
        return f"{value:.2f}"
    return f"{value:.3g}"


def line(figure: Figure) -> str:
    """name · value unit · baseline · ratio · target · met/NOT MET/info, as one line."""
    parts = [f"{figure.name:<24} {number(figure.value):>9} {figure.unit:<9}"]
    if figure.baseline is not None:
        label = f" ({figure.baseline_label})" if figure.baseline_label else ""
        parts.append(f"baseline {number(figure.baseline)} {figure.unit}{label}")
        parts.append(f"ratio {number(figure.ratio)}")
    target = figure.target.describe(figure.unit) if figure.target else "no target"
    parts.append(f"target {target}" if figure.target else target)
    parts.append(figure.verdict)
    return " | ".join(parts)


def lines(figure: Figure) -> list[str]:
    return [line(figure), *(f"    {detail}" for detail in figure.details)]


def summary(figures: list[Figure], crashed: list[str], seconds: float) -> list[str]:
    verdicts = [f.verdict for f in figures]
    missed = [f.name for f in figures if f.verdict == "NOT MET"]
    out = [
        f"Summary: {len(figures)} figures, {verdicts.count('met')} met, {verdicts.count('NOT MET')} NOT MET,"
        f" {verdicts.count('info')} info; wall time {seconds:.0f} s.",
    ]
    if missed:
        out.append("Targets missed: " + ", ".join(missed))
    if crashed:
        out.append("Crashed: " + ", ".join(crashed))
    return out
