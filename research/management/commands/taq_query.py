"""Fetch raw TAQ rows (Tier 2) from WRDS into Parquet (Tier 3), after printing a cost estimate."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from research.services.taq_pages import taq_estimate
from research.services.taq_sync import taq_query_run
from warehouse.sources.wrds.client import get_client
from warehouse.sources.wrds.taq import TaqLimitExceeded

LARGE_ROWS = 5_000_000  # above this the command asks before running (or needs --yes)


class Command(BaseCommand):
    help = "Estimate, then fetch TAQ trades/quotes/nbbo for --symbols over [--start, --end] into --out."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--symbols", required=True)
        parser.add_argument("--start", required=True)
        parser.add_argument("--end", required=True)
        parser.add_argument("--kind", choices=["trades", "quotes", "nbbo"], default="trades")
        parser.add_argument("--out", required=True, help="folder for <kind>_<YYYYMMDD>.parquet files")
        parser.add_argument("--yes", action="store_true", help="run a large query without asking")
        parser.add_argument("--estimate-only", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            start, end = dt.date.fromisoformat(opts["start"]), dt.date.fromisoformat(opts["end"])
            symbols = [s.strip().upper() for s in opts["symbols"].split(",") if s.strip()]
            est = taq_estimate(symbols=symbols, start=start, end=end)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        rows = est.trades if opts["kind"] == "trades" else est.quotes
        self.stdout.write(
            f"estimate: {est.symbols} symbols x {est.sessions} sessions = ~{rows:,} {opts['kind']} rows "
            f"(~{est.megabytes:.1f} MB trades+quotes)"
            + (f"; no Tier 1 history for {', '.join(est.unknown_symbols)}" if est.unknown_symbols else "")
        )
        if opts["estimate_only"]:
            return
        if rows > LARGE_ROWS and not opts["yes"]:
            if not sys.stdin.isatty():
                raise CommandError(f"~{rows:,} rows is over {LARGE_ROWS:,}: rerun with --yes to confirm")
            if input("Run this query? [y/N] ").strip().lower() != "y":
                raise CommandError("cancelled")
        try:
            counts = taq_query_run(
                client=get_client(), kind=opts["kind"], symbols=symbols, start=start, end=end, out_dir=Path(opts["out"])
            )
        except TaqLimitExceeded as exc:
            raise CommandError(str(exc)) from exc
        for day, n in counts.items():
            self.stdout.write(f"{day}: {n} rows")
