"""Trade journal analytics: FIFO round trips from fills and their win/loss statistics.

Pure functions over polars. A *round trip* is one matched piece of an opening fill and a closing
fill of the same strategy and symbol, matched first-in first-out: a sell of 150 shares against
open buys of 100 and 100 closes the first lot (one round trip of 100) and 50 of the second (a
second round trip of 50). A fill that crosses zero (long 100, sell 150) closes the long and
opens a short of 50. Fees are allocated pro rata to the quantity matched from each fill.

Money is in dollars, returns are fractions, holding periods calendar days.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np
import polars as pl

FILL_COLUMNS = ("fill_id", "strategy_id", "symbol", "side", "quantity", "price", "fees", "trade_date", "filled_at")
TRIP_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "strategy_id": pl.Int64,
    "symbol": pl.Utf8,
    "direction": pl.Utf8,  # long | short
    "entry_fill_id": pl.Int64,
    "exit_fill_id": pl.Int64,
    "entry_date": pl.Date,
    "exit_date": pl.Date,
    "quantity": pl.Float64,
    "entry_price": pl.Float64,
    "exit_price": pl.Float64,
    "fees": pl.Float64,
    "pnl": pl.Float64,  # net of the allocated fees, dollars
    "return": pl.Float64,  # pnl / (quantity * entry_price)
    "holding_days": pl.Int64,
}
HOLDING_BUCKETS = (0, 1, 5, 21, 63, 126, 252)  # calendar days: same day, a week, a month, ...


@dataclass(slots=True)
class _Lot:
    fill_id: int
    date: object
    qty: float  # signed remaining quantity (> 0 long, < 0 short)
    price: float
    fee_per_share: float


def round_trips(fills: pl.DataFrame) -> pl.DataFrame:
    """FIFO round trips of ``fills`` (columns :data:`FILL_COLUMNS`; ``side`` buy/sell, positive
    ``quantity``). Returns :data:`TRIP_SCHEMA` rows ordered by exit date, then entry fill."""
    missing = [c for c in ("fill_id", "strategy_id", "symbol", "side", "quantity", "price", "fees", "trade_date")
               if c not in fills.columns]  # fmt: skip
    if missing:
        raise ValueError(f"fills lack column(s) {missing}")
    order = ["strategy_id", "symbol", *(["filled_at"] if "filled_at" in fills.columns else []), "fill_id"]
    rows: list[dict[str, object]] = []
    books: dict[tuple[int, str], deque[_Lot]] = {}
    for f in fills.sort(order).iter_rows(named=True):
        qty, price, fees = float(f["quantity"]), float(f["price"]), float(f["fees"] or 0.0)
        if qty <= 0 or not math.isfinite(price) or price <= 0:
            raise ValueError(f"fill {f['fill_id']}: quantity and price must be positive")
        signed = qty if f["side"] == "buy" else -qty
        fee_per_share = fees / qty
        book = books.setdefault((f["strategy_id"], f["symbol"]), deque())
        while book and signed and (book[0].qty > 0) != (signed > 0):
            lot = book[0]
            matched = min(abs(lot.qty), abs(signed))
            direction = 1.0 if lot.qty > 0 else -1.0
            trip_fees = matched * (lot.fee_per_share + fee_per_share)
            pnl = direction * matched * (price - lot.price) - trip_fees
            rows.append({
                "strategy_id": f["strategy_id"], "symbol": f["symbol"],
                "direction": "long" if direction > 0 else "short",
                "entry_fill_id": lot.fill_id, "exit_fill_id": f["fill_id"], "entry_date": lot.date,
                "exit_date": f["trade_date"], "quantity": matched, "entry_price": lot.price, "exit_price": price,
                "fees": trip_fees, "pnl": pnl, "return": pnl / (matched * lot.price),
                "holding_days": (f["trade_date"] - lot.date).days,
            })  # fmt: skip
            lot.qty -= direction * matched
            signed += direction * matched
            if abs(lot.qty) < 1e-12:
                book.popleft()
            if abs(signed) < 1e-12:
                signed = 0.0
        if signed:
            book.append(_Lot(f["fill_id"], f["trade_date"], signed, price, fee_per_share))
    frame = pl.DataFrame(rows, schema=TRIP_SCHEMA, orient="row")
    return frame.sort("exit_date", "exit_fill_id", "entry_fill_id")


@dataclass(frozen=True, slots=True)
class TradeStats:
    """Win/loss analysis of closed round trips (dollars; hit rate a fraction; days)."""

    n_trades: int
    n_winners: int
    n_losers: int
    hit_rate: float  # winners / trades (a zero-P&L trade is neither winner nor loser but counts)
    total_pnl: float
    average_win: float  # mean P&L of winners, dollars
    average_loss: float  # mean P&L of losers, dollars (negative)
    payoff_ratio: float  # average_win / |average_loss|
    expectancy: float  # mean P&L per trade = hit * avg win + loss rate * avg loss
    average_return: float
    median_holding_days: float
    holding_histogram: list[dict[str, object]]  # label, count


def _bucket_labels() -> list[str]:
    """``same day``, ``1 d``, ``2–5 d`` ... ``> 252 d`` for :data:`HOLDING_BUCKETS`."""
    edges = HOLDING_BUCKETS
    labels = ["same day"] + [
        f"{lo + 1}–{hi} d" if hi > lo + 1 else f"{hi} d" for lo, hi in zip(edges, edges[1:], strict=False)
    ]
    return [*labels, f"> {edges[-1]} d"]


def holding_histogram(days: np.ndarray) -> list[dict[str, object]]:
    """Counts of holding periods per bucket of :data:`HOLDING_BUCKETS` (upper edges inclusive)."""
    labels = _bucket_labels()
    counts = [0] * len(labels)
    for d in days.astype(int):
        i = next((k for k, edge in enumerate(HOLDING_BUCKETS) if d <= edge), len(HOLDING_BUCKETS))
        counts[i] += 1
    return [{"label": label, "count": c} for label, c in zip(labels, counts, strict=True)]


def trade_stats(trips: pl.DataFrame) -> TradeStats:
    """Hit rate, average win/loss, payoff ratio, expectancy and holding periods of ``trips``."""
    pnl = trips["pnl"].to_numpy() if trips.height else np.array([])
    wins, losses = pnl[pnl > 0], pnl[pnl < 0]
    nan = float("nan")
    avg_win = float(wins.mean()) if wins.size else nan
    avg_loss = float(losses.mean()) if losses.size else nan
    days = trips["holding_days"].to_numpy() if trips.height else np.array([], dtype=int)
    return TradeStats(
        n_trades=int(pnl.size),
        n_winners=int(wins.size),
        n_losers=int(losses.size),
        hit_rate=float(wins.size / pnl.size) if pnl.size else nan,
        total_pnl=float(pnl.sum()),
        average_win=avg_win,
        average_loss=avg_loss,
        payoff_ratio=avg_win / abs(avg_loss) if wins.size and losses.size else nan,
        expectancy=float(pnl.mean()) if pnl.size else nan,
        average_return=float(trips["return"].mean()) if trips.height else nan,  # type: ignore[arg-type]
        median_holding_days=float(np.median(days)) if days.size else nan,
        holding_histogram=holding_histogram(days),
    )
