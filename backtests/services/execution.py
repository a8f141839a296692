"""Execution quality of orders: from a user's JSON file (``execution_report``) or from the
platform's own orders and fills (the execution page), through :mod:`backtests.analytics.execution`.

The JSON keys are an interface (docs/backtests.md, "Execution quality"). For the platform's orders
the prices come from a price source in the fills' own units (the paper broker's warehouse price
index, ``backtests.prices``): decision price = the previous session's close (the signal's data),
start price = the session's open, end price = its close (unfilled shares are cancelled at the
close: day orders); fees are the fills' fees.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from backtests.analytics.execution import (
    Benchmarks,
    FillSpec,
    OrderSpec,
    Shortfall,
    implementation_shortfall,
    shortfall_frame,
    size_bucket,
    slippages,
)
from quant.trading.broker import Bar
from quant.trading.models import Order

COMPONENTS = ("delay", "execution", "opportunity", "fees", "total")
ORDER_KEYS = {"id", "side", "shares", "decision_price", "start_price", "fills", "fees", "end_price",
              "market_return", "beta"}  # fmt: skip


# ----------------------------------------------------------------------------- the JSON interface
def _number(order_id: str, key: str, value: Any, *, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"order {order_id}: {key} must be a number, got {value!r}")
    return float(value)


def order_from_dict(data: Any, index: int) -> OrderSpec:
    """One order of the ``execution_report`` file (see the module docstring); ValueError naming the
    order and the key on anything malformed."""
    if not isinstance(data, dict):
        raise ValueError(f"order #{index + 1} must be an object, got {type(data).__name__}")
    oid = str(data.get("id", f"#{index + 1}"))
    unknown = set(data) - ORDER_KEYS
    if unknown:
        raise ValueError(f"order {oid}: unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("side", "shares", "decision_price"):
        if key not in data:
            raise ValueError(f"order {oid}: missing {key!r}")
    fills = data.get("fills", [])
    if not isinstance(fills, list):
        raise ValueError(f"order {oid}: fills must be a list of {{shares, price}}")
    specs = []
    for f in fills:
        if not isinstance(f, dict) or set(f) != {"shares", "price"}:
            raise ValueError(f"order {oid}: every fill needs exactly shares and price")
        specs.append(FillSpec(shares=_number(oid, "fill shares", f["shares"]) or 0.0,
                              price=_number(oid, "fill price", f["price"]) or 0.0))  # fmt: skip
    return OrderSpec(
        id=oid, side=str(data["side"]), shares=_number(oid, "shares", data["shares"]) or 0.0,
        decision_price=_number(oid, "decision_price", data["decision_price"]) or 0.0, fills=tuple(specs),
        fees=_number(oid, "fees", data.get("fees", 0.0)) or 0.0,
        start_price=_number(oid, "start_price", data.get("start_price"), optional=True),
        end_price=_number(oid, "end_price", data.get("end_price"), optional=True),
        market_return=_number(oid, "market_return", data.get("market_return"), optional=True),
        beta=_number(oid, "beta", data.get("beta"), optional=True),
    )  # fmt: skip


def orders_from_file(path: str | Path) -> list[OrderSpec]:
    """Parse an ``execution_report`` file: a JSON list of orders."""
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError as exc:
        raise ValueError(f"{path}: no such file") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from exc
    if not isinstance(data, list) or not data:
        raise ValueError(f"{path}: expected a non-empty JSON list of orders")
    return [order_from_dict(item, i) for i, item in enumerate(data)]


def shortfall_payload(results: Iterable[Shortfall]) -> dict[str, list[dict[str, Any]]]:
    """``{"orders": [{"id", "paper_value", "delay": {"usd", "bps"}, …, "total", "market_adjusted"}]}``
    (``market_adjusted`` only when the order gave both ``beta`` and ``market_return``)."""
    rows = []
    for r in results:
        row: dict[str, Any] = {"id": r.id, "paper_value": r.paper_value}
        for name in COMPONENTS:
            c = getattr(r, name)
            row[name] = {"usd": c.usd, "bps": c.bps}
        if r.market_adjusted_bps is not None:
            row["market_adjusted"] = {"bps": r.market_adjusted_bps}
        rows.append(row)
    return {"orders": rows}


def execution_report_file(path: str | Path) -> list[Shortfall]:
    """Shortfall of every order in the file (ValueError on bad input, naming the order)."""
    return [implementation_shortfall(o) for o in orders_from_file(path)]


# ----------------------------------------------------------------------------- the platform's orders
class DailyPrices(Protocol):
    """What the platform side needs of a price source (``backtests.prices.WarehousePrices``)."""

    def bar(self, symbol: str, date: dt.date) -> Bar | None: ...
    def last_bar(self, symbol: str, date: dt.date) -> Bar | None: ...


@dataclass(frozen=True, slots=True)
class OrderQuality:
    """One platform order: its shortfall, benchmarks and the slippage of its average fill price."""

    order: Order
    shortfall: Shortfall
    benchmarks: Benchmarks
    avg_price: float | None
    slippage_bps: dict[str, float | None]


def _close(bar: Bar | None) -> float | None:
    return None if bar is None else float(bar.close)


def order_quality(order: Order, prices: DailyPrices) -> OrderQuality | None:
    """The quality of one order from daily prices; None when the prices lack its symbol or day."""
    fills = list(order.fills.all())
    day = prices.bar(order.symbol, order.trade_date)
    prev = prices.last_bar(order.symbol, order.trade_date - dt.timedelta(days=1))
    if day is None or prev is None:
        return None
    marks = Benchmarks(arrival=float(day.open), vwap=None, twap=None, previous_close=float(prev.close),
                       open=float(day.open), close=float(day.close))  # fmt: skip
    spec = OrderSpec(
        id=order.client_order_id, side=order.side, shares=float(order.quantity),
        decision_price=float(prev.close), start_price=float(day.open), end_price=float(day.close),
        fills=tuple(FillSpec(float(f.quantity), float(f.price)) for f in fills),
        fees=float(sum(f.fees for f in fills)),
    )  # fmt: skip
    shortfall = implementation_shortfall(spec)
    filled = sum(f.shares for f in spec.fills)
    avg = sum(f.shares * f.price for f in spec.fills) / filled if filled else None
    slip = slippages(avg, marks, order.side) if avg is not None else dict.fromkeys(marks.as_dict())
    return OrderQuality(order=order, shortfall=shortfall, benchmarks=marks, avg_price=avg, slippage_bps=slip)


def strategy_order_quality(orders: Iterable[Order], prices: DailyPrices) -> tuple[list[OrderQuality], int]:
    """Quality of every order that has a price, and how many were skipped for lack of one."""
    done, skipped = [], 0
    for order in orders:
        q = order_quality(order, prices)
        if q is None:
            skipped += 1
        else:
            done.append(q)
    return done, skipped


@dataclass(frozen=True, slots=True)
class ExecutionSummary:
    """The page's tables: totals, by day, by symbol, by order-size bucket, the worst orders."""

    totals: dict[str, float]
    by_day: pl.DataFrame
    by_symbol: pl.DataFrame
    by_size: pl.DataFrame
    worst: list[OrderQuality]
    n_orders: int
    skipped: int


