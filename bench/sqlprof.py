"""Time per SQL statement, and the query plans that scan whole tables.

`SqlProfile` wraps `execute`, `executemany` and `execute_fetchall` of aiosqlite connections (the
writer and the read-only one; on the instance: the production code is untouched) and adds up, per
statement text, the time from the call to the end of its `await` or of its `async with` block, so
fetching the rows is counted too. `plans` runs EXPLAIN
QUERY PLAN for the statements seen, with the parameters they were first seen with.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import aiosqlite

_PLANNED = ("SELECT", "UPDATE", "DELETE", "WITH")


class _Timed:
    """An aiosqlite Result (awaitable and async context manager) that reports how long it took."""

    def __init__(self, result: Any, record: Callable[[float], None]):
        self._result = result
        self._record = record
        self._start = time.perf_counter()

    def __await__(self):
        value = yield from self._result.__await__()
        self._record(time.perf_counter() - self._start)
        return value

    async def __aenter__(self) -> Any:
        return await self._result.__aenter__()

    async def __aexit__(self, *exc: object) -> None:
        await self._result.__aexit__(*exc)
        self._record(time.perf_counter() - self._start)


class SqlProfile:
    """The statements of the connections given: the writer first (its `execute` runs the plans), then
    others (the read-only connection, whose reads go through `execute_fetchall`: storage.db.Reader)."""

    def __init__(self, conn: aiosqlite.Connection, *others: aiosqlite.Connection):
        self.conn = conn
        self.stats: dict[str, list[float]] = {}  # statement → [count, seconds]
        self.params: dict[str, tuple] = {}
        self._execute = conn.execute
        for each in (conn, *others):
            each.execute = self._wrap(each.execute)
            each.executemany = self._wrap(each.executemany, many=True)
            each.execute_fetchall = self._wrap(each.execute_fetchall)

    def _wrap(self, method: Callable[..., Any], *, many: bool = False) -> Callable[..., Any]:
        def timed(sql: str, parameters: Any = None) -> _Timed:
            key = " ".join(sql.split())
            if not many and key not in self.params:
                self.params[key] = tuple(parameters or ())
            return _Timed(method(sql, parameters), lambda seconds: self._add(key, seconds))

        return timed

    def _add(self, key: str, seconds: float) -> None:
        entry = self.stats.setdefault(key, [0, 0.0])
        entry[0] += 1
        entry[1] += seconds

    def snapshot(self) -> dict[str, tuple[int, float]]:
        return {key: (int(c), s) for key, (c, s) in self.stats.items()}

    def since(self, before: dict[str, tuple[int, float]]) -> dict[str, tuple[int, float]]:
        """Per statement (count, seconds) since `before` (a snapshot)."""
        delta = {}
        for key, (count, seconds) in self.snapshot().items():
            was = before.get(key, (0, 0.0))
            if count > was[0]:
                delta[key] = (count - was[0], seconds - was[1])
        return delta

    async def unprofiled(self, sql: str, params: tuple = ()) -> Any:
        """The first row of a query of the benchmark's own, kept out of the profile."""
        async with self._execute(sql, params) as cur:
            return await cur.fetchone()

    async def plans(self, statements: list[str] | None = None) -> dict[str, list[str]]:
        """EXPLAIN QUERY PLAN of each statement seen (or of `statements`), as its detail lines."""
        out = {}
        for key in statements or list(self.params):
            if not key.upper().startswith(_PLANNED):
                continue
            async with self._execute(f"EXPLAIN QUERY PLAN {key}", self.params.get(key, ())) as cur:
                out[key] = [row[3] for row in await cur.fetchall()]
        return out


def total(delta: dict[str, tuple[int, float]]) -> float:
    return sum(seconds for _count, seconds in delta.values())


def ranked(delta: dict[str, tuple[int, float]]) -> list[tuple[str, int, float]]:
    """(statement, count, seconds), the most time first; BEGIN/COMMIT included (COMMIT is the fsync)."""
    return sorted(((k, c, s) for k, (c, s) in delta.items()), key=lambda item: -item[2])


def scans(plan: list[str]) -> list[str]:
    """The plan's lines that read a whole table or index ("SCAN t", "SCAN t USING [COVERING] INDEX i");
    not "SCAN CONSTANT ROW", the one row of a SELECT without FROM (its subqueries are listed apart)."""
    return [step for step in plan if step.startswith("SCAN ") and step != "SCAN CONSTANT ROW"]


def short(sql: str, width: int = 120) -> str:
    text = re.sub(r"\s+", " ", sql)
    return text if len(text) <= width else text[: width - 1] + "…"
