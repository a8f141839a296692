"""Execution quality: implementation shortfall (Perold 1988), price benchmarks and trade timing.

Pure functions: no Django, no warehouse. Prices are dollars per share, shares are positive
quantities, a side is ``"buy"`` or ``"sell"``; a **cost is positive** for both sides (a sell's
price differences are sign-reversed). Basis points are of the **paper portfolio**
``shares × decision_price`` (the whole order, filled or not) unless a name says otherwise.

Perold's decomposition of one order of ``N`` shares decided at ``P_d``, worked from ``P_0``
(the price when trading started), filled ``n_i`` shares at ``p_i`` (``F = Σ n_i``), the rest
cancelled (or the horizon ending) at ``P_end``, with fees ``c`` dollars and side sign ``s`` (+1 buy,
−1 sell)::

    delay       = s · F · (P_0 − P_d)
    execution   = s · Σ n_i · (p_i − P_0)
    opportunity = s · (N − F) · (P_end − P_d)
    fees        = c
    total       = delay + execution + opportunity + fees
                = s · (Σ n_i p_i − F·P_d) + s · (N − F)(P_end − P_d) + c   (paper minus real)

Market-adjusted shortfall (bps) = total (bps) − β · market return over the horizon (in bps).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

BPS = 1e4
"""Basis points per unit (1 bp = 0.01 %)."""
SIDES = ("buy", "sell")


def side_sign(side: str) -> int:
    """+1 for a buy, −1 for a sell (a sell's cost is a price *fall*); ValueError otherwise."""
    if side not in SIDES:
        raise ValueError(f"side must be 'buy' or 'sell', got {side!r}")
    return 1 if side == "buy" else -1


@dataclass(frozen=True, slots=True)
class FillSpec:
    """One execution: ``shares`` (> 0) at ``price`` dollars."""

    shares: float
    price: float


@dataclass(frozen=True, slots=True)
class OrderSpec:
    """An order as the shortfall needs it (see the module docstring for the symbols).

    ``start_price`` defaults to ``decision_price`` (no delay); ``end_price`` is needed only when
    part of the order went unfilled; ``market_return`` is a decimal over the order's horizon.
    """

    id: str
    side: str
    shares: float
    decision_price: float
    fills: Sequence[FillSpec] = field(default_factory=tuple)
    fees: float = 0.0
    start_price: float | None = None
    end_price: float | None = None
    market_return: float | None = None
    beta: float | None = None


@dataclass(frozen=True, slots=True)
class Component:
    """One shortfall component: dollars and bps of the paper portfolio (cost > 0)."""

    usd: float
    bps: float


@dataclass(frozen=True, slots=True)
class Shortfall:
    """Perold's implementation shortfall of one order, split into its components."""

    id: str
    side: str
    shares: float
    filled: float
    paper_value: float
    delay: Component
    execution: Component
    opportunity: Component
    fees: Component
    total: Component
    market_adjusted_bps: float | None = None

    @property
    def fill_rate(self) -> float:
        return self.filled / self.shares if self.shares else 0.0


def _check(order: OrderSpec) -> None:
    side_sign(order.side)
    if not (order.shares > 0 and order.decision_price > 0):
        raise ValueError(f"order {order.id}: shares and decision_price must be positive")
    if any(f.shares <= 0 or f.price <= 0 for f in order.fills):
        raise ValueError(f"order {order.id}: every fill needs positive shares and price")
    if order.fees < 0:
        raise ValueError(f"order {order.id}: fees cannot be negative")
    filled = sum(f.shares for f in order.fills)
    if filled > order.shares * (1 + 1e-12):
        raise ValueError(f"order {order.id}: fills ({filled:g} shares) exceed the order ({order.shares:g})")
    if filled < order.shares and order.end_price is None:
        raise ValueError(f"order {order.id}: {order.shares - filled:g} shares unfilled needs an end_price")


def implementation_shortfall(order: OrderSpec) -> Shortfall:
    """Perold's shortfall of ``order`` in dollars and bps of ``shares × decision_price``.

    Raises ValueError on an unknown side, non-positive shares or prices, fills above the order
    size, or unfilled shares without an ``end_price``.
    """
    _check(order)
    s = side_sign(order.side)
    p_d = order.decision_price
    p_0 = p_d if order.start_price is None else order.start_price
    filled = sum(f.shares for f in order.fills)
    unfilled = max(order.shares - filled, 0.0)
    paper = order.shares * p_d
    delay = s * filled * (p_0 - p_d)
    execution = s * sum(f.shares * (f.price - p_0) for f in order.fills)
    end = p_d if order.end_price is None else order.end_price
    opportunity = s * unfilled * (end - p_d)
    total = delay + execution + opportunity + order.fees

    def comp(usd: float) -> Component:
        return Component(usd=usd, bps=usd / paper * BPS)

    adjusted = None
    if order.market_return is not None and order.beta is not None:
        adjusted = total / paper * BPS - order.beta * order.market_return * BPS
    return Shortfall(
        id=order.id, side=order.side, shares=order.shares, filled=filled, paper_value=paper,
        delay=comp(delay), execution=comp(execution), opportunity=comp(opportunity), fees=comp(order.fees),
        total=comp(total), market_adjusted_bps=adjusted,
    )  # fmt: skip


def shortfall_frame(results: Sequence[Shortfall]) -> pl.DataFrame:
    """One row per order: ``id, side, shares, filled, paper_value`` and ``<component>_usd/_bps``."""
    schema = {"id": pl.Utf8, "side": pl.Utf8, "shares": pl.Float64, "filled": pl.Float64, "paper_value": pl.Float64}
    names = ("delay", "execution", "opportunity", "fees", "total")
    schema |= {f"{n}_{u}": pl.Float64 for n in names for u in ("usd", "bps")}
    rows = [
        {"id": r.id, "side": r.side, "shares": r.shares, "filled": r.filled, "paper_value": r.paper_value}
        | {f"{n}_{u}": getattr(getattr(r, n), u) for n in names for u in ("usd", "bps")}
        for r in results
    ]
    return pl.DataFrame(rows, schema=schema)


# ----------------------------------------------------------------------------- benchmarks
@dataclass(frozen=True, slots=True)
class Benchmarks:
    """Reference prices (dollars) of an order; None where the data lack them."""

    arrival: float | None
    vwap: float | None
    twap: float | None
    previous_close: float | None
    open: float | None
    close: float | None

    def as_dict(self) -> dict[str, float | None]:
        return {k: getattr(self, k) for k in ("arrival", "vwap", "twap", "previous_close", "open", "close")}


def interval_benchmarks(bars: pl.DataFrame, *, start: dt.datetime, end: dt.datetime) -> tuple[float | None, ...]:
    """``(arrival, vwap, twap)`` over ``bars`` (``ts, close, volume``; ``vwap`` used when present)
    with ``start <= ts <= end``: arrival = the close of the last bar at or before ``start`` (else
    the first in the interval), VWAP = Σ v·p / Σ v, TWAP = mean of the bar closes. Nones when empty."""
    price = pl.col("vwap").fill_null(pl.col("close")) if "vwap" in bars.columns else pl.col("close")
    inside = bars.filter((pl.col("ts") >= start) & (pl.col("ts") <= end)).sort("ts")
    before = bars.filter(pl.col("ts") <= start).sort("ts")
    arrival = before["close"][-1] if before.height else (inside["close"][0] if inside.height else None)
    if inside.height == 0:
        return arrival, None, None
    agg = inside.select(
        vwap=(price * pl.col("volume")).sum() / pl.col("volume").sum(), twap=pl.col("close").mean()
    ).row(0)
    vwap = agg[0] if agg[0] is not None and math.isfinite(agg[0]) else None
    return arrival, vwap, agg[1]


def slippage_bps(price: float, benchmark: float | None, side: str) -> float | None:
    """Signed slippage of an average execution ``price`` against ``benchmark``, bps of the
    benchmark; positive = worse than the benchmark (paid more on a buy, received less on a sell)."""
    if benchmark is None or benchmark <= 0:
        return None
    return side_sign(side) * (price - benchmark) / benchmark * BPS


def slippages(price: float, marks: Benchmarks, side: str) -> dict[str, float | None]:
    """:func:`slippage_bps` of ``price`` against every benchmark of ``marks``."""
    return {k: slippage_bps(price, v, side) for k, v in marks.as_dict().items()}


# ----------------------------------------------------------------------------- timing
def timing_profile(intraday: pl.DataFrame, *, size_share: float, impact_k: float = 1.0) -> pl.DataFrame:
    """Expected cost of trading ``size_share`` of a day's volume inside each half-hour bucket.

    ``intraday``: ``symbol, date, bucket, volume_share, abs_ret, rel_spread`` (TAQ ``taq_intraday``;
    ``abs_ret`` = mean |1-minute log return|, ``rel_spread`` a fraction of the mid). Per symbol and
    bucket, averaged over days: participation = size_share / volume_share; 30-minute volatility
    σ = mean|r|·√(π/2)·√30 (normal returns); cost_bps = 1e4·(rel_spread/2 + k·σ·√participation).
    Returns ``symbol, bucket, volume_share, rel_spread_bps, vol_30m_bps, participation, cost_bps,
    rank`` (1 = cheapest bucket of the symbol). Missing spreads count as 0.
    """
    if size_share <= 0:
        raise ValueError("size_share must be positive (a fraction of the day's volume)")
    prof = intraday.group_by("symbol", "bucket").agg(
        pl.col("volume_share").mean(), pl.col("abs_ret").mean(), pl.col("rel_spread").mean().fill_null(0.0)
    )
    sigma = pl.col("abs_ret") * math.sqrt(math.pi / 2.0) * math.sqrt(30.0)
    part = size_share / pl.col("volume_share")
    out = prof.filter(pl.col("volume_share") > 0).with_columns(
        rel_spread_bps=pl.col("rel_spread") * BPS,
        vol_30m_bps=sigma * BPS,
        participation=part,
        cost_bps=(pl.col("rel_spread") / 2.0 + impact_k * sigma * part.sqrt()) * BPS,
    )
    out = out.with_columns(rank=pl.col("cost_bps").rank("ordinal").over("symbol").cast(pl.Int64))
    return out.select(
        "symbol", "bucket", "volume_share", "rel_spread_bps", "vol_30m_bps", "participation", "cost_bps", "rank"
    ).sort("symbol", "bucket")


def size_bucket(paper_value: pl.Expr) -> pl.Expr:
    """Order-size bucket label from the paper value in dollars (log-spaced, for the page's table)."""
    return (
        pl.when(paper_value < 10_000).then(pl.lit("< $10k"))
        .when(paper_value < 100_000).then(pl.lit("$10k–100k"))
        .when(paper_value < 1_000_000).then(pl.lit("$100k–1M"))
        .otherwise(pl.lit("≥ $1M"))
    )  # fmt: skip
