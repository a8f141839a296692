"""Build TAQ Tier 1 from WRDS millisecond TAQ, day by day (progress bar; a rerun resumes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from quant.locks import LockBusy
from research.services.taq_sync import taq_sync_run
from warehouse.publish import ValidationFailed
from warehouse.sources.wrds.client import get_client
from warehouse.sources.wrds.taq import TaqLimitExceeded


class Command(BaseCommand):
    help = (
        "Fetch TAQ trades and quotes from WRDS for --symbols over [--start, --end], clean, aggregate, publish Tier 1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--symbols", required=True, help="comma-separated tickers (sym_root)")
        parser.add_argument("--start", required=True, help="YYYY-MM-DD")
        parser.add_argument("--end", required=True, help="YYYY-MM-DD")
        parser.add_argument("--exchanges", default="all", help="comma-separated exchange codes or 'all'")

    def _bar(self, i: int, n: int, day: dt.date, status: str) -> None:
        filled = round(30 * i / n)
        self.stdout.write(f"[{'#' * filled}{'.' * (30 - filled)}] {i}/{n} {day} {status}")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            start, end = dt.date.fromisoformat(opts["start"]), dt.date.fromisoformat(opts["end"])
        except ValueError as exc:
            raise CommandError(f"--start/--end: {exc}") from exc
        symbols = [s.strip().upper() for s in opts["symbols"].split(",") if s.strip()]
        exchanges = None if opts["exchanges"] == "all" else opts["exchanges"].split(",")
        key = f"{'-'.join(sorted(symbols))[:60]}_{exchanges and '-'.join(exchanges) or 'all'}"
        state = settings.DATA_DIR / "taq" / "sync" / key
        try:
            results = taq_sync_run(
                client=get_client(), symbols=symbols, start=start, end=end, state_dir=state,
                exchanges=exchanges, progress=self._bar,
            )  # fmt: skip
        except (ValueError, TaqLimitExceeded, ValidationFailed, LockBusy) as exc:
            raise CommandError(str(exc)) from exc
        for r in results:
            self.stdout.write(f"{r.dataset}: v{r.version}, {r.rows} rows")
