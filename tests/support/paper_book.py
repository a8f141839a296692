"""A strategy with a saved paper book (positions, one open order) on static prices, and the
"paper" broker factory pointed at those prices while a test runs (restored afterwards)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from quant.models import Strategy
from quant.trading import brokers
from quant.trading.broker import OrderRequest
from quant.trading.brokers import paper_broker_load, paper_broker_save
from quant.trading.paper import PaperBroker
from quant.trading.prices import StaticPrices
from quant.trading.services import capital_contribute, order_submit, order_sync

D1, D2 = dt.date(2024, 3, 4), dt.date(2024, 3, 5)
PRICES = StaticPrices.from_rows(
    [
        ("AAA", D1, "100", "102", "99", "101", "10000"),
        ("AAA", D2, "102", "105", "101", "104", "10000"),
        ("BBB", D1, "50", "51", "49", "50.5", "2000"),
        ("BBB", D2, "51", "52", "48", "49", "2000"),
    ]
)


@contextmanager
def paper_prices(prices: StaticPrices = PRICES) -> Iterator[None]:
    saved = dict(brokers._FACTORIES)
    brokers.broker_register("paper", lambda strategy, **kw: paper_broker_load(strategy, prices), replace=True)
    try:
        yield
    finally:
        brokers._FACTORIES.clear()
        brokers._FACTORIES.update(saved)


def seed_book(strategy: Strategy) -> PaperBroker:
    """$10,000; long 10 AAA and short 4 BBB at the close of D1 (101, 50.5); the book moved to D2
    (AAA closes at 104, BBB at 49) with a GTC limit buy of 5 AAA at $90 still open."""
    broker = PaperBroker(PRICES, today=D1)
    capital_contribute(strategy, "10000", trade_date=D1, broker=broker)
    orders = [
        order_submit(strategy, OrderRequest("b-aaa", "AAA", "buy", Decimal(10), "moc"), broker=broker, trade_date=D1),
        order_submit(strategy, OrderRequest("s-bbb", "BBB", "sell", Decimal(4), "moc"), broker=broker, trade_date=D1),
    ]
    broker.process(D1)
    for order in orders:
        order_sync(order, broker)
    broker.process(D2)
    order_submit(strategy, OrderRequest("lim-aaa", "AAA", "buy", Decimal(5), "limit", Decimal(90), "gtc"),
                 broker=broker, trade_date=D2)  # fmt: skip
    paper_broker_save(strategy, broker)
    return broker
