"""Tax lots from trades: lot relief (FIFO, LIFO, HIFO, specific identification) and splits.

Input is one account's trades in time order (:class:`Buy`, :class:`Sell`, :class:`Split`); output
is the account's lots as :class:`~tax.analytics.washsales.Lot` rows — open lots without a sell
date, and a closed row for every piece of a lot that a sale relieved — ready for
:func:`~tax.analytics.washsales.wash_sales` and the realized-gain reports.

* A buy opens a lot; its basis is ``quantity * price + fees`` (fees are part of the cost).
* A sale relieves lots by the method: FIFO (first acquired), LIFO (last acquired), HIFO (highest
  cost per share; ties by acquisition) or specific identification (the lots and share counts the
  seller names). Net proceeds ``quantity * price - fees`` are shared among the relieved pieces in
  proportion to shares; a partly relieved lot is split (amounts rounded to cents, the remainder
  keeps the difference).
* A split (``ratio`` new shares per old share; 0.1 for a 1-for-10 reverse split) multiplies the
  shares of every open lot of the symbol; bases are unchanged.
* Long positions only: selling more than is held is an error (short sales are not lots here).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from .washsales import Lot

Method = Literal["fifo", "lifo", "hifo", "specific"]
METHODS: tuple[Method, ...] = ("fifo", "lifo", "hifo", "specific")
CENT = Decimal("0.01")


class ReliefError(ValueError):
    """A sale that cannot be relieved (oversold, unknown lot, bad specific-ID picks)."""


@dataclass(frozen=True, slots=True)
class Buy:
    date: dt.date
    symbol: str
    quantity: Decimal
    price: Decimal
    fees: Decimal = Decimal(0)
    lot_id: str = ""
    """Name of the lot this buy opens (default: ``<symbol>-<n>``)."""


@dataclass(frozen=True, slots=True)
class Sell:
    date: dt.date
    symbol: str
    quantity: Decimal
    price: Decimal
    fees: Decimal = Decimal(0)
    method: Method | None = None
    """None = the account's default method."""
    picks: tuple[tuple[str, Decimal], ...] = field(default_factory=tuple)
    """For specific identification: ``(lot_id, shares)`` pairs summing to ``quantity``."""


@dataclass(frozen=True, slots=True)
class Split:
    date: dt.date
    symbol: str
    ratio: Decimal


Trade = Buy | Sell | Split


def _n(value: Decimal) -> str:
    """A quantity as people write it (``150``, not ``150.000000``)."""
    return format(value.normalize(), "f")


def per_share(lot: Lot) -> Decimal:
    return lot.cost / lot.shares


def _order(open_lots: list[Lot], method: Method) -> list[int]:
    """Indices of ``open_lots`` in relief order (lots are kept in acquisition order)."""
    idx = range(len(open_lots))
    if method == "fifo":
        return list(idx)
    if method == "lifo":
        return list(reversed(idx))
    if method == "hifo":
        return sorted(idx, key=lambda i: (-per_share(open_lots[i]), open_lots[i].buy_date, open_lots[i].order))
    raise ReliefError(f"unknown relief method {method!r} (choose from {', '.join(METHODS)})")


def _take(lot: Lot, shares: Decimal) -> tuple[Lot, Lot | None]:
    """``shares`` of ``lot`` and what stays open (None when the whole lot is taken)."""
    if shares == lot.shares:
        return lot, None
    basis = (lot.basis * shares / lot.shares).quantize(CENT, rounding=ROUND_HALF_UP)
    adjusted = (
        None
        if lot.adjusted_basis is None
        else (lot.adjusted_basis * shares / lot.shares).quantize(CENT, rounding=ROUND_HALF_UP)
    )
    taken = replace(lot, shares=shares, basis=basis, adjusted_basis=adjusted)
    rest = replace(
        lot,
        shares=lot.shares - shares,
        basis=lot.basis - basis,
        adjusted_basis=None if adjusted is None or lot.adjusted_basis is None else lot.adjusted_basis - adjusted,
    )
    return taken, rest


