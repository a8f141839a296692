"""Build the TAQ Tier 1 aggregates (1-minute bars, daily realized measures, intraday stats) and publish them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from quant.cli import input_error
from quant.locks import LockBusy
from research.analytics.microstructure.cleaning import quotes_clean, trades_clean
from research.io import InputError
from research.services.microstructure import read_taq_quotes, read_taq_trades
from research.services.taq import taq_aggregates, taq_demo_build, taq_publish
from warehouse.publish import ValidationFailed


class Command(BaseCommand):
    help = "Publish TAQ Tier 1 from raw TAQ CSVs (--trades/--quotes, cleaned first) or from the demo generator."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--demo", action="store_true", help="use the demo intraday generator")
        parser.add_argument("--days", type=int, default=60, help="demo sessions (default 60: HAR needs > 30)")
        parser.add_argument("--trades", help="raw trades CSV (highfrequency or WRDS layout)")
        parser.add_argument("--quotes", help="raw quotes CSV")
        parser.add_argument("--exchanges", default="all", help="comma-separated exchange codes or 'all'")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            if opts["demo"]:
                results = taq_demo_build(days=opts["days"])
            elif opts["trades"] and opts["quotes"]:
                ex = None if opts["exchanges"] == "all" else opts["exchanges"].split(",")
                trades, t_rep = trades_clean(read_taq_trades(opts["trades"]), exchanges=ex)
                quotes, q_rep = quotes_clean(read_taq_quotes(opts["quotes"]), exchanges=ex)
                self.stdout.write(
                    f"cleaned: trades {t_rep.initial} -> {t_rep.final}, quotes {q_rep.initial} -> {q_rep.final}"
                )
                results = taq_publish(taq_aggregates(trades, quotes), source="taq_files", writer="taq_build")
            else:
                raise input_error("give --demo, or both --trades and --quotes")
        except (InputError, ValueError, ValidationFailed, LockBusy) as exc:
            raise input_error(str(exc)) from exc
        for r in results:
            self.stdout.write(f"{r.dataset}: v{r.version}, {r.rows} rows")
