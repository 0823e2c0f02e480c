"""The benchmarks still run against the bot as it is now: the quick variants of the pipeline (reporters
at once, the echo bot with Tipline's persistence) and of the press latencies, in-process, with tiny
sizes. Only that their figures come out, positive and read against their baselines: their values are
timings, which belong to `python -m bench`, never to a test."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

import pytest

from bench import keys, pipeline, presses
from bench.harness import echo_user, echo_with_persistence, overlapping
from bench.report import Figure, Options


def _positive(figures: list[Figure], names: set[str]) -> dict[str, Figure]:
    by_name = {figure.name: figure for figure in figures}
    assert names <= by_name.keys()
    for name in names:
        figure = by_name[name]
        assert figure.value > 0 and not math.isnan(figure.value), name
        if figure.baseline is not None:
            assert figure.baseline > 0 and not math.isnan(figure.baseline), name
    return by_name


def test_the_pipeline_runs_reporters_at_once_against_both_echo_bots() -> None:
    figures = asyncio.run(pipeline.run(Options(quick=True, reporters=4, repeats=1)))
    found = _positive(figures, {"pipeline.updates_per_s", "pipeline.vs_bare_echo", "pipeline.p99_update"})
    rate = found["pipeline.updates_per_s"]
    assert rate.target is not None and rate.baseline_label == pipeline.BASELINE


async def test_the_echo_baseline_pays_for_tiplines_persistence(tmp_path: Path) -> None:
    """Every update the echo bot with persistence answers is also marked processed, as Tipline's are:
    the baseline pays for the write-through, not only for the echo."""
    async with echo_with_persistence(tmp_path) as echo:
        await overlapping(echo_user(echo.user(6_900_000_000 + n), count=3) for n in range(3))
        assert len(echo.api.calls_of("sendMessage")) == 9
        services = echo.app.bot_data["services"]
        (marked,) = await services.db.fetchone("SELECT COUNT(*) FROM processed_updates")
    assert marked == 9


def test_press_latencies_come_alone_and_beside_submitters_and_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(presses, "QUICK", (2, 0.5))
    figures = presses.run(Options(quick=True, tips=200, units=10, repeats=1))
    found = _positive(figures, {"presses.p99_alone", "presses.p99_submitters", "presses.p99_reports"})
    assert found["presses.p99_submitters"].target is not None
    assert found["presses.p99_reports"].target is not None


def test_keys_measure_the_unlock_and_filing_sealed_to_people_against_the_ring() -> None:
    """Quick: scrypt at the tests' strength (tests/conftest.py), two reporters on each bot."""
    figures = asyncio.run(keys.run(Options(quick=True, reporters=4, repeats=1)))
    found = _positive(figures, {"keys.unlock", "keys.filing_per_tip", "keys.submit"})
    assert found["keys.filing_per_tip"].target is not None and found["keys.unlock"].target is not None
    assert "LOWERED" in found["keys.unlock"].details[0]  # never mistaken for the real parameters' cost
    # The switch: the bot whose ring has a recovery key seals every tip to people, the other none.
    assert "tips sealed to people: 4 (people), 0 (ring)" in found["keys.filing_per_tip"].details[0]
