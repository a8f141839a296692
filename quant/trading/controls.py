"""Manual trade controls: cancel an order, cancel a symbol's open orders, close a position, flatten
strategies, force a position adjustment.

Each control is one :class:`ControlAction` row keyed by the form's idempotency key: a second
submit of the same form (two clicks, a retried request) finds the row and acts no more. The row
keeps the reason and the book before and after (positions in shares and dollars of cost, open
orders), which the view also writes into the audit log. Closing orders are market-on-close
orders sent through ``order_submit`` (every gate) inside ``breaker.closing_orders`` — the breaker
lets risk-reducing orders out; on the paper broker they fill at the close of its current session
at once. Permissions (operator role, the strategy's ``trade_strategy`` grant, TOTP) are the
views' business.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from quant.models import Strategy
from quant.trading.breaker import closing_orders
from quant.trading.broker import Broker, OrderRequest
from quant.trading.brokers import broker_for, paper_broker_save
from quant.trading.config import trading_settings
from quant.trading.errors import TradingError
from quant.trading.ledger import EXACT, round8
from quant.trading.limits import reference_price
from quant.trading.models import Order, Position
from quant.trading.ops_models import ControlAction
from quant.trading.paper import PaperBroker
from quant.trading.services import order_cancel, order_submit, order_sync

MANUAL = str(Order.Source.MANUAL)
BPS = Decimal(10_000)


@dataclass(frozen=True)
class PlannedOrder:
    """One order a flatten will send, with its estimated price (dollars/share), value and cost."""

    strategy: Strategy
    symbol: str
    side: str
    quantity: Decimal
    price: Decimal | None
    value: Decimal | None
    cost: Decimal | None


@dataclass
class FlattenPlan:
    orders: list[PlannedOrder] = field(default_factory=list)
    cancels: int = 0  # open orders cancelled first
    total_value: Decimal = Decimal(0)
    total_cost: Decimal = Decimal(0)
    unpriced: int = 0


@dataclass
class Outcome:
    action: ControlAction
    repeated: bool  # the key was used before: nothing was done this time


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}"


def book_state(strategy: Strategy, symbols: Sequence[str] | None = None) -> dict[str, Any]:
    """Positions (shares, cost in dollars) and open orders of a strategy, as JSON (before/after)."""
    positions = Position.objects.filter(strategy=strategy).exclude(quantity=0)
    orders = Order.objects.filter(strategy=strategy, status__in=Order.OPEN)
    if symbols is not None:
        positions, orders = positions.filter(symbol__in=symbols), orders.filter(symbol__in=symbols)
    return {
        "positions": {p.symbol: {"shares": _num(p.quantity), "cost": _num(p.cost_basis)} for p in positions},
        "open_orders": [f"{o.client_order_id} {o.side} {_num(o.remaining)} {o.symbol}" for o in orders],
    }


def describe(state: dict[str, Any]) -> str:
    """A one-line summary of :func:`book_state` for the audit log."""
    if "strategies" in state:
        return "; ".join(f"{name}: {describe(s)}" for name, s in state["strategies"].items()) or "nothing"
    held = ", ".join(f"{s} {p['shares']} sh (cost ${p['cost']})" for s, p in state.get("positions", {}).items())
    opened = len(state.get("open_orders", []))
    return f"{held or 'no positions'}; {opened} open order{'s' if opened != 1 else ''}"


def _session(broker: Broker) -> dt.date:
    if isinstance(broker, PaperBroker):
        if broker.today is None:
            raise TradingError("the paper book has no session yet: run the strategy once before using controls")
        return broker.today
    return timezone.localdate()


def _once(*, key: str, action: str, strategy: Strategy | None, target: str, user: Any, reason: str,
          before: Callable[[], dict[str, Any]], act: Callable[[], str],
          after: Callable[[], dict[str, Any]]) -> Outcome:  # fmt: skip
    if not key or len(key) > 64:
        raise TradingError("the form has no valid idempotency key: reload the page")
    if not reason.strip():
        raise TradingError("write why you are doing this (the reason goes to the audit log)")
    with transaction.atomic():
        row, created = ControlAction.objects.get_or_create(
            key=key, defaults={"action": action, "strategy": strategy, "target": target[:120], "user": user,
                               "reason": reason.strip(), "before": before()},
        )  # fmt: skip
    if not created:
        return Outcome(row, repeated=True)
    try:
        row.message = act()
    except TradingError as exc:
        row.message = f"refused: {exc}"
        row.after = after()
        row.save(update_fields=["message", "after"])
        raise
    row.after = after()
    row.save(update_fields=["message", "after"])
    return Outcome(row, repeated=False)


def _with_broker(strategy: Strategy, work: Callable[[Broker], str]) -> str:
    broker = broker_for(strategy)
    try:
        return work(broker)
    finally:
        if isinstance(broker, PaperBroker):
            paper_broker_save(strategy, broker)


def _cancel_all(broker: Broker, orders: Sequence[Order]) -> int:
    return sum(order_cancel(o, broker=broker).status == Order.Status.CANCELLED for o in orders)


def _close(strategy: Strategy, broker: Broker, positions: Sequence[Position], key: str, user: Any) -> list[Order]:
    today = _session(broker)
    sent = []
    with closing_orders():
        for p in positions:
            side = "sell" if p.quantity > 0 else "buy"
            coid = f"x{hashlib.sha1(key.encode()).hexdigest()[:20]}-{p.symbol}"[:64]  # one per control and symbol
            request = OrderRequest(coid, p.symbol, side, abs(p.quantity), "moc", None, "cls")
            sent.append(order_submit(strategy, request, broker=broker, trade_date=today, source=MANUAL, user=user))
    if isinstance(broker, PaperBroker) and sent:
        broker.process(today)  # the paper broker fills market-on-close orders at this session's close
        sent = [order_sync(o, broker, trade_date=today) for o in sent]
    return sent


def _sent(orders: Sequence[Order]) -> str:
    filled = sum(o.status == Order.Status.FILLED for o in orders)
    return f"{len(orders)} closing order{'s' if len(orders) != 1 else ''} sent, {filled} filled"


# --- the controls --------------------------------------------------------------------------------
def control_cancel_order(*, order: Order, user: Any, reason: str, key: str) -> Outcome:
    strategy = order.strategy

    def act() -> str:
        if not order.is_open:
            raise TradingError(f"order {order.client_order_id} is {order.status}: nothing to cancel")
        done = _with_broker(strategy, lambda b: order_cancel(order, broker=b).status)
        return f"order {order.client_order_id}: {done}"

    state = lambda: book_state(strategy, [order.symbol])  # noqa: E731
    return _once(key=key, action="order.cancel", strategy=strategy, target=order.client_order_id, user=user,
                 reason=reason, before=state, act=act, after=state)  # fmt: skip


def control_cancel_symbol(*, strategy: Strategy, symbol: str, user: Any, reason: str, key: str) -> Outcome:
    def act() -> str:
        orders = list(Order.objects.filter(strategy=strategy, symbol=symbol, status__in=Order.OPEN))
        if not orders:
            raise TradingError(f"{strategy.name} has no open orders in {symbol}")
        n = _with_broker(strategy, lambda b: str(_cancel_all(b, orders)))
        return f"{n} of {len(orders)} open orders in {symbol} cancelled"

    state = lambda: book_state(strategy, [symbol])  # noqa: E731
    return _once(key=key, action="orders.cancel_symbol", strategy=strategy, target=symbol, user=user, reason=reason,
                 before=state, act=act, after=state)  # fmt: skip


def control_close_position(*, strategy: Strategy, symbol: str, user: Any, reason: str, key: str) -> Outcome:
    def act() -> str:
        position = Position.objects.filter(strategy=strategy, symbol=symbol).exclude(quantity=0).first()
        if position is None:
            raise TradingError(f"{strategy.name} holds no {symbol}")
        opened = list(Order.objects.filter(strategy=strategy, symbol=symbol, status__in=Order.OPEN))

        def work(broker: Broker) -> str:
            _cancel_all(broker, opened)
            return _sent(_close(strategy, broker, [position], key, user))

        return _with_broker(strategy, work)

    state = lambda: book_state(strategy, [symbol])  # noqa: E731
    return _once(key=key, action="position.close", strategy=strategy, target=symbol, user=user, reason=reason,
                 before=state, act=act, after=state)  # fmt: skip


def flatten_plan(strategies: Sequence[Strategy]) -> FlattenPlan:
    """Exactly the orders a flatten of ``strategies`` sends (one per open position), with estimated
    prices (the broker's close of its current session, else the last fill price), values in
    dollars and costs at the configured default costs; open orders are cancelled first."""
    config = trading_settings()
    rate = EXACT.divide(config.commission_bps + config.slippage_bps, BPS)
    plan = FlattenPlan()
    for strategy in strategies:
        positions = list(Position.objects.filter(strategy=strategy).exclude(quantity=0).order_by("symbol"))
        plan.cancels += Order.objects.filter(strategy=strategy, status__in=Order.OPEN).count()
        broker = broker_for(strategy) if positions else None
        for p in positions:
            price = _estimate(broker, strategy, p)
            value = None if price is None else round8(EXACT.multiply(abs(p.quantity), price))
            cost = None if value is None else round8(EXACT.multiply(value, rate))
            side = "sell" if p.quantity > 0 else "buy"
            plan.orders.append(PlannedOrder(strategy, p.symbol, side, abs(p.quantity), price, value, cost))
            if value is None:
                plan.unpriced += 1
            else:
                plan.total_value += value
                plan.total_cost += cost or 0
    return plan


def _estimate(broker: Broker | None, strategy: Strategy, position: Position) -> Decimal | None:
    if isinstance(broker, PaperBroker) and broker.today is not None:
        bar = broker.prices.bar(position.symbol, broker.today)
        if bar is not None:
            return bar.close
    return reference_price(strategy, OrderRequest("estimate", position.symbol, "sell", abs(position.quantity)))


def control_flatten(*, strategies: Sequence[Strategy], user: Any, reason: str, key: str) -> Outcome:
    """Cancel every open order and close every position of ``strategies``."""
    if not strategies:
        raise TradingError("no strategy to flatten: you may trade none")

    def state() -> dict[str, Any]:
        return {"strategies": {s.name: book_state(s) for s in strategies}}

    def act() -> str:
        notes = []
        for strategy in strategies:
            positions = list(Position.objects.filter(strategy=strategy).exclude(quantity=0).order_by("symbol"))
            opened = list(Order.objects.filter(strategy=strategy, status__in=Order.OPEN))

            def work(broker: Broker, positions: list[Position] = positions, opened: list[Order] = opened,
                     strategy: Strategy = strategy) -> str:  # fmt: skip
                _cancel_all(broker, opened)
                return _sent(_close(strategy, broker, positions, f"{key}/{strategy.pk}", user))

            notes.append(f"{strategy.name}: {_with_broker(strategy, work) if positions or opened else 'flat'}")
        return "; ".join(notes)

    target = strategies[0].name if len(strategies) == 1 else "all tradable strategies"
    return _once(key=key, action="strategy.flatten", strategy=strategies[0] if len(strategies) == 1 else None,
                 target=target, user=user, reason=reason, before=state, act=act, after=state)  # fmt: skip


def control_adjust(
    *, strategy: Strategy, symbol: str, quantity: Decimal, cost_basis: Decimal, user: Any, reason: str, key: str
) -> Outcome:
    """Set the books' position (shares, signed cost in dollars) to what the broker holds. Realized
    P&L and cash are not touched; the fill identity no longer holds for this symbol, on purpose
    and on the record."""
    quantity, cost_basis = round8(quantity), round8(cost_basis)
    if (quantity == 0) != (cost_basis == 0) or (quantity and (quantity > 0) != (cost_basis > 0)):
        raise TradingError("cost must have the sign of the quantity (and be 0 exactly when the quantity is 0)")

    def act() -> str:
        with transaction.atomic():
            position, _ = Position.objects.select_for_update().get_or_create(strategy=strategy, symbol=symbol)
            position.quantity, position.cost_basis = quantity, cost_basis
            position.avg_cost = round8(EXACT.divide(cost_basis, quantity)) if quantity else Decimal(0)
            position.save(update_fields=["quantity", "cost_basis", "avg_cost", "updated_at"])
        return f"{symbol} set to {_num(quantity)} shares, cost ${_num(cost_basis)}"

    state = lambda: book_state(strategy, [symbol])  # noqa: E731
    return _once(key=key, action="position.adjust", strategy=strategy, target=symbol, user=user, reason=reason,
                 before=state, act=act, after=state)  # fmt: skip
