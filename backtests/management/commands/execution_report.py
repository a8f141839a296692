"""Implementation shortfall of a file of orders: ``manage.py execution_report ORDERS.json``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from backtests.services.execution import COMPONENTS, execution_report_file, shortfall_payload
from quant.cli import finite_json, input_error


class Command(BaseCommand):
    help = (
        "Perold implementation shortfall (delay, execution, opportunity, fees; dollars and bps of "
        "shares x decision price) of a JSON list of orders. Keys: docs/backtests.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("orders", help="JSON file: a list of {id, side, shares, decision_price, fills, ...}")
        parser.add_argument("--format", choices=("table", "json"), default="table")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            results = execution_report_file(opts["orders"])
        except ValueError as exc:
            raise input_error(str(exc)) from exc
        if opts["format"] == "json":
            self.stdout.write(finite_json(shortfall_payload(results), indent=2))
            return
        head = f"{'order':<12} {'paper $':>14} " + " ".join(f"{n + ' bps':>16}" for n in COMPONENTS)
        self.stdout.write(head + f" {'mkt-adj bps':>12}")
        for r in results:
            cells = " ".join(f"{getattr(r, n).bps:>16.2f}" for n in COMPONENTS)
            adj = "" if r.market_adjusted_bps is None else f"{r.market_adjusted_bps:.2f}"
            self.stdout.write(f"{r.id:<12} {r.paper_value:>14,.2f} {cells} {adj:>12}")
        total = sum(r.total.usd for r in results)
        self.stdout.write(f"{len(results)} orders, total shortfall ${total:,.2f} (cost > 0)")
