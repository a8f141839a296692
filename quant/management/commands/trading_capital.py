"""Contribute or withdraw a strategy's capital (a cash-ledger entry; the saved paper book follows)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from quant.cli import parse_date
from quant.models import BrokerState, Strategy
from quant.trading.brokers import NoPrices, paper_broker_load, paper_broker_save
from quant.trading.errors import TradingError
from quant.trading.selectors import cash_balance
from quant.trading.services import capital_contribute, capital_withdraw


class Command(BaseCommand):
    help = "trading_capital --strategy NAME (--contribute | --withdraw) DOLLARS --date YYYY-MM-DD [--note TEXT]"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--strategy", required=True)
        flow = parser.add_mutually_exclusive_group(required=True)
        flow.add_argument("--contribute", metavar="DOLLARS")
        flow.add_argument("--withdraw", metavar="DOLLARS")
        parser.add_argument("--date", required=True, help="YYYY-MM-DD (the ledger's trade date)")
        parser.add_argument("--note", default="")

    def handle(self, *args: object, **opts: object) -> None:
        strategy = Strategy.objects.filter(name=str(opts["strategy"])).first()
        if strategy is None:
            raise CommandError(f"no strategy {opts['strategy']!r}", returncode=2)
        day = parse_date(str(opts["date"]))
        has_paper = BrokerState.objects.filter(strategy=strategy, broker="paper").exists()
        try:
            with transaction.atomic():
                paper = paper_broker_load(strategy, NoPrices()) if has_paper else None
                if opts["contribute"]:
                    entry = capital_contribute(strategy, opts["contribute"], trade_date=day, note=str(opts["note"]),
                                               broker=paper)  # fmt: skip
                else:
                    entry = capital_withdraw(strategy, opts["withdraw"], trade_date=day, note=str(opts["note"]),
                                             broker=paper)  # fmt: skip
                if paper is not None:
                    paper_broker_save(strategy, paper)
        except TradingError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{entry.kind} of {abs(entry.amount).normalize():f} dollars on {day}; {strategy.name} now holds "
                f"{cash_balance(strategy).normalize():f} dollars of cash"
                + (" (paper book updated)" if has_paper else "")
            )
        )
