"""fetch_data: daily bars / total returns / fundamentals for symbols from the configured provider chain."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from quant.cli import parse_date
from quant.io import atomic_write, csv_safe_frame
from warehouse.providers.base import ProviderError, normalise_symbols
from warehouse.providers.factory import CHOICES, get_provider
from warehouse.sources.yahoo import DEV_WARNING
from warehouse.syncs.service import provider_fetch_run

KINDS = {"bars": "daily_bars", "returns": "total_returns", "fundamentals": "fundamentals"}


class Command(BaseCommand):
    help = "Fetch market data for symbols (CRSP warehouse, yfinance fallback in development)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--symbols", required=True, help="Comma-separated tickers, e.g. AAPL,MSFT.")
        parser.add_argument("--start", required=True)
        parser.add_argument("--end", required=True)
        parser.add_argument("--provider", choices=CHOICES, default=None, help="Default: settings.DATA_PROVIDER.")
        parser.add_argument("--kind", choices=list(KINDS), default="bars")
        parser.add_argument("--output", type=Path, default=None, help="Write .parquet or .csv instead of printing.")
        parser.add_argument("--rows", type=int, default=20, help="Rows to print (default 20).")

    def handle(self, *args: object, **opts: object) -> None:
        start, end = parse_date(str(opts["start"])), parse_date(str(opts["end"]))
        if start > end:
            raise CommandError("--start must not be after --end.")
        try:
            symbols = normalise_symbols(str(opts["symbols"]).split(","))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        output: Path | None = opts["output"]  # type: ignore[assignment]
        if output is not None and output.suffix.lower() not in (".parquet", ".csv"):
            raise CommandError("--output must end in .parquet or .csv.")
        try:
            provider = get_provider(opts["provider"])  # type: ignore[arg-type]
            if "yfinance" in provider.name:
                self.stderr.write(self.style.WARNING(f"WARNING: {DEV_WARNING}"))
            frame = provider_fetch_run(provider=provider, method=KINDS[str(opts["kind"])], symbols=symbols,
                                       start=start, end=end)  # fmt: skip
        except (ProviderError, ImproperlyConfigured) as exc:
            raise CommandError(str(exc)) from exc
        self._summarise(frame, symbols)
        if output is not None:
            writer = frame.write_parquet if output.suffix.lower() == ".parquet" else csv_safe_frame(frame).write_csv
            atomic_write(output, writer)
            self.stdout.write(self.style.SUCCESS(f"Wrote {frame.height} rows to {output}"))
        else:
            with pl.Config(tbl_rows=int(opts["rows"]), tbl_cols=-1, tbl_width_chars=160):  # type: ignore[call-overload]
                self.stdout.write(str(frame))

    def _summarise(self, frame: pl.DataFrame, symbols: list[str]) -> None:
        if "provider" in frame.columns and frame.height:
            counts = frame.group_by("symbol", "provider").len().sort("symbol")
            for symbol, provider, n in counts.iter_rows():
                self.stdout.write(f"{symbol}: {n} rows from {provider}")
        missing = sorted(set(symbols) - set(frame["symbol"].to_list() if frame.height else []))
        if missing:
            self.stderr.write(self.style.WARNING(f"No data for: {', '.join(missing)}"))
