"""Implementation shortfall of a file of orders (``manage.py execution_report ORDERS.json``) or of a
strategy's own orders and fills (``--strategy NAME``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from backtests.analytics.execution import Shortfall
from backtests.data import DataUnavailable, data_range
from backtests.services.execution import (
    COMPONENTS,
    execution_report_file,
    shortfall_payload,
    strategy_order_quality,
)
from backtests.services.strategies import warehouse_prices
from quant.cli import finite_json, input_error
from quant.models import Order, Strategy


class Command(BaseCommand):
    help = (
        "Perold implementation shortfall (delay, execution, opportunity, fees; dollars and bps of "
        "shares x decision price) of a JSON list of orders, or of a strategy's orders priced from the "
        "warehouse. Keys: docs/execution.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("orders", nargs="?", help="JSON file: a list of {id, side, shares, decision_price, ...}")
        parser.add_argument("--strategy", metavar="NAME", help="the platform's orders of this strategy instead")
        parser.add_argument("--format", choices=("table", "json"), default="table")

    def _strategy(self, name: str) -> list[Shortfall]:
        strategy = Strategy.objects.filter(name=name).first()
        if strategy is None:
            raise input_error(f"--strategy {name!r}: no strategy with that name")
        orders = Order.objects.filter(strategy=strategy).prefetch_related("fills").order_by("trade_date", "id")
        try:
            quality, skipped = strategy_order_quality(orders, warehouse_prices(data_range("warehouse").last))
        except DataUnavailable as exc:
            raise input_error(str(exc)) from exc
        if skipped:
            self.stderr.write(f"{skipped} order(s) without a warehouse price left out")
        return [q.shortfall for q in quality]

    def handle(self, *args: Any, **opts: Any) -> None:
        if bool(opts["orders"]) == bool(opts["strategy"]):
            raise input_error("give either ORDERS.json or --strategy NAME")
        if opts["strategy"]:
            results = self._strategy(opts["strategy"])
        else:
            try:
                results = execution_report_file(opts["orders"])
            except ValueError as exc:
                raise input_error(str(exc)) from exc
        if opts["format"] == "json":
            self.stdout.write(finite_json(shortfall_payload(results), indent=2))
            return
        head = f"{'order':<24} {'paper $':>14} " + " ".join(f"{n + ' bps':>16}" for n in COMPONENTS)
        self.stdout.write(head + f" {'mkt-adj bps':>12}")
        for r in results:
            cells = " ".join(f"{getattr(r, n).bps:>16.2f}" for n in COMPONENTS)
            adj = "" if r.market_adjusted_bps is None else f"{r.market_adjusted_bps:.2f}"
            self.stdout.write(f"{r.id:<24} {r.paper_value:>14,.2f} {cells} {adj:>12}")
        total = sum(r.total.usd for r in results)
        self.stdout.write(f"{len(results)} orders, total shortfall ${total:,.2f} (cost > 0)")
