"""Export TAQ Tier 1 as daily, 30-minute and 5-minute bars (Parquet artifact; optionally qlib's layout)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from quant.cli import input_error, parse_date
from quant.locks import LockBusy
from research.io import InputError
from research.services.taq_export import taq_export


class Command(BaseCommand):
    help = (
        "Write daily, 30-minute and 5-minute bars from TAQ Tier 1 to a Parquet artifact under "
        "ANALYTICS_DIR/taq_export/, and with --qlib DIR in qlib's layout (qlib.init(provider_uri=DIR))."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--symbols", help="comma-separated tickers (default: all in Tier 1)")
        parser.add_argument("--start", type=parse_date, help="YYYY-MM-DD (default: the first day)")
        parser.add_argument("--end", type=parse_date, help="YYYY-MM-DD (default: the last day)")
        parser.add_argument("--qlib", type=Path, metavar="DIR", help="also write qlib's layout to DIR (replaced)")
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args: Any, **opts: Any) -> None:
        symbols = [s.strip().upper() for s in (opts["symbols"] or "").split(",") if s.strip()] or None
        if opts["start"] and opts["end"] and opts["end"] < opts["start"]:
            raise input_error("--end is before --start")
        try:
            out = taq_export(symbols=symbols, start=opts["start"], end=opts["end"], qlib_dir=opts["qlib"])
        except (InputError, LockBusy) as exc:
            raise input_error(str(exc)) from exc
        if opts["format"] == "json":
            payload = {"path": str(out.path), "rows": out.rows, "symbols": out.symbols, "first": str(out.first),
                       "last": str(out.last), "qlib": str(out.qlib_dir) if out.qlib_dir else None}  # fmt: skip
            self.stdout.write(json.dumps(payload))
            return
        self.stdout.write(f"{len(out.symbols)} symbols, {out.first} to {out.last} -> {out.path}")
        for freq, n in out.rows.items():
            self.stdout.write(f"  bars_{freq}.parquet: {n:,} rows")
        if out.qlib_dir:
            self.stdout.write(f"  qlib layout: {out.qlib_dir} (calendars day, 30min, 5min; instruments all)")