def _grouped(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """Σ dollars per component and bps of the group's paper value (value-weighted)."""
    sums = [pl.col(f"{n}_usd").sum() for n in COMPONENTS]
    out = frame.group_by(key).agg(pl.len().alias("orders"), pl.col("paper_value").sum(), *sums)
    bps = [(pl.col(f"{n}_usd") / pl.col("paper_value") * 1e4).alias(f"{n}_bps") for n in COMPONENTS]
    return out.with_columns(bps).sort(key)


def execution_summary(quality: list[OrderQuality], *, skipped: int = 0, worst: int = 10) -> ExecutionSummary:
    """Aggregate per-order shortfalls (see :class:`ExecutionSummary`)."""
    frame = shortfall_frame([q.shortfall for q in quality]).with_columns(
        trade_date=pl.Series([q.order.trade_date for q in quality], dtype=pl.Date),
        symbol=pl.Series([q.order.symbol for q in quality], dtype=pl.Utf8),
    )
    frame = frame.with_columns(size=size_bucket(pl.col("paper_value")))
    paper = float(frame["paper_value"].sum()) if frame.height else 0.0
    totals = {"paper_value": paper}
    for n in COMPONENTS:
        usd = float(frame[f"{n}_usd"].sum()) if frame.height else 0.0
        totals[f"{n}_usd"] = usd
        totals[f"{n}_bps"] = usd / paper * 1e4 if paper else 0.0
    ranked = sorted(quality, key=lambda q: q.shortfall.total.bps, reverse=True)[:worst]
    return ExecutionSummary(
        totals=totals, by_day=_grouped(frame, "trade_date"), by_symbol=_grouped(frame, "symbol"),
        by_size=_grouped(frame, "size"), worst=ranked, n_orders=len(quality), skipped=skipped,
    )  # fmt: skip
