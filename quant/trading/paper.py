"""The paper broker: fills orders against injected daily bars (a :class:`PriceSource`).

Time moves only when the driver calls :meth:`PaperBroker.process` with the next session date (a
replay or the daily job); ``submit`` registers an order on the broker's current session
(``today``, the last processed date, or the date given at construction).

Fill rules (documented in docs/trading.md):

* **MOC** (``order_type="moc"`` or time in force ``cls``): the close of the session it was
  submitted in (or the first later session with a bar, for GTC).
* **Market**: ``fill_model="next_open"`` (default) — the open of the first session *after* the
  one it was submitted in; ``fill_model="close"`` — the close of its own session.
* **Limit**: from the session after submission; a buy fills when the day's low reaches the limit,
  at the open if the open is already at or below it (better), else at the limit; a sell mirrors
  it with the high. Slippage never makes a limit fill worse than the limit.
* **Slippage**: ``price * (1 + bps/10_000)`` for buys, ``(1 - bps/10_000)`` for sells — so the
  cost is exactly ``bps/10_000`` of traded value at the reference price.
* **Commission**: ``commission_per_share * quantity`` dollars per fill.
* **Volume cap**: with ``max_volume_share`` (e.g. 0.1) at most that share of the day's volume
  trades in a symbol per session (shared across orders, in submission order); the rest stays open.
* **Time in force**: DAY and IOC orders that are not complete after their first eligible session
  are cancelled (the filled part stays); GTC orders stay open until filled or cancelled; a DAY
  order whose symbol has no bar on its session is cancelled ("no trading").

Quantities are never rounded (fractional shares); money is ``Decimal`` in a 60-digit context; fill
prices are rounded to the stored 8 decimals (``round8``) — the only rounding on the MOC path.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from quant.trading.broker import (
    Bar,
    BrokerAccount,
    BrokerError,
    BrokerFill,
    BrokerOrder,
    BrokerPosition,
    OrderRejected,
    OrderRequest,
    PriceSource,
)
from quant.trading.ledger import EXACT, ZERO, PositionState, fill_effect, round8

BPS = Decimal(10_000)
FILL_MODELS = ("next_open", "close")
OPEN = ("new", "accepted", "partially_filled")


@dataclass
class PaperOrder:
    request: OrderRequest
    session: dt.date
    status: str = "accepted"
    fills: list[BrokerFill] = field(default_factory=list)
    reject_reason: str = ""

    @property
    def filled(self) -> Decimal:
        return sum((f.quantity for f in self.fills), ZERO)

    @property
    def remaining(self) -> Decimal:
        return self.request.quantity - self.filled

    def view(self) -> BrokerOrder:
        filled = self.filled
        paid = sum((EXACT.multiply(f.quantity, f.price) for f in self.fills), ZERO)
        r = self.request
        return BrokerOrder(
            client_order_id=r.client_order_id, broker_order_id=f"paper-{r.client_order_id}", symbol=r.symbol,
            side=r.side, quantity=r.quantity, status=self.status, filled_quantity=filled,
            avg_fill_price=round8(EXACT.divide(paid, filled)) if filled else None,
            reject_reason=self.reject_reason, fills=tuple(self.fills),
        )  # fmt: skip


class PaperBroker:
    """A simulated broker with its own book (orders, positions, cash); see the module docstring."""

    name = "paper"

    def __init__(
        self,
        prices: PriceSource,
        *,
        slippage_bps: Decimal | float | str = 0,
        commission_per_share: Decimal | float | str = 0,
        max_volume_share: Decimal | float | str | None = None,
        fill_model: str = "next_open",
        today: dt.date | None = None,
        cash: Decimal | float | str = 0,
    ) -> None:
        if fill_model not in FILL_MODELS:
            raise ValueError(f"fill_model must be one of {FILL_MODELS}, not {fill_model!r}")
        self.prices = prices
        self.slippage_bps = Decimal(str(slippage_bps))
        self.commission_per_share = Decimal(str(commission_per_share))
        self.max_volume_share = None if max_volume_share is None else Decimal(str(max_volume_share))
        if self.slippage_bps < 0 or self.commission_per_share < 0:
            raise ValueError("slippage and commission must be >= 0")
        if self.max_volume_share is not None and not 0 < self.max_volume_share <= 1:
            raise ValueError("max_volume_share must be in (0, 1]")
        self.fill_model = fill_model
        self.today = today
        self.cash = Decimal(str(cash))
        self.orders: dict[str, PaperOrder] = {}
        self.book: dict[str, PositionState] = {}

    # --- the Broker protocol ---------------------------------------------------------------------
    def known(self, symbol: str) -> bool:
        return self.prices.known(symbol)

    def submit(self, order: OrderRequest) -> BrokerOrder:
        existing = self.orders.get(order.client_order_id)
        if existing is not None:
            return existing.view()
        if self.today is None:
            raise BrokerError("the paper broker has no session yet: construct it with today= or call process(date)")
        if not self.prices.known(order.symbol):
            raise OrderRejected(f"unknown symbol {order.symbol}")
        if order.order_type == "limit" and (order.limit_price is None or order.limit_price <= 0):
            raise OrderRejected("a limit order needs a positive limit price")
        if order.quantity <= 0:
            raise OrderRejected("quantity must be positive")
        self.orders[order.client_order_id] = PaperOrder(order, self.today)
        return self.orders[order.client_order_id].view()

    def replace(
        self, client_order_id: str, *, quantity: Decimal | None = None, limit_price: Decimal | None = None
    ) -> BrokerOrder:
        po = self._get(client_order_id)
        if po.status not in OPEN:
            raise BrokerError(f"order {client_order_id} is {po.status}: it cannot be replaced")
        r = po.request
        new_qty = r.quantity if quantity is None else quantity
        if new_qty < po.filled or new_qty <= 0:
            raise BrokerError(f"quantity {new_qty} is below the {po.filled} shares already filled")
        po.request = OrderRequest(r.client_order_id, r.symbol, r.side, new_qty, r.order_type,
                                  r.limit_price if limit_price is None else limit_price, r.time_in_force)  # fmt: skip
        if po.remaining == 0:
            po.status = "filled"
        return po.view()

    def cancel(self, client_order_id: str) -> BrokerOrder:
        po = self._get(client_order_id)
        if po.status in OPEN:
            po.status = "cancelled"
        return po.view()

    def order(self, client_order_id: str) -> BrokerOrder:
        return self._get(client_order_id).view()

    def positions(self) -> list[BrokerPosition]:
        out = []
        for symbol, state in sorted(self.book.items()):
            if state.quantity == 0:
                continue
            bar = self.prices.bar(symbol, self.today) if self.today else None
            value = EXACT.multiply(state.quantity, bar.close) if bar else None
            out.append(BrokerPosition(symbol, state.quantity, state.avg_cost, value))
        return out

    def account(self) -> BrokerAccount:
        equity = self.cash + sum((p.market_value or ZERO for p in self.positions()), ZERO)
        return BrokerAccount(cash=self.cash, equity=equity)

    # --- capital and time ------------------------------------------------------------------------
    def deposit(self, amount: Decimal) -> None:
        """Move capital in (negative: out), mirroring ``capital_contribute/withdraw`` of the ledger."""
        self.cash += Decimal(str(amount))

    def process(self, date: dt.date) -> list[BrokerOrder]:
        """Make ``date`` the current session and fill what is fillable that day; returns the orders
        that changed (new fills or a new status), in submission order."""
        if self.today is not None and date < self.today:
            raise BrokerError(f"the paper broker is at {self.today}; it cannot go back to {date}")
        self.today = date
        used: dict[str, Decimal] = {}
        orders = list(self.orders.values())
        return [po.view() for po in orders if po.status in OPEN and self._work(po, date, used)]

    advance = process

    # --- internals -------------------------------------------------------------------------------
    def _get(self, client_order_id: str) -> PaperOrder:
        po = self.orders.get(client_order_id)
        if po is None:
            raise BrokerError(f"no paper order {client_order_id}")
        return po

    def _eligible(self, po: PaperOrder, date: dt.date) -> str | None:
        """'open' / 'close' / 'limit' when the order may trade on ``date``, else None."""
        r = po.request
        if r.order_type == "moc" or r.time_in_force == "cls":
            return "close" if date >= po.session else None
        if r.order_type == "market" and self.fill_model == "close":
            return "close" if date >= po.session else None
        if date <= po.session:
            return None
        return "limit" if r.order_type == "limit" else "open"

    def _work(self, po: PaperOrder, date: dt.date, used: dict[str, Decimal]) -> bool:
        how = self._eligible(po, date)
        if how is None:
            return False
        r = po.request
        bar = self.prices.bar(r.symbol, date)
        filled = False
        if bar is not None:
            price = self._price(r, bar, how)
            qty = self._capped(r.symbol, po.remaining, bar, used)
            if price is not None and qty > 0:
                self._fill(po, qty, price, date)
                used[r.symbol] = used.get(r.symbol, ZERO) + qty
                filled = True
        if po.remaining == 0:
            po.status = "filled"
        elif r.time_in_force in ("day", "ioc", "cls"):
            po.status = "cancelled"
            if bar is None:
                po.reject_reason = f"no trading in {r.symbol} on {date}"
        elif filled:
            po.status = "partially_filled"
        return filled or po.status not in OPEN

    def _price(self, r: OrderRequest, bar: Bar, how: str) -> Decimal | None:
        buy = r.side == "buy"
        slip = EXACT.divide(self.slippage_bps, BPS)
        factor = (1 + slip) if buy else (1 - slip)
        if how == "open":
            return round8(EXACT.multiply(bar.open, factor))
        if how == "close":
            return round8(EXACT.multiply(bar.close, factor))
        limit = r.limit_price
        assert limit is not None
        if buy:
            if bar.low > limit:
                return None
            base = bar.open if bar.open <= limit else limit
            return min(round8(EXACT.multiply(base, factor)), limit)
        if bar.high < limit:
            return None
        base = bar.open if bar.open >= limit else limit
        return max(round8(EXACT.multiply(base, factor)), limit)

    def _capped(self, symbol: str, remaining: Decimal, bar: Bar, used: dict[str, Decimal]) -> Decimal:
        if self.max_volume_share is None:
            return remaining
        room = EXACT.multiply(self.max_volume_share, bar.volume) - used.get(symbol, ZERO)
        return max(ZERO, min(remaining, room))

    def _fill(self, po: PaperOrder, qty: Decimal, price: Decimal, date: dt.date) -> None:
        r = po.request
        fees = round8(EXACT.multiply(self.commission_per_share, qty))
        fill_id = f"paper-{r.client_order_id}-{len(po.fills) + 1}"
        at = dt.datetime.combine(date, dt.time(21, 0), tzinfo=dt.UTC)
        po.fills.append(BrokerFill(fill_id, qty, price, fees, venue="paper", filled_at=at))
        signed = qty if r.side == "buy" else -qty
        effect = fill_effect(self.book.get(r.symbol, PositionState()), signed, price, fees)
        self.book[r.symbol] = effect.position
        self.cash += effect.trade_cash - fees

    # --- persistence -----------------------------------------------------------------------------
    def dump(self) -> dict[str, Any]:
        """The broker's book as JSON-able data (Decimals as strings); see :meth:`load`."""
        return {
            "today": self.today.isoformat() if self.today else None,
            "cash": str(self.cash),
            "book": {s: [str(p.quantity), str(p.cost_basis), str(p.realized)] for s, p in self.book.items()},
            "orders": [_order_dump(po) for po in self.orders.values()],
        }

    def load(self, state: dict[str, Any]) -> PaperBroker:
        """Restore a :meth:`dump` (the configuration stays the constructor's); returns self."""
        self.today = dt.date.fromisoformat(state["today"]) if state.get("today") else None
        self.cash = Decimal(state.get("cash", "0"))
        self.book = {s: PositionState(*(Decimal(v) for v in vals)) for s, vals in state.get("book", {}).items()}
        self.orders = {}
        for data in state.get("orders", []):
            po = _order_load(data)
            self.orders[po.request.client_order_id] = po
        return self


