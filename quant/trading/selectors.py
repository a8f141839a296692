"""Reads of the trading core: positions valued at injected prices, cash, equity, orders, fills.

Prices are either a :class:`~quant.trading.broker.PriceSource` (its close on ``date``) or a plain
``{symbol: price}`` mapping (dollars per share). Valuation is exact ``Decimal``; the book obeys

    equity = cash + long_value + short_value
    realized + unrealized = equity - contributed

where realized includes dividend/adjustment cash entries and is net of fees.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet, Sum

from quant.models import Strategy
from quant.trading.broker import PriceSource
from quant.trading.ledger import EXACT, ZERO
from quant.trading.models import CashEntry, Fill, Order, PnLSnapshot, Position

Prices = Mapping[str, Decimal] | PriceSource
OTHER_PNL = (CashEntry.Kind.DIVIDEND, CashEntry.Kind.ADJUSTMENT)


def price_of(prices: Prices, symbol: str, date: dt.date | None) -> Decimal | None:
    """The valuation price of ``symbol``: the mapping's value, or the source's close on ``date``."""
    if isinstance(prices, Mapping):
        value = prices.get(symbol)
        return None if value is None else Decimal(str(value))
    if date is None:
        raise ValueError("a PriceSource needs a date to value positions")
    bar = prices.bar(symbol, date)
    return None if bar is None else bar.close


@dataclass(frozen=True, slots=True)
class PositionValue:
    """One open position valued at a price (dollars; ``weight`` = market value / equity)."""

    symbol: str
    quantity: Decimal
    avg_cost: Decimal
    cost_basis: Decimal
    realized: Decimal
    price: Decimal
    market_value: Decimal
    unrealized: Decimal
    weight: float | None = None


@dataclass(frozen=True, slots=True)
class Book:
    """A strategy's book valued on ``date`` (all dollars)."""

    date: dt.date | None
    cash: Decimal
    equity: Decimal
    long_value: Decimal
    short_value: Decimal
    realized: Decimal
    unrealized: Decimal
    contributed: Decimal
    positions: list[PositionValue] = field(default_factory=list)

    @property
    def gross_exposure(self) -> Decimal:
        return EXACT.divide(self.long_value - self.short_value, self.equity) if self.equity else ZERO

    @property
    def net_exposure(self) -> Decimal:
        return EXACT.divide(self.long_value + self.short_value, self.equity) if self.equity else ZERO


def positions_open(strategy: Strategy) -> QuerySet[Position]:
    """Non-flat positions, by symbol."""
    return Position.objects.filter(strategy=strategy).exclude(quantity=0).order_by("symbol")


def _sum(qs: QuerySet[CashEntry]) -> Decimal:
    total = qs.aggregate(total=Sum("amount"))["total"]
    return ZERO if total is None else Decimal(total)


def cash_balance(strategy: Strategy, as_of: dt.date | None = None) -> Decimal:
    """Sum of the cash ledger (through ``as_of`` inclusive when given), dollars."""
    qs = CashEntry.objects.filter(strategy=strategy)
    return _sum(qs if as_of is None else qs.filter(trade_date__lte=as_of))


def capital_contributed(strategy: Strategy, as_of: dt.date | None = None) -> Decimal:
    """Net capital contributed (contributions minus withdrawals), dollars."""
    qs = CashEntry.objects.filter(strategy=strategy, kind__in=CashEntry.CAPITAL)
    return _sum(qs if as_of is None else qs.filter(trade_date__lte=as_of))


def realized_other(strategy: Strategy, as_of: dt.date | None = None) -> Decimal:
    """Dividends and adjustments booked to cash (part of realized P&L), dollars."""
    qs = CashEntry.objects.filter(strategy=strategy, kind__in=OTHER_PNL)
    return _sum(qs if as_of is None else qs.filter(trade_date__lte=as_of))


class MissingPrice(LookupError):
    """A held symbol has no price on the valuation date."""


def book_value(strategy: Strategy, prices: Prices, date: dt.date | None = None) -> Book:
    """Value the current book at ``prices``; raises :class:`MissingPrice` for a held symbol without one."""
    rows = list(Position.objects.filter(strategy=strategy).order_by("symbol"))
    realized = sum((p.realized_pnl for p in rows), ZERO) + realized_other(strategy, date)
    cash = cash_balance(strategy, date)
    valued: list[tuple[Position, Decimal, Decimal]] = []
    for p in rows:
        if p.quantity == 0:
            continue
        price = price_of(prices, p.symbol, date)
        if price is None:
            raise MissingPrice(f"no price for {p.symbol} on {date or 'the valuation date'}")
        valued.append((p, price, EXACT.multiply(p.quantity, price)))
    long_value = sum((mv for _, _, mv in valued if mv > 0), ZERO)
    short_value = sum((mv for _, _, mv in valued if mv < 0), ZERO)
    equity = cash + long_value + short_value
    positions = [
        PositionValue(
            symbol=p.symbol,
            quantity=p.quantity,
            avg_cost=p.avg_cost,
            cost_basis=p.cost_basis,
            realized=p.realized_pnl,
            price=price,
            market_value=mv,
            unrealized=mv - p.cost_basis,
            weight=float(mv / equity) if equity else None,
        )  # fmt: skip
        for p, price, mv in valued
    ]
    unrealized = sum((pv.unrealized for pv in positions), ZERO)
    return Book(date, cash, equity, long_value, short_value, realized, unrealized,
                capital_contributed(strategy, date), positions)  # fmt: skip


def orders_open(strategy: Strategy) -> QuerySet[Order]:
    """Orders still working (new, accepted, partially filled), oldest first."""
    return Order.objects.filter(strategy=strategy, status__in=Order.OPEN).order_by("trade_date", "id")


def orders_for(strategy: Strategy, *, status: str | None = None) -> QuerySet[Order]:
    qs = Order.objects.filter(strategy=strategy)
    return qs if status is None else qs.filter(status=status)


def fills_for(
    strategy: Strategy, *, symbol: str | None = None, start: dt.date | None = None, end: dt.date | None = None
) -> QuerySet[Fill]:
    """A strategy's fills (newest first), optionally for one symbol and a trade-date range."""
    qs = Fill.objects.filter(strategy=strategy).select_related("order")
    if symbol:
        qs = qs.filter(symbol=symbol)
    if start:
        qs = qs.filter(trade_date__gte=start)
    if end:
        qs = qs.filter(trade_date__lte=end)
    return qs


def signed_fill_totals(strategy: Strategy) -> dict[str, Decimal]:
    """Σ signed fill quantity per symbol (what the positions must equal)."""
    totals: dict[str, Decimal] = {}
    for symbol, side, qty in (
        Fill.objects.filter(strategy=strategy)
        .values("symbol", "side")
        .annotate(q=Sum("quantity"))
        .values_list("symbol", "side", "q")
    ):
        totals[symbol] = totals.get(symbol, ZERO) + (qty if side == Order.Side.BUY else -qty)
    return totals


def snapshots_for(strategy: Strategy, *, start: dt.date | None = None, end: dt.date | None = None) -> QuerySet:
    """Daily P&L snapshots by date."""
    qs = PnLSnapshot.objects.filter(strategy=strategy).order_by("date")
    if start:
        qs = qs.filter(date__gte=start)
    if end:
        qs = qs.filter(date__lte=end)
    return qs