def _plan(sale: Sell, open_lots: list[Lot], method: Method) -> list[tuple[int, Decimal]]:
    if method == "specific":
        if not sale.picks:
            raise ReliefError(
                f"{sale.date} sell {_n(sale.quantity)} {sale.symbol}: specific identification needs picks"
            )
        by_id = {lot.buy_lot: i for i, lot in enumerate(open_lots)}
        plan = []
        for lot_id, shares in sale.picks:
            i = by_id.get(lot_id)
            if i is None:
                raise ReliefError(f"{sale.date} sell {sale.symbol}: no open lot {lot_id!r}")
            lot = open_lots[i]
            if not 0 < shares <= lot.shares:
                raise ReliefError(
                    f"{sale.date} sell {sale.symbol}: lot {lot_id!r} has {_n(lot.shares)} shares, not {_n(shares)}"
                )
            plan.append((i, shares))
        if sum(shares for _, shares in plan) != sale.quantity:
            raise ReliefError(
                f"{sale.date} sell {_n(sale.quantity)} {sale.symbol}: picks add up to a different quantity"
            )
        return plan
    plan, need = [], sale.quantity
    for i in _order(open_lots, method):
        if need <= 0:
            break
        shares = min(need, open_lots[i].shares)
        plan.append((i, shares))
        need -= shares
    return plan


def relieve(trades: Iterable[Trade], *, method: Method = "fifo") -> list[Lot]:
    """The account's lots after ``trades`` (time order; same-day trades keep their order)."""
    if method not in METHODS:
        raise ReliefError(f"unknown relief method {method!r} (choose from {', '.join(METHODS)})")
    open_lots: dict[str, list[Lot]] = {}
    closed: list[Lot] = []
    counter = 0
    for trade in trades:
        if isinstance(trade, Buy):
            if trade.quantity <= 0 or trade.price < 0 or trade.fees < 0:
                raise ReliefError(f"{trade.date} buy {trade.symbol}: quantity must be > 0, price and fees >= 0")
            counter += 1
            lot = Lot(
                shares=trade.quantity,
                symbol=trade.symbol,
                buy_date=trade.date,
                basis=(trade.quantity * trade.price + trade.fees).quantize(CENT, rounding=ROUND_HALF_UP),
                buy_lot=trade.lot_id or f"{trade.symbol}-{counter}",
                order=(counter,),
            )
            open_lots.setdefault(trade.symbol, []).append(lot)
        elif isinstance(trade, Split):
            if trade.ratio <= 0:
                raise ReliefError(f"{trade.date} split {trade.symbol}: ratio must be > 0")
            open_lots[trade.symbol] = [
                replace(lot, shares=lot.shares * trade.ratio) for lot in open_lots.get(trade.symbol, [])
            ]
        else:
            held = open_lots.get(trade.symbol, [])
            if trade.quantity <= 0:
                raise ReliefError(f"{trade.date} sell {trade.symbol}: quantity must be > 0")
            if trade.quantity > sum((lot.shares for lot in held), Decimal(0)):
                raise ReliefError(
                    f"{trade.date} sell {_n(trade.quantity)} {trade.symbol}: only "
                    f"{_n(sum((lot.shares for lot in held), Decimal(0)))} shares are held"
                )
            plan = _plan(trade, held, trade.method or method)
            net = (trade.quantity * trade.price - trade.fees).quantize(CENT, rounding=ROUND_HALF_UP)
            remaining_net, remaining_qty = net, trade.quantity
            gone = set()
            for i, shares in plan:
                piece, rest = _take(held[i], shares)
                proceeds = (
                    remaining_net
                    if shares == remaining_qty
                    else (net * shares / trade.quantity).quantize(CENT, rounding=ROUND_HALF_UP)
                )
                remaining_net -= proceeds
                remaining_qty -= shares
                closed.append(replace(piece, sell_date=trade.date, proceeds=proceeds))
                if rest is None:
                    gone.add(i)
                else:
                    held[i] = rest
            if gone:
                open_lots[trade.symbol] = [lot for i, lot in enumerate(held) if i not in gone]
    still_open = [lot for lots in open_lots.values() for lot in lots]
    return sorted([*closed, *still_open], key=lambda lot: (lot.buy_date, lot.order, lot.sell_date or dt.date.max))


def is_long_term(lot: Lot) -> bool:
    """Held more than one year, counted from the (adjusted) acquisition date (IRS Pub. 550)."""
    if lot.sell_date is None:
        raise ValueError("an open lot has no holding period yet")
    start = lot.held_from
    try:
        anniversary = start.replace(year=start.year + 1)
    except ValueError:  # acquired on 29 February
        anniversary = dt.date(start.year + 1, 3, 1) - dt.timedelta(days=1)
    return lot.sell_date > anniversary


def realized_gain(lot: Lot) -> Decimal:
    """Form 8949 column (h): proceeds - basis + adjustment (a wash-sale adjustment is added back)."""
    if lot.proceeds is None:
        raise ValueError("an open lot has no realized gain")
    return lot.proceeds - lot.cost + (lot.adjustment or Decimal(0))
