"""Write a strategy's end-of-day P&L snapshot from closing prices in a CSV (symbol,close)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

import polars as pl
from django.core.management.base import BaseCommand, CommandError, CommandParser

from quant.cli import parse_date
from quant.models import Strategy
from quant.trading.errors import TradingError
from quant.trading.services import snapshot_take


def read_closes(path: Path) -> dict[str, Decimal]:
    """``{symbol: close}`` from a CSV with columns symbol, close (dollars); errors name the line."""
    try:
        frame = pl.read_csv(path, infer_schema=False)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise CommandError(f"cannot read {path}: {str(exc).splitlines()[0]}", returncode=2) from exc
    if not {"symbol", "close"} <= set(frame.columns):
        raise CommandError(f"{path}: needs the columns symbol, close", returncode=2)
    closes = {}
    for line, (symbol, close) in enumerate(frame.select("symbol", "close").iter_rows(), start=2):
        try:
            price = Decimal(str(close).strip())
        except InvalidOperation:
            price = Decimal("NaN")
        if not symbol or not price.is_finite() or price <= 0:
            raise CommandError(f"{path}: line {line}: needs a symbol and a close > 0, got {symbol!r}, {close!r}",
                               returncode=2)  # fmt: skip
        closes[str(symbol).strip()] = price
    return closes


class Command(BaseCommand):
    help = "trading_snapshot --strategy NAME --date YYYY-MM-DD --prices CLOSES.csv (columns: symbol, close)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--strategy", required=True)
        parser.add_argument("--date", required=True)
        parser.add_argument("--prices", required=True, help="CSV with symbol, close (dollars per share)")

    def handle(self, *args: object, **opts: object) -> None:
        strategy = Strategy.objects.filter(name=str(opts["strategy"])).first()
        if strategy is None:
            raise CommandError(f"no strategy {opts['strategy']!r}", returncode=2)
        day = parse_date(str(opts["date"]))
        try:
            snap = snapshot_take(strategy, day, read_closes(Path(str(opts["prices"]))))
        except TradingError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        ret = "n/a" if snap.daily_return is None else f"{snap.daily_return:.6%}"
        self.stdout.write(
            f"{strategy.name} {day}: equity {snap.equity} dollars, cash {snap.cash}, long {snap.long_value}, "
            f"short {snap.short_value}, realized {snap.realized_pnl}, unrealized {snap.unrealized_pnl}, "
            f"daily return {ret}, {snap.n_positions} positions"
        )
