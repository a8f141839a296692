"""Import fills from a CSV into a strategy's orders, fills, positions and cash (all or nothing)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quant.models import Strategy
from quant.trading.errors import TradingError
from quant.trading.ingest import OPTIONAL, REQUIRED, fills_ingest_frame, fills_read_csv


class Command(BaseCommand):
    help = (
        f"Import fills from a CSV (header: {', '.join(REQUIRED)}; optional: {', '.join(OPTIONAL)}; "
        "see docs/trading.md). Applied in file order with average-cost accounting; nothing is written "
        "when any line is bad (exit 2, naming the line)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV file")
        parser.add_argument("--strategy", required=True, help="strategy name")

    def handle(self, *args: object, **opts: object) -> None:
        strategy = Strategy.objects.filter(name=str(opts["strategy"])).first()
        if strategy is None:
            raise CommandError(f"no strategy {opts['strategy']!r}", returncode=2)
        path = Path(str(opts["file"]))
        if not path.is_file():
            raise CommandError(f"no file {path}", returncode=2)
        try:
            result = fills_ingest_frame(strategy, fills_read_csv(path))
        except TradingError as exc:
            raise CommandError(f"{path}: {exc}", returncode=2) from exc
        timings = ", ".join(f"{k} {v:.2f}" for k, v in result.seconds.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"imported {result.n_fills} fills in {result.n_orders} orders over {result.n_symbols} symbols "
                f"({result.first_date}..{result.last_date}) into {strategy.name}; seconds: {timings}"
            )
        )
