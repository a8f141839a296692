"""The broker protocol: what the platform asks of any broker (paper or live).

Implementations: :class:`quant.trading.paper.PaperBroker` (fills against injected prices) and
:class:`quant.trading.alpaca.AlpacaBroker` (``alpaca-py``). Only :mod:`quant.trading.services`
calls a broker; nothing else sends orders, so every gate (halted strategy, circuit breaker, size
limits) sits in one place in front of :meth:`Broker.submit`.

Values are plain dataclasses with ``Decimal`` money so that the adapters do not leak their
client libraries' types into the core.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol, runtime_checkable


class BrokerError(Exception):
    """The broker refused or failed a request; ``str(exc)`` is a one-line reason for people."""


class OrderRejected(BrokerError):
    """The broker rejected an order (the order row becomes ``rejected`` with this reason)."""


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """An order as the platform sends it. ``client_order_id`` makes submission idempotent."""

    client_order_id: str
    symbol: str
    side: str  # "buy" | "sell"
    quantity: Decimal
    order_type: str = "market"  # "market" | "limit" | "moc"
    limit_price: Decimal | None = None
    time_in_force: str = "day"  # "day" | "gtc" | "ioc" | "cls"


@dataclass(frozen=True, slots=True)
class BrokerFill:
    """One execution reported by the broker."""

    broker_fill_id: str
    quantity: Decimal  # > 0
    price: Decimal
    fees: Decimal = Decimal(0)
    venue: str = ""
    filled_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class BrokerOrder:
    """The broker's view of an order: status uses the platform's names (``Order.Status``)."""

    client_order_id: str
    broker_order_id: str
    symbol: str
    side: str
    quantity: Decimal
    status: str  # new | accepted | partially_filled | filled | cancelled | rejected
    filled_quantity: Decimal = Decimal(0)
    avg_fill_price: Decimal | None = None
    reject_reason: str = ""
    fills: tuple[BrokerFill, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class BrokerPosition:
    symbol: str
    quantity: Decimal  # signed: negative = short
    avg_cost: Decimal
    market_value: Decimal | None = None


@dataclass(frozen=True, slots=True)
class BrokerAccount:
    cash: Decimal
    equity: Decimal
    buying_power: Decimal | None = None
    currency: str = "USD"


@runtime_checkable
class Broker(Protocol):
    """Every broker answers these; all calls may raise :class:`BrokerError`."""

    name: str

    def submit(self, order: OrderRequest) -> BrokerOrder:
        """Send an order. Sending the same ``client_order_id`` again returns the existing order."""

    def replace(
        self, client_order_id: str, *, quantity: Decimal | None = None, limit_price: Decimal | None = None
    ) -> BrokerOrder:
        """Change an open order's quantity and/or limit price."""

    def cancel(self, client_order_id: str) -> BrokerOrder:
        """Cancel an open order (a no-op for a finished one; returns its state)."""

    def order(self, client_order_id: str) -> BrokerOrder:
        """Current state of one order, with its fills."""

    def positions(self) -> list[BrokerPosition]:
        """All open positions at the broker."""

    def account(self) -> BrokerAccount:
        """Cash and equity at the broker."""


class PriceSource(Protocol):
    """Daily bars for the paper broker and for valuation (injected by a higher floor).

    ``bar(symbol, date)`` returns ``None`` when the symbol does not trade that day (unknown
    symbol, halted, delisted). Prices are per share in dollars; ``volume`` in shares.
    """

    def bar(self, symbol: str, date: dt.date) -> Bar | None: ...

    def known(self, symbol: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class Bar:
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
