"""Read TAQ through the one interface over the tiers (`research.services.taq_tiers.taq_read`): Tier 1
aggregates from the warehouse, raw rows from Tier 3 local days or else Tier 2 (WRDS, after printing a
cost estimate and asking before a large query), written to --out."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from quant.cli import input_error
from research.services.taq_pages import taq_estimate
from research.services.taq_tiers import TIER1, taq_read
from warehouse.sources.wrds.client import get_client
from warehouse.sources.wrds.taq import TaqLimitExceeded

LARGE_ROWS = 5_000_000  # above this the command asks before running (or needs --yes)


class Command(BaseCommand):
    help = (
        "TAQ for --symbols over [--start, --end] into --out: bars_1m/daily/intraday from Tier 1; trades/quotes/nbbo "
        "from local days (Tier 3) or WRDS (Tier 2, estimate first)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--symbols", required=True)
        parser.add_argument("--start", required=True)
        parser.add_argument("--end", required=True)
        parser.add_argument("--kind", choices=["trades", "quotes", "nbbo", *TIER1], default="trades")
        parser.add_argument("--out", required=True, help="folder for <kind>_<YYYYMMDD>.parquet files")
        parser.add_argument("--yes", action="store_true", help="run a large query without asking")
        parser.add_argument("--estimate-only", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            start, end = dt.date.fromisoformat(opts["start"]), dt.date.fromisoformat(opts["end"])
            symbols = [s.strip().upper() for s in opts["symbols"].split(",") if s.strip()]
            if opts["kind"] in TIER1:
                self._tier1(opts["kind"], symbols, start, end, Path(opts["out"]))
                return
            est = taq_estimate(symbols=symbols, start=start, end=end)
        except ValueError as exc:
            raise input_error(str(exc)) from exc
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
                raise input_error(f"~{rows:,} rows is over {LARGE_ROWS:,}: rerun with --yes to confirm")
            if input("Run this query? [y/N] ").strip().lower() != "y":
                raise input_error("cancelled")
        try:
            got = taq_read(opts["kind"], symbols=symbols, start=start, end=end, local_dir=Path(opts["out"]),
                           client=get_client())  # fmt: skip
        except TaqLimitExceeded as exc:
            raise input_error(str(exc)) from exc
        for day, n in got.rows.items():
            self.stdout.write(f"{day}: {n} rows ({got.tiers[day]})")

    def _tier1(self, kind: str, symbols: list[str], start: dt.date, end: dt.date, out: Path) -> None:
        got = taq_read(kind, symbols=symbols, start=start, end=end)
        path = out / f"{kind}_{start:%Y%m%d}_{end:%Y%m%d}.parquet"
        out.mkdir(parents=True, exist_ok=True)
        got.frame.write_parquet(path)
        self.stdout.write(f"{got.frame.height} rows from Tier 1 ({len(got.rows)} sessions) -> {path}")
