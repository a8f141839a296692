"""yfinance_reconcile: compare yfinance daily returns with CRSP for overlapping tickers (development)."""

from __future__ import annotations

import polars as pl
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from quant.cli import parse_date
from warehouse.providers.base import normalise_symbols
from warehouse.providers.crsp import default_readers
from warehouse.sources.yahoo import DEV_WARNING, YahooClient, reconcile, returns_from_bars


class Command(BaseCommand):
    help = "Reconcile yfinance returns against CRSP (ticker → permno as of --end); lists days beyond tolerance."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--symbols", required=True)
        parser.add_argument("--start", required=True)
        parser.add_argument("--end", required=True)
        parser.add_argument("--tolerance", type=float, default=0.0005, help="Absolute return difference (5 bp).")

    def handle(self, *args: object, **opts: object) -> None:
        start, end = parse_date(str(opts["start"])), parse_date(str(opts["end"]))
        symbols = normalise_symbols(str(opts["symbols"]).split(","))
        self.stderr.write(self.style.WARNING(f"WARNING: {DEV_WARNING}"))
        try:
            client = YahooClient()
            readers = default_readers()
            permnos = {s: readers.ticker_to_permno(s, end) for s in symbols}
            bars, missing = client.bars(symbols, start, end)
            linked = [p for p in permnos.values() if p is not None]
            crsp = readers.total_returns(start, end, permnos=linked) if linked else pl.DataFrame()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        crsp = crsp.collect() if isinstance(crsp, pl.LazyFrame) else crsp
        if not linked:
            raise CommandError(f"None of {', '.join(symbols)} maps to a CRSP permno as of {end}.")
        report = reconcile(returns_from_bars(bars), crsp, permnos, tolerance=float(opts["tolerance"]))  # type: ignore[arg-type]
        self.stdout.write(f"Tolerance {report.tolerance:g} (absolute daily return)")
        for symbol, permno, overlap, differing, worst in report.summary.iter_rows():
            worst_text = "-" if worst is None else f"{worst:.6f}"
            self.stdout.write(f"{symbol} (permno {permno}): {overlap} days compared, {differing} beyond tolerance, "
                              f"max |diff| {worst_text}")  # fmt: skip
        for symbol in report.unmatched:
            self.stdout.write(f"{symbol}: no CRSP permno as of {end}")
        for symbol, reason in missing.items():
            self.stdout.write(f"{symbol}: {reason}")
        for row in report.differences.iter_rows(named=True):
            self.stdout.write(
                f"  {row['symbol']} {row['date']}: yahoo {row['yahoo_ret']:+.6f} "
                f"crsp {row['crsp_ret']:+.6f} diff {row['diff']:+.6f}"
            )
        self.stdout.write(f"Summary: {report.differences.height} day(s) beyond tolerance.")
