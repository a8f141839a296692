"""Replay a strategy day by day through the paper broker: ``manage.py paper_run --strategy NAME
--start YYYY-MM-DD --end YYYY-MM-DD`` (idempotent: days already run are skipped)."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from backtests.data import DataUnavailable
from backtests.services.strategies import StrategyNotRunnable, strategy_replay
from quant.models import Strategy
from quant.trading.errors import TradingError


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD)", returncode=2) from exc


class Command(BaseCommand):
    help = (
        "Replay a configured strategy session by session through the paper broker on the warehouse "
        "(each day reads only data dated on or before it). Re-running a window sends no order twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--strategy", required=True, help="strategy name")
        parser.add_argument("--start", required=True, help="first session (YYYY-MM-DD)")
        parser.add_argument("--end", required=True, help="last session (YYYY-MM-DD)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **opts: Any) -> None:
        start, end = _date(opts["start"]), _date(opts["end"])
        strategy = Strategy.objects.filter(name=opts["strategy"]).first()
        if strategy is None:
            raise CommandError(f"no strategy named {opts['strategy']!r}", returncode=2)
        bar = None if opts["no_progress"] else tqdm(desc=f"paper_run {strategy.name}", unit="day", file=sys.stderr)

        def progress(done: int, total: int, day: dt.date) -> None:
            if bar is not None:
                bar.total = total
                bar.set_postfix_str(str(day), refresh=False)
                bar.update(done - bar.n)

        try:
            result = strategy_replay(strategy=strategy, start=start, end=end, progress=progress)
        except (StrategyNotRunnable, DataUnavailable, TradingError) as exc:
            raise CommandError(str(exc), returncode=2) from exc
        finally:
            if bar is not None:
                bar.close()
        ran = result.traded
        orders = sum(d.orders for d in ran)
        halted = sum(d.halted for d in ran)
        last = ran[-1].equity if ran else None
        self.stdout.write(
            f"{strategy.name}: {len(ran)} sessions run, {len(result.days) - len(ran)} already done, "
            f"{orders} orders" + (f", {halted} sessions halted (no orders)" if halted else "")
            + (f"; equity {last:,.2f} dollars on {ran[-1].date}" if last is not None else "")
        )  # fmt: skip
