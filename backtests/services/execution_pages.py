"""What the execution-quality pages show: tables and chart data built from
:mod:`backtests.services.execution` and the TAQ Tier 1 datasets (``warehouse.readers.taq_rows``)."""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from backtests.analytics.execution import interval_benchmarks, slippages, timing_profile
from backtests.data import DataUnavailable, data_range
from backtests.services.execution import COMPONENTS, ExecutionSummary, order_quality
from backtests.services.strategies import warehouse_prices
from quant.models import Order, Strategy
from warehouse.readers.taq import taq_rows

LABELS = {"arrival": "Arrival", "vwap": "Interval VWAP", "twap": "Interval TWAP", "previous_close": "Previous close",
          "open": "Open", "close": "Close"}  # fmt: skip
DEFAULT_SIZE = 0.01  # an order of 1 % of the day's volume
TAQ_HINT = "python manage.py taq_build --demo"


def replay_command(strategy: Strategy) -> str:
    return f'python manage.py paper_run --strategy "{strategy.name}" --start 2024-01-02 --end 2024-12-31'


def _clean(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None  # type: ignore[arg-type]


def _rows(frame: pl.DataFrame, key: str) -> list[dict[str, Any]]:
    return [{"key": str(r[key]), **{k: r[k] for k in r if k != key}} for r in frame.iter_rows(named=True)]


def summary_context(s: ExecutionSummary) -> dict[str, Any]:
    """Tables (rows of dicts) and the chart JSON of the strategy page."""
    by_day = s.by_day.sort("trade_date")
    chart = {"dates": [d.isoformat() for d in by_day["trade_date"]]}
    chart |= {n: [_clean(v) for v in by_day[f"{n}_bps"]] for n in COMPONENTS}
    by_symbol = s.by_symbol.sort("total_usd", descending=True)
    return {
        "totals": s.totals, "n_orders": s.n_orders, "skipped": s.skipped, "chart": chart,
        "by_symbol": _rows(by_symbol.head(25), "symbol"), "n_symbols": by_symbol.height,
        "by_size": _rows(s.by_size, "size"), "worst": s.worst, "by_day": _rows(by_day.tail(12), "trade_date"),
    }  # fmt: skip


def timing_context(symbol: str | None, size: str | None) -> dict[str, Any]:
    """Trade-timing advice for a TAQ symbol: half-hour buckets ranked by expected cost."""
    intraday = taq_rows("taq_intraday")
    symbols = sorted(intraday["symbol"].unique().to_list()) if intraday.height else []
    try:
        share = float(size) / 100.0 if size else DEFAULT_SIZE
    except ValueError:
        share = DEFAULT_SIZE
    share = min(max(share, 1e-5), 1.0) if math.isfinite(share) else DEFAULT_SIZE
    chosen = symbol if symbol in symbols else (symbols[0] if symbols else None)
    ctx: dict[str, Any] = {"symbols": symbols, "symbol": chosen, "size_pct": share * 100, "hint": TAQ_HINT}
    if chosen is None:
        return ctx
    profile = timing_profile(intraday.filter(pl.col("symbol") == chosen), size_share=share)
    ctx["rows"] = profile.sort("bucket").to_dicts()
    ctx["best"] = profile.sort("rank").head(3)["bucket"].to_list()
    ctx["sessions"] = intraday.filter(pl.col("symbol") == chosen)["date"].n_unique()
    return ctx


def _bars(symbol: str, order: Order) -> pl.DataFrame:
    bars = taq_rows("taq_bars_1m", symbol=symbol)
    return bars.filter(pl.col("date") == order.trade_date) if bars.height else bars


def order_context(order: Order) -> dict[str, Any]:
    """One order: its shortfall, benchmarks and slippages, the fills and the chart data (TAQ 1-minute
    bars of the session when they exist, else the daily marks: previous close, open, close)."""
    fills = sorted(order.fills.all(), key=lambda f: f.filled_at)
    ctx: dict[str, Any] = {"order": order, "fills": fills}
    try:
        quality = order_quality(order, warehouse_prices(data_range("warehouse").last))
    except DataUnavailable as exc:
        return ctx | {"error": str(exc)}
    if quality is None:
        return ctx | {"error": f"no warehouse price for {order.symbol} on {order.trade_date}"}
    marks, avg = quality.benchmarks, quality.avg_price
    bars = _bars(order.symbol, order)
    chart: dict[str, Any] = {"fills": [{"t": f.filled_at.isoformat(), "price": float(f.price),
                                        "shares": float(f.quantity)} for f in fills]}  # fmt: skip
    if bars.height and fills:
        arrival, vwap, twap = interval_benchmarks(bars, start=fills[0].filled_at.replace(tzinfo=None),
                                                  end=fills[-1].filled_at.replace(tzinfo=None))  # fmt: skip
        marks = type(marks)(arrival=arrival, vwap=vwap, twap=twap, previous_close=marks.previous_close,
                            open=float(bars["open"][0]), close=float(bars["close"][-1]))  # fmt: skip
        chart |= {"kind": "intraday", "times": [t.strftime("%H:%M") for t in bars["ts"]],
                  "close": bars["close"].to_list()}  # fmt: skip
    else:
        chart |= {"kind": "daily"}
    chart["marks"] = {k: v for k, v in marks.as_dict().items() if v is not None}
    slip = slippages(avg, marks, order.side) if avg is not None else {}
    rows = [(LABELS[k], v, slip.get(k)) for k, v in marks.as_dict().items()]
    ctx |= {"quality": quality, "benchmarks": rows, "chart": chart}
    return ctx
