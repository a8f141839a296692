"""broker_check: read a broker's account and positions (are the keys and the URL right?). Sends no order."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quant.trading.broker import BrokerError
from quant.trading.brokers import broker_for
from quant.trading.errors import TradingError


class Command(BaseCommand):
    help = (
        "Connect to a broker configured in the environment (ALPACA_* for alpaca) and print its account "
        "(cash, equity, buying power in USD) and open positions. Read-only; exits 2 with the reason on failure."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--broker", default="alpaca", help="registered broker name (default: alpaca)")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            broker = broker_for(None, opts["broker"])
            account = broker.account()
            positions = broker.positions()
        except (BrokerError, TradingError) as exc:
            raise CommandError(f"broker_check {opts['broker']}: {exc}", returncode=2) from exc
        self.stdout.write(f"{broker!r}")
        self.stdout.write(
            f"cash {account.cash} {account.currency}, equity {account.equity} {account.currency}, "
            f"buying power {account.buying_power if account.buying_power is not None else 'n/a'} {account.currency}"
        )
        for p in positions:
            value = f"{p.market_value} {account.currency}" if p.market_value is not None else "n/a"
            self.stdout.write(f"{p.symbol:<8} {p.quantity:>14} sh @ avg {p.avg_cost} (market value {value})")
        self.stdout.write(f"broker_check: {len(positions)} open position(s)")
