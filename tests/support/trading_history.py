"""Trading history written straight into the trading tables, for page tests and the pages bench.

Not product code: the trading core writes these rows through its services. Here a seeded random
walk of daily returns becomes ``PnLSnapshot`` rows (equity compounding from the contributed
capital), and fills are written with their orders so that pages have something to read.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np

from quant.models import Fill, Order, PnLSnapshot, Position, Strategy

CAPITAL = 1_000_000.0


def business_days(start: dt.date, n: int) -> list[dt.date]:
    days = np.busday_offset(np.datetime64(start), np.arange(n), roll="forward")
    return [d.astype(object) for d in days]


def snapshot_history(strategy: Strategy, returns: np.ndarray, *, start: dt.date = dt.date(2015, 1, 2)) -> list[dt.date]:
    """One snapshot per business day from ``start``: day 0 holds the capital (no return), day i
    compounds ``returns[i - 1]``. Returns the dates."""
    dates = business_days(start, returns.size + 1)
    equity = CAPITAL * np.concatenate([[1.0], np.cumprod(1.0 + returns)])
    rows = [
        PnLSnapshot(
            strategy=strategy, date=d, equity=Decimal(f"{e:.8f}"), cash=Decimal(f"{e * 0.05:.8f}"),
            long_value=Decimal(f"{e * 0.95:.8f}"), gross_exposure=Decimal("0.95"), net_exposure=Decimal("0.95"),
            contributed=Decimal(f"{CAPITAL:.8f}"), daily_return=None if i == 0 else float(returns[i - 1]),
            n_positions=10,
        )
        for i, (d, e) in enumerate(zip(dates, equity, strict=True))
    ]  # fmt: skip
    PnLSnapshot.objects.bulk_create(rows, batch_size=1000)
    return dates


def seeded_returns(n: int, seed: int = 7, *, mean: float = 0.0004, vol: float = 0.01) -> np.ndarray:
    return np.random.default_rng(seed).normal(mean, vol, n)


def fill(
    strategy: Strategy, symbol: str, side: str, quantity: float, price: float, day: dt.date, *, fees: float = 0.0,
    seq: list[int] | None = None,
) -> Fill:  # fmt: skip
    """One filled market order and its fill (``filled_at`` = 16:00 UTC of ``day`` + ``seq`` seconds)."""
    n = Order.objects.filter(strategy=strategy).count() + 1
    qty = Decimal(str(quantity))
    order = Order.objects.create(
        strategy=strategy, client_order_id=f"t-{n}", symbol=symbol, side=side, quantity=qty, status="filled",
        filled_quantity=qty, avg_fill_price=Decimal(str(price)), trade_date=day,
    )  # fmt: skip
    at = dt.datetime.combine(day, dt.time(16, 0), tzinfo=dt.UTC) + dt.timedelta(seconds=n)
    return Fill.objects.create(
        order=order, strategy=strategy, symbol=symbol, side=side, quantity=qty, price=Decimal(str(price)),
        fees=Decimal(str(fees)), trade_date=day, filled_at=at,
    )  # fmt: skip


def bulk_fills(strategy: Strategy, n: int, *, symbols: list[str], start: dt.date, seed: int = 3) -> None:
    """``n`` fills alternating buy/sell per symbol at random prices (orders and fills in two inserts)."""
    rng = np.random.default_rng(seed)
    days = business_days(start, n)
    orders, specs = [], []
    for i in range(n):
        symbol = symbols[i % len(symbols)]
        side = "buy" if (i // len(symbols)) % 2 == 0 else "sell"
        qty, price = Decimal(int(rng.integers(10, 500))), Decimal(f"{rng.uniform(10, 200):.2f}")
        orders.append(Order(strategy=strategy, client_order_id=f"b-{i}", symbol=symbol, side=side,
                            quantity=qty, status="filled", filled_quantity=qty, avg_fill_price=price,
                            trade_date=days[i]))  # fmt: skip
        specs.append((symbol, side, qty, price, days[i]))
    created = Order.objects.bulk_create(orders, batch_size=1000)
    Fill.objects.bulk_create(
        [Fill(order=o, strategy=strategy, symbol=s, side=side, quantity=q, price=p, trade_date=d,
              filled_at=dt.datetime.combine(d, dt.time(16, 0), tzinfo=dt.UTC))
         for o, (s, side, q, p, d) in zip(created, specs, strict=True)],
        batch_size=1000,
    )  # fmt: skip


def positions(strategy: Strategy, holdings: dict[str, tuple[float, float]]) -> None:
    """Open positions ``{symbol: (quantity, avg_cost)}``."""
    Position.objects.bulk_create(
        [Position(strategy=strategy, symbol=s, quantity=Decimal(str(q)), avg_cost=Decimal(str(c)))
         for s, (q, c) in holdings.items()]
    )  # fmt: skip
