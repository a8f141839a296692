"""Writes of the trading core: orders (submit, cancel, sync), fills, capital flows.

Every order goes through :func:`order_submit`, which validates the request, runs
:func:`order_gate` (the one place in front of the broker: halted strategies, and whatever gate a
higher floor registers with :func:`order_gate_register`, e.g. a circuit breaker) and only then
calls :meth:`Broker.submit`. A refused request raises :class:`TradingError` and writes nothing.

A fill is applied by :func:`fill_apply` in one transaction: the fill row, the order's filled
quantity/average price/status, the position (``select_for_update``; average-cost accounting from
:mod:`quant.trading.ledger`) and the cash ledger rows (trade amount, fees). Fills are idempotent
by the broker's execution id. Snapshots of the book: :mod:`quant.trading.snapshots`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from quant.models import Strategy
from quant.trading.broker import Broker, BrokerError, BrokerFill, BrokerOrder, OrderRejected, OrderRequest
from quant.trading.errors import TradingError
from quant.trading.ledger import EXACT, PositionState, fill_effect, round8
from quant.trading.models import CashEntry, Fill, Order, PnLSnapshot, Position

logger = logging.getLogger("quantdesk.trading")

Gate = Callable[[Strategy, OrderRequest], None]
"""A gate raises :class:`TradingError` to refuse an order (it must not write anything)."""
_GATES: list[Gate] = []
FillHook = Callable[[Fill], None]
"""Called after each applied fill commits its rows (the circuit breaker's rules); must not raise."""
_FILL_HOOKS: list[FillHook] = []
# Plain str values of the choices (the typed core has no Django stubs: members look like tuples to mypy)
HALTED = (str(Strategy.Status.HALTED), str(Strategy.Status.RETIRED))
SIDES, TYPES, TIFS = set(Order.Side.values), set(Order.Type.values), set(Order.TimeInForce.values)
NEW, ACCEPTED, PARTIAL, FILLED, CANCELLED, REJECTED = (
    str(s) for s in (Order.Status.NEW, Order.Status.ACCEPTED, Order.Status.PARTIALLY_FILLED, Order.Status.FILLED,
                     Order.Status.CANCELLED, Order.Status.REJECTED)
)  # fmt: skip
TRADE, FEE, CONTRIBUTION, WITHDRAWAL = (
    str(k) for k in (CashEntry.Kind.TRADE, CashEntry.Kind.FEE, CashEntry.Kind.CONTRIBUTION, CashEntry.Kind.WITHDRAWAL)
)
CAPITAL = (CONTRIBUTION, WITHDRAWAL)
BUY, LIMIT = str(Order.Side.BUY), str(Order.Type.LIMIT)
MAX_ID = 64

__all__ = [
    "TradingError",
    "capital_contribute",
    "capital_withdraw",
    "fill_apply",
    "fill_hook_register",
    "order_cancel",
    "order_gate",
    "order_gate_register",
    "order_submit",
    "order_sync",
    "order_validate",
    "snapshot_take",
]


# --- validation and the gate ---------------------------------------------------------------------
def _decimal(value: Any, what: str) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise TradingError(f"{what} {value!r} is not a number") from None
    if not number.is_finite():
        raise TradingError(f"{what} must be a finite number, not {value}")
    return number


def _num(value: Decimal) -> str:
    """A Decimal for people: no trailing zeros, no exponent."""
    return f"{value.normalize():f}"


def order_validate(request: OrderRequest, *, known: Callable[[str], bool] | None = None) -> None:
    """Refuse a malformed request with a one-line :class:`TradingError` (writes nothing)."""
    coid = request.client_order_id
    if not coid or len(coid) > MAX_ID:
        raise TradingError(f"client order id must have 1 to {MAX_ID} characters, got {coid!r}")
    if not request.symbol:
        raise TradingError("an order needs a symbol")
    if request.side not in SIDES:
        raise TradingError(f"side must be buy or sell, not {request.side!r}")
    if request.order_type not in TYPES:
        raise TradingError(f"order type must be one of {sorted(TYPES)}, not {request.order_type!r}")
    if request.time_in_force not in TIFS:
        raise TradingError(f"time in force must be one of {sorted(TIFS)}, not {request.time_in_force!r}")
    qty = _decimal(request.quantity, "quantity")
    if qty <= 0:
        raise TradingError(f"quantity must be positive, got {qty} shares of {request.symbol}")
    if round8(qty) != qty:
        raise TradingError(f"quantity {qty} has more than 8 decimals")
    if request.limit_price is not None:
        price = _decimal(request.limit_price, "limit price")
        if price <= 0:
            raise TradingError(f"limit price must be positive, got {price} for {request.symbol}")
    elif request.order_type == LIMIT:
        raise TradingError(f"a limit order needs a limit price ({request.client_order_id})")
    if known is not None and not known(request.symbol):
        raise TradingError(f"unknown symbol {request.symbol!r}: no prices for it")


def order_gate_register(gate: Gate) -> Gate:
    """Add a gate every order passes before the broker (idempotent); returns it (usable as a decorator)."""
    if gate not in _GATES:
        _GATES.append(gate)
    return gate


def fill_hook_register(hook: FillHook) -> FillHook:
    """Call ``hook(fill)`` after every applied fill (idempotent); returns it."""
    if hook not in _FILL_HOOKS:
        _FILL_HOOKS.append(hook)
    return hook


def order_gate(strategy: Strategy, request: OrderRequest) -> None:
    """The one check every path runs right before a broker call: halted/retired strategies send
    nothing, then every registered gate (circuit breaker, limits) may refuse."""
    status = Strategy.objects.filter(pk=strategy.pk).values_list("status", flat=True).first()
    if status is None:
        raise TradingError(f"strategy {strategy.pk} does not exist")
    if status in HALTED:
        raise TradingError(f"strategy {strategy.name} is {status}: it sends no orders")
    for gate in _GATES:
        gate(strategy, request)


def _known(broker: Broker, prices: Any) -> Callable[[str], bool] | None:
    for source in (prices, broker):
        known = getattr(source, "known", None)
        if callable(known):
            return known
    return None


def _same_request(order: Order, request: OrderRequest) -> bool:
    limit = None if request.limit_price is None else Decimal(str(request.limit_price))
    return (
        order.symbol == request.symbol
        and order.side == request.side
        and order.quantity == Decimal(str(request.quantity))
        and order.order_type == request.order_type
        and order.limit_price == limit
        and order.time_in_force == request.time_in_force
    )


# --- orders ----------------------------------------------------------------------------------------
def order_submit(
    strategy: Strategy,
    request: OrderRequest,
    *,
    broker: Broker,
    trade_date: dt.date,
    source: str = str(Order.Source.STRATEGY),
    user: Any = None,
    job: Any = None,
    prices: Any = None,
) -> Order:
    """Validate, gate and send an order; returns the order row (with any fills already applied).

    Re-submitting the same request under the same client order id returns the existing order (and
    re-sends it when the broker never acknowledged it); another request under a used id is an
    error. Unknown symbols are refused when ``prices`` (or the broker) has a ``known(symbol)``.
    A broker rejection is recorded (status ``rejected`` with the reason) and returned; a broker
    transport error leaves the order ``new`` and is raised as :class:`TradingError`.
    """
    existing = Order.objects.filter(strategy=strategy, client_order_id=request.client_order_id).first()
    if existing is not None:
        if not _same_request(existing, request):
            raise TradingError(
                f"client order id {request.client_order_id} is already used by another order of {strategy.name}"
            )
        if existing.status != NEW or existing.broker_order_id:
            return existing
        order = existing
    else:
        order_validate(request, known=_known(broker, prices))
        order = None
    order_gate(strategy, request)
    if order is None:
        order = Order.objects.create(
            strategy=strategy, client_order_id=request.client_order_id, broker=broker.name, symbol=request.symbol,
            side=request.side, quantity=Decimal(str(request.quantity)), order_type=request.order_type,
            limit_price=request.limit_price, time_in_force=request.time_in_force, source=source,
            created_by=user, job=job, trade_date=trade_date,
        )  # fmt: skip
    try:
        remote = broker.submit(request)
    except OrderRejected as exc:
        Order.objects.filter(pk=order.pk).update(status=REJECTED, reject_reason=str(exc)[:500])
        order.refresh_from_db()
        return order
    except BrokerError as exc:
        raise TradingError(f"broker {broker.name} did not take order {request.client_order_id}: {exc}") from exc
    return _order_apply_remote(order, remote, trade_date)


def _order_apply_remote(order: Order, remote: BrokerOrder, trade_date: dt.date) -> Order:
    """Bring the order row to the broker's state: new fills first (each one transaction), then status."""
    for bf in remote.fills:
        fill_apply(order, bf, trade_date)
    with transaction.atomic():
        row = Order.objects.select_for_update().get(pk=order.pk)
        row.broker_order_id = remote.broker_order_id or row.broker_order_id
        # filled / partially filled come from the fills applied above, never from the broker's word alone
        ends = remote.status in (CANCELLED, REJECTED) and row.status != FILLED
        if ends or (remote.status == ACCEPTED and row.status == NEW):
            row.status = remote.status
        if remote.reject_reason:
            row.reject_reason = remote.reject_reason[:500]
        row.save(update_fields=["broker_order_id", "status", "reject_reason", "updated_at"])
    return row


def order_cancel(order: Order, *, broker: Broker, trade_date: dt.date | None = None) -> Order:
    """Cancel an open order at the broker and record its final state (fills that raced in are applied)."""
    if not order.is_open:
        return order
    try:
        remote = broker.cancel(order.client_order_id)
    except BrokerError as exc:
        raise TradingError(f"broker {broker.name} did not cancel {order.client_order_id}: {exc}") from exc
    return _order_apply_remote(order, remote, trade_date or order.trade_date)


def order_sync(order: Order, broker: Broker, *, trade_date: dt.date | None = None) -> Order:
    """Pull an order's status and fills from the broker; fills already applied are skipped (by
    ``broker_fill_id``), so syncing twice changes nothing."""
    try:
        remote = broker.order(order.client_order_id)
    except BrokerError as exc:
        raise TradingError(f"broker {broker.name} has no state for {order.client_order_id}: {exc}") from exc
    return _order_apply_remote(order, remote, trade_date or order.trade_date)


# --- fills -----------------------------------------------------------------------------------------
def fill_apply(order: Order, fill: BrokerFill, trade_date: dt.date) -> Fill | None:
    """Apply one execution of ``order`` (one transaction): the fill row, the order's progress, the
    position and realized P&L, and the cash ledger. Returns None when ``fill.broker_fill_id`` was
    applied before. Quantities, prices and fees are rounded to the stored 8 decimals first."""
    qty, price = round8(_decimal(fill.quantity, "fill quantity")), round8(_decimal(fill.price, "fill price"))
    fees = round8(_decimal(fill.fees, "fees"))
    if qty <= 0 or price <= 0 or fees < 0:
        raise TradingError(f"fill {fill.broker_fill_id}: quantity and price must be > 0 and fees >= 0")
    with transaction.atomic():
        row = Order.objects.select_for_update().get(pk=order.pk)
        if (
            fill.broker_fill_id
            and Fill.objects.filter(strategy_id=row.strategy_id, broker_fill_id=fill.broker_fill_id).exists()
        ):
            return None
        if qty > row.remaining:
            raise TradingError(
                f"fill of {_num(qty)} exceeds the {_num(row.remaining)} shares open on {row.client_order_id}"
            )
        position = _position_locked(row.strategy_id, row.symbol)
        signed = qty if row.side == BUY else -qty
        before = PositionState(position.quantity, position.cost_basis, position.realized_pnl)
        effect = fill_effect(before, signed, price, fees)
        stored = Fill.objects.create(
            order=row, strategy_id=row.strategy_id, symbol=row.symbol, side=row.side, quantity=qty, price=price,
            fees=fees, venue=fill.venue, broker_fill_id=fill.broker_fill_id, trade_date=trade_date,
            **({"filled_at": fill.filled_at} if fill.filled_at else {}),
        )  # fmt: skip
        paid = EXACT.multiply(row.avg_fill_price or 0, row.filled_quantity) + EXACT.multiply(price, qty)
        row.filled_quantity += qty
        row.avg_fill_price = round8(EXACT.divide(paid, row.filled_quantity))
        row.status = FILLED if row.remaining == 0 else PARTIAL
        row.save(update_fields=["filled_quantity", "avg_fill_price", "status", "updated_at"])
        new = effect.position
        position.quantity, position.cost_basis, position.realized_pnl = new.quantity, new.cost_basis, new.realized
        position.avg_cost = new.avg_cost
        position.save(update_fields=["quantity", "cost_basis", "realized_pnl", "avg_cost", "updated_at"])
        note = f"{row.side} {qty} {row.symbol} @ {price}"
        entries = [CashEntry(strategy_id=row.strategy_id, kind=TRADE, amount=effect.trade_cash,
                             fill=stored, trade_date=trade_date, note=note)]  # fmt: skip
        if fees:
            entries.append(CashEntry(strategy_id=row.strategy_id, kind=FEE, amount=-fees, fill=stored,
                                     trade_date=trade_date, note=f"fees on {row.client_order_id}"))  # fmt: skip
        CashEntry.objects.bulk_create(entries)
    order.status, order.filled_quantity, order.avg_fill_price = row.status, row.filled_quantity, row.avg_fill_price
    for hook in _FILL_HOOKS:
        hook(stored)
    return stored


def _position_locked(strategy_id: int, symbol: str) -> Position:
    position = Position.objects.select_for_update().filter(strategy_id=strategy_id, symbol=symbol).first()
    if position is None:
        Position.objects.bulk_create([Position(strategy_id=strategy_id, symbol=symbol)], ignore_conflicts=True)
        position = Position.objects.select_for_update().get(strategy_id=strategy_id, symbol=symbol)
    return position


# --- capital ---------------------------------------------------------------------------------------
def _capital(strategy: Strategy, amount: Any, *, kind: str, trade_date: dt.date, user: Any, note: str) -> CashEntry:
    value = round8(_decimal(amount, "amount"))
    if value <= 0:
        raise TradingError(f"amount must be positive dollars, got {amount}")
    signed = value if kind == CONTRIBUTION else -value
    return CashEntry.objects.create(
        strategy=strategy, kind=kind, amount=signed, trade_date=trade_date, created_by=user, note=note[:200]
    )


def capital_contribute(
    strategy: Strategy, amount: Any, *, trade_date: dt.date, user: Any = None, note: str = "", broker: Any = None
) -> CashEntry:
    """Add ``amount`` dollars of capital (a ``contribution`` cash entry); a simulated ``broker``
    with ``deposit`` (the paper broker) gets the same cash, so reconciliation agrees."""
    entry = _capital(strategy, amount, kind=CONTRIBUTION, trade_date=trade_date, user=user, note=note)
    if callable(getattr(broker, "deposit", None)):
        broker.deposit(entry.amount)
    return entry


def capital_withdraw(
    strategy: Strategy, amount: Any, *, trade_date: dt.date, user: Any = None, note: str = "", broker: Any = None
) -> CashEntry:
    """Take ``amount`` dollars of capital out (a ``withdrawal`` entry); it may not exceed the cash balance."""
    from quant.trading.selectors import cash_balance

    value = round8(_decimal(amount, "amount"))
    balance = cash_balance(strategy)
    if value > balance:
        raise TradingError(f"cannot withdraw {value} dollars: {strategy.name} holds {balance} dollars of cash")
    entry = _capital(strategy, value, kind=WITHDRAWAL, trade_date=trade_date, user=user, note=note)
    if callable(getattr(broker, "deposit", None)):
        broker.deposit(entry.amount)
    return entry


# --- daily snapshots -------------------------------------------------------------------------------
def snapshot_take(strategy: Strategy, date: dt.date, prices: Any) -> PnLSnapshot:
    """Write (or rewrite) the end-of-day snapshot of ``date`` from the book valued at ``prices``
    (a PriceSource's close or a ``{symbol: price}`` mapping). Taken at the end of the day it
    describes: a book with fills after ``date`` is refused.

    ``daily_return`` treats the day's capital flows as arriving at the start of the day:
    ``(equity - flows - previous equity) / (previous equity + flows)``; None when that base is not
    positive (no capital yet).
    """
    from quant.trading.selectors import MissingPrice, book_value

    if Fill.objects.filter(strategy=strategy, trade_date__gt=date).exists():
        raise TradingError(f"{strategy.name} has fills after {date}: snapshots are taken at the end of their day")
    try:
        book = book_value(strategy, prices, date)
    except MissingPrice as exc:
        raise TradingError(str(exc)) from exc
    flows_qs = CashEntry.objects.filter(strategy=strategy, trade_date=date)
    flows = sum((e.amount for e in flows_qs if e.kind in CAPITAL), Decimal(0))
    fees = -sum((e.amount for e in flows_qs if e.kind == FEE), Decimal(0))
    previous = PnLSnapshot.objects.filter(strategy=strategy, date__lt=date).order_by("-date").first()
    base = (previous.equity if previous else Decimal(0)) + flows
    daily = float(EXACT.divide(book.equity - base, base)) if base > 0 else None
    values = {
        "equity": round8(book.equity), "cash": round8(book.cash), "long_value": round8(book.long_value),
        "short_value": round8(book.short_value), "gross_exposure": round8(book.gross_exposure),
        "net_exposure": round8(book.net_exposure), "realized_pnl": round8(book.realized),
        "unrealized_pnl": round8(book.unrealized), "contributed": round8(book.contributed), "fees": round8(fees),
        "daily_return": daily, "n_positions": len(book.positions),
    }  # fmt: skip
    snapshot, _ = PnLSnapshot.objects.update_or_create(strategy=strategy, date=date, defaults=values)
    return snapshot
