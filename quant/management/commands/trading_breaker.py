"""The circuit breaker from the shell: show it, evaluate its rules, trip it. Resetting needs an
operator's fresh TOTP code, so it is done on the console's Circuit breaker page only."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quant.trading.breaker import breaker_history, breaker_status, breaker_trip
from quant.trading.breaker_rules import breaker_evaluate, rules_check
from quant.trading.config import trading_settings
from quant.trading.errors import TradingError


class Command(BaseCommand):
    help = (
        "trading_breaker status | trading_breaker evaluate | trading_breaker trip --reason TEXT. "
        "Reset on the console (operator + TOTP + reason, at most once a minute)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="state, the rules that fire now, the last transitions")
        sub.add_parser("evaluate", help="run the automatic rules now (what the beat job does)")
        trip = sub.add_parser("trip", help="trip the breaker: no new order leaves the platform")
        trip.add_argument("--reason", required=True)

    def handle(self, *args: object, **opts: object) -> None:
        action = opts["action"]
        try:
            if action == "trip":
                breaker_trip(reason=str(opts["reason"]), by="shell", rule="manual")
            elif action == "evaluate":
                breaker_evaluate()
        except TradingError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        status = breaker_status()
        since = f" since {status.at:%Y-%m-%d %H:%M:%S} UTC" if status.at else ""
        self.stdout.write(f"circuit breaker: {status.label}{since}" + (f" — {status.reason} (by {status.by})"
                                                                       if status.tripped else ""))  # fmt: skip
        config = trading_settings()
        firing = rules_check()
        self.stdout.write(f"rules (trading config v{config.version}): " +
                          ("; ".join(t.reason for t in firing) if firing else "none firing"))  # fmt: skip
        for event in breaker_history(5):
            self.stdout.write(f"  {event.at:%Y-%m-%d %H:%M:%S} {event.kind:<5} {event.by}: {event.reason}")
