"""`python -m bench`: run every benchmark in a subprocess of its own, one line per figure, then a summary.

Exit status 0 even when targets are missed (the output is a report); 1 when a benchmark crashed.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import BENCHMARKS
from bench.report import Figure, Options, lines, summary

ROOT = Path(__file__).resolve().parent.parent
_SIZES = ("reporters", "growth_reporters", "tips", "units", "conversations", "repeats", "chats_seen")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--only", nargs="+", choices=BENCHMARKS, metavar="NAME", help=f"run only these ({', '.join(BENCHMARKS)})"
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: small sizes, well under a minute")
    for size in _SIZES:
        parser.add_argument(f"--{size.replace('_', '-')}", type=int, metavar="N", help=f"override {size}")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--opts", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser


def _options(args: argparse.Namespace) -> Options:
    opts = Options.quick_run() if args.quick else Options()
    for size in _SIZES:
        if getattr(args, size) is not None:
            setattr(opts, size, getattr(args, size))
    return opts


def _child(name: str, opts: Options, out: Path) -> None:
    """Inside the subprocess: run one benchmark and write its title and figures as JSON."""
    for key in [k for k in os.environ if k.startswith("TIPLINE_")]:
        del os.environ[key]  # no developer's settings leak into a measurement
    module = importlib.import_module(f"bench.{name}")
    result = module.run(opts)
    if inspect.isawaitable(result):
        result = asyncio.run(result)
    out.write_text(json.dumps({"title": module.TITLE, "figures": [f.to_json() for f in result]}), encoding="utf-8")


def _run(name: str, opts: Options) -> tuple[str, list[Figure] | None]:
    """One benchmark in a fresh interpreter; (title, figures), or figures None when it crashed."""
    with tempfile.TemporaryDirectory(prefix="tipline-bench-") as tmp:
        out = Path(tmp) / "figures.json"
        command = [
            sys.executable,
            "-m",
            "bench",
            "--child",
            name,
            "--opts",
            json.dumps(opts.to_json()),
            "--out",
            str(out),
        ]
        done = subprocess.run(command, cwd=ROOT, check=False)  # noqa: S603 - our own interpreter and module
        if done.returncode != 0 or not out.exists():
            return name, None
        data = json.loads(out.read_text(encoding="utf-8"))
        return data["title"], [Figure.from_json(f) for f in data["figures"]]


def _header(opts: Options, names: list[str]) -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    sizes = ", ".join(f"{s}={getattr(opts, s):,}" for s in _SIZES)
    return (
        f"Tipline benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · Python {platform.python_version()} · "
        f"{os.cpu_count()} CPUs, load {load:.1f} · {'quick' if opts.quick else 'full'} run: {sizes} · "
        f"{', '.join(names)}"
    )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    opts = Options.from_json(json.loads(args.opts)) if args.opts else _options(args)
    if args.child:
        _child(args.child, opts, Path(args.out))
        return 0
    names = list(args.only or BENCHMARKS)
    print(_header(opts, names), flush=True)
    started, figures, crashed = time.perf_counter(), [], []
    for index, name in enumerate(names, 1):
        began = time.perf_counter()
        title, result = _run(name, opts)
        took = time.perf_counter() - began
        if result is None:
            crashed.append(name)
            print(f"\n== {index}/{len(names)} {name}: CRASHED after {took:.0f} s (its traceback is above)", flush=True)
            continue
        print(f"\n== {index}/{len(names)} {name}: {title} ({took:.0f} s)", flush=True)
        for figure in result:
            print("\n".join(lines(figure)), flush=True)
        figures += result
    print()
    print("\n".join(summary(figures, crashed, time.perf_counter() - started)))
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