def _order_dump(po: PaperOrder) -> dict[str, Any]:
    r = po.request
    return {
        "request": [
            r.client_order_id,
            r.symbol,
            r.side,
            str(r.quantity),
            r.order_type,
            None if r.limit_price is None else str(r.limit_price),
            r.time_in_force,
        ],  # fmt: skip
        "session": po.session.isoformat(),
        "status": po.status,
        "reject_reason": po.reject_reason,
        "fills": [
            [
                f.broker_fill_id,
                str(f.quantity),
                str(f.price),
                str(f.fees),
                f.venue,
                f.filled_at.isoformat() if f.filled_at else None,
            ]
            for f in po.fills
        ],  # fmt: skip
    }


def _order_load(data: dict[str, Any]) -> PaperOrder:
    coid, symbol, side, qty, otype, limit, tif = data["request"]
    request = OrderRequest(coid, symbol, side, Decimal(qty), otype, None if limit is None else Decimal(limit), tif)
    fills = [
        BrokerFill(fid, Decimal(q), Decimal(p), Decimal(fees), venue, dt.datetime.fromisoformat(at) if at else None)
        for fid, q, p, fees, venue, at in data["fills"]
    ]
    return PaperOrder(request, dt.date.fromisoformat(data["session"]), data["status"], fills, data["reject_reason"])
