"""Send, cancel or sync orders of a strategy through its registered broker (every gate applies)."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quant.cli import parse_date
from quant.models import Order, Strategy
from quant.trading.broker import Broker, OrderRequest
from quant.trading.brokers import broker_for, paper_broker_save
from quant.trading.errors import TradingError
from quant.trading.paper import PaperBroker
from quant.trading.selectors import orders_open
from quant.trading.services import order_cancel, order_submit, order_sync


def _decimal(text: object, what: str) -> Decimal:
    try:
        return Decimal(str(text))
    except InvalidOperation:
        raise CommandError(f"{what} {text!r} is not a number", returncode=2) from None


class Command(BaseCommand):
    help = (
        "trading_order submit --strategy NAME --symbol SYM --side buy|sell --quantity SHARES --date YYYY-MM-DD "
        "[--type market|limit|moc] [--limit-price DOLLARS] [--tif day|gtc|ioc|cls] [--client-order-id ID] | "
        "trading_order cancel --strategy NAME --client-order-id ID | trading_order sync --strategy NAME. "
        "Uses the strategy's broker (--broker to choose; a higher floor registers the paper broker with prices)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        submit = sub.add_parser("submit", help="send one order (manual source)")
        cancel = sub.add_parser("cancel", help="cancel an open order")
        sync = sub.add_parser("sync", help="pull status and fills of every open order")
        for p in (submit, cancel, sync):
            p.add_argument("--strategy", required=True)
            p.add_argument("--broker", default=None)
        submit.add_argument("--symbol", required=True)
        submit.add_argument("--side", required=True)
        submit.add_argument("--quantity", required=True, help="shares (fractional allowed)")
        submit.add_argument("--date", required=True, help="the session the order is for")
        submit.add_argument("--type", default="market")
        submit.add_argument("--limit-price", default=None)
        submit.add_argument("--tif", default="day")
        submit.add_argument("--client-order-id", default=None)
        cancel.add_argument("--client-order-id", required=True)

    def handle(self, *args: object, **opts: object) -> None:
        strategy = Strategy.objects.filter(name=str(opts["strategy"])).first()
        if strategy is None:
            raise CommandError(f"no strategy {opts['strategy']!r}", returncode=2)
        try:
            broker = broker_for(strategy, str(opts["broker"]) if opts["broker"] else None)
            orders = self._act(strategy, broker, opts)
        except TradingError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if isinstance(broker, PaperBroker):
            paper_broker_save(strategy, broker)
        for order in orders:
            filled = f"{order.filled_quantity.normalize():f}"
            self.stdout.write(f"{order.client_order_id}: {order.side} {order.symbol} — {order.status}, filled {filled}")

    def _act(self, strategy: Strategy, broker: Broker, opts: dict[str, object]) -> list[Order]:
        if opts["action"] == "sync":
            return [order_sync(order, broker) for order in orders_open(strategy)]
        if opts["action"] == "cancel":
            order = Order.objects.filter(strategy=strategy, client_order_id=str(opts["client_order_id"])).first()
            if order is None:
                raise TradingError(f"{strategy.name} has no order {opts['client_order_id']}")
            return [order_cancel(order, broker=broker)]
        limit = None if opts["limit_price"] is None else _decimal(opts["limit_price"], "limit price")
        request = OrderRequest(
            client_order_id=str(opts["client_order_id"] or f"manual-{uuid.uuid4().hex[:12]}"),
            symbol=str(opts["symbol"]), side=str(opts["side"]), quantity=_decimal(opts["quantity"], "quantity"),
            order_type=str(opts["type"]), limit_price=limit, time_in_force=str(opts["tif"]),
        )  # fmt: skip
        day = parse_date(str(opts["date"]))
        return [order_submit(strategy, request, broker=broker, trade_date=day, source=str(Order.Source.MANUAL))]
