"""Time-weighted spread and top-of-book depth of a LOBSTER level-1 sample (message + orderbook files)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from quant.cli import input_error
from research.io import InputError
from research.services.microstructure import lobster_stats


class Command(BaseCommand):
    help = "Spread (USD, bps) and depth (shares) of LOBSTER message/orderbook files, time-weighted."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("message")
        parser.add_argument("orderbook")
        parser.add_argument("--date", required=True, help="the session, YYYY-MM-DD")
        parser.add_argument("--symbol", required=True)
        parser.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            day = dt.date.fromisoformat(opts["date"])
            stats = lobster_stats(opts["message"], opts["orderbook"], day=day, symbol=opts["symbol"])
        except (InputError, ValueError) as exc:
            raise input_error(str(exc)) from exc
        if opts["format"] == "json":
            self.stdout.write(json.dumps(stats))
            return
        self.stdout.write(
            f"{opts['symbol']} {day}: {stats['events']} events, spread {stats['spread_usd']:.4f} USD "
            f"({stats['spread_bps']:.2f} bps), depth {stats['depth_shares']:.1f} shares (time-weighted)"
        )
