"""`python -m bot export tips|rewards --from 2026-01-01 --to 2026-12-31`: the tip ledger (举报台账)
or the reward ledger (奖励台账) as .xlsx and .csv. `python -m bot export monthly 2026-10`: the units'
consolidated monthly table as /monthly sends it (.xlsx like the county's form, .csv, .png chart).
File names carry the language (tips-2026-01-01-2026-12-31-zh.xlsx, monthly-2026-10-en.csv), so an
export in one language never overwrites the other; `--out` is a folder, made if missing.

Plaintext columns only: no content, no identity, no payee details leave the encrypted store this
way. Each export is an entry in the audit log (no actor: whoever runs the command holds the server)."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

from bot import startup
from bot.fonts import find_cjk_fonts
from bot.services import Services
from core import rewards
from core.office import OfficeConfig
from core.periods import parse_month
from core.sheets import csv_bytes, xlsx_bytes
from core.stats import ledger_headers, ledger_row
from core.taxonomy import Term
from handlers.liaison.monthly import MonthlyFiles, write_monthly


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-01-31") from None


#: what → (file stem, the ledger's name, how many of what).
_WHAT = {
    "tips": ("tips", Term("tips", "举报台账", "tip ledger"), "tips"),
    "rewards": ("rewards", Term("rewards", "奖励台账", "reward ledger"), "rewards"),
}
T = TypeVar("T")


def add_parser(sub: argparse._SubParsersAction) -> None:
    export = sub.add_parser("export", help="write the tip or reward ledger as .xlsx and .csv")
    export_sub = export.add_subparsers(dest="export_command", metavar="WHAT", required=True)
    helps = {"tips": "tips received in a period, one row each (no content)",
             "rewards": "rewards decided or paid in a period, one row each (no payee details)"}  # fmt: skip
    for what, text in helps.items():
        parser = export_sub.add_parser(what, help=text)
        parser.add_argument("--from", dest="first", type=_day, required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--to", dest="last", type=_day, required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--out", type=Path, default=Path("."), help="the folder to write into (default: here)")
        parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="column names and labels (default: zh)")
        parser.set_defaults(func=cmd_export, what=what)
    monthly = export_sub.add_parser("monthly", help="the units' monthly figures table, chart and CSV for a month")
    monthly.add_argument("period", type=_month, metavar="YYYY-MM")
    monthly.add_argument("--out", type=Path, default=Path("."), help="the folder to write into (default: here)")
    monthly.add_argument("--lang", choices=("zh", "en"), default="zh", help="column names and labels (default: zh)")
    monthly.set_defaults(func=cmd_export_monthly)


def _month(text: str) -> str:
    if parse_month(text) is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month like 2026-10")
    return text


def _out_folder(out: Path) -> str | None:
    """Make the --out folder if missing; a sentence if it cannot be one (a file, a file on the way…)."""
    if out.exists() and not out.is_dir():
        return f"tipline: --out {out} is a file; name a folder to write into (it is made if missing)."
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"tipline: --out {out} cannot be made a folder ({exc.strerror})."
    return None


def cmd_export_monthly(args: argparse.Namespace) -> int:
    if problem := _out_folder(args.out):
        print(problem)
        return 2
    settings = startup.load_settings()
    ring = startup.load_keyring(settings)
    office = startup.load_office_config(settings)
    find_cjk_fonts()  # the month's chart

    async def export(svc: Services) -> MonthlyFiles:
        made = datetime.now(settings.tz)
        year = int(args.period[:4])
        files = await write_monthly(svc.units, svc.submissions, office, args.period, args.out, made.date(), args.lang,
                                    ledger=svc.ledger, exposed=await svc.exposure.exposed_by_month(year))  # fmt: skip
        await svc.trail.note(actor=None, action="export.monthly", at=made, detail=args.period)
        return files

    files = asyncio.run(_on_services(Services(settings, office, ring), export))
    written = ", ".join(str(p) for p in (files.xlsx, files.csv, files.png) if p is not None)
    print(f"Wrote {written}: {files.units - len(files.missing)} of {files.units} units reported.")
    if files.missing:
        print("Missing: " + ", ".join(files.missing))
    if files.late:
        print("Late: " + ", ".join(files.late))
    if files.png is None:
        print("No chart: no Chinese font is installed (apt-get install fonts-wqy-microhei).")
    return 0


async def _on_services(svc: Services, work: Callable[[Services], Awaitable[T]]) -> T:
    """Run `work` on the services the bot itself uses (opened on the database, migrated, checked against
    the ring), then close them: the exports read what /stats and /monthly read, the same way."""
    await svc.start()
    try:
        return await work(svc)
    finally:
        await svc.stop()


async def _rows(svc: Services, args: argparse.Namespace, office: OfficeConfig) -> tuple[list[str], list[list]]:
    if args.what == "tips":
        records = await svc.ledger.records(args.first, args.last)
        return ledger_headers(args.lang), [ledger_row(r, office, args.lang) for r in records]
    touched = await svc.rewards.touching(args.first, args.last)
    return rewards.ledger_headers(args.lang), [rewards.ledger_row(r, args.lang) for r in touched]


def cmd_export(args: argparse.Namespace) -> int:
    if args.last < args.first:
        print("tipline: --to is before --from.")
        return 2
    if problem := _out_folder(args.out):
        print(problem)
        return 2
    settings = startup.load_settings()
    ring = startup.load_keyring(settings)
    office = startup.load_office_config(settings)
    stem_name, ledger, noun = _WHAT[args.what]
    stem = args.out / f"{stem_name}-{args.first}-{args.last}-{args.lang}"

    async def export(svc: Services) -> int:
        headers, rows = await _rows(svc, args, office)
        unit = office.unit(args.lang) or office.label(args.lang)  # the formal name, else just the office's
        title = Term("title", f"{unit}{ledger.zh}", f"{ledger.en.capitalize()}: {unit}").label(args.lang)
        made = datetime.now(settings.tz)
        exported = Term("exported", "导出时间", "exported").label(args.lang)
        subtitle = f"{args.first} – {args.last} · {exported} {made:%Y-%m-%d %H:%M}"
        sheet = ledger.label(args.lang)
        book = xlsx_bytes(title=title, subtitle=subtitle, headers=headers, rows=rows, sheet=sheet)
        stem.with_suffix(".xlsx").write_bytes(book)
        stem.with_suffix(".csv").write_bytes(csv_bytes(headers, rows))
        await svc.trail.note(
            actor=None, action=f"export.{args.what}", at=made, detail=f"{args.first}..{args.last};rows={len(rows)}"
        )
        return len(rows)

    count = asyncio.run(_on_services(Services(settings, office, ring), export))
    print(f"Wrote {count} {noun} to {stem}.xlsx and {stem}.csv")
    return 0
