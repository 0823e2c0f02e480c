"""`python -m bot export tips --from 2026-01-01 --to 2026-12-31`: the tip ledger as .xlsx and .csv.

Plaintext facets only: no content, no identity leaves the encrypted store this way. Each export
is an entry in the audit log (no actor: whoever runs the command holds the server)."""

from __future__ import annotations

import argparse
import asyncio
from datetime import date, datetime
from pathlib import Path

from bot import startup
from core.sheets import write_csv, write_xlsx
from core.stats import ledger_headers, ledger_row
from storage.audit import AuditLog
from storage.db import Database
from storage.ledger import Ledger
from storage.vault import Vault


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-01-31") from None


def add_parser(sub: argparse._SubParsersAction) -> None:
    export = sub.add_parser("export", help="write the tip ledger as .xlsx and .csv")
    export_sub = export.add_subparsers(dest="export_command", metavar="WHAT", required=True)
    tips = export_sub.add_parser("tips", help="tips received in a period, one row each (no content)")
    tips.add_argument("--from", dest="first", type=_day, required=True, metavar="YYYY-MM-DD")
    tips.add_argument("--to", dest="last", type=_day, required=True, metavar="YYYY-MM-DD")
    tips.add_argument("--out", type=Path, default=Path("."), help="the folder to write into (default: here)")
    tips.add_argument("--lang", choices=("zh", "en"), default="zh", help="column names and labels (default: zh)")
    tips.set_defaults(func=cmd_export_tips)


def cmd_export_tips(args: argparse.Namespace) -> int:
    if args.last < args.first:
        print("tipline: --to is before --from.")
        return 2
    settings = startup.load_settings()
    ring = startup.load_keyring(settings)
    office = startup.load_office_config(settings)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"tips-{args.first}-{args.last}"

    async def export(db: Database) -> int:
        records = await Ledger(db).records(args.first, args.last)
        rows = [ledger_row(r, office, args.lang) for r in records]
        headers = ledger_headers(args.lang)
        title = f"{office.label(args.lang)} " + ("举报台账" if args.lang == "zh" else "tip ledger")
        made = datetime.now(settings.tz)
        subtitle = f"{args.first} – {args.last} · " + (f"导出时间 {made:%Y-%m-%d %H:%M}" if args.lang == "zh"
                                                       else f"exported {made:%Y-%m-%d %H:%M}")  # fmt: skip
        write_xlsx(stem.with_suffix(".xlsx"), title=title, subtitle=subtitle, headers=headers, rows=rows,
                   sheet="举报台账" if args.lang == "zh" else "Tips")  # fmt: skip
        write_csv(stem.with_suffix(".csv"), headers, rows)
        await AuditLog(db, Vault(ring)).record(
            actor=None, action="export.tips", at=made, detail=f"{args.first}..{args.last};rows={len(rows)}"
        )
        return len(rows)

    count = asyncio.run(startup.on_database(settings, ring, export))
    print(f"Wrote {count} tips to {stem}.xlsx and {stem}.csv")
    return 0
